/**
 * Workflows: `runCancellableActivity` runs a heartbeating activity; when the workflow is cancelled, the activity
 * is cancelled too (the workflow waits until it has stopped), and the workflow cleans up in a non-cancellable
 * scope before reporting the cancellation. Like the official `activities-cancellation-heartbeating` sample.
 */
import { ActivityCancellationType, CancellationScope, isCancellation, proxyActivities } from '@kairos/workflow';
import type * as activities from './activities';

const { fakeProgress } = proxyActivities<typeof activities>({
  startToCloseTimeout: '60 seconds',
  // Without a heartbeat for a second the attempt times out; heartbeats also carry cancellation to the activity.
  heartbeatTimeout: '1 second',
  // Tell the workflow about the cancellation only once the activity has stopped.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});
const { releaseResources } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function runCancellableActivity(stepMs = 100): Promise<number> {
  try {
    return await fakeProgress(stepMs);
  } catch (err) {
    if (isCancellation(err)) {
      // A cancelled scope cancels every activity started in it: clean up in one that cannot be cancelled.
      await CancellationScope.nonCancellable(() => releaseResources());
    }
    throw err;
  }
}
