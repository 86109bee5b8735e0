/**
 * {@link WorkflowClientContext}: what the modules implementing {@link WorkflowClient} use of the client.
 *
 * @module
 */
import type { LoadedDataConverter, Workflow, WorkflowSerializationContext } from '@kairos/common';
import type { temporal } from '@kairos/proto';
import type {
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowStartInput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowStartUpdateWithStartInput,
  WorkflowStartUpdateWithStartOutput,
  WorkflowTerminateInput,
} from './interceptors';
import type {
  DescribeWorkflowExecutionResponse,
  RequestCancelWorkflowExecutionResponse,
  StartWorkflowExecutionRequest,
  TerminateWorkflowExecutionResponse,
  WorkflowExecution,
} from './types';
import type { WorkflowClient } from './workflow-client';
import type { WorkflowHandle, WorkflowHandleOptions } from './workflow-handle';
import type { WorkflowUpdateHandle } from './workflow-update';
import type { WorkflowUpdateStage } from './workflow-update-stage';

/**
 * The client as its helper modules see it. The client passes its own protected steps, so that a subclass
 * overriding one (say `rethrowGrpcError` or `_signalWorkflowHandler`) changes every call that goes through it.
 */
export interface WorkflowClientContext {
  /** The client itself, for what it offers publicly: `options`, `workflowService`, `connection`, `result`. */
  readonly client: WorkflowClient;
  readonly dataConverter: LoadedDataConverter;
  serializationContext(workflowId: string): WorkflowSerializationContext;
  interceptorsFor(workflowId: string, runId?: string): WorkflowClientInterceptor[];
  createHandle<T extends Workflow>(options: WorkflowHandleOptions): WorkflowHandle<T>;
  rethrowGrpcError(err: unknown, fallbackMessage: string, workflowExecution?: WorkflowExecution): never;
  rethrowUpdateGrpcError(err: unknown, fallbackMessage: string, workflowExecution?: WorkflowExecution): never;
  createStartWorkflowRequest(input: WorkflowStartInput): Promise<StartWorkflowExecutionRequest>;
  createUpdateWorkflowRequest(
    lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
    input: WorkflowStartUpdateInput,
  ): Promise<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest>;
  pollForUpdateOutcome(
    updateId: string,
    workflowExecution: temporal.api.common.v1.IWorkflowExecution,
  ): Promise<temporal.api.update.v1.IOutcome>;
  createUpdateHandle<Ret>(
    updateId: string,
    workflowId: string,
    workflowRunId?: string,
    outcome?: temporal.api.update.v1.IOutcome,
    outputTypeInfo?: WorkflowStartUpdateOutput['outputTypeInfo'],
  ): WorkflowUpdateHandle<Ret>;
  // The ends of the interceptor chains.
  startUpdate(waitForStage: WorkflowUpdateStage, input: WorkflowStartUpdateInput): Promise<WorkflowStartUpdateOutput>;
  updateWithStart(
    waitForStage: WorkflowUpdateStage,
    onStart: (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) => void,
    onStartError: (err: unknown) => void,
    input: WorkflowStartUpdateWithStartInput,
  ): Promise<WorkflowStartUpdateWithStartOutput>;
  signal(input: WorkflowSignalInput): Promise<void>;
  query(input: WorkflowQueryInput): Promise<unknown>;
  describe(input: WorkflowDescribeInput): Promise<DescribeWorkflowExecutionResponse>;
  terminate(input: WorkflowTerminateInput): Promise<TerminateWorkflowExecutionResponse>;
  cancel(input: WorkflowCancelInput): Promise<RequestCancelWorkflowExecutionResponse>;
}

/** Runs one service call and converts what it throws with the client's `rethrowGrpcError`. */
export async function callOrRethrow<R>(
  ctx: WorkflowClientContext,
  failureMessage: string,
  execution: WorkflowExecution | undefined,
  call: () => Promise<R>,
): Promise<R> {
  try {
    return await call();
  } catch (err) {
    ctx.rethrowGrpcError(err, failureMessage, execution);
  }
}
