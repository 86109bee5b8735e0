/**
 * {@link ActivityClient}: asynchronous completion of Activities (see {@link AsyncCompletionClient}), and
 * the API of standalone Activities (Activities started by a client, without a Workflow).
 *
 * Standalone Activities are not implemented by Kairos yet: those methods throw a
 * {@link NotImplementedError}.
 *
 * @module
 */
import type {
  ActivityFunction,
  PayloadTypeInfo,
  Priority,
  RetryPolicy,
  SearchAttributePair,
  TypedSearchAttributes,
} from '@kairos/common';
import type { Duration } from '@kairos/common/lib/time';
import type { Replace } from '@kairos/common/lib/type-helpers';
import type { AsyncCompletionClientOptions } from './async-completion-client';
import { AsyncCompletionClient } from './async-completion-client';
import type { ActivityClientInterceptor } from './interceptors';
import { NotImplementedError } from './not-implemented';
import type {
  ActivityExecutionDescription,
  ActivityExecutionInfo,
  ActivityIdConflictPolicy,
  ActivityIdReusePolicy,
  CountActivityExecutions,
} from './types';

const STANDALONE = 'standalone Activities (ActivityClient start/execute/getHandle/list/count)';

/** Options of an {@link ActivityClient}. */
export interface ActivityClientOptions extends AsyncCompletionClientOptions {
  /** Interceptors of the standalone Activity calls. */
  interceptors?: ActivityClientInterceptor[];
}

/**
 * Client for Activities: asynchronous completion (inherited from {@link AsyncCompletionClient}) and
 * standalone Activities. Usually reached as {@link Client.activity}.
 */
export class ActivityClient
  extends AsyncCompletionClient
  implements TypedActivityClient<Record<string, ActivityFunction>>
{
  /** Interceptors of the standalone Activity calls. */
  protected readonly interceptors: ActivityClientInterceptor[];

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: ActivityClientOptions) {
    super(options);
    this.interceptors = options?.interceptors ?? [];
  }

  /** A view of this client whose `start` and `execute` are typed by the Activity interface `T`. */
  typed<T>(): TypedActivityClient<T> {
    return this as unknown as TypedActivityClient<T>;
  }

  /**
   * Starts a standalone Activity.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  async start<R = unknown>(_activity: string, _options: ActivityOptions): Promise<ActivityHandle<R>> {
    throw new NotImplementedError(STANDALONE);
  }

  /**
   * Starts a standalone Activity and waits for its result.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  async execute<R = unknown>(_activity: string, _options: ActivityOptions): Promise<R> {
    throw new NotImplementedError(STANDALONE);
  }

  /**
   * Returns a handle to a standalone Activity.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  getHandle<R = unknown>(_activityId: string, _runId?: string): ActivityHandle<R> {
    throw new NotImplementedError(STANDALONE);
  }

  /**
   * Returns a handle to a standalone Activity, with options.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  getHandleWithOptions<R = unknown>(_activityId: string, _options: GetActivityHandleOptions): ActivityHandle<R> {
    throw new NotImplementedError(STANDALONE);
  }

  /**
   * Lists standalone Activities.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  list(_query: string): AsyncIterable<ActivityExecutionInfo> {
    throw new NotImplementedError(STANDALONE);
  }

  /**
   * Counts standalone Activities.
   *
   * @throws {@link NotImplementedError} always: standalone Activities are not implemented yet.
   */
  async count(_query: string): Promise<CountActivityExecutions> {
    throw new NotImplementedError(STANDALONE);
  }
}

/** A handle to a standalone Activity. */
export interface ActivityHandle<R = unknown> {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly runId?: string;
  /** Waits for and returns the result. */
  result(): Promise<R>;
  /** Describes the Activity. */
  describe(options?: ActivityDescribeOptions): Promise<ActivityExecutionDescription>;
  /** Requests cancellation. */
  cancel(reason: string): Promise<void>;
  /** Terminates the Activity. */
  terminate(reason: string): Promise<void>;
  /**
   * Pauses the Activity.
   *
   * @experimental
   */
  pause(options?: ActivityPauseOptions): Promise<void>;
  /**
   * Unpauses the Activity.
   *
   * @experimental
   */
  unpause(options?: ActivityUnpauseOptions): Promise<void>;
  /**
   * Changes the Activity's options.
   *
   * @experimental
   */
  updateOptions(options: ActivityOptionsUpdate): Promise<ActivityOptionsUpdateResult>;
  /**
   * Restores the options the Activity started with.
   *
   * @experimental
   */
  restoreOriginalOptions(): Promise<ActivityOptionsUpdate>;
}

/** Options for starting a standalone Activity. */
export interface ActivityOptions {
  /** Activity id. */
  id: string;
  /** Task queue. */
  taskQueue: string;
  /** Arguments. */
  args?: unknown[] | Readonly<unknown[]>;
  /**
   * Type information for the arguments and result.
   *
   * @experimental
   */
  typeInfo?: PayloadTypeInfo;
  /** Heartbeat timeout. */
  heartbeatTimeout?: Duration;
  /** Retry policy. */
  retry?: RetryPolicy;
  /** Start-to-close timeout. */
  startToCloseTimeout?: Duration;
  /** Schedule-to-start timeout. */
  scheduleToStartTimeout?: Duration;
  /** Schedule-to-close timeout. */
  scheduleToCloseTimeout?: Duration;
  /** Summary shown in UIs. */
  summary?: string;
  /** Priority. */
  priority?: Priority;
  /** Start delay. */
  startDelay?: Duration;
  /** Id reuse policy. */
  idReusePolicy?: ActivityIdReusePolicy;
  /** Id conflict policy. */
  idConflictPolicy?: ActivityIdConflictPolicy;
  /** Search attributes. */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
}

/** Options of {@link ActivityClient.getHandleWithOptions}. */
export interface GetActivityHandleOptions {
  /** Activity run id. */
  runId?: string;
  /**
   * Type information for the result.
   *
   * @experimental
   */
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

/** What {@link ActivityHandle.describe} includes. */
export interface ActivityDescribeOptions {
  /** Include the input. */
  includeInput?: boolean;
  /** Include the result or closing failure. */
  includeOutcome?: boolean;
  /** Include the heartbeat details. */
  includeHeartbeatDetails?: boolean;
  /** Include the last failure. */
  includeLastFailure?: boolean;
}

/** Options of {@link ActivityHandle.pause}. */
export interface ActivityPauseOptions {
  /** Reason. */
  reason?: string;
}

/** Options of {@link ActivityHandle.unpause}. */
export interface ActivityUnpauseOptions {
  /** Reason. */
  reason?: string;
  /** Random delay before the next attempt. */
  jitter?: Duration;
}

/** New options of an Activity; `null` resets an option. */
export interface ActivityOptionsUpdate {
  /** Task queue. */
  taskQueue?: string;
  /** Schedule-to-close timeout. */
  scheduleToCloseTimeout?: Duration | null;
  /** Schedule-to-start timeout. */
  scheduleToStartTimeout?: Duration | null;
  /** Start-to-close timeout. */
  startToCloseTimeout?: Duration | null;
  /** Heartbeat timeout. */
  heartbeatTimeout?: Duration | null;
  /** Retry policy. */
  retry?: RetryPolicy | null;
  /** Priority. */
  priority?: Priority | null;
  /** Start delay. */
  startDelay?: Duration | null;
}

/** The Activity's options after an update. */
export type ActivityOptionsUpdateResult = {
  [K in keyof ActivityOptionsUpdate]: Exclude<ActivityOptionsUpdate[K], null>;
};

/** An {@link ActivityClient} typed by an Activity interface `T`. */
export interface TypedActivityClient<T> {
  /** Starts the Activity named `activity`. */
  start<N extends ActivityName<T>>(
    activity: N,
    options: ActivityOptionsFor<T, N>,
  ): Promise<ActivityHandle<ActivityResult<T, N>>>;
  /** Starts the Activity named `activity` and waits for its result. */
  execute<N extends ActivityName<T>>(activity: N, options: ActivityOptionsFor<T, N>): Promise<ActivityResult<T, N>>;
}

/** Names of the Activity functions of `T`. */
export type ActivityName<T> = {
  [N in keyof T & string]: T[N] extends ActivityFunction<never, unknown> ? N : never;
}[keyof T & string];

/** Parameters of the Activity `N` of `T`. */
export type ActivityArgs<T, N extends ActivityName<T>> = T[N] extends ActivityFunction<infer P, unknown> ? P : never;

/** Result of the Activity `N` of `T`. */
export type ActivityResult<T, N extends ActivityName<T>> = T[N] extends ActivityFunction<never, infer R> ? R : never;

/** {@link ActivityOptions} with `args` typed (and required when there are parameters). */
export type ActivityOptionsWithArgs<Args extends unknown[]> = Args extends [unknown, ...unknown[]]
  ? Replace<ActivityOptions, { args: Args | Readonly<Args> }>
  : Replace<ActivityOptions, { args?: Args | Readonly<Args> }>;

/** Options for starting the Activity `N` of `T`. */
export type ActivityOptionsFor<T, N extends ActivityName<T>> = ActivityOptionsWithArgs<ActivityArgs<T, N>>;
