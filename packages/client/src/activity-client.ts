/**
 * {@link ActivityClient}: asynchronous completion of Activities (see {@link AsyncCompletionClient}), and
 * standalone Activities: Activities a client starts directly, without a Workflow, run by the same workers.
 *
 * The operator commands on standalone Activities (pause, unpause, option updates) are not implemented by
 * Kairos yet: those handle methods throw a {@link NotImplementedError}.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type {
  ActivityFunction,
  ActivitySerializationContext,
  PayloadTypeInfo,
  Priority,
  RetryPolicy,
  SearchAttributePair,
  TypedSearchAttributes,
  TypeInfo,
} from '@kairos/common';
import { compilePriority, compileRetryPolicy } from '@kairos/common';
import { encodeUnifiedSearchAttributes } from '@kairos/common/lib/converter/payload-search-attributes';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  encodeToPayloadsWithContext,
  encodeUserMetadata,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { searchAttributePayloadConverter } from '@kairos/common/lib/converter/payload-search-attributes';
import { type Duration, msOptionalToTs } from '@kairos/common/lib/time';
import type { Replace } from '@kairos/common/lib/type-helpers';
import { temporal } from '@kairos/proto';
import type { AsyncCompletionClientOptions } from './async-completion-client';
import { AsyncCompletionClient } from './async-completion-client';
import {
  ActivityExecutionAlreadyStartedError,
  ActivityExecutionFailedError,
  isGrpcServiceError,
  ServiceError,
} from './errors';
import { findGrpcStatusDetail, int64ToNumber, rethrowKnownErrorTypes } from './helpers';
import type {
  ActivityCancelInput,
  ActivityClientInterceptor,
  ActivityCountInput,
  ActivityDescribeInput,
  ActivityGetResultInput,
  ActivityListInput,
  ActivityStartInput,
  ActivityTerminateInput,
} from './interceptors';
import { activityDescription, activityListInfo } from './internal/activity-description';
import { NotImplementedError } from './not-implemented';
import {
  type ActivityExecutionDescription,
  type ActivityExecutionInfo,
  type ActivityIdConflictPolicy,
  type ActivityIdReusePolicy,
  type CountActivityExecutions,
  encodeActivityIdConflictPolicy,
  encodeActivityIdReusePolicy,
} from './types';

const OPERATOR_COMMANDS =
  'standalone Activity operator commands (pause, unpause, updateOptions, restoreOriginalOptions)';

/** Options of an {@link ActivityClient}. */
export interface ActivityClientOptions extends AsyncCompletionClientOptions {
  /** Interceptors of the standalone Activity calls. Default: none. */
  interceptors?: ActivityClientInterceptor[];
}

/** The intercepted calls of the client: each is the interceptor chain ending in the client's own handler. */
interface ActivityCalls {
  start(input: ActivityStartInput): Promise<ActivityHandle>;
  getResult(input: ActivityGetResultInput): Promise<unknown>;
  describe(input: ActivityDescribeInput): Promise<ActivityExecutionDescription>;
  cancel(input: ActivityCancelInput): Promise<void>;
  terminate(input: ActivityTerminateInput): Promise<void>;
  list(input: ActivityListInput): AsyncIterable<ActivityExecutionInfo>;
  count(input: ActivityCountInput): Promise<CountActivityExecutions>;
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
  private readonly calls: ActivityCalls;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: ActivityClientOptions) {
    super(options);
    this.interceptors = options?.interceptors ?? [];
    const chain = <K extends keyof ActivityCalls>(method: K, handler: ActivityCalls[K]): ActivityCalls[K] =>
      composeInterceptors(this.interceptors, method, handler as never) as unknown as ActivityCalls[K];
    this.calls = {
      start: chain('start', (input) => this.startHandler(input)),
      getResult: chain('getResult', (input) => this.getResultHandler(input)),
      describe: chain('describe', (input) => this.describeHandler(input)),
      cancel: chain('cancel', (input) => this.cancelHandler(input)),
      terminate: chain('terminate', (input) => this.terminateHandler(input)),
      list: chain('list', (input) => this.listHandler(input)),
      count: chain('count', (input) => this.countHandler(input)),
    };
  }

  /** A view of this client whose `start` and `execute` are typed by the Activity interface `T` (no new client). */
  typed<T>(): TypedActivityClient<T> {
    return this as unknown as TypedActivityClient<T>;
  }

  /**
   * Starts a standalone Activity of type `activity`. The returned handle carries the run id of the started
   * execution (or of the running one a `USE_EXISTING` conflict policy attached to).
   *
   * @throws {@link ActivityExecutionAlreadyStartedError} if an Activity with that id exists and the id
   * policies forbid starting another.
   * @throws TypeError if an option is malformed.
   */
  async start<R = unknown>(activity: string, options: ActivityOptions): Promise<ActivityHandle<R>> {
    return (await this.calls.start({ activityType: activity, options, headers: {} })) as ActivityHandle<R>;
  }

  /**
   * Starts a standalone Activity and waits for its result.
   *
   * @throws {@link ActivityExecutionFailedError} if the Activity failed, timed out, was cancelled or terminated.
   */
  async execute<R = unknown>(activity: string, options: ActivityOptions): Promise<R> {
    const handle = await this.start<R>(activity, options);
    return await handle.result();
  }

  /**
   * A handle to the standalone Activity `activityId`: its run `runId`, or, without one, whichever run is the
   * latest when each call is made. Never fails: an unknown id shows up when a method of the handle is called.
   */
  getHandle<R = unknown>(activityId: string, runId?: string): ActivityHandle<R> {
    return this.makeHandle<R>(activityId, runId, undefined);
  }

  /** Like {@link getHandle}, with the run id and the type information of the result in `options`. */
  getHandleWithOptions<R = unknown>(activityId: string, options: GetActivityHandleOptions): ActivityHandle<R> {
    return this.makeHandle<R>(activityId, options.runId, options.typeInfo?.outputType);
  }

  /**
   * The standalone Activity executions matching a visibility query (for example
   * `ActivityType = 'sendEmail' AND ExecutionStatus = 'Running'`), page by page. Visibility is eventually
   * consistent on a real cluster.
   */
  list(query: string): AsyncIterable<ActivityExecutionInfo> {
    return this.calls.list({ query, headers: {} });
  }

  /** The number of standalone Activity executions matching a visibility query (per group with `GROUP BY`). */
  async count(query: string): Promise<CountActivityExecutions> {
    return await this.calls.count({ query, headers: {} });
  }

  private makeHandle<R>(activityId: string, runId: string | undefined, outputType: TypeInfo | undefined) {
    if (typeof activityId !== 'string' || activityId === '') {
      throw new TypeError('activityId must be a non-empty string');
    }
    const calls = this.calls;
    const ids = { activityId, activityRunId: runId ?? '', headers: {} };
    const handle: ActivityHandle<R> = {
      activityId,
      runId,
      result: async () => (await calls.getResult({ ...ids, outputType })) as R,
      describe: async (options) =>
        await calls.describe({
          ...ids,
          options: {
            includeInput: options?.includeInput ?? false,
            includeOutcome: options?.includeOutcome ?? false,
            includeHeartbeatDetails: options?.includeHeartbeatDetails ?? false,
            includeLastFailure: options?.includeLastFailure ?? false,
          },
        }),
      cancel: async (reason) => await calls.cancel({ ...ids, reason }),
      terminate: async (reason) => await calls.terminate({ ...ids, reason }),
      pause: async () => {
        throw new NotImplementedError(OPERATOR_COMMANDS);
      },
      unpause: async () => {
        throw new NotImplementedError(OPERATOR_COMMANDS);
      },
      updateOptions: async () => {
        throw new NotImplementedError(OPERATOR_COMMANDS);
      },
      restoreOriginalOptions: async () => {
        throw new NotImplementedError(OPERATOR_COMMANDS);
      },
    };
    return handle;
  }

  private context(activityId: string): ActivitySerializationContext {
    return { type: 'activity', namespace: this.options.namespace, activityId, isLocal: false };
  }

  /**
   * Maps a gRPC error of a standalone Activity call: {@link NamespaceNotFoundError} from the details, anything
   * else a {@link ServiceError} with `message` and the gRPC error as its cause.
   */
  protected rethrowGrpcError(err: unknown, message: string): never {
    if (!isGrpcServiceError(err)) {
      if (err instanceof TypeError || err instanceof ServiceError) throw err;
      throw new ServiceError(message, { cause: err instanceof Error ? err : new Error(String(err)) });
    }
    rethrowKnownErrorTypes(err);
    throw new ServiceError(message, { cause: err });
  }

  /** The `StartActivityExecution` request for `input`. */
  protected async buildStartActivityExecutionRequest(
    input: ActivityStartInput,
  ): Promise<temporal.api.workflowservice.v1.IStartActivityExecutionRequest> {
    const { options } = input;
    const context = this.context(options.id);
    const inputTypes = options.typeInfo?.inputTypes;
    return {
      namespace: this.options.namespace,
      identity: this.options.identity,
      requestId: randomUUID(),
      activityId: options.id,
      activityType: { name: input.activityType },
      taskQueue: { name: options.taskQueue },
      scheduleToCloseTimeout: msOptionalToTs(options.scheduleToCloseTimeout),
      scheduleToStartTimeout: msOptionalToTs(options.scheduleToStartTimeout),
      startToCloseTimeout: msOptionalToTs(options.startToCloseTimeout),
      heartbeatTimeout: msOptionalToTs(options.heartbeatTimeout),
      retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
      input: {
        payloads: await encodeToPayloadsWithContext(
          this.dataConverter,
          context,
          [...(options.args ?? [])],
          inputTypes === undefined ? undefined : [...inputTypes],
        ),
      },
      idReusePolicy: encodeActivityIdReusePolicy(options.idReusePolicy),
      idConflictPolicy: encodeActivityIdConflictPolicy(options.idConflictPolicy),
      searchAttributes: options.typedSearchAttributes
        ? { indexedFields: encodeUnifiedSearchAttributes(undefined, options.typedSearchAttributes) }
        : undefined,
      header: { fields: input.headers },
      userMetadata: await encodeUserMetadata(this.dataConverter, options.summary, undefined, context),
      priority: options.priority ? compilePriority(options.priority) : undefined,
      startDelay: msOptionalToTs(options.startDelay),
    };
  }

  protected async startHandler(input: ActivityStartInput): Promise<ActivityHandle> {
    if (typeof input.activityType !== 'string' || input.activityType === '') {
      throw new TypeError('The Activity type must be a non-empty string');
    }
    validateActivityOptions(input.options);
    const request = await this.buildStartActivityExecutionRequest(input);
    try {
      const response = await this.workflowService.startActivityExecution(request);
      return this.makeHandle(input.options.id, response.runId || undefined, input.options.typeInfo?.outputType);
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
        const existing = findGrpcStatusDetail(
          err,
          'temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure',
          (bytes) => temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure.decode(bytes),
        );
        if (existing) {
          throw new ActivityExecutionAlreadyStartedError(
            'Activity execution already started',
            input.options.id,
            existing.runId,
          );
        }
      }
      this.rethrowGrpcError(err, 'Failed to start Activity');
    }
  }

  /**
   * Waits for the outcome with `PollActivityExecution`, whose long poll may end before the Activity does (an
   * empty answer): then it polls again.
   */
  protected async getResultHandler(input: ActivityGetResultInput): Promise<unknown> {
    const context = this.context(input.activityId);
    for (;;) {
      let response: temporal.api.workflowservice.v1.IPollActivityExecutionResponse;
      try {
        response = await this.workflowService.pollActivityExecution({
          namespace: this.options.namespace,
          activityId: input.activityId,
          runId: input.activityRunId || undefined,
        });
      } catch (err) {
        this.rethrowGrpcError(err, 'Failed to get Activity result');
      }
      const outcome = response.outcome;
      if (outcome?.result) {
        return await decodeFromPayloadsAtIndex(
          this.dataConverter,
          0,
          outcome.result.payloads,
          context,
          input.outputType,
        );
      }
      if (outcome?.failure) {
        const cause = await decodeOptionalFailureToOptionalError(this.dataConverter, outcome.failure, context);
        throw new ActivityExecutionFailedError(
          'Activity execution failed',
          cause,
          input.activityId,
          response.runId || input.activityRunId || undefined,
        );
      }
    }
  }

  protected async describeHandler(input: ActivityDescribeInput): Promise<ActivityExecutionDescription> {
    let response: temporal.api.workflowservice.v1.IDescribeActivityExecutionResponse;
    try {
      response = await this.workflowService.describeActivityExecution({
        namespace: this.options.namespace,
        activityId: input.activityId,
        runId: input.activityRunId || undefined,
        ...input.options,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to describe Activity');
    }
    if (!response.info) throw new ServiceError('DescribeActivityExecution answered without info');
    return activityDescription(response, response.info, this.dataConverter, this.context(input.activityId));
  }

  protected async cancelHandler(input: ActivityCancelInput): Promise<void> {
    try {
      await this.workflowService.requestCancelActivityExecution({
        namespace: this.options.namespace,
        activityId: input.activityId,
        runId: input.activityRunId || undefined,
        identity: this.options.identity,
        requestId: randomUUID(),
        reason: input.reason || undefined,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to request Activity cancellation');
    }
  }

  protected async terminateHandler(input: ActivityTerminateInput): Promise<void> {
    try {
      await this.workflowService.terminateActivityExecution({
        namespace: this.options.namespace,
        activityId: input.activityId,
        runId: input.activityRunId || undefined,
        identity: this.options.identity,
        requestId: randomUUID(),
        reason: input.reason || undefined,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to terminate Activity');
    }
  }

  protected async *listHandler(input: ActivityListInput): AsyncIterable<ActivityExecutionInfo> {
    let nextPageToken: Uint8Array | undefined;
    do {
      let response: temporal.api.workflowservice.v1.IListActivityExecutionsResponse;
      try {
        response = await this.workflowService.listActivityExecutions({
          namespace: this.options.namespace,
          query: input.query,
          nextPageToken,
        });
      } catch (err) {
        this.rethrowGrpcError(err, 'Failed to list Activities');
      }
      for (const raw of response.executions ?? []) yield activityListInfo(raw);
      nextPageToken = response.nextPageToken ?? undefined;
    } while (nextPageToken && nextPageToken.length > 0);
  }

  protected async countHandler(input: ActivityCountInput): Promise<CountActivityExecutions> {
    let response: temporal.api.workflowservice.v1.ICountActivityExecutionsResponse;
    try {
      response = await this.workflowService.countActivityExecutions({
        namespace: this.options.namespace,
        query: input.query,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to count Activities');
    }
    return {
      count: int64ToNumber(response.count),
      groups: (response.groups ?? []).map((group) => ({
        count: int64ToNumber(group.count),
        groupValues: (group.groupValues ?? []).map((v) => searchAttributePayloadConverter.fromPayload(v)),
      })),
    };
  }
}

/** Checks the options of a start, naming the option that is wrong. */
function validateActivityOptions(options: ActivityOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('Activity options must be an object');
  if (typeof options.id !== 'string' || options.id === '') throw new TypeError('ActivityOptions.id is required');
  if (typeof options.taskQueue !== 'string' || options.taskQueue === '') {
    throw new TypeError('ActivityOptions.taskQueue is required');
  }
  if (options.scheduleToCloseTimeout === undefined && options.startToCloseTimeout === undefined) {
    throw new TypeError('Required either scheduleToCloseTimeout or startToCloseTimeout');
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
