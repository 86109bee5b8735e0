import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { type Duration, msNumberToTs, msToNumber } from '@kairos/common/lib/time';
import { userMetadataToPayload } from '@kairos/common/lib/user-metadata';
import { CancellationScope } from './cancellation-scope';
import { rejectEventGroups } from './event-groups';
import { getActivator } from './global-attributes';
import type { TimerInput, TimerOptions } from './interceptors';
import { untrackPromise } from './stack-helpers';

function timerNextHandler({ seq, durationMs, options }: TimerInput): Promise<void> {
  const activator = getActivator();
  return new Promise<void>((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch((err) => {
          if (!activator.completions.timer.delete(seq)) return; // already fired
          activator.pushCommand({ cancelTimer: { seq } });
          reject(err);
        }),
      );
    }
    activator.pushCommand({
      startTimer: { seq, startToFireTimeout: msNumberToTs(durationMs) },
      userMetadata: userMetadataToPayload(activator.payloadConverter, options?.summary, undefined),
    });
    activator.completions.timer.set(seq, { resolve: resolve as (v: unknown) => void, reject });
  });
}

/**
 * Waits `ms` (a number of milliseconds or a string like `'1 day'`) with a durable timer: the workflow can be
 * evicted, the worker restarted, and the timer still fires on time. Cancelling the current scope cancels the
 * timer and rejects with a `CancelledFailure`.
 */
export function sleep(ms: Duration, options?: TimerOptions): Promise<void> {
  const activator = getActivator();
  rejectEventGroups(options?.eventGroups);
  activator.noteCallSite(sleep);
  const seq = activator.nextSeq('timer');
  const durationMs = Math.max(1, msToNumber(ms));
  const execute = composeInterceptors(activator.interceptors.outbound, 'startTimer', timerNextHandler);
  return execute({ durationMs, seq, options });
}

function conditionInner(fn: () => boolean): Promise<void> {
  const activator = getActivator();
  return new Promise<void>((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    const seq = activator.nextSeq('condition');
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch((err) => {
          activator.blockedConditions.delete(seq);
          reject(err);
        }),
      );
    }
    // Checked right away: a condition that already holds does not wait for the next activation.
    if (fn()) {
      resolve();
      return;
    }
    activator.blockedConditions.set(seq, { fn, resolve });
  });
}

/** Waits until `fn` returns true, or `timeout` passes (resolves `false` then). */
export function condition(fn: () => boolean, timeout: Duration, options?: TimerOptions): Promise<boolean>;
/** Waits until `fn` returns true. */
export function condition(fn: () => boolean): Promise<void>;
export async function condition(
  fn: () => boolean,
  timeout?: Duration,
  options?: TimerOptions,
): Promise<void | boolean> {
  if (timeout === undefined) {
    getActivator().noteCallSite(condition);
    return conditionInner(fn);
  }
  // A zero timeout still starts a timer, as the official runtime does; the condition wins if it already holds.
  return CancellationScope.cancellable(async () => {
    try {
      return await Promise.race([sleep(timeout, options).then(() => false), conditionInner(fn).then(() => true)]);
    } finally {
      CancellationScope.current().cancel();
    }
  });
}
