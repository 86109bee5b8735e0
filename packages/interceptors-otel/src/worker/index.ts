import * as otel from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as nexus from 'nexus-rpc';
import type { Context as ActivityContext } from '@kairos/activity';
import { CompleteAsyncError } from '@kairos/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityOutboundCallsInterceptor,
  GetLogAttributesInput,
  GetMetricTagsInput,
  InjectedSink,
  Next,
  NexusCancelOperationInput,
  NexusInboundCallsInterceptor,
  NexusOutboundCallsInterceptor,
  NexusStartOperationInput,
  NexusStartOperationOutput,
} from '@kairos/worker';
import {
  ACTIVITY_ID_ATTR_KEY,
  extractContextFromHeaders,
  extractContextFromNexusHeaders,
  instrument,
  NEXUS_OPERATION_ATTR_KEY,
  NEXUS_SERVICE_ATTR_KEY,
  RUN_ID_ATTR_KEY,
  WORKFLOW_ID_ATTR_KEY,
} from '../instrumentation';
import {
  type OpenTelemetryWorkflowExporter,
  type SerializableSpan,
  type SerializableSpanContext,
  SPAN_DELIMITER,
  SpanName,
} from '../workflow/definitions';

/** Options of the interceptors. */
export interface InterceptorOptions {
  /** The tracer to make spans with. Default: one of the global tracer provider. */
  readonly tracer?: otel.Tracer;
}

/** Trace, span and flags of the active span, for log records. */
function traceLogAttributes(input: GetLogAttributesInput): GetLogAttributesInput {
  const spanContext = otel.trace.getSpan(otel.context.active())?.spanContext();
  if (spanContext === undefined || !otel.isSpanContextValid(spanContext)) return input;
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
    ...input,
  };
}

/** Runs each activity in a `RunActivity:<type>` span, child of the workflow's `StartActivity` span. */
export class OpenTelemetryActivityInboundInterceptor implements ActivityInboundCallsInterceptor {
  protected readonly tracer: otel.Tracer;

  constructor(
    protected readonly ctx: ActivityContext,
    options?: InterceptorOptions,
  ) {
    this.tracer = options?.tracer ?? otel.trace.getTracer('@temporalio/interceptor-activity');
  }

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { info } = this.ctx;
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.ACTIVITY_EXECUTE}${SPAN_DELIMITER}${info.activityType}`,
      context: extractContextFromHeaders(input.headers),
      fn: async (span) => {
        span.setAttribute(ACTIVITY_ID_ATTR_KEY, info.activityId);
        if (info.inWorkflow && info.workflowExecution) {
          span.setAttribute(WORKFLOW_ID_ATTR_KEY, info.workflowExecution.workflowId);
          span.setAttribute(RUN_ID_ATTR_KEY, info.workflowExecution.runId);
        }
        return await next(input);
      },
      acceptableErrors: (err) => err instanceof CompleteAsyncError,
    });
  }
}

/** Adds `trace_id`, `span_id` and `trace_flags` to the activity's log records. */
export class OpenTelemetryActivityOutboundInterceptor implements ActivityOutboundCallsInterceptor {
  constructor(protected readonly ctx: ActivityContext) {}

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    return next(traceLogAttributes(input));
  }

  getMetricTags(input: GetMetricTagsInput, next: Next<ActivityOutboundCallsInterceptor, 'getMetricTags'>) {
    return next(input);
  }
}

/** Runs Nexus operation handlers in spans (Nexus handlers are not implemented in the Kairos worker yet). */
export class OpenTelemetryNexusInboundInterceptor implements NexusInboundCallsInterceptor {
  protected readonly tracer: otel.Tracer;

  constructor(
    protected readonly ctx: nexus.OperationContext,
    options?: InterceptorOptions,
  ) {
    this.tracer = options?.tracer ?? otel.trace.getTracer('@temporalio/interceptor-nexus');
  }

  async startOperation(
    input: NexusStartOperationInput,
    next: Next<NexusInboundCallsInterceptor, 'startOperation'>,
  ): Promise<NexusStartOperationOutput> {
    const { service, operation, headers } = input.ctx;
    return await instrument({
      tracer: this.tracer,
      spanName: `${SpanName.NEXUS_START_OPERATION_EXECUTE}${SPAN_DELIMITER}${service}/${operation}`,
      context: extractContextFromNexusHeaders(headers),
      fn: async (span) => {
        span.setAttribute(NEXUS_SERVICE_ATTR_KEY, service);
        span.setAttribute(NEXUS_OPERATION_ATTR_KEY, operation);
        return await next(input);
      },
    });
  }

  async cancelOperation(
    input: NexusCancelOperationInput,
    next: Next<NexusInboundCallsInterceptor, 'cancelOperation'>,
  ): Promise<void> {
    const { service, operation, headers } = input.ctx;
    return await instrument({
      tracer: this.tracer,
      spanName: `${SpanName.NEXUS_CANCEL_OPERATION_EXECUTE}${SPAN_DELIMITER}${service}/${operation}`,
      context: extractContextFromNexusHeaders(headers),
      fn: async (span) => {
        span.setAttribute(NEXUS_SERVICE_ATTR_KEY, service);
        span.setAttribute(NEXUS_OPERATION_ATTR_KEY, operation);
        return await next(input);
      },
    });
  }
}

/** Adds trace ids to the log records of Nexus handlers. */
export class OpenTelemetryNexusOutboundInterceptor implements NexusOutboundCallsInterceptor {
  constructor(protected readonly ctx: nexus.OperationContext) {}

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<NexusOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    return next(traceLogAttributes(input));
  }

  getMetricTags(input: GetMetricTagsInput, next: Next<NexusOutboundCallsInterceptor, 'getMetricTags'>) {
    return next(input);
  }
}

function isSpanProcessor(value: SpanProcessor | SpanExporter): value is SpanProcessor {
  return typeof (value as SpanProcessor).onEnd === 'function';
}

function spanContextOf(serialized: SerializableSpanContext): otel.SpanContext {
  const { traceState, ...rest } = serialized;
  return { ...rest, traceState: traceState ? otel.createTraceState(traceState) : undefined };
}

/** A span of the workflow isolate as a `ReadableSpan` of the worker's tracing SDK. */
function readableSpan(serialized: SerializableSpan, resource: Resource, workflowId: string, runId: string) {
  const spanContext = spanContextOf(serialized.spanContext);
  const span: ReadableSpan & { parentSpanId?: string; instrumentationLibrary: { name: string; version?: string } } = {
    name: serialized.name,
    kind: serialized.kind,
    spanContext: () => spanContext,
    parentSpanContext: serialized.parentSpanContext ? spanContextOf(serialized.parentSpanContext) : undefined,
    parentSpanId: serialized.parentSpanId,
    startTime: serialized.startTime,
    endTime: serialized.endTime,
    status: serialized.status,
    attributes: { [WORKFLOW_ID_ATTR_KEY]: workflowId, [RUN_ID_ATTR_KEY]: runId, ...serialized.attributes },
    links: serialized.links,
    events: serialized.events,
    duration: serialized.duration,
    ended: serialized.ended,
    resource,
    instrumentationScope: serialized.instrumentationLibrary,
    instrumentationLibrary: serialized.instrumentationLibrary,
    droppedAttributesCount: serialized.droppedAttributesCount,
    droppedEventsCount: serialized.droppedEventsCount,
    droppedLinksCount: serialized.droppedLinksCount,
  };
  return span;
}

/**
 * The `exporter` sink that receives the spans of the workflow interceptors from the isolate and hands them to a
 * span processor (`onEnd`) or, deprecated, an exporter. Spans of history replay never reach it.
 */
export function makeWorkflowExporter(
  spanProcessor: SpanProcessor | SpanExporter,
  resource: Resource,
): InjectedSink<OpenTelemetryWorkflowExporter> {
  return {
    export: {
      fn: (info, spans: SerializableSpan[]) => {
        const readable = spans.map((span) => readableSpan(span, resource, info.workflowId, info.runId));
        if (isSpanProcessor(spanProcessor)) for (const span of readable) spanProcessor.onEnd(span);
        else spanProcessor.export(readable, () => undefined);
      },
      // The isolate drops spans that end while history is replayed, except those of queries (which always
      // run in a replaying activation), so the sink runs during replay too.
      callDuringReplay: true,
    },
  } as InjectedSink<OpenTelemetryWorkflowExporter>;
}
