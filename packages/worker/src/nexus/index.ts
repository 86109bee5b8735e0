/**
 * The Nexus executor: runs the Nexus tasks the core hands out (start and cancel requests) with the registered
 * service handlers, inside the `@kairos/nexus` handler context, and turns what the handler did into the completion
 * the core reports to the server.
 */
import * as nexus from 'nexus-rpc';
import type { Client } from '@kairos/client';
import {
  CancelledFailure,
  IllegalStateError,
  type LoadedDataConverter,
  type Logger,
  LoggerWithComposedMetadata,
  type MetricMeter,
  MetricMeterWithComposedTags,
  type MetricTags,
  SdkComponent,
} from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { encodeToPayload } from '@kairos/common/lib/internal-non-workflow';
import { isAbortError } from '@kairos/common/lib/type-helpers';
import { asyncLocalStorage as nexusContextStorage } from '@kairos/nexus/lib/context';
import { kairos, type temporal } from '@kairos/proto';
import type {
  NexusCancelOperationInput,
  NexusInboundCallsInterceptor,
  NexusInterceptorsFactory,
  NexusOutboundCallsInterceptor,
  NexusStartOperationInput,
  NexusStartOperationOutput,
} from '../interceptors';
import { coerceToHandlerError, decodePayload, handlerErrorToProto, operationErrorToProto } from './conversions';

type NexusTask = kairos.core.nexus.INexusTask;
type NexusTaskCompletion = kairos.core.nexus.INexusTaskCompletion;
type PollResponse = temporal.api.workflowservice.v1.IPollNexusTaskQueueResponse;
type NexusRequest = temporal.api.nexus.v1.IRequest;

/** Marks "no error was thrown" (a handler may throw `undefined`). */
const NO_ERROR = Symbol('no error');

/**
 * One Nexus request being handled: its operation context, abort controller (aborted by a cancel task from the
 * core), interceptors, and the logger and metric meter with the operation's attributes.
 */
export class NexusHandler {
  /** Logger for the worker's own messages about this task (`sdkComponent: 'worker'`). */
  private readonly logger: Logger;
  /** Metric meter with this task's tags (interceptors may change them). */
  private readonly metricMeter: MetricMeter;
  private readonly interceptors: { inbound: NexusInboundCallsInterceptor[]; outbound: NexusOutboundCallsInterceptor[] };

  constructor(
    readonly taskToken: Uint8Array,
    readonly namespace: string,
    readonly taskQueue: string,
    readonly context: nexus.OperationContext,
    readonly client: Client,
    readonly abortController: AbortController,
    private readonly services: Map<string, nexus.ServiceHandler>,
    readonly dataConverter: LoadedDataConverter,
    workerLogger: Logger,
    workerMetricMeter: MetricMeter,
    interceptors: NexusInterceptorsFactory[],
  ) {
    this.interceptors = { inbound: [], outbound: [] };
    for (const factory of interceptors) {
      const { inbound, outbound } = factory(this.context);
      if (inbound) this.interceptors.inbound.push(inbound);
      if (outbound) this.interceptors.outbound.push(outbound);
    }
    this.logger = LoggerWithComposedMetadata.compose(workerLogger, () => this.getLogAttributes());
    this.metricMeter = MetricMeterWithComposedTags.compose(workerMetricMeter, () => this.getMetricTags());
  }

  /** The attributes of every log entry about this operation (outbound interceptors may change them). */
  getLogAttributes(): Record<string, unknown> {
    const base = {
      namespace: this.namespace,
      taskQueue: this.taskQueue,
      service: this.context.service,
      operation: this.context.operation,
    };
    return composeInterceptors(this.interceptors.outbound, 'getLogAttributes', (a: Record<string, unknown>) => a)(base);
  }

  protected getMetricTags(): MetricTags {
    const base: MetricTags = {
      namespace: this.namespace,
      taskQueue: this.taskQueue,
      service: this.context.service,
      operation: this.context.operation,
    };
    return composeInterceptors(this.interceptors.outbound, 'getMetricTags', (t: MetricTags) => t)(base);
  }

  private operationHandler(service: string, operation: string) {
    const handler = this.services.get(service);
    if (handler === undefined) {
      throw new nexus.HandlerError('NOT_FOUND', `No service handler registered for service name '${service}'`);
    }
    return handler.getOperationHandler(operation);
  }

  /** Runs a start request: the handler's result (sync or async), an operation failure, or a handler failure. */
  protected async startOperation(
    ctx: nexus.StartOperationContext,
    payload: temporal.api.common.v1.IPayload | null | undefined,
  ): Promise<NexusTaskCompletion> {
    try {
      const handler = this.operationHandler(ctx.service, ctx.operation);
      const input = await decodePayload(this.dataConverter, payload, handler.inputType);
      const start = composeInterceptors(
        this.interceptors.inbound,
        'startOperation',
        async (i: NexusStartOperationInput): Promise<NexusStartOperationOutput> => ({
          result: await this.invokeUserCode('startOperation', () => handler.start(i.ctx, i.input)),
        }),
      );
      const { result } = await start({ ctx, input });
      const links = ctx.outboundLinks.map((l) => ({ url: l.url.toString(), type: l.type }));
      if (result.isAsync) {
        return {
          taskToken: this.taskToken,
          completed: { startOperation: { asyncSuccess: { operationToken: result.token, links } } },
        };
      }
      const resultPayload = await encodeToPayload(this.dataConverter, result.value, undefined, handler.outputType);
      return {
        taskToken: this.taskToken,
        completed: { startOperation: { syncSuccess: { payload: resultPayload, links } } },
      };
    } catch (err) {
      if (err instanceof nexus.OperationError) {
        return {
          taskToken: this.taskToken,
          completed: { startOperation: { failure: await operationErrorToProto(this.dataConverter, err) } },
        };
      }
      return {
        taskToken: this.taskToken,
        failure: await handlerErrorToProto(this.dataConverter, coerceToHandlerError(err)),
      };
    }
  }

  /** Runs a cancel request: an empty response, or a handler failure. */
  protected async cancelOperation(ctx: nexus.CancelOperationContext, token: string): Promise<NexusTaskCompletion> {
    try {
      const handler = this.operationHandler(ctx.service, ctx.operation);
      const cancel = composeInterceptors(
        this.interceptors.inbound,
        'cancelOperation',
        async (i: NexusCancelOperationInput): Promise<void> => {
          await this.invokeUserCode('cancelOperation', () => handler.cancel(i.ctx, i.token));
        },
      );
      await cancel({ ctx, token });
      return { taskToken: this.taskToken, completed: { cancelOperation: {} } };
    } catch (err) {
      return {
        taskToken: this.taskToken,
        failure: await handlerErrorToProto(this.dataConverter, coerceToHandlerError(err)),
      };
    }
  }

  /**
   * Calls the user's handler, logging its start and end. Stack traces of failures are cut at this frame (the
   * failure converter recognises `invokeUserCode` in `worker/{src,lib}/nexus/index`).
   */
  protected async invokeUserCode<R>(method: string, fn: () => Promise<R>): Promise<R> {
    let error: unknown = NO_ERROR;
    const started = process.hrtime.bigint();
    this.logger.debug('Nexus handler started', { method });
    try {
      return await fn();
    } catch (err) {
      error = err;
      throw err;
    } finally {
      const durationMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
      if (error === NO_ERROR) {
        this.logger.debug('Nexus handler invocation completed', { method, durationMs });
      } else if ((error instanceof CancelledFailure || isAbortError(error)) && this.abortController.signal.aborted) {
        this.logger.debug('Nexus handler invocation completed as cancelled', { method, durationMs });
      } else {
        this.logger.warn('Nexus handler invocation failed', { method, error, durationMs });
      }
    }
  }

  private async execute(task: PollResponse): Promise<NexusTaskCompletion> {
    const request = task.request;
    if (request?.startOperation) {
      const start = request.startOperation;
      if (!start.requestId) throw new IllegalStateError('Missing requestId in Nexus start operation request');
      return await this.startOperation(
        {
          ...this.context,
          requestId: start.requestId,
          inboundLinks: (start.links ?? []).map(protoLinkToNexusLink),
          callbackUrl: start.callback || undefined,
          callbackHeaders: start.callbackHeader ?? undefined,
          outboundLinks: [],
        },
        start.payload,
      );
    }
    if (request?.cancelOperation) {
      const token = request.cancelOperation.operationToken || request.cancelOperation.operationId;
      if (!token) throw new nexus.HandlerError('BAD_REQUEST', 'Request missing Operation token');
      return await this.cancelOperation({ ...this.context }, token);
    }
    throw new nexus.HandlerError('NOT_IMPLEMENTED', 'Request method not implemented');
  }

  /** Handles the task inside the handler context (client, logger, metric meter, operation info). */
  async run(task: PollResponse): Promise<NexusTaskCompletion> {
    return await this.client.withAbortSignal(this.abortController.signal, () =>
      nexusContextStorage.run(
        {
          client: this.client,
          namespace: this.namespace,
          taskQueue: this.taskQueue,
          endpoint: task.request?.endpoint ?? '',
          log: LoggerWithComposedMetadata.compose(this.logger, { sdkComponent: SdkComponent.nexus }),
          metrics: this.metricMeter,
        },
        () => this.execute(task),
      ),
    );
  }
}

/** Header names are case-insensitive: stored lower-cased, and looked up whatever the case. */
function caseInsensitiveHeaders(initial: Record<string, string> | null | undefined): Record<string, string> {
  const target: Record<string, string> = {};
  for (const [k, v] of Object.entries(initial ?? {})) target[k.toLowerCase()] = v;
  return new Proxy(target, {
    get(t, key) {
      if (typeof key !== 'string') throw new TypeError('header keys must be strings');
      return t[key.toLowerCase()];
    },
    set(t, key, value) {
      if (typeof key !== 'string') throw new TypeError('header keys must be strings');
      if (typeof value !== 'string') throw new TypeError('header values must be strings');
      t[key.toLowerCase()] = value;
      return true;
    },
    has(t, key) {
      return typeof key === 'string' && key.toLowerCase() in t;
    },
  });
}

/** The operation context shared by start and cancel requests: service, operation, headers, deadline, abort signal. */
export function constructNexusOperationContext(
  request: NexusRequest | null | undefined,
  abortSignal: AbortSignal,
  requestDeadline?: Date,
): nexus.OperationContext {
  const variant = request?.startOperation ?? request?.cancelOperation;
  if (!variant) throw new nexus.HandlerError('NOT_IMPLEMENTED', 'Request method not implemented');
  if (!variant.service) throw new IllegalStateError('Nexus request has no service name');
  if (!variant.operation) throw new IllegalStateError('Nexus request has no operation name');
  return {
    service: variant.service,
    operation: variant.operation,
    headers: caseInsensitiveHeaders(request?.header),
    abortSignal,
    requestDeadline,
  };
}

function protoLinkToNexusLink(link: temporal.api.nexus.v1.ILink): nexus.Link {
  if (!link.url) throw new nexus.HandlerError('BAD_REQUEST', 'empty link URL');
  if (!link.type) throw new nexus.HandlerError('BAD_REQUEST', 'empty link type');
  try {
    return { url: new URL(link.url), type: link.type };
  } catch (err) {
    throw new nexus.HandlerError('BAD_REQUEST', `invalid link URL ${JSON.stringify(link.url)}`, { cause: err });
  }
}

/** What the {@link NexusExecutor} needs from the worker. */
export interface NexusExecutorOptions {
  /** Service handlers by service name. */
  services: Map<string, nexus.ServiceHandler>;
  namespace: string;
  taskQueue: string;
  dataConverter: LoadedDataConverter;
  /** The worker's logger. */
  logger: Logger;
  /** The worker's metric meter. */
  metricMeter: MetricMeter;
  /** The worker's client (handlers reach it through `getClient()`). */
  client: Client;
  interceptors: NexusInterceptorsFactory[];
}

function tokenKey(token: Uint8Array | null | undefined): string {
  return Buffer.from(token ?? new Uint8Array(0)).toString('base64');
}

function timestampToDate(ts: { seconds?: number | Long | null; nanos?: number | null } | null | undefined) {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/**
 * Runs Nexus tasks. The worker feeds it every task of the Nexus poll: a request resolves with the completion to
 * report once its handler is done; a cancel aborts the handler of the task it names (whose own completion still
 * follows) and resolves with `undefined`.
 */
export class NexusExecutor {
  private readonly running = new Map<string, NexusHandler>();

  constructor(private readonly options: NexusExecutorOptions) {}

  /** Requests being handled now. */
  get numRunning(): number {
    return this.running.size;
  }

  async handleTask(task: NexusTask): Promise<NexusTaskCompletion | undefined> {
    if (task.task) return await this.runRequest(task.task, timestampToDate(task.requestDeadline));
    if (task.cancelTask) {
      const key = tokenKey(task.cancelTask.taskToken);
      const handler = this.running.get(key);
      if (handler === undefined) {
        this.options.logger.trace('Tried to cancel a Nexus handler that is not running', { taskToken: key });
        return undefined;
      }
      const reasonName = kairos.core.nexus.NexusTaskCancelReason[task.cancelTask.reason ?? 0] ?? 'UNSPECIFIED';
      const reason = reasonName.replace(/^NEXUS_TASK_CANCEL_REASON_/, '');
      this.options.logger.trace('Cancelling Nexus handler', { ...handler.getLogAttributes(), reason });
      // The handler counts as cancelled once it gives up (by throwing); it may also finish.
      handler.abortController.abort(new CancelledFailure(reason));
      return undefined;
    }
    throw new TypeError('Nexus task has neither a request nor a cancel variant');
  }

  private async runRequest(task: PollResponse, requestDeadline: Date | undefined): Promise<NexusTaskCompletion> {
    const taskToken = task.taskToken ?? new Uint8Array(0);
    const key = tokenKey(taskToken);
    let handler: NexusHandler | undefined;
    try {
      const abortController = new AbortController();
      handler = new NexusHandler(
        taskToken,
        this.options.namespace,
        this.options.taskQueue,
        constructNexusOperationContext(task.request, abortController.signal, requestDeadline),
        this.options.client,
        abortController,
        this.options.services,
        this.options.dataConverter,
        this.options.logger,
        this.options.metricMeter,
        this.options.interceptors,
      );
      this.running.set(key, handler);
      return await handler.run(task);
    } catch (err) {
      this.options.logger.error('Error while processing a Nexus task', {
        ...(handler?.getLogAttributes() ?? {}),
        taskToken: key,
        error: err,
      });
      const handlerError =
        err instanceof nexus.HandlerError ? err : new nexus.HandlerError('INTERNAL', undefined, { cause: err });
      return { taskToken, failure: await handlerErrorToProto(this.options.dataConverter, handlerError) };
    } finally {
      this.running.delete(key);
    }
  }
}
