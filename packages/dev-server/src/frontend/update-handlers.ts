import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import { HistoryEngine, Transaction } from '../history/engine';
import { Execution, isRunning, UpdateInfo } from '../history/mutable-state';
import { startWorkflowInTx, startResponse, validateStart } from '../history/start-workflow';
import { updateStage } from '../history/updates';
import { enums, errordetails, failure } from '../internal/proto';
import { invalidArgument, notFound, permissionDenied, resourceExhausted, ServiceError } from '../errors';
import { validateExecution } from '../internal/validation';
import { WorkflowServiceHandlers } from './service-definition';
import { waitForRun } from './polling';
import type { ServerContext } from '../server-context';

type Call = grpc.ServerUnaryCall<unknown, unknown>;
type UpdateRequest = temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest;
type UpdateResponse = temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse;

/** Checks an update request in the real frontend's order, with its messages. An empty update id is accepted. */
function validateUpdate(engine: HistoryEngine, req: UpdateRequest): void {
  validateExecution(req.workflowExecution);
  if (!req.request?.meta) throw invalidArgument('Update meta is not set on request.');
  engine.limits.checkLength(req.request.meta.updateId, 'UpdateId length exceeds limit.');
  if (!req.request.input?.name) throw invalidArgument('Update name is not set on request.');
  if (
    req.waitPolicy?.lifecycleStage ===
    enums.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED
  ) {
    throw permissionDenied(
      'UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.',
    );
  }
}

const STAGE_RANK: Record<string, number> = { admitted: 1, delivered: 1, accepted: 2, completed: 3, aborted: 3 };

/**
 * Admits an update on a run (deduplicated by update id) and makes sure a workflow task will deliver it. Like the
 * real server, a run takes at most `history.maxInFlightUpdates` (10) updates that have not completed.
 */
function admitUpdate(engine: HistoryEngine, tx: Transaction, ex: Execution, req: UpdateRequest): void {
  const s = ex.state;
  const id = req.request!.meta!.updateId!;
  if (s.updates[id]) return;
  const limit = engine.config.number('history.maxInFlightUpdates');
  const inFlight = Object.values(s.updates).filter((u) => STAGE_RANK[u.state] < 3).length;
  if (inFlight >= limit) {
    throw resourceExhausted(
      `limit on number of concurrent in-flight updates has been reached (${limit})`,
      enums.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
      enums.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    );
  }
  s.updates[id] = { updateId: id, request: req.request!, state: 'admitted', admittedTime: tx.now };
  tx.touchInMemory(ex);
  engine.scheduleWorkflowTask(ex, tx, 1, true);
}

/** The answer about an update on a run that closed before the workflow accepted it. */
function abortedUpdateError(u: UpdateInfo): ServiceError {
  if (u.abortedForNextRun) {
    // Retryable: the caller's retry reaches the run that followed.
    return resourceExhausted(
      'workflow operation can not be applied because workflow is closing',
      enums.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
      enums.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    );
  }
  return notFound('workflow update was aborted by closing workflow');
}

function updateNotFound(updateId: string): ServiceError {
  return notFound(`update "${updateId}" not found`);
}

function updateResponse(ex: Execution, u: UpdateInfo): UpdateResponse {
  const s = ex.state;
  return {
    updateRef: { workflowExecution: { workflowId: s.workflowId, runId: s.runId }, updateId: u.updateId },
    outcome: u.state === 'completed' ? (u.outcome ?? null) : null,
    stage: updateStage(u.state),
  };
}

/** Waits until the update reaches `stage` (or the wait times out) and reports where it is. */
async function awaitUpdate(
  ctx: ServerContext,
  ex: Execution,
  updateId: string,
  stage: number,
  call?: Call,
): Promise<UpdateResponse> {
  const S = enums.UpdateWorkflowExecutionLifecycleStage;
  const wanted =
    stage === S.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
      ? 3
      : stage === S.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
        ? 2
        : 1;
  const s = ex.state;
  const current = () => s.updates[updateId];
  await waitForRun(
    ctx.engine,
    s.runId,
    () => {
      const u = current();
      if (!u) return true;
      return STAGE_RANK[u.state] >= wanted ? true : undefined;
    },
    ctx.options.updateWaitMs,
    call,
  );
  const u = current();
  if (!u) {
    if (!isRunning(s)) throw notFound('workflow execution already completed');
    throw updateNotFound(updateId);
  }
  if (u.state === 'aborted') throw abortedUpdateError(u);
  return updateResponse(ex, u);
}

function statusOf(err: unknown): temporal.api.errordetails.v1.MultiOperationExecutionFailure.IOperationStatus {
  if (err instanceof ServiceError) {
    return {
      code: err.code,
      message: err.message,
      details: err.details.map((d) => ({
        type_url: `type.googleapis.com/temporal.api.errordetails.v1.${d.typeName}`,
        value: d.value,
      })),
    };
  }
  return { code: grpc.status.INTERNAL, message: err instanceof Error ? err.message : String(err) };
}

/** UpdateWorkflowExecution, PollWorkflowExecutionUpdate and ExecuteMultiOperation (update-with-start). */
export function updateHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine } = ctx;
  return {
    UpdateWorkflowExecution: async (req: UpdateRequest, call: Call) => {
      engine.namespace(req.namespace ?? '');
      validateUpdate(engine, req);
      const ex = engine.getExecution(req.namespace!, req.workflowExecution!.workflowId!, req.workflowExecution!.runId);
      if (req.firstExecutionRunId && ex.state.firstRunId !== req.firstExecutionRunId) {
        throw notFound('workflow execution not found for the given first_execution_run_id');
      }
      if (!isRunning(ex.state)) {
        // A closed run still answers for the updates it completed (the same update id asked again).
        const done = ex.state.updates[req.request!.meta!.updateId!];
        if (done?.state === 'completed') return updateResponse(ex, done);
        throw notFound('workflow execution already completed');
      }
      engine.tx((tx) => admitUpdate(engine, tx, ex, req));
      return awaitUpdate(ctx, ex, req.request!.meta!.updateId!, req.waitPolicy?.lifecycleStage ?? 0, call);
    },

    PollWorkflowExecutionUpdate: async (
      req: temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest,
      call: Call,
    ) => {
      engine.namespace(req.namespace ?? '');
      const ref = req.updateRef;
      if (!ref) throw invalidArgument('UpdateRef is not set on request.');
      validateExecution(ref.workflowExecution);
      // Unknown workflow: the same NOT_FOUND as describe (getExecution throws it).
      const current = engine.getExecution(
        req.namespace!,
        ref.workflowExecution.workflowId,
        ref.workflowExecution.runId,
      );
      const runs = ref.workflowExecution.runId
        ? [current]
        : engine.runsOf(req.namespace!, ref.workflowExecution.workflowId).reverse();
      // An update aborted because a next run followed is not that run's: the real server does not find it.
      const ex = runs.find((r) => {
        const u = r.state.updates[ref.updateId!];
        return u && !(u.state === 'aborted' && u.abortedForNextRun);
      });
      if (!ex) throw updateNotFound(ref.updateId ?? '');
      const r = await awaitUpdate(ctx, ex, ref.updateId ?? '', req.waitPolicy?.lifecycleStage ?? 0, call);
      return { outcome: r.outcome, stage: r.stage, updateRef: r.updateRef };
    },

    ExecuteMultiOperation: async (req: temporal.api.workflowservice.v1.IExecuteMultiOperationRequest, call: Call) => {
      engine.namespace(req.namespace ?? '');
      const ops = req.operations ?? [];
      if (ops.length !== 2 || !ops[0].startWorkflow || !ops[1].updateWorkflow) {
        throw invalidArgument('Operations have to be exactly [Start, Update].');
      }
      const start = { ...ops[0].startWorkflow, namespace: req.namespace };
      const update = { ...ops[1].updateWorkflow, namespace: req.namespace };
      let failedIndex = 0;
      try {
        validateStart(engine, start, 'updateWithStart');
        failedIndex = 1;
        validateUpdate(engine, update);
        if (update.workflowExecution!.workflowId !== start.workflowId) {
          throw invalidArgument('WorkflowId is not consistent with previous operation(s).');
        }
        // An unset conflict policy means FAIL, as for a plain start.
        failedIndex = 0;
        const outcome = engine.tx((tx) => {
          const o = startWorkflowInTx(engine, tx, start);
          failedIndex = 1;
          admitUpdate(engine, tx, o.ex, update);
          return o;
        });
        failedIndex = 1;
        const updateResponse = await awaitUpdate(
          ctx,
          outcome.ex,
          update.request!.meta!.updateId!,
          update.waitPolicy?.lifecycleStage ?? 0,
          call,
        );
        return { responses: [{ startWorkflow: startResponse(outcome) }, { updateWorkflow: updateResponse }] };
      } catch (err) {
        const failed = statusOf(err);
        // The other operation did not fail: it was aborted, which its status says with a detail of its own, so
        // that clients report the failed operation's error.
        const aborted = {
          code: grpc.status.ABORTED,
          message: 'Operation was aborted.',
          details: [
            {
              type_url: 'type.googleapis.com/temporal.api.failure.v1.MultiOperationExecutionAborted',
              value: failure.MultiOperationExecutionAborted.encode({}).finish(),
            },
          ],
        };
        const statuses = failedIndex === 0 ? [failed, aborted] : [aborted, failed];
        throw new ServiceError(failed.code ?? grpc.status.INTERNAL, 'Update-with-Start could not be executed.', [
          {
            typeName: 'MultiOperationExecutionFailure',
            value: errordetails.MultiOperationExecutionFailure.encode({ statuses }).finish(),
          },
        ]);
      }
    },
  };
}
