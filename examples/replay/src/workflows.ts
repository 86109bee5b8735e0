/** Workflows: a greeting with a timer and an activity, whose histories the example exports and replays. */
import { proxyActivities, sleep } from '@kairos/workflow';
import type * as activities from './activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function greetLater(name: string): Promise<string> {
  await sleep('100 milliseconds');
  return await greet(name);
}
