/** Workflows: deterministic code that the worker runs in an isolate and can replay from history. */
import { proxyActivities } from '@kairos/workflow';
// Only the activities' types are imported: workflow code never calls them directly.
import type * as activities from './activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

/** Greets `name` through the `greet` activity. */
export async function example(name: string): Promise<string> {
  return await greet(name);
}
