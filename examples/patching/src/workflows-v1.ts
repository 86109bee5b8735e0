/**
 * The first version of `greet`, as it was deployed before the change (kept to record `history/greet-v1.json`
 * again with `pnpm record-v1`). Workflows started with it may still be running when the new code is deployed.
 */
import { proxyActivities, sleep } from '@kairos/workflow';
import type * as activities from './activities';

const { casualGreeting } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function greet(name: string): Promise<string> {
  await sleep('1 second');
  return await casualGreeting(name);
}
