/**
 * The workflow interceptor module (not a workflow): list it in `WorkerOptions.interceptors.workflowModules`, or
 * let `OpenTelemetryPlugin` do it.
 *
 * @module
 */
import type { WorkflowInterceptors } from '@kairos/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from './workflow';

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
