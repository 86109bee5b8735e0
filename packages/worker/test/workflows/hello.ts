import { proxyActivities, sleep } from '@kairos/workflow';
import type * as activities from '../activities/greetings';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

export async function helloWorkflow(name: string): Promise<string> {
  await sleep(10);
  return await greet(name);
}
