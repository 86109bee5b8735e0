/**
 * Workflows of the testing benchmark. This file and `official.ts` differ only in the import scope.
 */
import { proxyActivities, sleep } from '@kairos/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** Sleeps for 30 days. */
export async function sleepFor30Days(): Promise<string> {
  await sleep('30 days');
  return 'woke up';
}

/** One activity. */
export async function hello(name: string): Promise<string> {
  return await greet(name);
}
