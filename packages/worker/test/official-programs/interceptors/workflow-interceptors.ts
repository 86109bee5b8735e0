import {
  defaultPayloadConverter,
  workflowInfo,
  type ActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** Header that carries the scheduling workflow's type to activities. */
export const SCHEDULED_BY_HEADER = 'scheduled-by';

class ShoutingInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const result = await next(input);
    return { intercepted: true, result };
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return next({ ...input, args: input.args.map((a) => (typeof a === 'string' ? a.toUpperCase() : a)) });
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return `[${String(await next(input))}]`;
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (input.args[0] === 'forbidden') throw new Error('rejected by the interceptor');
    next(input);
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    return `${String(await next(input))}!`;
  }
}

class TaggingOutbound implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    const tag = defaultPayloadConverter.toPayload(workflowInfo().workflowType);
    return next({ ...input, headers: { ...input.headers, [SCHEDULED_BY_HEADER]: tag } });
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new ShoutingInbound()],
  outbound: [new TaggingOutbound()],
});
