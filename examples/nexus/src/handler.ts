/**
 * The handler side: implements `hello-service`. `echo` answers from the handler itself; `hello` starts the
 * `helloHandlerWorkflow` workflow, whose result reaches the caller when it completes.
 */
import * as nexus from 'nexus-rpc';
import { log, startWorkflow, WorkflowRunOperationHandler } from '@kairos/nexus';
import { type HelloInput, type HelloOutput, helloService } from './service';
import { helloHandlerWorkflow } from './workflows';

export const helloServiceHandler = nexus.serviceHandler(helloService, {
  async echo(_ctx, input) {
    log.info('echo', { message: input.message });
    return { message: input.message };
  },
  hello: new WorkflowRunOperationHandler<HelloInput, HelloOutput>((ctx, input) =>
    startWorkflow(ctx, helloHandlerWorkflow, {
      args: [input],
      // The Nexus request id makes the workflow id stable across retries of the same request.
      workflowId: `hello-${ctx.requestId}`,
    }),
  ),
});
