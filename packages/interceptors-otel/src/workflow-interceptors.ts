/**
 * The workflow interceptor module (not a workflow): list it in `WorkerOptions.interceptors.workflowModules`, or
 * let `OpenTelemetryPlugin` do it.
 *
 * @module
 */
import type { WorkflowInterceptors } from '@kairos/workflow';
import { OpenTelemetryInboundInterceptor, OpenTelemetryOutboundInterceptor } from './workflow';

/** The tracing interceptors of one workflow run (no internals interceptor: a run holds no tracing state). */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
});
