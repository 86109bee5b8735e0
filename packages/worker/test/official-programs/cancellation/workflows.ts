import { CancellationScope, CancelledFailure, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { releaseReservation } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

/** Each way a scope gets cancelled, and one scope that is shielded from cancellation. */
export async function scopeTour(): Promise<string[]> {
  const seen: string[] = [];

  try {
    await CancellationScope.withTimeout('50ms', () => sleep('1 minute'));
    seen.push('withTimeout: finished');
  } catch (err) {
    seen.push(`withTimeout: ${isCancellation(err) ? 'cancelled' : String(err)}`);
  }

  const scope = new CancellationScope();
  const sleeping = scope.run(() => sleep('1 minute'));
  scope.cancel();
  try {
    await sleeping;
    seen.push('cancel(): finished');
  } catch (err) {
    seen.push(`cancel(): ${err instanceof CancelledFailure ? 'CancelledFailure' : String(err)}`);
  }

  const outer = new CancellationScope();
  const shielded = outer.run(() =>
    CancellationScope.nonCancellable(async () => {
      await sleep(20);
      return 'nonCancellable: finished despite the outer cancel';
    }),
  );
  outer.cancel();
  seen.push(await shielded);

  const watched = new CancellationScope();
  const requested = watched.cancelRequested.catch(
    (err: unknown) => `cancelRequested: rejected with ${(err as Error).name}`,
  );
  watched.cancel();
  seen.push(await requested);
  seen.push(`consideredCancelled: ${watched.consideredCancelled}`);

  const inner = await CancellationScope.cancellable(async () => CancellationScope.current().cancellable);
  seen.push(`current() inside cancellable: ${inner}`);
  return seen;
}

/** Waits for a day unless cancelled; on cancellation it cleans up, then reports the cancellation. */
export async function longOrder(orderId: string): Promise<string> {
  try {
    await sleep('1 day');
    return 'delivered';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => releaseReservation(orderId));
    throw err;
  }
}
