/**
 * The activity executor: runs the activity tasks the core hands out, each inside its own activity `Context`, and
 * turns what the function did into the completion the core reports to the server.
 */
import { asyncLocalStorage, Context, type Info } from '@kairos/activity';
import type { Client } from '@kairos/client';
import {
  ActivityCancellationDetails,
  ApplicationFailure,
  ApplicationFailureCategory,
  CancelledFailure,
  CompleteAsyncError,
  decodePriority,
  decompileRetryPolicy,
  ensureApplicationFailure,
  FAILURE_SOURCE,
  IllegalStateError,
  isActivityFunctionWithOptions,
  LoggerWithComposedMetadata,
  MetricMeterWithComposedTags,
  SdkComponent,
  type ActivityCancellationDetailsOptions,
  type ActivitySerializationContext,
  type FailureConverter,
  type LoadedDataConverter,
  type Logger,
  type MetricMeter,
  type MetricTags,
  type Payload,
  type PayloadCodec,
  type PayloadConverter,
  type ProtoFailure,
  type TypeInfo,
} from '@kairos/common';
import type { ActivityCancellationDetailsHolder } from '@kairos/common/lib/activity-cancellation-details';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
  encodeErrorToFailure,
  encodeToPayload,
} from '@kairos/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@kairos/common/lib/time';
import { errorMessage, isAbortError } from '@kairos/common/lib/type-helpers';
import { kairos } from '@kairos/proto';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  ActivityOutboundCallsInterceptor,
} from './activity-interceptors';

export type { ActivityInterceptorsFactory } from './activity-interceptors';

type ActivityTask = kairos.core.activity.IActivityTask;
type StartActivity = kairos.core.activity.IStartActivity;
type CancelActivity = kairos.core.activity.ICancelActivity;
type ActivityTaskCompletion = kairos.core.activity.IActivityTaskCompletion;
type ActivityExecutionResult = kairos.core.activity.IActivityExecutionResult;

// Activities are plain user functions with arbitrary signatures.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyActivityFunction = (...args: any[]) => any;

/** What the {@link ActivityExecutor} needs from the worker. */
export interface ActivityExecutorOptions {
  /** Activity functions by the name they are registered under; a function named `default` catches other names. */
  activities: Record<string, AnyActivityFunction>;
  /** Namespace of the worker. */
  namespace: string;
  /** Task queue of the worker. */
  taskQueue: string;
  /** Converts arguments, results and heartbeat details. */
  payloadConverter: PayloadConverter;
  /** Converts thrown errors into failures. */
  failureConverter: FailureConverter;
  /** Codecs run on every payload: `encode` in this order on the way out, `decode` in reverse on the way in. */
  payloadCodecs: PayloadCodec[];
  /** Interceptor factories, called once per activity attempt. */
  interceptors: ActivityInterceptorsFactory[];
  /**
   * The worker's logger. The executor logs through it with the activity's attributes; activity code gets it through
   * `Context.log`, with `sdkComponent: 'activity'` added.
   */
  logger: Logger;
  /** The worker's metric meter; activity code gets it with the activity's tags added. */
  metricMeter: MetricMeter;
  /** The worker's client, exposed to activities as `Context.client`. */
  client?: Client;
  /** Sends a heartbeat to the core (already encoded payloads after codecs). Never waits. */
  recordHeartbeat(taskToken: Uint8Array, details: Payload[]): void;
}

/**
 * Why an activity was cancelled: the core's `ActivityCancelReason` without its prefix, or
 * `HEARTBEAT_DETAILS_CONVERSION_FAILED` when the worker could not convert what the activity heartbeated.
 */
export type CancelReason =
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'WORKER_SHUTDOWN'
  | 'PAUSED'
  | 'RESET'
  | 'HEARTBEAT_DETAILS_CONVERSION_FAILED';

const CANCEL_REASON_PREFIX = 'ACTIVITY_CANCEL_REASON_';

/** The cancellation flag each core reason sets, for cancel tasks that come without details. */
const DETAILS_BY_REASON: Record<CancelReason, ActivityCancellationDetailsOptions> = {
  NOT_FOUND: { notFound: true },
  CANCELLED: { cancelRequested: true },
  TIMED_OUT: { timedOut: true },
  WORKER_SHUTDOWN: { workerShutdown: true },
  PAUSED: { paused: true },
  RESET: { reset: true },
  HEARTBEAT_DETAILS_CONVERSION_FAILED: {},
};

/**
 * Runs activity tasks. The worker feeds it every task of the activity poll; each `start` resolves, when the activity
 * is done, with the completion to send back to the core.
 */
export class ActivityExecutor {
  private readonly dataConverter: LoadedDataConverter;
  /** Activities being prepared or run, by base64 task token. */
  private readonly running = new Map<string, RunningActivity>();

  constructor(private readonly options: ActivityExecutorOptions) {
    this.dataConverter = {
      payloadConverter: options.payloadConverter,
      failureConverter: options.failureConverter,
      payloadCodecs: options.payloadCodecs,
    };
  }

  /**
   * Handles one decoded ActivityTask. For `start`: runs the activity and resolves with the completion to report
   * (payloads already codec-encoded). For `cancel`: signals the running activity with that token and resolves with
   * `undefined`; the `start` call of that activity reports its completion.
   *
   * @throws `TypeError` for a task that is neither a start nor a cancel.
   */
  async handleTask(task: ActivityTask): Promise<ActivityTaskCompletion | undefined> {
    const taskToken = task.taskToken ?? new Uint8Array(0);
    if (task.start) return await this.start(taskToken, task.start);
    if (task.cancel) {
      this.cancel(taskToken, task.cancel);
      return undefined;
    }
    throw new TypeError(`Activity task ${formatTaskToken(taskToken)} has neither a start nor a cancel variant`);
  }

  /** Number of activities running now (counted from their start task until their completion is ready). */
  get numRunning(): number {
    return this.running.size;
  }

  /**
   * Cancels every running activity because the worker is shutting down: each sees a `CancelledFailure` with message
   * `WORKER_SHUTDOWN` and `cancellationDetails.workerShutdown` set.
   */
  cancelAll(reason: 'WORKER_SHUTDOWN'): void {
    for (const activity of this.running.values()) {
      activity.cancellation.cancel(reason, new ActivityCancellationDetails(DETAILS_BY_REASON[reason]));
    }
  }

  private cancel(taskToken: Uint8Array, cancel: CancelActivity): void {
    const key = formatTaskToken(taskToken);
    const activity = this.running.get(key);
    if (activity === undefined) {
      this.options.logger.trace('Tried to cancel a non-existing activity', { taskToken: key });
      return;
    }
    const reason = cancelReasonName(cancel);
    const details = cancel.details
      ? ActivityCancellationDetails.fromProto(cancel.details)
      : new ActivityCancellationDetails(DETAILS_BY_REASON[reason]);
    this.options.logger.trace('Cancelling activity', { ...activity.logAttributes(), reason });
    // The activity counts as cancelled only once it gives up (by throwing the CancelledFailure); it may also finish.
    activity.cancellation.cancel(reason, details);
  }

  private async start(taskToken: Uint8Array, start: StartActivity): Promise<ActivityTaskCompletion> {
    const key = formatTaskToken(taskToken);
    const serializationContext: ActivitySerializationContext = {
      type: 'activity',
      namespace: this.options.namespace,
      activityId: start.activityId || undefined,
      workflowId: start.workflowExecution?.workflowId || undefined,
      isLocal: start.isLocal ?? false,
    };
    if (this.running.has(key)) {
      const error = new IllegalStateError(`Got a start task for activity ${key}, which is already running`);
      return { taskToken, result: await this.failedResult(error, serializationContext) };
    }
    // Registered before anything is awaited, so that a cancel arriving while the inputs are decoded still applies.
    const activity = new RunningActivity(key, new Cancellation());
    this.running.set(key, activity);
    try {
      let execution: ActivityExecution;
      try {
        // Interceptor factories run here too: a factory that throws fails the task like a bad input would.
        execution = new ActivityExecution(
          await this.prepare(taskToken, start, serializationContext, activity),
          activity.cancellation,
        );
      } catch (err) {
        const error = ensureApplicationFailure(err);
        this.options.logger.error(`Error while processing ActivityTask.start: ${errorMessage(error)}`, {
          ...activity.logAttributes(),
          taskToken: key,
          error: err,
        });
        return { taskToken, result: await this.failedResult(error, serializationContext) };
      }
      this.options.logger.trace('Starting activity', activity.logAttributes());
      const result = await execution.run();
      this.options.logger.trace('Activity resolved', { ...activity.logAttributes(), status: statusOf(result) });
      return { taskToken, result };
    } finally {
      this.running.delete(key);
    }
  }

  /** Builds the info, finds the function and decodes the arguments: everything that can fail before the run. */
  private async prepare(
    taskToken: Uint8Array,
    start: StartActivity,
    serializationContext: ActivitySerializationContext,
    activity: RunningActivity,
  ): Promise<PreparedActivity> {
    const info = await this.buildInfo(taskToken, start, serializationContext);
    activity.info = info;
    const fn = this.findFunction(info.activityType);
    const typeInfo = isActivityFunctionWithOptions(fn) ? fn.activityDefinitionOptions.typeInfo : undefined;
    let args: unknown[];
    try {
      args = await decodeArrayFromPayloads(this.dataConverter, start.input, serializationContext, typeInfo?.inputTypes);
    } catch (err) {
      throw ApplicationFailure.fromError(err, {
        message: `Failed to parse activity args for activity ${info.activityType}: ${errorMessage(err)}`,
        nonRetryable: false,
      });
    }
    return {
      info,
      fn,
      input: { args, headers: start.headers ?? {} },
      outputTypeInfo: typeInfo?.outputType,
      serializationContext,
      options: this.options,
      dataConverter: this.dataConverter,
    };
  }

  private findFunction(activityType: string): AnyActivityFunction {
    const { activities } = this.options;
    const own = (name: string): AnyActivityFunction | undefined =>
      Object.hasOwn(activities, name) && typeof activities[name] === 'function' ? activities[name] : undefined;
    const fn = own(activityType) ?? own('default');
    if (fn === undefined) {
      throw ApplicationFailure.create({
        type: 'NotFoundError',
        message: `Activity function ${activityType} is not registered on this Worker, available activities: ${JSON.stringify(Object.keys(activities))}`,
        nonRetryable: false,
      });
    }
    return fn;
  }

  private async buildInfo(
    taskToken: Uint8Array,
    start: StartActivity,
    serializationContext: ActivitySerializationContext,
  ): Promise<Info> {
    const activityId = start.activityId ?? '';
    let heartbeatDetails: unknown;
    try {
      heartbeatDetails = await decodeFromPayloadsAtIndex(
        this.dataConverter,
        0,
        start.heartbeatDetails,
        serializationContext,
      );
    } catch (err) {
      throw ApplicationFailure.fromError(err, {
        message: `Failed to parse heartbeat details for activity ${activityId}: ${errorMessage(err)}`,
      });
    }
    const workflowId = start.workflowExecution?.workflowId ?? '';
    const inWorkflow = workflowId !== '';
    const currentAttemptScheduledTimestampMs =
      optionalTsToMs(start.currentAttemptScheduledTime) ?? optionalTsToMs(start.startedTime) ?? Date.now();
    return {
      taskToken,
      base64TaskToken: formatTaskToken(taskToken),
      activityId,
      activityType: start.activityType ?? '',
      activityNamespace: this.options.namespace,
      attempt: start.attempt ?? 1,
      isLocal: start.isLocal ?? false,
      workflowExecution: inWorkflow ? { workflowId, runId: start.workflowExecution?.runId ?? '' } : undefined,
      workflowNamespace: inWorkflow ? start.workflowNamespace || this.options.namespace : undefined,
      workflowType: inWorkflow ? (start.workflowType ?? '') : undefined,
      scheduledTimestampMs: optionalTsToMs(start.scheduledTime) ?? currentAttemptScheduledTimestampMs,
      scheduleToCloseTimeoutMs: optionalTsToMs(start.scheduleToCloseTimeout) ?? 0,
      startToCloseTimeoutMs: optionalTsToMs(start.startToCloseTimeout) ?? 0,
      currentAttemptScheduledTimestampMs,
      heartbeatTimeoutMs: optionalTsToMs(start.heartbeatTimeout),
      heartbeatDetails,
      taskQueue: start.taskQueue || this.options.taskQueue,
      priority: decodePriority(start.priority),
      retryPolicy: decompileRetryPolicy(start.retryPolicy),
      namespace: start.workflowNamespace || this.options.namespace,
      // Only a standalone activity (started by a client) has a run id of its own.
      activityRunId: inWorkflow ? undefined : start.activityRunId || undefined,
      inWorkflow,
    };
  }

  private async failedResult(
    error: unknown,
    serializationContext: ActivitySerializationContext,
  ): Promise<ActivityExecutionResult> {
    return { failed: { failure: await encodeFailureSafely(this.dataConverter, error, serializationContext) } };
  }
}

/**
 * The attributes the worker attaches to the log messages of an activity (and that activity code's logger carries):
 * ids, type, attempt, task queue, and the workflow that scheduled it.
 */
export function activityLogAttributes(info: Info): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    isLocal: info.isLocal,
    attempt: info.attempt,
    namespace: info.namespace,
    taskToken: info.base64TaskToken,
    activityId: info.activityId,
    activityType: info.activityType,
    taskQueue: info.taskQueue,
  };
  if (info.inWorkflow && info.workflowExecution) {
    attributes.workflowId = info.workflowExecution.workflowId;
    attributes.workflowRunId = info.workflowExecution.runId;
    attributes.workflowType = info.workflowType;
  } else {
    attributes.activityRunId = info.activityRunId;
  }
  return attributes;
}

/** Everything needed to run an activity once its task has been decoded. */
interface PreparedActivity {
  info: Info;
  fn: AnyActivityFunction;
  input: ActivityExecuteInput;
  outputTypeInfo: TypeInfo | undefined;
  serializationContext: ActivitySerializationContext;
  options: ActivityExecutorOptions;
  dataConverter: LoadedDataConverter;
}

/** The cancellation state of one activity: the promise, the abort signal and why it was cancelled. */
class Cancellation {
  readonly controller = new AbortController();
  readonly promise: Promise<never>;
  readonly details: ActivityCancellationDetailsHolder = {};
  reason: CancelReason | undefined;
  private rejectPromise: (error: CancelledFailure) => void = () => undefined;

  constructor() {
    this.promise = new Promise<never>((_, reject) => {
      this.rejectPromise = reject;
    });
    // Activities that never look at `cancelled` must not cause an unhandled rejection.
    this.promise.catch(() => undefined);
  }

  /** Requests cancellation; only the first request counts, later ones are ignored. */
  cancel(reason: CancelReason, details: ActivityCancellationDetails): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.details.details = details;
    const failure = new CancelledFailure(reason);
    this.controller.abort(failure);
    this.rejectPromise(failure);
  }
}

/** An activity from its start task until its completion: first being prepared, then running. */
class RunningActivity {
  info: Info | undefined;

  constructor(
    readonly key: string,
    readonly cancellation: Cancellation,
  ) {}

  logAttributes(): Record<string, unknown> {
    return this.info ? activityLogAttributes(this.info) : { taskToken: this.key };
  }
}

/** One run of an activity function inside its context. */
class ActivityExecution {
  readonly context: Context;
  private readonly workerLogger: Logger;
  private readonly heartbeats: HeartbeatSender;
  private interceptors: { inbound: ActivityInboundCallsInterceptor[]; outbound: ActivityOutboundCallsInterceptor[] };

  constructor(
    private readonly prepared: PreparedActivity,
    private readonly cancellation: Cancellation,
  ) {
    const { info, options } = prepared;
    // Both are evaluated lazily, so interceptors (built below, from the context) still contribute.
    this.workerLogger = LoggerWithComposedMetadata.compose(options.logger, () => this.logAttributes());
    const metricMeter = MetricMeterWithComposedTags.compose(options.metricMeter, () => this.metricTags());
    this.heartbeats = new HeartbeatSender(
      (details) => this.sendHeartbeat(details),
      (error) => this.heartbeatConversionFailed(error),
    );
    this.context = new Context(
      info,
      cancellation.promise,
      cancellation.controller.signal,
      (details) => {
        // Local activities have no server-side heartbeat; they are told about cancellation anyway.
        if (!info.isLocal) this.heartbeats.record(details);
      },
      options.client,
      LoggerWithComposedMetadata.compose(this.workerLogger, { sdkComponent: SdkComponent.activity }),
      metricMeter,
      cancellation.details,
    );
    this.interceptors = { inbound: [], outbound: [] };
    for (const factory of options.interceptors) {
      const { inbound, outbound } = factory(this.context);
      if (inbound) this.interceptors.inbound.push(inbound);
      if (outbound) this.interceptors.outbound.push(outbound);
    }
  }

  /** Runs the activity in its context and converts the outcome into the result to report. */
  run(): Promise<ActivityExecutionResult> {
    return asyncLocalStorage.run(this.context, async () => {
      let result: ActivityExecutionResult;
      try {
        const value = await this.executeWithClient();
        const { dataConverter, serializationContext, outputTypeInfo } = this.prepared;
        result = {
          completed: { result: await encodeToPayload(dataConverter, value, serializationContext, outputTypeInfo) },
        };
      } catch (err) {
        result = await this.resultFromError(err);
      }
      // A failure carries the last heartbeat details, so the last heartbeat has to reach the core first.
      await this.heartbeats.close(result.failed != null);
      return result;
    });
  }

  private logAttributes(): Record<string, unknown> {
    const attributes = activityLogAttributes(this.prepared.info);
    // An interceptor factory may log before the interceptors are all built.
    if (this.interceptors === undefined) return attributes;
    return composeInterceptors(this.interceptors.outbound, 'getLogAttributes', (a) => a)(attributes);
  }

  private metricTags(): MetricTags {
    const { info } = this.prepared;
    const tags: MetricTags = { namespace: info.namespace, taskQueue: info.taskQueue, activityType: info.activityType };
    if (this.interceptors === undefined) return tags;
    return composeInterceptors(this.interceptors.outbound, 'getMetricTags', (t) => t)(tags);
  }

  /** Calls made through the worker's client from the activity are aborted when the activity is cancelled. */
  private executeWithClient(): Promise<unknown> {
    const { client } = this.prepared.options;
    if (client === undefined) return this.execute();
    return client.withAbortSignal(this.cancellation.controller.signal, () => this.execute());
  }

  private async execute(): Promise<unknown> {
    const startedAt = process.hrtime.bigint();
    const elapsedMs = () => Number((process.hrtime.bigint() - startedAt) / 1_000_000n);
    this.workerLogger.debug('Activity started');
    try {
      const { fn, input } = this.prepared;
      const callFunction = ({ args }: ActivityExecuteInput): Promise<unknown> => Promise.resolve(fn(...args));
      const value = await composeInterceptors(this.interceptors.inbound, 'execute', callFunction)(input);
      this.workerLogger.debug('Activity completed', { durationMs: elapsedMs() });
      return value;
    } catch (error) {
      this.logOutcome(error, elapsedMs());
      throw error;
    }
  }

  private logOutcome(error: unknown, durationMs: number): void {
    const cancelledByRequest =
      (error instanceof CancelledFailure || isAbortError(error)) && this.cancellation.controller.signal.aborted;
    if (cancelledByRequest) {
      const details = this.cancellation.details.details;
      const message = details?.reset
        ? 'Activity reset'
        : details?.paused
          ? 'Activity paused'
          : 'Activity completed as cancelled';
      this.workerLogger.debug(message, { durationMs });
    } else if (error instanceof CompleteAsyncError) {
      this.workerLogger.debug('Activity will complete asynchronously', { durationMs });
    } else if (error instanceof ApplicationFailure && error.category === ApplicationFailureCategory.BENIGN) {
      this.workerLogger.debug('Activity failed', { error, durationMs });
    } else {
      this.workerLogger.warn('Activity failed', { error, durationMs });
    }
  }

  /**
   * The result for an activity that threw. After a cancellation request, a `CancelledFailure` (or an `AbortError`)
   * reports the activity cancelled, except when it was paused or reset, which the server expects as failures. Any
   * other error is a failure.
   */
  private async resultFromError(error: unknown): Promise<ActivityExecutionResult> {
    if (error instanceof CompleteAsyncError) return { willCompleteAsync: {} };
    const { reason, details } = this.cancellation;
    if (reason === 'HEARTBEAT_DETAILS_CONVERSION_FAILED') {
      // Whatever the activity threw (most likely the CancelledFailure), the server only accepts an application failure.
      return this.failed(ApplicationFailure.retryable(reason, 'CancelledFailure'));
    }
    if (reason !== undefined) {
      if (error instanceof CancelledFailure) {
        if (details.details?.reset) return this.failed(new ApplicationFailure('Activity reset', 'ActivityReset'));
        if (details.details?.paused) return this.failed(new ApplicationFailure('Activity paused', 'ActivityPause'));
        const failure = await encodeFailureSafely(
          this.prepared.dataConverter,
          error,
          this.prepared.serializationContext,
        );
        failure.stackTrace = undefined;
        return { cancelled: { failure } };
      }
      if (isAbortError(error)) {
        return { cancelled: { failure: { source: FAILURE_SOURCE, canceledFailureInfo: {} } } };
      }
    }
    return this.failed(ensureApplicationFailure(error));
  }

  private async failed(error: unknown): Promise<ActivityExecutionResult> {
    const { dataConverter, serializationContext } = this.prepared;
    return { failed: { failure: await encodeFailureSafely(dataConverter, error, serializationContext) } };
  }

  private async sendHeartbeat(details: unknown): Promise<'sent' | 'dropped'> {
    const { dataConverter, serializationContext, info, options } = this.prepared;
    const payload = await encodeToPayload(dataConverter, details, serializationContext);
    if (this.heartbeats.isClosed) return 'dropped';
    try {
      options.recordHeartbeat(info.taskToken, [payload]);
    } catch (error) {
      this.workerLogger.warn('Failed to record activity heartbeat', { error });
    }
    return 'sent';
  }

  private heartbeatConversionFailed(error: unknown): void {
    this.workerLogger.warn('Failed to encode heartbeat details, cancelling Activity', { error });
    this.cancellation.cancel('HEARTBEAT_DETAILS_CONVERSION_FAILED', new ActivityCancellationDetails());
  }
}

/**
 * Sends an activity's heartbeats in order, one at a time. Conversion and codecs are asynchronous, so while one
 * heartbeat is being encoded only the latest of the heartbeats recorded meanwhile is kept, as the core would
 * coalesce them anyway.
 */
class HeartbeatSender {
  private inFlight: Promise<void> | undefined;
  private pending: { details: unknown } | undefined;
  private state: 'open' | 'flushing' | 'closed' = 'open';

  constructor(
    private readonly send: (details: unknown) => Promise<unknown>,
    private readonly onConversionError: (error: unknown) => void,
  ) {}

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  record(details: unknown): void {
    if (this.state !== 'open') return;
    if (this.inFlight !== undefined) {
      this.pending = { details };
      return;
    }
    this.inFlight = this.drain({ details });
  }

  /**
   * Stops accepting heartbeats. With `flush`, waits until the heartbeats already recorded have been handed to the
   * core; without, drops them.
   */
  async close(flush: boolean): Promise<void> {
    if (flush) {
      this.state = 'flushing';
      await this.inFlight;
    } else {
      this.pending = undefined;
    }
    this.state = 'closed';
  }

  private async drain(first: { details: unknown }): Promise<void> {
    let next: { details: unknown } | undefined = first;
    while (next !== undefined && this.state !== 'closed') {
      try {
        await this.send(next.details);
      } catch (error) {
        this.pending = undefined;
        this.onConversionError(error);
        break;
      }
      next = this.pending;
      this.pending = undefined;
    }
    this.inFlight = undefined;
  }
}

/**
 * Converts an error into an encoded failure. If the failure converter or a codec cannot cope (for example with
 * details that do not serialize), reports that problem instead, so the task is still completed.
 */
async function encodeFailureSafely(
  dataConverter: LoadedDataConverter,
  error: unknown,
  serializationContext: ActivitySerializationContext,
): Promise<ProtoFailure> {
  try {
    return await encodeErrorToFailure(dataConverter, error, serializationContext);
  } catch (conversionError) {
    return {
      message: `Failed to convert the activity's error (${errorMessage(error)}) into a failure: ${errorMessage(conversionError)}`,
      source: FAILURE_SOURCE,
      applicationFailureInfo: { type: 'FailureConversionError', nonRetryable: false },
    };
  }
}

function cancelReasonName(cancel: CancelActivity): CancelReason {
  const { ActivityCancelReason } = kairos.core.activity;
  const reason = cancel.reason ?? ActivityCancelReason.ACTIVITY_CANCEL_REASON_UNSPECIFIED;
  const name = ActivityCancelReason[reason];
  if (reason !== ActivityCancelReason.ACTIVITY_CANCEL_REASON_UNSPECIFIED && typeof name === 'string') {
    return name.slice(CANCEL_REASON_PREFIX.length) as CancelReason;
  }
  // No reason given: take it from the details, else treat it as a plain cancellation request.
  const details = ActivityCancellationDetails.fromProto(cancel.details);
  if (details.notFound) return 'NOT_FOUND';
  if (details.timedOut) return 'TIMED_OUT';
  if (details.workerShutdown) return 'WORKER_SHUTDOWN';
  if (details.paused) return 'PAUSED';
  if (details.reset) return 'RESET';
  return 'CANCELLED';
}

function statusOf(result: ActivityExecutionResult): string {
  if (result.completed) return 'completed';
  if (result.failed) return 'failed';
  if (result.cancelled) return 'cancelled';
  return 'willCompleteAsync';
}

function formatTaskToken(taskToken: Uint8Array): string {
  return Buffer.from(taskToken.buffer, taskToken.byteOffset, taskToken.byteLength).toString('base64');
}
