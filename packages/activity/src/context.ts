import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from '@kairos/client';
import { IllegalStateError } from '@kairos/common';
import type { ActivityCancellationDetails, Logger, MetricMeter } from '@kairos/common';
import type { ActivityCancellationDetailsHolder } from '@kairos/common/lib/activity-cancellation-details';
import { msToNumber, type Duration } from '@kairos/common/lib/time';
import type { Info } from './info';

/**
 * Registered symbol under which the context storage lives on `globalThis`. Registered symbols are shared by every
 * copy of this package loaded in the process, so an activity sees its context even when the worker and the
 * activity code resolved different copies of `@kairos/activity`.
 */
const STORAGE_KEY = Symbol.for('__kairos_activity_context_storage__');

function sharedStorage(): AsyncLocalStorage<Context> {
  const holder = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<Context> };
  holder[STORAGE_KEY] ??= new AsyncLocalStorage<Context>();
  return holder[STORAGE_KEY];
}

/**
 * The storage that carries the current activity {@link Context} through the activity's callbacks and promises.
 * The worker runs each activity inside `asyncLocalStorage.run(context, ...)`.
 */
export const asyncLocalStorage: AsyncLocalStorage<Context> = sharedStorage();

/**
 * Everything an activity can do with the worker that runs it: read its {@link Info}, send heartbeats, learn that
 * it was cancelled, sleep without ignoring cancellation, log and record metrics, and use the worker's client.
 *
 * Get it with `Context.current()` anywhere in the activity's call tree (it follows promises and callbacks).
 *
 * Cancellation reaches a remote activity only through its heartbeats: an activity that never calls
 * {@link Context.heartbeat | `heartbeat()`} is not told. Local activities are told without heartbeating.
 */
export class Context {
  /**
   * The context of the activity that is running in the current asynchronous call tree.
   *
   * @throws {@link IllegalStateError} when called outside an activity.
   */
  static current(): Context {
    const context = asyncLocalStorage.getStore();
    if (context === undefined) {
      throw new IllegalStateError(
        'Activity context not initialized: Context.current() and the @kairos/activity functions only work inside ' +
          'an activity run by a Worker or a MockActivityEnvironment',
      );
    }
    return context;
  }

  /**
   * Built by the worker (or a mock environment) for each attempt; activity code never constructs one.
   *
   * @ignore
   */
  constructor(
    /** The attempt being run. */
    public readonly info: Info,
    /**
     * Rejects with a `CancelledFailure` once cancellation is requested and never resolves. `await` it (for
     * instance in a `Promise.race`) to stop work when cancelled.
     */
    public readonly cancelled: Promise<never>,
    /**
     * Aborted, with the `CancelledFailure` as its reason, once cancellation is requested. Give it to APIs that
     * accept an `AbortSignal` (`fetch`, `child_process`, timers...) so they stop when the activity is cancelled.
     */
    public readonly cancellationSignal: AbortSignal,
    /** Where {@link heartbeat} sends its details. */
    protected readonly heartbeatFn: (details?: unknown) => void,
    /** The worker's client, if it has one. */
    protected readonly _client: Client | undefined,
    /**
     * Logger whose messages carry the activity's attributes (ids, type, attempt...) and `sdkComponent:
     * 'activity'`. Add attributes with an outbound interceptor's `getLogAttributes()`; reassigning this field
     * bypasses those interceptors.
     */
    public log: Logger,
    /**
     * Metric meter whose metrics carry the activity's tags (namespace, task queue, activity type). Add tags with
     * an outbound interceptor's `getMetricTags()`.
     */
    public readonly metricMeter: MetricMeter,
    /** Filled in by the worker when the activity is cancelled. */
    protected readonly _cancellationDetails: ActivityCancellationDetailsHolder,
  ) {}

  /**
   * Records a heartbeat: tells the server the activity is alive and stores `details` as a checkpoint. If this
   * attempt fails or times out, the next attempt finds the last details in {@link Info.heartbeatDetails}, and a
   * final heartbeat timeout reports them in `TimeoutFailure.lastHeartbeatDetails`.
   *
   * The worker throttles what it sends (by default to 80% of the heartbeat timeout), so calling it often is cheap.
   * It has no effect in a local activity. It never throws because of cancellation: watch {@link cancelled} or
   * {@link cancellationSignal} for that.
   */
  readonly heartbeat = (details?: unknown): void => {
    this.heartbeatFn(details);
  };

  /**
   * Waits `ms` (milliseconds, or a string such as `'5s'`) unless the activity is cancelled first, in which case
   * the returned promise rejects with the `CancelledFailure`.
   */
  readonly sleep = (ms: Duration): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Parsed inside the executor so that a bad duration rejects the promise rather than throwing.
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, msToNumber(ms));
    });
    // Cancellation wins the race and stops the timer, so a cancelled activity does not keep the process busy.
    const interrupted = this.cancelled.finally(() => clearTimeout(timer));
    return Promise.race([elapsed, interrupted]);
  };

  /**
   * A client connected to the worker's namespace, for example to signal a workflow from an activity.
   *
   * @throws {@link IllegalStateError} when the activity runs without a client (a `MockActivityEnvironment` built
   * without one).
   */
  get client(): Client {
    if (this._client === undefined) {
      throw new IllegalStateError(
        'No Client available to this activity: it is running without one (for example in a ' +
          'MockActivityEnvironment created without the `client` option)',
      );
    }
    return this._client;
  }

  /**
   * Why the activity was cancelled, once it was; `undefined` before.
   *
   * @experimental Cancellation details cover experimental server features (pause, reset) and may change.
   */
  get cancellationDetails(): ActivityCancellationDetails | undefined {
    return this._cancellationDetails.details;
  }
}
