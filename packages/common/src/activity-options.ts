import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';
import type { Priority } from './priority';
import type { RetryPolicy } from './retry-policy';
import type { Duration } from './time';
import type { VersioningIntent } from './versioning-intent';

/**
 * Whether cancelling the workflow (or the cancellation scope) that called an activity is propagated to the
 * activity, and when the call then fails with an `ActivityFailure` caused by a `CancelledFailure`. It only applies
 * to cancellation: terminating the workflow always cancels its activities.
 *
 * @default 'WAIT_CANCELLATION_COMPLETED'
 */
export const ActivityCancellationType = {
  /** Do not tell the activity; report the cancellation to the caller at once. */
  ABANDON: 'ABANDON',
  /**
   * Ask the server to cancel the activity and report the cancellation to the caller at once, without waiting for
   * the request to be delivered; the activity may still complete. Use `WAIT_CANCELLATION_COMPLETED` to learn
   * the activity's actual outcome.
   */
  TRY_CANCEL: 'TRY_CANCEL',
  /**
   * Ask the server to cancel the activity and wait until it finishes (successfully, with a failure, or cancelled).
   * The activity only learns about the cancellation when it heartbeats.
   */
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
} as const;
/** Whether and how cancellation is propagated to an activity. */
export type ActivityCancellationType = (typeof ActivityCancellationType)[keyof typeof ActivityCancellationType];

const UNPREFIXED = '';

/**
 * Maps {@link ActivityCancellationType} to the numbers of the core protocol's enum and back. That enum has no
 * unspecified member and its names carry no prefix.
 */
export const [encodeActivityCancellationType, decodeActivityCancellationType] = makeProtoEnumConverters<
  number,
  typeof ActivityCancellationType,
  typeof UNPREFIXED
>({ TRY_CANCEL: 0, WAIT_CANCELLATION_COMPLETED: 1, ABANDON: 2 }, UNPREFIXED);

/**
 * Options of an activity called from a workflow. One of `startToCloseTimeout` and `scheduleToCloseTimeout` is
 * required.
 *
 * @deprecated Import from `@kairos/workflow`.
 */
export interface ActivityOptions {
  /**
   * The activity id recorded in history and visible to the activity; need not be unique.
   *
   * @default an incremental sequence number
   */
  activityId?: string;
  /**
   * The task queue to schedule the activity on.
   *
   * @default the workflow's task queue
   */
  taskQueue?: string;
  /**
   * Maximum time between heartbeats (or between the start and the first heartbeat).
   *
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  heartbeatTimeout?: Duration;
  /**
   * How the activity is retried; set `maximumAttempts: 1` for no retries.
   *
   * @default the server's default activity retry policy
   */
  retry?: RetryPolicy;
  /**
   * Maximum time of one attempt. The server relies on it to notice a crashed worker, so keep it close to the
   * longest expected run and use heartbeats for long activities.
   *
   * @default `scheduleToCloseTimeout` or unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  startToCloseTimeout?: Duration;
  /**
   * Maximum time the activity task waits in the task queue before a worker picks it up. Never retried.
   *
   * @default `scheduleToCloseTimeout` or unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  scheduleToStartTimeout?: Duration;
  /**
   * Maximum time of the whole activity, retries included.
   *
   * @default unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  scheduleToCloseTimeout?: Duration;
  /**
   * How cancellation is propagated to the activity.
   *
   * @default 'WAIT_CANCELLATION_COMPLETED'
   */
  cancellationType?: ActivityCancellationType;
  /**
   * Whether the server may hand the activity task straight back to this worker (eager execution), when the
   * activity runs on the workflow's task queue.
   *
   * @default true
   */
  allowEagerDispatch?: boolean;
  /**
   * Whether the activity should run on a worker with a compatible build id.
   *
   * @default 'COMPATIBLE'
   * @deprecated Worker Versioning is deprecated; use Worker Deployments.
   */
  versioningIntent?: VersioningIntent;
  /** A fixed one-line summary shown in the UI and CLI (Temporal markdown). */
  summary?: string;
  /** The priority of the activity's tasks. */
  priority?: Priority;
}

/**
 * Options of a local activity called from a workflow. One of `startToCloseTimeout` and `scheduleToCloseTimeout`
 * is required.
 *
 * @deprecated Import from `@kairos/workflow`.
 */
export interface LocalActivityOptions {
  /**
   * How the local activity is retried. It always runs at least once, even with `maximumAttempts: 1`, because
   * workflow tasks are retried.
   *
   * @default the SDK's default local activity retry policy
   */
  retry?: RetryPolicy;
  /**
   * Maximum time of one attempt after it is dispatched; always retryable. Clamped to `scheduleToCloseTimeout`.
   *
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  startToCloseTimeout?: Duration;
  /**
   * Maximum time the local activity waits for a free execution slot; never retried. Clamped to
   * `scheduleToCloseTimeout`.
   *
   * @default `scheduleToCloseTimeout` or unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  scheduleToStartTimeout?: Duration;
  /**
   * Maximum time of the whole local activity, retries included.
   *
   * @default unlimited
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  scheduleToCloseTimeout?: Duration;
  /**
   * Backoff above which the next attempt waits on a server timer instead of in the worker.
   *
   * @default 1 minute
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  localRetryThreshold?: Duration;
  /**
   * How cancellation is propagated to the local activity.
   *
   * @default 'WAIT_CANCELLATION_COMPLETED'
   */
  cancellationType?: ActivityCancellationType;
  /** A fixed one-line summary shown in the UI and CLI (Temporal markdown). */
  summary?: string;
}
