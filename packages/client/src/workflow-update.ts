/**
 * Workflow Updates: {@link WorkflowUpdateHandle}, update-with-start ({@link WithStartWorkflowOperation}), and
 * the requests that send an Update and wait for its outcome.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { PayloadTypeInfo, TypeInfo, UpdateDefinition, Workflow, WorkflowIdConflictPolicy } from '@kairos/common';
import { extractWorkflowTypeAndConfig } from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
import { temporal } from '@kairos/proto';
import { WorkflowUpdateFailedError, isGrpcServiceError } from './errors';
import type {
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowStartUpdateWithStartInput,
  WorkflowStartUpdateWithStartOutput,
} from './interceptors';
import type { WorkflowExecution } from './types';
import type { WorkflowClientContext } from './workflow-client-context';
import { classifyUpdateWithStartError } from './workflow-errors';
import type { WorkflowHandle } from './workflow-handle';
import type { WorkflowStartOptions, WorkflowUpdateOptions } from './workflow-options';
import {
  assertRequiredWorkflowOptions,
  compileStartOptions,
  encodePayloads,
  internalUpdateOptionsOf,
  linkOf,
  resolveUpdate,
} from './workflow-requests';
import { WorkflowUpdateStage, encodeWorkflowUpdateStage } from './workflow-update-stage';

const { UpdateWorkflowExecutionLifecycleStage } = temporal.api.enums.v1;

/** A handle to one Update of a Workflow. */
export interface WorkflowUpdateHandle<Ret> {
  /** Id of the Update. */
  updateId: string;
  /** Id of the Workflow. */
  workflowId: string;
  /** Run id of the Workflow execution the Update went to. */
  workflowRunId?: string;
  /**
   * Waits for and returns the Update's result.
   *
   * @throws {@link WorkflowUpdateFailedError} if the Update handler failed.
   */
  result(): Promise<Ret>;
}

/** Options of {@link WorkflowHandle.getUpdateHandle}. */
export interface GetWorkflowUpdateHandleOptions {
  /** Run id of the Workflow execution the Update went to. */
  workflowRunId?: string;
  /**
   * Type information for decoding the result.
   *
   * @experimental
   */
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

/** Book-keeping of a {@link WithStartWorkflowOperation} that only the client touches. */
interface StartOperationLatch {
  /** Set once the operation has been handed to a client call; an operation cannot be reused. */
  claimed: boolean;
  deliver(handle: WorkflowHandle<Workflow>): void;
  abandon(reason: unknown): void;
}

const startOperationLatches = new WeakMap<object, StartOperationLatch>();

function latchOf(operation: object): StartOperationLatch {
  const latch = startOperationLatches.get(operation);
  if (latch === undefined) throw new TypeError('`startWorkflowOperation` must be a WithStartWorkflowOperation');
  return latch;
}

/**
 * Describes the Workflow to start in an update-with-start call ({@link WorkflowClient.startUpdateWithStart},
 * {@link WorkflowClient.executeUpdateWithStart}). The options must name a `workflowIdConflictPolicy`. Each
 * instance goes into exactly one call; afterwards {@link workflowHandle} gives the Workflow's handle, or the
 * reason the start part failed.
 */
export class WithStartWorkflowOperation<T extends Workflow> {
  private readonly eventualHandle: Promise<WorkflowHandle<T>>;

  constructor(
    /** The Workflow to start, as a function or a type name. */
    public workflowTypeOrFunc: string | T,
    /** Start options; `workflowIdConflictPolicy` is required. */
    public options: WorkflowStartOptions<T> & { workflowIdConflictPolicy: WorkflowIdConflictPolicy },
  ) {
    this.eventualHandle = new Promise<WorkflowHandle<T>>((deliver, abandon) => {
      startOperationLatches.set(this, {
        claimed: false,
        deliver: deliver as (handle: WorkflowHandle<Workflow>) => void,
        abandon,
      });
    });
    // The caller might never ask for the handle; a failed start must not surface as an unhandled rejection.
    this.eventualHandle.catch(() => undefined);
  }

  /** Resolves to the handle of the Workflow that was started (or found running, with `USE_EXISTING`). */
  async workflowHandle(): Promise<WorkflowHandle<T>> {
    return await this.eventualHandle;
  }
}

const ACCEPTED_STAGE = UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;

/** Builds an `UpdateWorkflowExecution` request. */
export async function buildUpdateWorkflowRequest(
  ctx: WorkflowClientContext,
  lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
  input: WorkflowStartUpdateInput,
): Promise<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest> {
  const context = ctx.serializationContext(input.workflowExecution.workflowId);
  const extras = internalUpdateOptionsOf(input);
  const updateRequest: temporal.api.update.v1.IRequest = {
    meta: { updateId: input.options?.updateId ?? randomUUID(), identity: ctx.client.options.identity },
    input: {
      name: input.updateName,
      header: { fields: input.headers },
      args: await encodePayloads(ctx.dataConverter, context, input.args, input.typeInfo?.inputTypes),
    },
  };
  if (extras !== undefined) {
    const { requestId, completionCallbacks, links } = extras;
    Object.assign(updateRequest, filterNullAndUndefined({ requestId, completionCallbacks, links }));
  }
  return {
    namespace: ctx.client.options.namespace,
    workflowExecution: input.workflowExecution,
    firstExecutionRunId: input.firstExecutionRunId,
    waitPolicy: { lifecycleStage },
    request: updateRequest,
  };
}

/**
 * Sends an Update and waits until it is at least accepted; the end of the startUpdate interceptor chain.
 */
export async function sendUpdate(
  ctx: WorkflowClientContext,
  waitForStage: WorkflowUpdateStage,
  input: WorkflowStartUpdateInput,
): Promise<WorkflowStartUpdateOutput> {
  // ADMITTED alone is not durable, so never ask the server for less than ACCEPTED.
  const stage = Math.max(encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED_STAGE, ACCEPTED_STAGE);
  const request = await ctx.createUpdateWorkflowRequest(stage, input);
  let response: temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse | undefined;
  try {
    while (response === undefined || (response.stage ?? 0) < ACCEPTED_STAGE) {
      response = await ctx.client.workflowService.updateWorkflowExecution(request);
    }
  } catch (err) {
    ctx.rethrowUpdateGrpcError(err, 'Workflow Update failed', input.workflowExecution);
  }
  const outcome = response.outcome ?? undefined;
  const extras = internalUpdateOptionsOf(input);
  if (extras !== undefined) Object.assign(extras, { responseLink: linkOf(response), outcome });
  return {
    updateId: request.request?.meta?.updateId ?? '',
    workflowRunId: response.updateRef?.workflowExecution?.runId ?? '',
    outcome,
    outputTypeInfo: input.typeInfo?.outputType,
  };
}

/**
 * Sends update-with-start as one `ExecuteMultiOperation` call; the end of the startUpdateWithStart
 * interceptor chain. `onStart` receives the start response as soon as there is one; `onStartError` the
 * error if the start failed.
 */
export async function sendUpdateWithStart(
  ctx: WorkflowClientContext,
  waitForStage: WorkflowUpdateStage,
  onStart: (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) => void,
  onStartError: (err: unknown) => void,
  input: WorkflowStartUpdateWithStartInput,
): Promise<WorkflowStartUpdateWithStartOutput> {
  const { workflowId } = input.workflowStartOptions;
  const target: WorkflowExecution = { workflowId };
  let startSeen = false;
  try {
    const startWorkflow = await ctx.createStartWorkflowRequest({
      workflowType: input.workflowType,
      options: input.workflowStartOptions,
      headers: input.workflowStartHeaders,
    });
    const updateWorkflow = await ctx.createUpdateWorkflowRequest(
      encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED_STAGE,
      {
        workflowExecution: target,
        updateName: input.updateName,
        args: input.updateArgs,
        typeInfo: input.updateTypeInfo,
        options: input.updateOptions,
        headers: input.updateHeaders,
      },
    );
    const request = {
      namespace: ctx.client.options.namespace,
      operations: [{ startWorkflow }, { updateWorkflow }],
    };
    let update: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse | null | undefined;
    for (;;) {
      const [startPart, updatePart] = (await ctx.client.workflowService.executeMultiOperation(request)).responses ?? [];
      if (startPart?.startWorkflow && !startSeen) {
        startSeen = true;
        onStart(startPart.startWorkflow);
      }
      update = updatePart?.updateWorkflow;
      if ((update?.stage ?? 0) >= ACCEPTED_STAGE) break;
    }
    const updatedExecution = update?.updateRef?.workflowExecution;
    return {
      workflowExecution: {
        workflowId: updatedExecution?.workflowId ?? workflowId,
        runId: updatedExecution?.runId ?? undefined,
      },
      updateId: updateWorkflow.request?.meta?.updateId ?? '',
      updateOutcome: update?.outcome ?? undefined,
      updateOutputTypeInfo: input.updateTypeInfo?.outputType,
    };
  } catch (thrown) {
    const err = classifyUpdateWithStartError(thrown, workflowId, input.workflowType);
    if (!startSeen) onStartError(err);
    if (!isGrpcServiceError(err)) throw err;
    ctx.rethrowUpdateGrpcError(err, 'Update-With-Start failed', target);
  }
}

/** Makes an Update handle; `outcome` is used when the Update is already known to have completed. */
export function makeUpdateHandle<Ret>(
  ctx: WorkflowClientContext,
  updateId: string,
  workflowId: string,
  workflowRunId?: string,
  outcome?: temporal.api.update.v1.IOutcome,
  outputTypeInfo?: TypeInfo,
): WorkflowUpdateHandle<Ret> {
  const context = ctx.serializationContext(workflowId);
  const result = async (): Promise<Ret> => {
    const known = outcome ?? (await ctx.pollForUpdateOutcome(updateId, { workflowId, runId: workflowRunId }));
    if (!known.failure) {
      const types = outputTypeInfo as TypeInfo<Ret> | undefined;
      return await decodeFromPayloadsAtIndex<Ret>(ctx.dataConverter, 0, known.success?.payloads, context, types);
    }
    const cause = await decodeOptionalFailureToOptionalError(ctx.dataConverter, known.failure, context);
    throw new WorkflowUpdateFailedError('Workflow Update failed', cause);
  };
  return { updateId, workflowId, workflowRunId, result };
}

/** Polls an Update until the server reports its outcome. */
export async function pollForUpdateOutcome(
  ctx: WorkflowClientContext,
  updateId: string,
  workflowExecution: temporal.api.common.v1.IWorkflowExecution,
): Promise<temporal.api.update.v1.IOutcome> {
  const completedStage = encodeWorkflowUpdateStage(WorkflowUpdateStage.COMPLETED);
  const request: temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest = {
    namespace: ctx.client.options.namespace,
    identity: ctx.client.options.identity,
    updateRef: { workflowExecution, updateId },
    waitPolicy: { lifecycleStage: completedStage },
  };
  let outcome: temporal.api.update.v1.IOutcome | null | undefined;
  while (!outcome) {
    try {
      ({ outcome } = await ctx.client.workflowService.pollWorkflowExecutionUpdate(request));
    } catch (err) {
      const { workflowId, runId } = workflowExecution;
      const named = typeof workflowId === 'string' ? { workflowId, runId: runId ?? undefined } : undefined;
      ctx.rethrowUpdateGrpcError(err, 'Workflow Update Poll failed', named);
    }
  }
  return outcome;
}

/**
 * The outcome to give an Update handle: the one the server already sent, or, when the caller waits for
 * completion and there is none yet, the one obtained by polling.
 */
export async function outcomeFor(
  ctx: WorkflowClientContext,
  stage: WorkflowUpdateStage,
  known: temporal.api.update.v1.IOutcome | undefined,
  updateId: string,
  workflowId: string,
  runId: string | undefined,
): Promise<temporal.api.update.v1.IOutcome | undefined> {
  if (known || stage !== WorkflowUpdateStage.COMPLETED) return known;
  return await ctx.pollForUpdateOutcome(updateId, { workflowId, runId });
}

/** Implementation of update-with-start for both public methods. */
export async function startUpdateWithStart<T extends Workflow, Ret, Args extends unknown[]>(
  ctx: WorkflowClientContext,
  updateDef: UpdateDefinition<Ret, Args> | string,
  updateWithStartOptions: WorkflowUpdateOptions & {
    args?: Args;
    waitForStage: WorkflowUpdateStage;
    startWorkflowOperation: WithStartWorkflowOperation<T>;
  },
): Promise<WorkflowUpdateHandle<Ret>> {
  const { waitForStage, args, startWorkflowOperation: operation, typeInfo, ...updateOptions } = updateWithStartOptions;
  const latch = latchOf(operation);
  const update = resolveUpdate(updateDef, typeInfo);
  if (latch.claimed) throw new Error('This WithStartWorkflowOperation instance has already been executed.');
  const startOptions = operation.options;
  assertRequiredWorkflowOptions(startOptions);
  if (!startOptions.workflowIdConflictPolicy) {
    throw new TypeError('WithStartWorkflowOperation requires `workflowIdConflictPolicy`');
  }
  const { workflowId } = startOptions;
  const workflow = extractWorkflowTypeAndConfig(operation.workflowTypeOrFunc, startOptions.typeInfo);
  const workflowStartOptions = compileStartOptions({ ...startOptions, typeInfo: workflow.typeInfo });
  latch.claimed = true;

  const interceptors = ctx.interceptorsFor(workflowId);
  const announceStart = (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) => {
    const handle = ctx.createHandle<T>({
      workflowId,
      firstExecutionRunId: startResponse.runId ?? undefined,
      interceptors,
      followRuns: startOptions.followRuns ?? true,
      typeInfo: workflow.typeInfo,
    });
    latch.deliver(handle as WorkflowHandle<Workflow>);
  };
  const run = composeInterceptors(interceptors, 'startUpdateWithStart', (i) =>
    ctx.updateWithStart(waitForStage, announceStart, (err) => latch.abandon(err), i),
  );
  const output = await run({
    workflowType: workflow.type,
    workflowStartOptions,
    workflowStartHeaders: {},
    updateName: update.name,
    updateArgs: (args as unknown[] | undefined) ?? [],
    updateTypeInfo: update.typeInfo,
    updateOptions,
    updateHeaders: {},
  });
  const runId = output.workflowExecution.runId;
  const outcome = await outcomeFor(ctx, waitForStage, output.updateOutcome, output.updateId, workflowId, runId);
  return ctx.createUpdateHandle<Ret>(output.updateId, workflowId, runId, outcome, output.updateOutputTypeInfo);
}
