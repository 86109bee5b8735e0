// Standalone activity executions: activities a client starts with StartActivityExecution, run by workers
// through the same activity task queues as workflow activities, with the real server's id reuse and conflict
// policies, timeouts, retries, heartbeats, cancellation, termination and async completion (by task token and by
// activity id). Each execution is one keyed record; its queued task and next deadline are derived from it after
// every change and again after a restart.
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { temporal } from '../internal/proto';
import { durationMs, enums, errordetails, IFailure, IPayloads, msDuration, msTimestamp } from '../internal/proto';
import { failedPrecondition, invalidArgument, notFound, ServiceError } from '../errors';
import { isUuid } from '../internal/validation';
import { TaskRef } from '../matching/matching';
import { decideRetry, normalizeRetryPolicy, validateRetryPolicy } from '../history/retry';
import type { Transaction } from '../history/engine';
import type { KeyedRecord, NamespaceRecord } from '../persistence/persistence';
import { typedSearchAttributes, validateSearchAttributes } from '../visibility/validation';
import type { ServerContext } from '../server-context';
import {
  isOpen,
  STANDALONE_ACTIVITY_RECORD,
  STANDALONE_STATUS_NAMES,
  StandaloneActivityState,
  StandaloneOutcome,
} from './standalone-activity-state';
import { decodeStandaloneToken, encodeStandaloneToken } from './standalone-token';

const AS = enums.ActivityExecutionStatus;
const TT = enums.TimeoutType;
const RS = enums.RetryState;
type StartRequest = temporal.api.workflowservice.v1.IStartActivityExecutionRequest;
type PollResponse = temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse;

/** The prefix of the deadline owners of standalone activities (`sa:<run id>`). */
export const STANDALONE_DEADLINE = 'sa';
/** The kind of the tasks standalone activities queue in matching. */
export const STANDALONE_TASK_KIND = 'standalone-activity';

const TIMEOUT_NAMES: Record<number, string> = {
  [TT.TIMEOUT_TYPE_START_TO_CLOSE]: 'StartToClose',
  [TT.TIMEOUT_TYPE_SCHEDULE_TO_START]: 'ScheduleToStart',
  [TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]: 'ScheduleToClose',
  [TT.TIMEOUT_TYPE_HEARTBEAT]: 'Heartbeat',
};

/** How a worker or a client addresses a running attempt: by its task token, or by activity id (and run id). */
export type StandaloneAddress =
  | { token: Uint8Array | null | undefined; namespace?: string | null }
  | { namespace: string; activityId: string; runId?: string | null };

/** ALREADY_EXISTS with the real server's ActivityExecutionAlreadyStartedFailure. */
function alreadyStarted(startRequestId: string, runId: string): ServiceError {
  return new ServiceError(grpc.status.ALREADY_EXISTS, 'activity execution already started', [
    {
      typeName: 'ActivityExecutionAlreadyStartedFailure',
      value: errordetails.ActivityExecutionAlreadyStartedFailure.encode({ startRequestId, runId }).finish(),
    },
  ]);
}

function activityNotFound(activityId: string): ServiceError {
  return notFound(`activity not found for ID: ${activityId}`);
}

/** The real server's check of a run id given to the standalone activity RPCs. */
function validateRunId(runId: string | null | undefined): void {
  if (runId && !isUuid(runId)) throw invalidArgument('invalid run id: must be a valid UUID');
}

/** A duration of a start request: INVALID_ARGUMENT naming the field when it is negative. */
function requestDuration(d: { seconds?: unknown; nanos?: number | null } | null | undefined, name: string): number {
  const ms = durationMs(d as never);
  if (ms < 0 || (d?.nanos ?? 0) < 0) throw invalidArgument(`invalid ${name}: negative duration`);
  return ms;
}

/**
 * The real server's timeout rules (as for activities of workflows): one of schedule-to-close and start-to-close
 * is required; schedule-to-start and start-to-close default to (and are capped by) schedule-to-close; the
 * heartbeat timeout is capped by start-to-close.
 */
function normalizeTimeouts(req: StartRequest): [number, number, number, number] {
  let scheduleToClose = requestDuration(req.scheduleToCloseTimeout, 'ScheduleToCloseTimeout');
  let scheduleToStart = requestDuration(req.scheduleToStartTimeout, 'ScheduleToStartTimeout');
  let startToClose = requestDuration(req.startToCloseTimeout, 'StartToCloseTimeout');
  let heartbeat = requestDuration(req.heartbeatTimeout, 'HeartbeatTimeout');
  if (scheduleToClose === 0 && startToClose === 0) {
    throw invalidArgument(
      `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${req.activityId} ActivityType=${req.activityType?.name ?? ''}`,
    );
  }
  if (scheduleToClose > 0) {
    scheduleToStart = scheduleToStart > 0 ? Math.min(scheduleToStart, scheduleToClose) : scheduleToClose;
    startToClose = startToClose > 0 ? Math.min(startToClose, scheduleToClose) : scheduleToClose;
  } else {
    scheduleToClose = 0;
  }
  if (heartbeat > 0) heartbeat = Math.min(heartbeat, startToClose);
  return [scheduleToClose, scheduleToStart, startToClose, heartbeat];
}

/** The executions, in memory (all of them: a standalone execution is one small record). */
export class StandaloneActivities {
  private readonly runs = new Map<string, StandaloneActivityState>();
  /** namespace + activity id → run ids, oldest first (the last is the current run). */
  private readonly byId = new Map<string, string[]>();
  private readonly watchers = new Map<string, Set<() => void>>();
  /** Executions with an attempt scheduled or running (they hold time skipping, as workflow activities do). */
  private readonly busyRuns = new Set<string>();

  constructor(private readonly ctx: ServerContext) {}

  private get engine() {
    return this.ctx.engine;
  }

  private idKey(namespace: string, activityId: string): string {
    return `${namespace}\u0000${activityId}`;
  }

  /** Restores persisted executions and derives their tasks and deadlines again. */
  load(records: KeyedRecord[]): void {
    const loaded = records
      .filter((r) => r.kind === STANDALONE_ACTIVITY_RECORD)
      .map((r) => r.value as StandaloneActivityState)
      .sort((a, b) => a.scheduleTime - b.scheduleTime);
    for (const s of loaded) this.index(s);
    for (const s of loaded) this.reconcile(s);
  }

  private index(s: StandaloneActivityState): void {
    this.runs.set(s.runId, s);
    const key = this.idKey(s.namespace, s.activityId);
    const list = this.byId.get(key) ?? [];
    list.push(s.runId);
    this.byId.set(key, list);
  }

  /** An execution by run id, if the server has it. */
  peek(runId: string): StandaloneActivityState | undefined {
    return this.runs.get(runId);
  }

  /** Queues the tasks of a namespace's executions again, where they are routed now. */
  rederive(namespace: string): void {
    for (const s of this.runs.values()) if (s.namespace === namespace) this.reconcile(s);
  }

  /** Whether any execution has work outstanding (time skipping waits for it). */
  busy(): boolean {
    return this.busyRuns.size > 0;
  }

  /** Every execution of a namespace (for visibility). */
  inNamespace(namespace: string): StandaloneActivityState[] {
    return [...this.runs.values()].filter((s) => s.namespace === namespace);
  }

  // ---- changes ----

  /** Applies `fn` to an execution as one persisted change, then re-derives its task and deadline. */
  private change<T>(s: StandaloneActivityState, fn: (tx: Transaction) => T): T {
    return this.engine.tx((tx) => {
      const result = fn(tx);
      s.stateTransitions += 1;
      tx.putRecord(STANDALONE_ACTIVITY_RECORD, s.runId, s);
      tx.afterCommit.push(() => {
        this.reconcile(s);
        this.notify(s.runId);
      });
      return result;
    });
  }

  /** Queues the execution's task (when an attempt waits for a worker) and sets its next deadline. */
  private reconcile(s: StandaloneActivityState): void {
    const owner = `${STANDALONE_DEADLINE}:${s.runId}`;
    if (!this.runs.has(s.runId) || !isOpen(s)) {
      this.ctx.deadlines.set(owner, undefined);
      if (this.busyRuns.delete(s.runId)) this.ctx.deadlines.poke();
      return;
    }
    const now = this.ctx.time.now();
    if (s.attemptState === 'scheduled' && now >= s.currentAttemptScheduledTime) {
      this.ctx.matching.add(this.ctx.deployments.standaloneQueueKey(s.namespace, s.taskQueue, s.activityId), {
        key: `s:${s.runId}:${s.seq}`,
        owner: s.runId,
        kind: STANDALONE_TASK_KIND,
      });
    }
    // Work due for a worker holds time skipping, as a workflow activity does; a backoff or start delay does not.
    const due =
      s.attemptState === 'started' || (s.attemptState === 'scheduled' && now >= s.currentAttemptScheduledTime);
    if (due) this.busyRuns.add(s.runId);
    else if (this.busyRuns.delete(s.runId)) this.ctx.deadlines.poke();
    this.ctx.deadlines.set(owner, this.nextDeadline(s));
  }

  private nextDeadline(s: StandaloneActivityState): number | undefined {
    let min: number | undefined;
    const consider = (t: number) => {
      if (min === undefined || t < min) min = t;
    };
    if (s.scheduleToCloseMs > 0) consider(s.scheduleTime + s.scheduleToCloseMs);
    if (s.attemptState === 'backoff') consider(s.currentAttemptScheduledTime);
    else if (s.attemptState === 'scheduled') {
      // A delayed first attempt is queued when its start delay is over.
      if (s.currentAttemptScheduledTime > this.ctx.time.now()) consider(s.currentAttemptScheduledTime);
      if (s.scheduleToStartMs > 0) consider(s.currentAttemptScheduledTime + s.scheduleToStartMs);
    } else {
      if (s.startToCloseMs > 0) consider((s.startedTime ?? 0) + s.startToCloseMs);
      if (s.heartbeatMs > 0) consider(Math.max(s.lastHeartbeatTime ?? 0, s.startedTime ?? 0) + s.heartbeatMs);
    }
    return min;
  }

  private notify(runId: string): void {
    for (const l of [...(this.watchers.get(runId) ?? [])]) l();
  }

  /**
   * Waits until `ready()` gives a value, re-checking after each change of the run, for at most `timeoutMs` or until
   * the call is cancelled (then resolves undefined).
   */
  waitFor<T>(
    runId: string,
    ready: () => T | undefined,
    timeoutMs: number,
    call?: grpc.ServerUnaryCall<unknown, unknown>,
  ): Promise<T | undefined> {
    const first = ready();
    if (first !== undefined || timeoutMs <= 0) return Promise.resolve(first);
    return new Promise((resolve) => {
      let set = this.watchers.get(runId);
      if (!set) {
        set = new Set();
        this.watchers.set(runId, set);
      }
      const watchers = set;
      const finish = (v: T | undefined) => {
        clearTimeout(timer);
        watchers.delete(listener);
        if (watchers.size === 0) this.watchers.delete(runId);
        resolve(v);
      };
      const listener = () => {
        const v = ready();
        if (v !== undefined) finish(v);
      };
      watchers.add(listener);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      call?.on('cancelled', () => finish(undefined));
    });
  }

  // ---- lookup ----

  /** The run named by id (and run id, or the latest run): NOT_FOUND with the real server's message otherwise. */
  get(namespace: string, activityId: string | null | undefined, runId?: string | null): StandaloneActivityState {
    if (!activityId) throw invalidArgument('activityId is not set');
    validateRunId(runId);
    const runs = this.byId.get(this.idKey(namespace, activityId)) ?? [];
    const id = runId || runs[runs.length - 1];
    const s = id ? this.runs.get(id) : undefined;
    if (!s || s.namespace !== namespace || s.activityId !== activityId) throw activityNotFound(activityId);
    return s;
  }

  /**
   * The running attempt an activity RPC of a worker (or an async completion) addresses, or undefined when the
   * address is not one of a standalone activity (a workflow activity's token or workflow id): those go to the
   * workflow path. A standalone address whose attempt is gone is NOT_FOUND. As on the real server, an execution
   * addressed by id may be completed (`scheduledToo`) while its attempt waits for a worker; nothing else reaches it.
   */
  target(addr: StandaloneAddress, scheduledToo = false): StandaloneActivityState | undefined {
    if ('token' in addr) {
      const t = decodeStandaloneToken(addr.token);
      if (!t) return undefined;
      const ns = this.engine.tokenNamespace(t.namespaceId, addr.namespace);
      const s = this.runs.get(t.runId);
      if (!s || s.namespace !== ns.name || s.activityId !== t.activityId) throw activityNotFound(t.activityId);
      if (!isOpen(s) || s.seq !== t.seq || s.attemptState !== 'started') throw activityNotFound(t.activityId);
      return s;
    }
    const s = this.get(addr.namespace, addr.activityId, addr.runId);
    if (!isOpen(s)) {
      throw failedPrecondition(`invalid transition from ${STANDALONE_STATUS_NAMES[s.status] ?? s.status}`);
    }
    if (s.attemptState !== 'started' && !(scheduledToo && s.attemptState === 'scheduled')) {
      throw activityNotFound(s.activityId);
    }
    return s;
  }

  // ---- start ----

  private validateStart(ns: NamespaceRecord, req: StartRequest): void {
    if (!req.activityId) throw invalidArgument('activityId is not set');
    const max = this.engine.limits.maxIdLength;
    if (Buffer.byteLength(req.activityId) > max) throw invalidArgument('activityId length exceeds limit');
    if (!req.activityType?.name) throw invalidArgument('activityType is not set');
    if (Buffer.byteLength(req.activityType.name) > max) throw invalidArgument('activityType length exceeds limit');
    this.engine.limits.taskQueue(req.taskQueue);
    this.engine.limits.requestId(req.requestId);
    this.engine.limits.identity(req.identity);
    validateRetryPolicy(req.retryPolicy);
    requestDuration(req.startDelay, 'StartDelay');
    validateSearchAttributes(ns, req.searchAttributes, this.engine.config);
    this.engine.blobs.check(req.input, {
      namespace: ns.name,
      workflowId: req.activityId,
      operation: 'StartActivityExecution',
    });
    if (req.completionCallbacks?.length) {
      throw invalidArgument('completion callbacks are not supported by the Kairos dev server');
    }
  }

  start(req: StartRequest): temporal.api.workflowservice.v1.IStartActivityExecutionResponse {
    const ns = this.engine.namespace(req.namespace ?? '');
    this.validateStart(ns, req);
    const timeouts = normalizeTimeouts(req);
    const activityId = req.activityId!;
    const requestId = req.requestId || randomUUID();
    const response = (s: StandaloneActivityState, started: boolean) => ({
      runId: s.runId,
      started,
      link: { activity: { namespace: s.namespace, activityId: s.activityId, runId: s.runId } },
    });
    const runs = this.byId.get(this.idKey(ns.name, activityId)) ?? [];
    const current = runs.length > 0 ? this.runs.get(runs[runs.length - 1]) : undefined;
    if (current) {
      // A retried start (same request id) gets the run it started.
      if (current.requestIds.includes(requestId)) return response(current, false);
      if (isOpen(current)) {
        if (req.idConflictPolicy === enums.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING) {
          return response(current, false);
        }
        throw alreadyStarted(current.startRequestId, current.runId);
      }
      const RP = enums.ActivityIdReusePolicy;
      const failedLike = current.status !== AS.ACTIVITY_EXECUTION_STATUS_COMPLETED;
      if (
        req.idReusePolicy === RP.ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE ||
        (req.idReusePolicy === RP.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY && !failedLike)
      ) {
        throw alreadyStarted(current.startRequestId, current.runId);
      }
    }
    const now = this.ctx.time.now();
    const delay = durationMs(req.startDelay);
    const s: StandaloneActivityState = {
      namespace: ns.name,
      activityId,
      runId: randomUUID(),
      activityType: req.activityType!.name!,
      taskQueue: req.taskQueue!.name!,
      header: req.header ?? null,
      input: req.input ?? null,
      searchAttributes: typedSearchAttributes(ns, req.searchAttributes),
      userMetadata: req.userMetadata ?? null,
      priority: req.priority ?? null,
      links: req.links ?? null,
      scheduleToCloseMs: timeouts[0],
      scheduleToStartMs: timeouts[1],
      startToCloseMs: timeouts[2],
      heartbeatMs: timeouts[3],
      startDelayMs: delay,
      retry: normalizeRetryPolicy(req.retryPolicy),
      startRequestId: requestId,
      requestIds: [requestId],
      scheduleTime: now,
      executionTime: now + delay,
      status: AS.ACTIVITY_EXECUTION_STATUS_RUNNING,
      attemptState: 'scheduled',
      attempt: 1,
      seq: 1,
      currentAttemptScheduledTime: now + delay,
      totalHeartbeatCount: 0,
      stateTransitions: 0,
    };
    this.index(s);
    this.change(s, () => undefined);
    return response(s, true);
  }

  // ---- worker side ----

  /** Starts the attempt a queued task stands for, for a poller; undefined when the task is stale. */
  startTask(task: TaskRef, identity: string): PollResponse | undefined {
    const s = this.runs.get(task.owner);
    const seq = Number(task.key.split(':')[2]);
    if (!s || !isOpen(s) || s.attemptState !== 'scheduled' || s.seq !== seq) return undefined;
    return this.change(s, (tx) => {
      s.attemptState = 'started';
      s.startedTime = tx.now;
      s.lastStartedTime = tx.now;
      s.startedIdentity = identity;
      s.lastWorkerIdentity = identity;
      return {
        taskToken: encodeStandaloneToken({
          namespaceId: this.engine.namespaces.get(s.namespace)?.id ?? '',
          activityId: s.activityId,
          runId: s.runId,
          attempt: s.attempt,
          seq: s.seq,
        }),
        workflowNamespace: s.namespace,
        workflowType: null,
        workflowExecution: {},
        activityType: { name: s.activityType },
        activityId: s.activityId,
        header: s.header ?? null,
        input: s.input ?? null,
        heartbeatDetails: s.heartbeatDetails ?? null,
        scheduledTime: msTimestamp(s.scheduleTime),
        currentAttemptScheduledTime: msTimestamp(s.currentAttemptScheduledTime),
        startedTime: msTimestamp(tx.now),
        attempt: s.attempt,
        scheduleToCloseTimeout: msDuration(s.scheduleToCloseMs),
        startToCloseTimeout: msDuration(s.startToCloseMs),
        heartbeatTimeout: msDuration(s.heartbeatMs),
        retryPolicy: {
          initialInterval: msDuration(s.retry.initialIntervalMs),
          backoffCoefficient: s.retry.backoffCoefficient,
          maximumInterval: msDuration(s.retry.maximumIntervalMs),
          maximumAttempts: s.retry.maximumAttempts,
          nonRetryableErrorTypes: s.retry.nonRetryableErrorTypes,
        },
        priority: s.priority ?? null,
        activityRunId: s.runId,
      };
    });
  }

  private close(s: StandaloneActivityState, tx: Transaction, status: number, outcome: StandaloneOutcome): void {
    s.status = status;
    s.outcome = outcome;
    s.closeTime = tx.now;
    s.lastAttemptCompleteTime = s.attemptState === 'started' ? tx.now : s.lastAttemptCompleteTime;
    s.startedTime = undefined;
    s.cancelRequested = undefined;
  }

  complete(s: StandaloneActivityState, result: IPayloads | null | undefined): void {
    this.change(s, (tx) => this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_COMPLETED, { result: result ?? null }));
  }

  /** RespondActivityTaskFailed: the next attempt after the retry policy's backoff, or the execution fails. */
  fail(s: StandaloneActivityState, failure: IFailure | null | undefined, lastHeartbeat: IPayloads | null | undefined) {
    this.change(s, (tx) => {
      if (lastHeartbeat) s.heartbeatDetails = lastHeartbeat;
      this.retryOrClose(s, tx, failure ?? null, AS.ACTIVITY_EXECUTION_STATUS_FAILED);
    });
  }

  /** RespondActivityTaskCanceled: the execution is canceled (it was asked to be, or the worker gave up). */
  canceled(s: StandaloneActivityState, details: IPayloads | null | undefined, identity: string): void {
    this.change(s, (tx) =>
      this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_CANCELED, {
        failure: { message: 'Activity canceled', canceledFailureInfo: { details: details ?? null, identity } },
      }),
    );
  }

  heartbeat(
    s: StandaloneActivityState,
    details: IPayloads | null | undefined,
  ): temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatResponse {
    this.change(s, (tx) => {
      if (details) s.heartbeatDetails = details;
      s.lastHeartbeatTime = tx.now;
      s.totalHeartbeatCount += 1;
    });
    return { cancelRequested: !!s.cancelRequested, activityPaused: false, activityReset: false };
  }

  /**
   * After a failed or timed-out attempt: with attempts left (and time before schedule-to-close), the next attempt
   * follows the retry policy's backoff; otherwise the execution closes with `status` (Failed or TimedOut). A
   * cancellation request stops retries, as on the real server.
   */
  private retryOrClose(s: StandaloneActivityState, tx: Transaction, failure: IFailure | null, status: number): void {
    const deadline = s.scheduleToCloseMs > 0 ? s.scheduleTime + s.scheduleToCloseMs : 0;
    const decision = s.cancelRequested
      ? { retryState: RS.RETRY_STATE_CANCEL_REQUESTED, backoffMs: undefined }
      : decideRetry(failure, s.retry, s.attempt, tx.now, deadline);
    if (decision.backoffMs !== undefined) {
      s.attempt += 1;
      s.seq += 1;
      s.attemptState = 'backoff';
      s.lastFailure = failure;
      s.lastAttemptCompleteTime = tx.now;
      s.currentAttemptScheduledTime = tx.now + decision.backoffMs;
      s.startedTime = undefined;
      s.startedIdentity = undefined;
      return;
    }
    s.lastFailure = failure;
    this.close(s, tx, status, { failure, retryState: decision.retryState });
  }

  /** A deadline of an execution passed: start a backed-off attempt, or time the execution or its attempt out. */
  onDeadline(runId: string): void {
    const s = this.runs.get(runId);
    if (!s || !isOpen(s)) return;
    const now = this.ctx.time.now();
    const scheduleToCloseAt = s.scheduleToCloseMs > 0 ? s.scheduleTime + s.scheduleToCloseMs : Infinity;
    const scheduleToStartAt =
      s.attemptState === 'scheduled' && s.scheduleToStartMs > 0
        ? s.currentAttemptScheduledTime + s.scheduleToStartMs
        : Infinity;
    if (now >= scheduleToStartAt && scheduleToStartAt <= scheduleToCloseAt) {
      this.change(s, (tx) => this.timeOut(s, tx, TT.TIMEOUT_TYPE_SCHEDULE_TO_START));
    } else if (now >= scheduleToCloseAt) {
      this.change(s, (tx) => this.timeOut(s, tx, TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE));
    } else if (s.attemptState === 'backoff' && now >= s.currentAttemptScheduledTime) {
      this.change(s, () => {
        s.attemptState = 'scheduled';
      });
    } else if (s.attemptState === 'started') {
      if (s.startToCloseMs > 0 && now >= (s.startedTime ?? 0) + s.startToCloseMs) {
        this.change(s, (tx) => this.timeOut(s, tx, TT.TIMEOUT_TYPE_START_TO_CLOSE));
      } else if (s.heartbeatMs > 0 && now >= Math.max(s.lastHeartbeatTime ?? 0, s.startedTime ?? 0) + s.heartbeatMs) {
        this.change(s, (tx) => this.timeOut(s, tx, TT.TIMEOUT_TYPE_HEARTBEAT));
      } else this.reconcile(s);
    } else this.reconcile(s);
  }

  private timeOut(s: StandaloneActivityState, tx: Transaction, timeoutType: number): void {
    const failure: IFailure = {
      message: `activity ${TIMEOUT_NAMES[timeoutType]} timeout`,
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: s.heartbeatDetails ?? null },
      cause: timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE ? (s.lastFailure ?? null) : null,
    };
    if (timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_START || timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE) {
      // No attempt can follow: the execution itself timed out.
      this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_TIMED_OUT, { failure, retryState: RS.RETRY_STATE_TIMEOUT });
      return;
    }
    this.retryOrClose(s, tx, failure, AS.ACTIVITY_EXECUTION_STATUS_TIMED_OUT);
  }

  // ---- client side ----

  /**
   * RequestCancelActivityExecution: an attempt that has not started is canceled at once; a running one is asked to
   * stop (through its heartbeats) and the execution is canceled when the worker reports it.
   */
  requestCancel(req: temporal.api.workflowservice.v1.IRequestCancelActivityExecutionRequest): void {
    this.engine.namespace(req.namespace ?? '');
    const s = this.get(req.namespace!, req.activityId, req.runId);
    if (!isOpen(s)) {
      throw failedPrecondition(`activity is in terminal state ${STANDALONE_STATUS_NAMES[s.status] ?? s.status}`);
    }
    if (s.cancelRequested) return;
    const identity = req.identity ?? '';
    this.change(s, (tx) => {
      s.canceledReason = req.reason ?? '';
      if (s.attemptState === 'started') {
        s.cancelRequested = { reason: req.reason ?? '', identity, requestId: req.requestId ?? '' };
        return;
      }
      this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_CANCELED, {
        failure: { message: 'Activity canceled', canceledFailureInfo: { identity } },
      });
    });
  }

  terminate(req: temporal.api.workflowservice.v1.ITerminateActivityExecutionRequest): void {
    this.engine.namespace(req.namespace ?? '');
    const s = this.get(req.namespace!, req.activityId, req.runId);
    if (!isOpen(s)) {
      if (s.terminateRequestId !== undefined) {
        if (req.requestId && req.requestId === s.terminateRequestId) return;
        throw failedPrecondition(`already terminated with request ID ${s.terminateRequestId}`);
      }
      throw failedPrecondition(`activity is in terminal state ${STANDALONE_STATUS_NAMES[s.status] ?? s.status}`);
    }
    this.change(s, (tx) => {
      s.terminateRequestId = req.requestId || randomUUID();
      this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_TERMINATED, {
        failure: { message: req.reason ?? '', terminatedFailureInfo: { identity: req.identity ?? '' } },
      });
    });
  }

  /** DeleteActivityExecution: removes the run (a running one is terminated first, so its worker stops). */
  delete(req: temporal.api.workflowservice.v1.IDeleteActivityExecutionRequest): void {
    this.engine.namespace(req.namespace ?? '');
    const s = this.get(req.namespace!, req.activityId, req.runId);
    this.engine.tx((tx) => {
      if (isOpen(s)) this.close(s, tx, AS.ACTIVITY_EXECUTION_STATUS_TERMINATED, { failure: { message: 'Delete' } });
      this.runs.delete(s.runId);
      const key = this.idKey(s.namespace, s.activityId);
      const list = (this.byId.get(key) ?? []).filter((r) => r !== s.runId);
      if (list.length > 0) this.byId.set(key, list);
      else this.byId.delete(key);
      tx.putRecord(STANDALONE_ACTIVITY_RECORD, s.runId, null);
      tx.afterCommit.push(() => {
        this.reconcile(s);
        this.notify(s.runId);
      });
    });
  }
}
