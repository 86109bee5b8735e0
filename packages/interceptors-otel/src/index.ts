/**
 * OpenTelemetry tracing for Kairos: client, workflow and activity interceptors that carry trace context in the
 * `_tracer-data` header (so traces join those of the other Temporal SDKs), and a plugin that installs them all.
 * Compatible with `@temporalio/interceptors-opentelemetry`.
 *
 * @module
 */
export * from './plugin';
export * from './workflow';
export * from './worker';
export * from './instrumentation';
export {
  OpenTelemetryWorkflowClientInterceptor,
  /** @deprecated Use {@link OpenTelemetryWorkflowClientInterceptor}. */
  OpenTelemetryWorkflowClientInterceptor as OpenTelemetryWorkflowClientCallsInterceptor,
} from './client';
