/**
 * Workflow interceptors that trace workflow code. Register them with the module `lib/workflow-interceptors`
 * (`WorkerOptions.interceptors.workflowModules`, or the OpenTelemetryPlugin does it); the worker exports their
 * spans through the `exporter` sink (`makeWorkflowExporter`).
 *
 * @module
 */
import type * as otel from '@opentelemetry/api';
import { ApplicationFailure, ApplicationFailureCategory } from '@kairos/common';
import {
  type ActivityInput,
  ContinueAsNew,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type GetMetricTagsInput,
  type LocalActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type StartNexusOperationInput,
  type StartNexusOperationOutput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@kairos/workflow';
import {
  NEXUS_ENDPOINT_ATTR_KEY,
  NEXUS_OPERATION_ATTR_KEY,
  NEXUS_SERVICE_ATTR_KEY,
  type SerializableSpanContext,
  SPAN_DELIMITER,
  SpanName,
  UPDATE_ID_ATTR_KEY,
} from './definitions';
import { carrierOf, headersWithSpanContext, spanContextFromHeaders } from './propagation';
import {
  activeSpanContext,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_UNSET,
  withActiveSpanContext,
  withSideIds,
  WorkflowSpan,
} from './tracer';

export * from './definitions';

interface SpanOptions {
  /** Parent from headers; default: the active span. */
  parent?: SerializableSpanContext;
  acceptableErrors?: (err: unknown) => boolean;
  /** Export even in a replaying activation (queries). */
  exportWhileReplaying?: boolean;
}

function recordError(span: WorkflowSpan, err: unknown, acceptableErrors?: (err: unknown) => boolean): void {
  if (acceptableErrors?.(err)) {
    span.setStatus({ code: STATUS_OK });
    return;
  }
  const benign = err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
  const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
  span.setStatus({ code: benign ? STATUS_UNSET : STATUS_ERROR, message });
  span.recordException(err instanceof Error ? err : String(err));
}

/**
 * Runs `fn` in a new span, active for everything `fn` starts, ending when `fn` settles. Written with `then` rather
 * than as an `async` function: the workflow bundle compiles `async` functions to generators, and tracing wraps
 * every workflow, activity and handler call, so each layer saved is a generator and a few promises fewer.
 */
function traced<T>(name: string, fn: (span: WorkflowSpan) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  const span = new WorkflowSpan(name, options.parent ?? activeSpanContext(), options.exportWhileReplaying);
  const failed = (err: unknown): never => {
    recordError(span, err, options.acceptableErrors);
    span.end();
    throw err;
  };
  return withActiveSpanContext(span.serializableContext(), () => {
    let running: Promise<T>;
    try {
      running = Promise.resolve(fn(span));
    } catch (err) {
      running = Promise.reject(err);
    }
    return running.then((result) => {
      span.setStatus({ code: STATUS_OK });
      span.end();
      return result;
    }, failed);
  });
}

function tracedSync<T>(name: string, fn: (span: WorkflowSpan) => T, options: SpanOptions = {}): T {
  const span = new WorkflowSpan(name, options.parent ?? activeSpanContext(), options.exportWhileReplaying);
  return withActiveSpanContext(span.serializableContext(), () => {
    try {
      const result = fn(span);
      span.setStatus({ code: STATUS_OK });
      return result;
    } catch (err) {
      recordError(span, err, options.acceptableErrors);
      throw err;
    } finally {
      span.end();
    }
  });
}

const isContinueAsNew = (err: unknown) => err instanceof ContinueAsNew;

/**
 * Traces the workflow run (`RunWorkflow:<type>`, child of the span that started it, carried in the headers) and
 * its signal, update, validator and query handlers.
 */
export class OpenTelemetryInboundInterceptor implements WorkflowInboundCallsInterceptor {
  /** Kept for source compatibility; workflow spans come from the isolate's own tracer. */
  protected readonly tracer?: otel.Tracer;

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return traced(`${SpanName.WORKFLOW_EXECUTE}${SPAN_DELIMITER}${workflowInfo().workflowType}`, () => next(input), {
      parent: spanContextFromHeaders(input.headers),
      acceptableErrors: isContinueAsNew,
    });
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return traced(`${SpanName.WORKFLOW_HANDLE_SIGNAL}${SPAN_DELIMITER}${input.signalName}`, () => next(input), {
      parent: spanContextFromHeaders(input.headers),
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return traced(
      `${SpanName.WORKFLOW_HANDLE_UPDATE}${SPAN_DELIMITER}${input.name}`,
      (span) => {
        span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
        return next(input);
      },
      { parent: spanContextFromHeaders(input.headers) },
    );
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    // Validators do not run on replay: their span ids must not come from the workflow's random numbers.
    withSideIds(() =>
      tracedSync(
        `${SpanName.WORKFLOW_VALIDATE_UPDATE}${SPAN_DELIMITER}${input.name}`,
        (span) => {
          span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
          return next(input);
        },
        { parent: spanContextFromHeaders(input.headers) },
      ),
    );
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    // Queries run in activations of their own (marked as replaying) and are not part of the history.
    return withSideIds(() =>
      traced(`${SpanName.WORKFLOW_HANDLE_QUERY}${SPAN_DELIMITER}${input.queryName}`, () => next(input), {
        parent: spanContextFromHeaders(input.headers),
        exportWhileReplaying: true,
      }),
    );
  }
}

/**
 * Traces what workflow code starts (activities, local activities, child workflows, signals to other workflows,
 * continue-as-new, Nexus operations) and passes the span's context on in the headers.
 */
export class OpenTelemetryOutboundInterceptor implements WorkflowOutboundCallsInterceptor {
  /** Kept for source compatibility; workflow spans come from the isolate's own tracer. */
  protected readonly tracer?: otel.Tracer;

  scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return traced(`${SpanName.ACTIVITY_START}${SPAN_DELIMITER}${input.activityType}`, (span) =>
      next({ ...input, headers: headersWithSpanContext(input.headers, span.serializableContext()) }),
    );
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return traced(`${SpanName.ACTIVITY_START}${SPAN_DELIMITER}${input.activityType}`, (span) =>
      next({ ...input, headers: headersWithSpanContext(input.headers, span.serializableContext()) }),
    );
  }

  startNexusOperation(
    input: StartNexusOperationInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startNexusOperation'>,
  ): Promise<StartNexusOperationOutput> {
    return traced(`${SpanName.NEXUS_OPERATION_START}${SPAN_DELIMITER}${input.service}/${input.operation}`, (span) => {
      span.setAttribute(NEXUS_SERVICE_ATTR_KEY, input.service);
      span.setAttribute(NEXUS_OPERATION_ATTR_KEY, input.operation);
      span.setAttribute(NEXUS_ENDPOINT_ATTR_KEY, input.endpoint);
      return next({ ...input, headers: { ...input.headers, ...carrierOf(span.serializableContext()) } });
    });
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return traced(`${SpanName.CHILD_WORKFLOW_START}${SPAN_DELIMITER}${input.workflowType}`, (span) =>
      next({ ...input, headers: headersWithSpanContext(input.headers, span.serializableContext()) }),
    );
  }

  continueAsNew(
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ): Promise<never> {
    return traced(
      `${SpanName.CONTINUE_AS_NEW}${SPAN_DELIMITER}${input.options.workflowType}`,
      (span) => next({ ...input, headers: headersWithSpanContext(input.headers, span.serializableContext()) }),
      { acceptableErrors: isContinueAsNew },
    );
  }

  signalWorkflow(
    input: SignalWorkflowInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ): Promise<void> {
    return traced(`${SpanName.WORKFLOW_SIGNAL}${SPAN_DELIMITER}${input.signalName}`, (span) =>
      next({ ...input, headers: headersWithSpanContext(input.headers, span.serializableContext()) }),
    );
  }

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const spanContext = activeSpanContext();
    if (spanContext === undefined) return next(input);
    return next({
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
      trace_flags: `0${spanContext.traceFlags.toString(16)}`,
      ...input,
    });
  }

  getMetricTags(input: GetMetricTagsInput, next: Next<WorkflowOutboundCallsInterceptor, 'getMetricTags'>) {
    return next(input);
  }
}

/**
 * Kept for source compatibility: a run holds no tracing state to release (the active span follows the run's own
 * async context, which goes away with the run).
 */
export class OpenTelemetryInternalsInterceptor implements WorkflowInternalsInterceptor {
  async dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): Promise<void> {
    await next(input);
  }
}
