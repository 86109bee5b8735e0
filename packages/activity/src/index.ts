/**
 * The activity side of Kairos, compatible with `@temporalio/activity`: inside an activity function, read the
 * attempt's {@link Info}, send heartbeats, react to cancellation, sleep, log, record metrics and use the worker's
 * client, through {@link Context | `Context.current()`} or the shortcut functions.
 *
 * ```ts
 * import { activityInfo, heartbeat, log, sleep } from '@kairos/activity';
 *
 * export async function countTo(n: number): Promise<void> {
 *   const start: number = activityInfo().heartbeatDetails ?? 1; // resume where the last attempt stopped
 *   for (let i = start; i <= n; i++) {
 *     log.info('counting', { i });
 *     await sleep('1s'); // rejects with a CancelledFailure when the activity is cancelled
 *     heartbeat(i);
 *   }
 * }
 * ```
 *
 * @module
 */
export {
  ActivityCancellationDetails,
  type ActivityDefinitionOptions,
  type ActivityFunction,
  type ActivityInterface,
  type ActivityTypeInfoMap,
  ApplicationFailure,
  CancelledFailure,
  CompleteAsyncError,
  type UntypedActivities,
} from '@kairos/common';
export { setActivityOptions } from './activity-options';
export { asyncLocalStorage, Context } from './context';
export {
  activityInfo,
  cancellationDetails,
  cancellationSignal,
  cancelled,
  getClient,
  heartbeat,
  log,
  metricMeter,
  sleep,
} from './current-activity';
export type { Info } from './info';
