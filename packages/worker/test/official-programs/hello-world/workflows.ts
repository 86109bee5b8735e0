import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { composeGreeting } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
});

/** Greets someone through an activity. */
export async function greet(name: string): Promise<string> {
  return await composeGreeting('Hello', name);
}
