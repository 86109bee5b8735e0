/**
 * Names, keys and types shared by the host side and the workflow side of the tracing interceptors. This module
 * has only type imports, so the workflow bundle can include it.
 *
 * @module
 */
import type * as otel from '@opentelemetry/api';
import type { Sink, Sinks } from '@kairos/workflow';

/** Header (a `json/plain` payload of the W3C trace context carrier) that carries trace context between SDKs. */
export const TRACE_HEADER = '_tracer-data';
/** As in workflow run id. */
export const RUN_ID_ATTR_KEY = 'run_id';
/** As in workflow id. */
export const WORKFLOW_ID_ATTR_KEY = 'temporalWorkflowId';
/** As in activity id. */
export const ACTIVITY_ID_ATTR_KEY = 'temporalActivityId';
/** As in update id. */
export const UPDATE_ID_ATTR_KEY = 'temporalUpdateId';
/** As in termination reason. */
export const TERMINATE_REASON_ATTR_KEY = 'temporalTerminateReason';
/** As in Nexus service. */
export const NEXUS_SERVICE_ATTR_KEY = 'temporalNexusService';
/** As in Nexus operation. */
export const NEXUS_OPERATION_ATTR_KEY = 'temporalNexusOperation';
/** As in Nexus endpoint. */
export const NEXUS_ENDPOINT_ATTR_KEY = 'temporalNexusEndpoint';

/** A span context that can be copied out of the isolate (the trace state as its string form). */
export type SerializableSpanContext = Omit<otel.SpanContext, 'traceState'> & { traceState?: string };

/** A finished span made in the workflow isolate, as it crosses to the worker through the `exporter` sink. */
export interface SerializableSpan {
  readonly name: string;
  readonly kind: otel.SpanKind;
  readonly spanContext: SerializableSpanContext;
  readonly parentSpanId?: string;
  readonly parentSpanContext?: SerializableSpanContext;
  readonly startTime: otel.HrTime;
  readonly endTime: otel.HrTime;
  readonly status: otel.SpanStatus;
  readonly attributes: otel.Attributes;
  readonly links: otel.Link[];
  readonly events: { name: string; time: otel.HrTime; attributes?: otel.Attributes; droppedAttributesCount?: number }[];
  readonly duration: otel.HrTime;
  readonly ended: boolean;
  readonly droppedAttributesCount: number;
  readonly droppedLinksCount: number;
  readonly droppedEventsCount: number;
  readonly instrumentationLibrary: { name: string; version?: string };
}

/** The sink workflow spans leave the isolate through. */
export interface OpenTelemetryWorkflowExporter extends Sink {
  export(span: SerializableSpan[]): void;
}

/** The sinks the workflow interceptors use. */
export interface OpenTelemetrySinks extends Sinks {
  exporter: OpenTelemetryWorkflowExporter;
}

/** Span names (followed by {@link SPAN_DELIMITER} and the workflow, activity, signal, ... name). */
export enum SpanName {
  /** A client starts a workflow. */
  WORKFLOW_START = 'StartWorkflow',
  /** A client (or a workflow) signals a workflow. */
  WORKFLOW_SIGNAL = 'SignalWorkflow',
  /** A client calls signalWithStart. */
  WORKFLOW_SIGNAL_WITH_START = 'SignalWithStartWorkflow',
  /** A client queries a workflow. */
  WORKFLOW_QUERY = 'QueryWorkflow',
  /** A client starts an update. */
  WORKFLOW_START_UPDATE = 'StartWorkflowUpdate',
  /** A client starts a workflow with an update. */
  WORKFLOW_UPDATE_WITH_START = 'UpdateWithStartWorkflow',
  /** A workflow handles a signal. */
  WORKFLOW_HANDLE_SIGNAL = 'HandleSignal',
  /** A workflow handles a query. */
  WORKFLOW_HANDLE_QUERY = 'HandleQuery',
  /** A workflow handles an update. */
  WORKFLOW_HANDLE_UPDATE = 'HandleUpdate',
  /** A workflow validates an update. */
  WORKFLOW_VALIDATE_UPDATE = 'ValidateUpdate',
  /** A client terminates a workflow. */
  WORKFLOW_TERMINATE = 'TerminateWorkflow',
  /** A client cancels a workflow. */
  WORKFLOW_CANCEL = 'CancelWorkflow',
  /** A client describes a workflow. */
  WORKFLOW_DESCRIBE = 'DescribeWorkflow',
  /** A workflow run executes. */
  WORKFLOW_EXECUTE = 'RunWorkflow',
  /** A workflow starts a child workflow. */
  CHILD_WORKFLOW_START = 'StartChildWorkflow',
  /** A workflow schedules an activity (until it completes). */
  ACTIVITY_START = 'StartActivity',
  /** An activity executes. */
  ACTIVITY_EXECUTE = 'RunActivity',
  /** A workflow continues as new. */
  CONTINUE_AS_NEW = 'ContinueAsNew',
  /** A workflow starts a Nexus operation. */
  NEXUS_OPERATION_START = 'StartNexusOperation',
  /** A Nexus start-operation handler executes. */
  NEXUS_START_OPERATION_EXECUTE = 'RunStartNexusOperation',
  /** A Nexus cancel-operation handler executes. */
  NEXUS_CANCEL_OPERATION_EXECUTE = 'RunCancelNexusOperation',
}

/** Between the span name and what it applies to: `RunWorkflow:myWorkflow`. */
export const SPAN_DELIMITER = ':';
