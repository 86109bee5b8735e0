/**
 * {@link MockActivityEnvironment}: run activity functions in an activity `Context` without a worker or server.
 *
 * @module
 */
import events from 'node:events';
import { asyncLocalStorage, Context, type Info } from '@kairos/activity';
import type { Client } from '@kairos/client';
import type { ActivityFunction, Logger, MetricMeter, MetricTags } from '@kairos/common';
import {
  ActivityCancellationDetails,
  CancelledFailure,
  LoggerWithComposedMetadata,
  MetricMeterWithComposedTags,
  noopMetricMeter,
  SdkComponent,
} from '@kairos/common';
import type { ActivityCancellationDetailsHolder } from '@kairos/common/lib/activity-cancellation-details';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  ActivityOutboundCallsInterceptor,
} from '@kairos/worker';
import { activityLogAttributes, DefaultLogger } from '@kairos/worker';
import type { CancelReason } from '@kairos/worker/lib/activity';

/** Options of a {@link MockActivityEnvironment}. */
export interface MockActivityEnvironmentOptions {
  /** Activity interceptor factories, called once with the environment's context, as a worker would. */
  interceptors?: ActivityInterceptorsFactory[];
  /** Logger behind `Context.log`; default a `DefaultLogger` at INFO level writing to the console. */
  logger?: Logger;
  /** Metric meter behind `Context.metricMeter`; default a meter that records nothing. */
  metricMeter?: MetricMeter;
  /** Client returned by `Context.client`; unset, `Context.client` throws. */
  client?: Client;
}

/**
 * Runs activity functions in an activity {@link Context}, with hooks for cancellation and heartbeats: every
 * `heartbeat(details)` the activity sends is emitted as a `'heartbeat'` event, and {@link cancel} cancels it.
 *
 * The environment has one context for all the functions it runs: once {@link cancel} was called, every later run
 * starts cancelled.
 *
 * @example
 * ```ts
 * const env = new MockActivityEnvironment({ attempt: 2 });
 * env.on('heartbeat', (details) => seen.push(details));
 * const result = await env.run(myActivity, 'arg');
 * ```
 */
export class MockActivityEnvironment extends events.EventEmitter {
  /**
   * Cancels the activity: `Context.cancelled` rejects and `Context.cancellationSignal` aborts with a
   * `CancelledFailure` whose message is `reason` (default `'CANCELLED'`), and `Context.cancellationDetails` is
   * `details` (default: cancel requested). Only the first call counts.
   */
  public cancel: (reason?: CancelReason, details?: ActivityCancellationDetails) => void;
  /** The activity context the functions run in. */
  public readonly context: Context;
  private readonly activity: MockActivity;

  /**
   * @param info overrides of {@link defaultActivityInfo} for the context's `info`
   */
  constructor(info?: Partial<Info>, opts?: MockActivityEnvironmentOptions) {
    super();
    this.activity = new MockActivity(
      { ...defaultActivityInfo, ...info },
      (details) => this.emit('heartbeat', details),
      opts ?? {},
    );
    this.context = this.activity.context;
    this.cancel = (reason, details) =>
      this.activity.cancel(
        reason ?? 'CANCELLED',
        details ?? new ActivityCancellationDetails({ cancelRequested: true }),
      );
  }

  /**
   * Runs `fn(...args)` in the environment's context, through the inbound interceptors, and returns what it returns
   * (or throws what it throws). Arguments and result are passed as they are, without a data converter.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the official signature
  public async run<P extends any[], R, F extends ActivityFunction<P, R>>(fn: F, ...args: P): Promise<R> {
    return (await this.activity.run(fn as ActivityFunction<P, R>, { args, headers: {} })) as R;
  }
}

/** The context, cancellation state and interceptors of a {@link MockActivityEnvironment}. */
class MockActivity {
  readonly context: Context;
  private readonly abortController = new AbortController();
  private readonly cancellationDetails: ActivityCancellationDetailsHolder = {};
  private rejectCancelled: (failure: CancelledFailure) => void = () => undefined;
  private cancelReason: CancelReason | undefined;
  private readonly workerLogger: Logger;
  private readonly inbound: ActivityInboundCallsInterceptor[] = [];
  private readonly outbound: ActivityOutboundCallsInterceptor[] = [];

  constructor(
    private readonly info: Info,
    heartbeat: (details: unknown) => void,
    private readonly options: MockActivityEnvironmentOptions,
  ) {
    const cancelled = new Promise<never>((_, reject) => {
      this.rejectCancelled = reject;
    });
    // Activities that never look at `cancelled` must not cause an unhandled rejection.
    cancelled.catch(() => undefined);
    const baseLogger = LoggerWithComposedMetadata.compose(options.logger ?? new DefaultLogger(), {
      sdkComponent: SdkComponent.worker,
    });
    this.workerLogger = LoggerWithComposedMetadata.compose(baseLogger, () => this.logAttributes());
    this.context = new Context(
      info,
      cancelled,
      this.abortController.signal,
      heartbeat,
      options.client,
      LoggerWithComposedMetadata.compose(this.workerLogger, { sdkComponent: SdkComponent.activity }),
      MetricMeterWithComposedTags.compose(options.metricMeter ?? noopMetricMeter, () => this.metricTags()),
      this.cancellationDetails,
    );
    for (const factory of options.interceptors ?? []) {
      const { inbound, outbound } = factory(this.context);
      if (inbound) this.inbound.push(inbound);
      if (outbound) this.outbound.push(outbound);
    }
  }

  cancel(reason: CancelReason, details: ActivityCancellationDetails): void {
    if (this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.cancellationDetails.details = details;
    const failure = new CancelledFailure(reason);
    this.abortController.abort(failure);
    this.rejectCancelled(failure);
  }

  run(fn: ActivityFunction, input: ActivityExecuteInput): Promise<unknown> {
    return asyncLocalStorage.run(this.context, async () => {
      const call = ({ args }: ActivityExecuteInput): Promise<unknown> => Promise.resolve(fn(...args));
      const execute = () => composeInterceptors(this.inbound, 'execute', call)(input);
      this.workerLogger.debug('Activity started');
      try {
        const { client } = this.options;
        const value = client ? await client.withAbortSignal(this.abortController.signal, execute) : await execute();
        this.workerLogger.debug('Activity completed');
        return value;
      } catch (error) {
        if (error instanceof CancelledFailure && this.abortController.signal.aborted) {
          this.workerLogger.debug('Activity completed as cancelled');
        } else {
          this.workerLogger.warn('Activity failed', { error });
        }
        throw error;
      }
    });
  }

  private logAttributes(): Record<string, unknown> {
    return composeInterceptors(this.outbound, 'getLogAttributes', (a) => a)(activityLogAttributes(this.info));
  }

  private metricTags(): MetricTags {
    const { info } = this;
    const tags: MetricTags = { namespace: info.namespace, taskQueue: info.taskQueue, activityType: info.activityType };
    return composeInterceptors(this.outbound, 'getMetricTags', (t) => t)(tags);
  }
}

/** The activity info of a {@link MockActivityEnvironment}, before the overrides given to its constructor. */
export const defaultActivityInfo: Info = {
  attempt: 1,
  taskQueue: 'test',
  isLocal: false,
  taskToken: Buffer.from('test'),
  activityId: 'test',
  activityType: 'unknown',
  workflowType: 'test',
  base64TaskToken: Buffer.from('test').toString('base64'),
  heartbeatTimeoutMs: undefined,
  heartbeatDetails: undefined,
  activityNamespace: 'default',
  workflowNamespace: 'default',
  workflowExecution: { workflowId: 'test', runId: '00000000-0000-0000-0000-000000000000' },
  scheduledTimestampMs: 1,
  startToCloseTimeoutMs: 1000,
  scheduleToCloseTimeoutMs: 1000,
  currentAttemptScheduledTimestampMs: 1,
  priority: undefined,
  retryPolicy: undefined,
  namespace: 'test',
  activityRunId: undefined,
  inWorkflow: true,
};
