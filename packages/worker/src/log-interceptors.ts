/**
 * Logging interceptors that the official SDK deprecated once logging became built in. They remain for code that
 * still registers them; logging happens either way, so they pass every call through unchanged.
 *
 * @module
 */
import type { Context as ActivityContext } from '@kairos/activity';
import type { Logger } from '@kairos/common';
import type {
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
  Next,
} from '@kairos/workflow';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from './activity-interceptors';

/** @deprecated Activity logging is built in; this interceptor only passes calls through. */
export class ActivityInboundLogInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    protected readonly ctx: ActivityContext,
    protected readonly logger?: Logger,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return next(input);
  }
}

/** @deprecated Workflow logging is built in; this interceptor only passes calls through. */
export class WorkflowLogInterceptor implements WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return next(input);
  }

  getLogAttributes(
    input: Record<string, unknown>,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    return next(input);
  }
}

/** @deprecated Same as {@link WorkflowLogInterceptor}. */
export const WorkflowInboundLogInterceptor = WorkflowLogInterceptor;

/** @deprecated Interceptors of the deprecated workflow logging module (pass-through). */
export const interceptors = (): WorkflowInterceptors => {
  const interceptor = new WorkflowLogInterceptor();
  return { inbound: [interceptor], outbound: [interceptor] };
};
