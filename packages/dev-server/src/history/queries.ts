import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import { failedPrecondition, invalidArgument, notFound, queryFailed, ServiceError, workflowNotReady } from '../errors';
import { enums, msTimestamp } from '../internal/proto';
import type { HistoryEngine, WorkflowTaskQueries } from './engine';
import { Execution, isRunning } from './mutable-state';
import { decodeQueryTaskToken, encodeTaskToken } from './task-token';
import { validateExecution } from '../internal/validation';
import { randomUUID } from 'node:crypto';

type QueryResponse = temporal.api.workflowservice.v1.IQueryWorkflowResponse;

interface PendingQuery {
  id: string;
  runId: string;
  query: temporal.api.query.v1.IWorkflowQuery;
  dispatched: boolean;
  /** Sequence of the workflow task the query rides on, when attached to one. */
  attachedSeq?: number;
  resolve(response: QueryResponse): void;
  reject(err: Error): void;
}

/**
 * Queries are answered by a worker through a query-only workflow task, sent once no workflow task is in
 * flight (so the worker sees a settled state). They live only in memory: a query is not durable state.
 */
export class QueryDispatcher implements WorkflowTaskQueries {
  private readonly pending = new Map<string, PendingQuery>();

  /** `onQueued` is called when a run has queries to dispatch (the server queues their tasks). */
  constructor(
    private readonly engine: HistoryEngine,
    private readonly onQueued: (ex: Execution) => void,
  ) {}

  /** Queries of a run that are waiting for dispatch. */
  waitingFor(runId: string): PendingQuery[] {
    return [...this.pending.values()].filter((q) => q.runId === runId && !q.dispatched);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  async query(
    req: temporal.api.workflowservice.v1.IQueryWorkflowRequest,
    timeoutMs: number,
    call?: grpc.ServerUnaryCall<unknown, unknown>,
  ): Promise<QueryResponse> {
    const ns = req.namespace ?? '';
    this.engine.namespace(ns);
    validateExecution(req.execution);
    if (!req.query) throw invalidArgument('WorkflowQuery is not set on request.');
    if (!req.query.queryType) throw invalidArgument('QueryType is not set on request.');
    this.engine.blobs.check(req.query.queryArgs, {
      namespace: ns,
      workflowId: req.execution.workflowId,
      runId: req.execution.runId ?? '',
      operation: 'QueryWorkflow',
    });
    const ex = this.engine.getExecution(ns, req.execution.workflowId, req.execution.runId);
    const s = ex.state;
    const WS = enums.WorkflowExecutionStatus;
    const RC = enums.QueryRejectCondition;
    if (!isRunning(s)) {
      const rc = req.queryRejectCondition ?? 0;
      if (
        rc === RC.QUERY_REJECT_CONDITION_NOT_OPEN ||
        (rc === RC.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY && s.status !== WS.WORKFLOW_EXECUTION_STATUS_COMPLETED)
      ) {
        return { queryRejected: { status: s.status } };
      }
      if (!s.hadCompletedWft) throw workflowNotReady('workflow closed before its first workflow task completed');
    } else if (!s.hadCompletedWft && !s.wft) {
      throw workflowNotReady('workflow task not scheduled yet');
    } else if (s.wft && s.wft.attempt > 2 && !s.hadCompletedWft) {
      throw workflowNotReady('workflow task is failing');
    }
    return new Promise<QueryResponse>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ServiceError(grpc.status.DEADLINE_EXCEEDED, 'query timed out waiting for a worker'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        id,
        runId: s.runId,
        query: req.query!,
        dispatched: false,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      call?.on('cancelled', () => {
        const q = this.pending.get(id);
        if (q) q.reject(new ServiceError(grpc.status.CANCELLED, 'query cancelled'));
      });
      this.onQueued(ex);
    });
  }

  /** Attaches the run's waiting queries to a workflow task being started (its `queries` map). */
  attach(runId: string, wftSeq: number): Record<string, temporal.api.query.v1.IWorkflowQuery> {
    const out: Record<string, temporal.api.query.v1.IWorkflowQuery> = {};
    for (const q of this.pending.values()) {
      if (q.runId === runId && (!q.dispatched || q.attachedSeq === wftSeq)) {
        q.dispatched = true;
        q.attachedSeq = wftSeq;
        out[q.id] = q.query;
      }
    }
    return out;
  }

  /** Answers attached queries from RespondWorkflowTaskCompleted.query_results. */
  answer(results: Record<string, temporal.api.query.v1.IWorkflowQueryResult>): void {
    const QR = enums.QueryResultType;
    for (const [id, r] of Object.entries(results)) {
      const q = this.pending.get(id);
      if (!q) continue;
      if (r.resultType === QR.QUERY_RESULT_TYPE_FAILED)
        q.reject(queryFailed(r.errorMessage || 'query failed', r.failure ?? null));
      else q.resolve({ queryResult: r.answer ?? null });
    }
  }

  /** Queries attached to a task that ended without answering them wait for the next chance. */
  release(runId: string, wftSeq: number): void {
    for (const q of this.pending.values()) {
      if (q.runId === runId && q.attachedSeq === wftSeq) {
        q.dispatched = false;
        q.attachedSeq = undefined;
      }
    }
  }

  /** Builds the query task for a poller, or undefined when the query is gone. */
  startQueryTask(id: string): temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse | undefined {
    const q = this.pending.get(id);
    if (!q || q.dispatched) return undefined;
    const ex = this.engine.run(q.runId);
    if (!ex) return undefined;
    q.dispatched = true;
    const s = ex.state;
    const sticky = isRunning(s) && !!s.sticky;
    const events = sticky ? ex.events.slice(s.lastCompletedStartedEventId) : ex.events;
    const now = this.engine.time.now();
    return {
      taskToken: encodeTaskToken({
        k: 'q',
        nsId: this.engine.namespaces.get(s.namespace)?.id ?? '',
        taskQueue: this.queueFor(ex),
        id,
      }),
      workflowExecution: { workflowId: s.workflowId, runId: s.runId },
      workflowType: { name: s.workflowType },
      previousStartedEventId: s.lastCompletedStartedEventId,
      startedEventId: 0,
      attempt: 1,
      history: { events },
      query: q.query,
      workflowExecutionTaskQueue: { name: s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduledTime: msTimestamp(now),
      startedTime: msTimestamp(now),
    };
  }

  /** The queue a run's queries go to: its sticky queue while it has one, else its task queue. */
  queueFor(ex: Execution): string {
    return isRunning(ex.state) && ex.state.sticky ? ex.state.sticky.taskQueue : ex.state.taskQueue;
  }

  respond(req: temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest): void {
    const t = decodeQueryTaskToken(req.taskToken);
    this.engine.tokenNamespace(t.nsId, req.namespace);
    const q = this.pending.get(t.id);
    if (!q) throw notFound('query task not found');
    const QR = enums.QueryResultType;
    if (req.completedType === QR.QUERY_RESULT_TYPE_ANSWERED) {
      q.resolve({ queryResult: req.queryResult ?? null });
    } else if (req.completedType === QR.QUERY_RESULT_TYPE_FAILED) {
      q.reject(queryFailed(req.errorMessage ?? 'query failed', req.failure ?? null));
    } else {
      throw invalidArgument('completed_type is not set');
    }
  }

  /** Fails every query of a run that can no longer be answered. */
  failAll(runId: string, message: string): void {
    for (const q of this.pending.values()) if (q.runId === runId) q.reject(failedPrecondition(message));
  }
}
