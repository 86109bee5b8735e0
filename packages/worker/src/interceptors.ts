import type * as nexus from 'nexus-rpc';
import type { ClientInterceptors } from '@kairos/client';
import type { Headers, MetricTags, Next } from '@kairos/common';
import type { ActivityInboundCallsInterceptorFactory, ActivityInterceptorsFactory } from './activity-interceptors';

export type { Next, Headers };
export * from './activity-interceptors';

/** Builds the Nexus interceptors of one operation (Nexus handlers are not implemented in Kairos yet). */
export type NexusInterceptorsFactory = (ctx: nexus.OperationContext) => NexusInterceptors;

/** Interceptors of a Nexus operation handler. */
export type NexusInterceptors = {
  inbound?: NexusInboundCallsInterceptor;
  outbound?: NexusOutboundCallsInterceptor;
};

/** Intercepts calls into a Nexus operation handler. */
export type NexusInboundCallsInterceptor = {
  startOperation?: (
    input: NexusStartOperationInput,
    next: Next<NexusInboundCallsInterceptor, 'startOperation'>,
  ) => Promise<NexusStartOperationOutput>;
  cancelOperation?: (
    input: NexusCancelOperationInput,
    next: Next<NexusInboundCallsInterceptor, 'cancelOperation'>,
  ) => Promise<void>;
};

/** Input of `startOperation`. */
export interface NexusStartOperationInput {
  readonly ctx: nexus.StartOperationContext;
  readonly input: unknown;
}

/** Output of `startOperation`. */
export interface NexusStartOperationOutput {
  readonly result: nexus.HandlerStartOperationResult<unknown>;
}

/** Input of `cancelOperation`. */
export interface NexusCancelOperationInput {
  readonly ctx: nexus.CancelOperationContext;
  readonly token: string;
}

/** Intercepts what a Nexus handler asks of the SDK. */
export type NexusOutboundCallsInterceptor = {
  getLogAttributes?: (
    input: Record<string, unknown>,
    next: Next<NexusOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
  getMetricTags?: (input: MetricTags, next: Next<NexusOutboundCallsInterceptor, 'getMetricTags'>) => MetricTags;
};

/** The interceptors of a worker. */
export interface WorkerInterceptors {
  /** Interceptors of the client the worker gives activities (`Context.client`). */
  client?: ClientInterceptors;
  activity?: ActivityInterceptorsFactory[];
  /** @deprecated Use {@link activity}. */
  activityInbound?: ActivityInboundCallsInterceptorFactory[];
  nexus?: NexusInterceptorsFactory[];
  /** Modules (bundled with the workflows) that export `interceptors: WorkflowInterceptorsFactory`. */
  workflowModules?: string[];
}

/** Worker interceptors after defaults. */
export type CompiledWorkerInterceptors = Required<
  Pick<WorkerInterceptors, 'client' | 'activity' | 'nexus' | 'workflowModules'>
>;
