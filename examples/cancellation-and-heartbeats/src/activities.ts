/** Activities: a long job that heartbeats its progress, resumes from it, and cleans up when cancelled. */
import { activityInfo, CancelledFailure, heartbeat, log, sleep } from '@kairos/activity';

/**
 * Counts from where the last attempt stopped (its last heartbeat) to 100, one step every `stepMs`, heartbeating
 * each step. `sleep` rejects with a `CancelledFailure` once the activity is cancelled; cancellation reaches a
 * remote activity only through its heartbeats.
 */
export async function fakeProgress(stepMs = 100): Promise<number> {
  const start: number = activityInfo().heartbeatDetails ?? 1;
  let progress = start;
  try {
    for (; progress <= 100; progress++) {
      await sleep(stepMs);
      heartbeat(progress);
    }
    return 100;
  } catch (err) {
    if (err instanceof CancelledFailure) log.info('fakeProgress cancelled', { progress, reason: err.message });
    throw err;
  }
}

/** Releases what the job held; the workflow runs it even while it is being cancelled. */
export async function releaseResources(): Promise<string> {
  return 'resources released';
}
