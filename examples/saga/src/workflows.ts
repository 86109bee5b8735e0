/**
 * Workflows: a saga. `bookTrip` books a car, a hotel and a flight; each booking that succeeds pushes the
 * activity that undoes it, and when a later step fails the workflow runs those compensations in reverse order
 * before failing, so that no half-booked trip is left behind.
 */
import { ApplicationFailure, CancellationScope, proxyActivities } from '@kairos/workflow';
import type * as activities from './activities';
import type { Trip } from './activities';

const { bookCar, bookHotel, bookFlight, cancelCar, cancelHotel } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

export async function bookTrip(trip: Trip): Promise<string[]> {
  const booked: string[] = [];
  const compensations: Array<() => Promise<string>> = [];
  try {
    booked.push(await bookCar(trip));
    compensations.unshift(() => cancelCar(trip));
    booked.push(await bookHotel(trip));
    compensations.unshift(() => cancelHotel(trip));
    booked.push(await bookFlight(trip));
    return booked;
  } catch (err) {
    // Compensations must run even if the workflow is being cancelled.
    const undone = await CancellationScope.nonCancellable(async () => {
      const lines: string[] = [];
      for (const compensate of compensations) lines.push(await compensate());
      return lines;
    });
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw ApplicationFailure.nonRetryable(`trip not booked (${reason}); ${undone.join(', ')}`, 'TripNotBooked');
  }
}
