// Batch operations (StartBatchOperation, DescribeBatchOperation, ListBatchOperations, StopBatchOperation): terminate,
// cancel, signal, delete or reset the workflows a visibility query (or a list) names, as the real server's batcher
// does. A namespace runs one batch at a time (`frontend.MaxConcurrentBatchOperationPerNamespace`); jobs run in the
// background, a slice at a time, and are kept in memory only (they are not persisted across restarts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { temporal } from '../internal/proto';
import {
  invalidArgument,
  notFound,
  resourceExhausted,
  ServiceError,
  workflowAlreadyStarted,
  workflowNotFound,
} from '../errors';
import { decodePageToken, encodePageToken } from '../internal/page-token';
import { enums, msTimestamp } from '../internal/proto';
import { HistoryEngine } from '../history/engine';
import { Execution, isRunning } from '../history/mutable-state';
import { resetWorkflow } from '../history/reset';
import { requestCancelRun, signalRun, terminateRun } from '../history/workflow-lifecycle';
import { compileQuery, visibilityOrder } from '../visibility/visibility';

type StartRequest = temporal.api.workflowservice.v1.IStartBatchOperationRequest;

const BT = enums.BatchOperationType;
const BS = enums.BatchOperationState;

/** How the batch worker names itself in the changes it makes (`pid@host@`, as the real server's batcher does). */
const BATCHER_IDENTITY = `${process.pid}@${hostname()}@`;

/** Targets a job handles in one go before it lets other work run. */
const SLICE = 50;

interface BatchJob {
  namespace: string;
  jobId: string;
  type: number;
  state: number;
  startTime: number;
  closeTime?: number;
  total: number;
  completed: number;
  failed: number;
  identity: string;
  reason: string;
  query: string;
  executions: temporal.api.common.v1.IWorkflowExecution[];
}

export class BatchOperations {
  private readonly jobs = new Map<string, Map<string, BatchJob>>();

  constructor(private readonly engine: HistoryEngine) {}

  private jobsOf(namespace: string): Map<string, BatchJob> {
    let m = this.jobs.get(namespace);
    if (!m) {
      m = new Map();
      this.jobs.set(namespace, m);
    }
    return m;
  }

  private find(namespace: string | null | undefined, jobId: string | null | undefined): BatchJob {
    const ns = this.engine.namespace(namespace ?? '');
    if (!jobId) throw invalidArgument('JobId is not set on request.');
    const job = this.jobsOf(ns.name).get(jobId);
    if (!job) throw workflowNotFound(jobId);
    return job;
  }

  start(req: StartRequest): void {
    const ns = this.engine.namespace(req.namespace ?? '');
    if (!req.jobId) throw invalidArgument('JobId is not set on request.');
    const type = operationType(req);
    const targets = req.executions ?? [];
    if (!type || !req.reason || (!req.visibilityQuery && targets.length === 0)) {
      throw invalidArgument(
        'must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)',
      );
    }
    if (req.visibilityQuery) compileQuery(ns, req.visibilityQuery);
    const jobs = this.jobsOf(ns.name);
    const limit = this.engine.config.number('frontend.MaxConcurrentBatchOperationPerNamespace');
    if ([...jobs.values()].filter((j) => j.state === BS.BATCH_OPERATION_STATE_RUNNING).length >= limit) {
      throw resourceExhausted(
        'Max concurrent batch operations is reached',
        enums.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
        enums.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
      );
    }
    if (jobs.has(req.jobId)) {
      throw workflowAlreadyStarted(
        `Workflow execution already finished and the workflow id reuse policy does not allow a new run. WorkflowId: ${req.jobId}.`,
        '',
        '',
      );
    }
    const job: BatchJob = {
      namespace: ns.name,
      jobId: req.jobId,
      type,
      state: BS.BATCH_OPERATION_STATE_RUNNING,
      startTime: this.engine.time.now(),
      total: 0,
      completed: 0,
      failed: 0,
      identity: operationIdentity(req),
      reason: req.reason,
      query: req.visibilityQuery ?? '',
      executions: targets,
    };
    jobs.set(job.jobId, job);
    // The targets are those the query matches now; each is worked on in turn, in the background.
    const runs = req.visibilityQuery ? this.matching(ns.name, req.visibilityQuery) : [...targets];
    job.total = runs.length;
    const work = () => {
      for (const target of runs.splice(0, SLICE)) {
        if (job.state !== BS.BATCH_OPERATION_STATE_RUNNING) return;
        try {
          this.apply(job, req, target);
          job.completed += 1;
        } catch (err) {
          if (!(err instanceof ServiceError)) this.engine.log.warn(`batch ${job.jobId}: ${(err as Error).message}`);
          job.failed += 1;
        }
      }
      if (job.state !== BS.BATCH_OPERATION_STATE_RUNNING) return;
      if (runs.length > 0) setImmediate(work);
      else {
        job.state = job.failed > 0 ? BS.BATCH_OPERATION_STATE_FAILED : BS.BATCH_OPERATION_STATE_COMPLETED;
        job.closeTime = this.engine.time.now();
      }
    };
    setImmediate(work);
  }

  private matching(namespace: string, query: string): temporal.api.common.v1.IWorkflowExecution[] {
    const q = compileQuery(this.engine.namespace(namespace), query);
    const runs: Execution[] = [];
    for (const ex of this.engine.executions.values())
      if (ex.state.namespace === namespace && q.matches(ex)) runs.push(ex);
    return runs.sort(visibilityOrder).map((ex) => ({ workflowId: ex.state.workflowId, runId: ex.state.runId }));
  }

  /** Applies the job's operation to one workflow (throws what the single-workflow RPC would answer). */
  private apply(job: BatchJob, req: StartRequest, target: temporal.api.common.v1.IWorkflowExecution): void {
    const engine = this.engine;
    const ex = engine.getExecution(job.namespace, target.workflowId ?? '', target.runId);
    const open = () => {
      if (!isRunning(ex.state)) throw notFound('workflow execution already completed');
    };
    switch (job.type) {
      case BT.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW:
        open();
        engine.tx((tx) =>
          terminateRun(engine, tx, ex, job.reason, req.terminationOperation?.details ?? null, BATCHER_IDENTITY),
        );
        return;
      case BT.BATCH_OPERATION_TYPE_CANCEL_WORKFLOW:
        open();
        engine.tx((tx) =>
          requestCancelRun(engine, tx, ex, { cause: job.reason, identity: BATCHER_IDENTITY, requestId: randomUUID() }),
        );
        return;
      case BT.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW: {
        open();
        const op = req.signalOperation!;
        engine.tx((tx) =>
          signalRun(engine, tx, ex, {
            name: op.signal ?? '',
            input: op.input ?? null,
            header: op.header ?? null,
            identity: BATCHER_IDENTITY,
            requestId: randomUUID(),
          }),
        );
        return;
      }
      case BT.BATCH_OPERATION_TYPE_DELETE_WORKFLOW:
        engine.tx((tx) => {
          if (isRunning(ex.state)) terminateRun(engine, tx, ex, 'Delete workflow execution', null, '');
          engine.removeExecution(ex, tx);
        });
        return;
      case BT.BATCH_OPERATION_TYPE_RESET_WORKFLOW: {
        const options = req.resetOperation?.options ?? {};
        resetWorkflow(engine, {
          namespace: job.namespace,
          workflowExecution: { workflowId: ex.state.workflowId, runId: ex.state.runId },
          reason: job.reason,
          requestId: randomUUID(),
          workflowTaskFinishEventId: resetEventId(ex, options),
          resetReapplyType: options.resetReapplyType ?? req.resetOperation?.resetReapplyType ?? 0,
          resetReapplyExcludeTypes: options.resetReapplyExcludeTypes ?? [],
          identity: job.identity,
        });
        return;
      }
    }
  }

  describe(
    req: temporal.api.workflowservice.v1.IDescribeBatchOperationRequest,
  ): temporal.api.workflowservice.v1.IDescribeBatchOperationResponse {
    const job = this.find(req.namespace, req.jobId);
    return {
      operationType: job.type,
      jobId: job.jobId,
      state: job.state,
      startTime: msTimestamp(job.startTime),
      closeTime: job.closeTime !== undefined ? msTimestamp(job.closeTime) : null,
      totalOperationCount: job.total,
      completeOperationCount: job.completed,
      failureOperationCount: job.failed,
      identity: job.identity,
      reason: job.reason,
      query: job.query,
      executions: job.executions.map((e) => ({
        type: enums.ExecutionType.EXECUTION_TYPE_WORKFLOW,
        businessId: e.workflowId ?? '',
        runId: e.runId ?? '',
      })),
    };
  }

  list(
    req: temporal.api.workflowservice.v1.IListBatchOperationsRequest,
  ): temporal.api.workflowservice.v1.IListBatchOperationsResponse {
    const ns = this.engine.namespace(req.namespace ?? '');
    const all = [...this.jobsOf(ns.name).values()].sort((a, b) => b.startTime - a.startTime);
    const size = req.pageSize && req.pageSize > 0 ? req.pageSize : 1000;
    const offset = decodePageToken(req.nextPageToken);
    return {
      operationInfo: all.slice(offset, offset + size).map((j) => ({
        jobId: j.jobId,
        state: j.state,
        startTime: msTimestamp(j.startTime),
        closeTime: j.closeTime !== undefined ? msTimestamp(j.closeTime) : null,
        operationType: j.type,
      })),
      nextPageToken: offset + size < all.length ? encodePageToken(offset + size) : Buffer.alloc(0),
    };
  }

  /** Stops a running job: it ends FAILED, as the real server reports a stopped batch. */
  stop(req: temporal.api.workflowservice.v1.IStopBatchOperationRequest): void {
    const job = this.find(req.namespace, req.jobId);
    if (job.state !== BS.BATCH_OPERATION_STATE_RUNNING) throw notFound('workflow execution already completed');
    job.state = BS.BATCH_OPERATION_STATE_FAILED;
    job.closeTime = this.engine.time.now();
  }
}

/** The batch type of a request, as the real server reports it (the workflow variants). */
function operationType(req: StartRequest): number {
  if (req.terminationOperation) return BT.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW;
  if (req.cancellationOperation) return BT.BATCH_OPERATION_TYPE_CANCEL_WORKFLOW;
  if (req.signalOperation) return BT.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW;
  if (req.deletionOperation) return BT.BATCH_OPERATION_TYPE_DELETE_WORKFLOW;
  if (req.resetOperation) return BT.BATCH_OPERATION_TYPE_RESET_WORKFLOW;
  return 0;
}

function operationIdentity(req: StartRequest): string {
  const op =
    req.terminationOperation ??
    req.cancellationOperation ??
    req.signalOperation ??
    req.deletionOperation ??
    req.resetOperation;
  return op?.identity ?? '';
}

/** The WorkflowTaskCompleted event a batch reset goes back to: the first or last task, or the one given. */
function resetEventId(ex: Execution, options: temporal.api.common.v1.IResetOptions): number {
  if (options.workflowTaskId) return Number(options.workflowTaskId);
  const completed = ex.events.filter((e) => e.eventType === enums.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const event = options.lastWorkflowTask ? completed[completed.length - 1] : completed[0];
  if (!event) throw invalidArgument('Unable to find a workflow task to reset to.');
  return Number(event.eventId);
}
