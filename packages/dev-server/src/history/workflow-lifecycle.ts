import { deliverCompletionCallbacks } from '../nexus/nexus-operations';
import { temporal } from '../internal/proto';
import type { NewRunVersioning } from '../deployments/version-routing';
import {
  durationMs,
  enums,
  IFailure,
  IHeader,
  IMemo,
  IPayloads,
  IDuration,
  IRetryPolicy,
  ISearchAttributes,
  msDuration,
  msTimestamp,
} from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { Execution, ExecutionState, isRunning, ParentInfo, ResetPoint } from './mutable-state';
import { decideRetry, normalizeRetryPolicy } from './retry';
import { cronBackoffMs, parseCron } from '../schedules/cron';
import { typedSearchAttributes } from '../visibility/validation';

const ET = enums.EventType;
const WS = enums.WorkflowExecutionStatus;
const CAN = enums.ContinueAsNewInitiator;

/** What a new run starts with (from a start request, a child command, a retry, cron or continue-as-new). */
export interface NewRunParams {
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: IPayloads | null;
  executionTimeoutMs: number;
  runTimeoutMs: number;
  taskTimeoutMs: number;
  /** Whether the timeouts were given (a given 0 is written as `0s`); when absent, only non-zero ones are written. */
  executionTimeoutSet?: boolean;
  runTimeoutSet?: boolean;
  identity?: string;
  requestId: string;
  retryPolicy?: IRetryPolicy | null;
  cronSchedule?: string;
  memo?: IMemo | null;
  searchAttributes?: ISearchAttributes | null;
  header?: IHeader | null;
  userMetadata?: temporal.api.sdk.v1.IUserMetadata | null;
  priority?: temporal.api.common.v1.IPriority | null;
  links?: temporal.api.common.v1.ILink[] | null;
  completionCallbacks?: temporal.api.common.v1.ICallback[] | null;
  /** Delay before the first workflow task (start delay, cron, retry or continue-as-new backoff). */
  firstWftBackoffMs?: number;
  parent?: ParentInfo;
  root?: { workflowId: string; runId: string };
  initiator?: number;
  attempt?: number;
  firstRunId?: string;
  continuedRunId?: string;
  continuedFailure?: IFailure | null;
  lastCompletionResult?: IPayloads | null;
  executionExpirationTime?: number;
  /** The reset points of the run this one continues (with their expiry time). */
  prevResetPoints?: ResetPoint[];
  /** Signal written right after WorkflowExecutionStarted (signal-with-start). */
  signal?: {
    name: string;
    input?: IPayloads | null;
    header?: IHeader | null;
    identity?: string;
    requestId?: string;
    links?: temporal.api.common.v1.ILink[] | null;
  };
  runId?: string;
  /** Versioning override and state the run starts with (and what its started event records of them). */
  versioning?: NewRunVersioning;
}

/** Normalises workflow timeouts the way the real server does. */
export function normalizeWorkflowTimeouts(
  executionMs: number,
  runMs: number,
  taskMs: number,
): { executionMs: number; runMs: number; taskMs: number } {
  let run = runMs;
  if (run === 0) run = executionMs;
  else if (executionMs > 0) run = Math.min(run, executionMs);
  let task = taskMs || 10_000;
  task = Math.min(task, 120_000);
  if (run > 0) task = Math.min(task, run);
  return { executionMs, runMs: run, taskMs: task };
}

/** A run or execution timeout as the real server writes it: when non-zero, or when it was given (as `0s`). */
export function timeoutField(ms: number, given: boolean | undefined): IDuration | null {
  return ms > 0 || given ? msDuration(ms) : null;
}

/** Reset points as the API carries them. */
export function resetPointsProto(points: ResetPoint[]): temporal.api.workflow.v1.IResetPoints {
  return {
    points: points.map((r) => ({
      buildId: r.buildId,
      binaryChecksum: r.binaryChecksum,
      runId: r.runId,
      firstWorkflowTaskCompletedId: r.firstWorkflowTaskCompletedId,
      createTime: msTimestamp(r.createTime),
      expireTime: r.expireTime !== undefined ? msTimestamp(r.expireTime) : null,
      resettable: r.resettable,
    })),
  };
}

/** Creates a run: writes WorkflowExecutionStarted and schedules (or delays) the first workflow task. */
export function createRun(engine: HistoryEngine, tx: Transaction, p: NewRunParams): Execution {
  const runId = p.runId ?? engine.newRunId();
  const now = tx.now;
  // Signal-with-start keeps the start delay too: the signal waits for the first task, as on the real server.
  const backoff = p.firstWftBackoffMs ?? 0;
  const expiration = p.executionExpirationTime ?? (p.executionTimeoutMs > 0 ? now + p.executionTimeoutMs : undefined);
  const state: ExecutionState = {
    namespace: p.namespace,
    workflowId: p.workflowId,
    runId,
    firstRunId: p.firstRunId ?? runId,
    workflowType: p.workflowType,
    taskQueue: p.taskQueue,
    status: WS.WORKFLOW_EXECUTION_STATUS_RUNNING,
    startTime: now,
    executionTime: now + backoff,
    runTimeoutMs: p.runTimeoutMs,
    executionTimeoutMs: p.executionTimeoutMs,
    taskTimeoutMs: p.taskTimeoutMs,
    runTimeoutSet: p.runTimeoutSet || undefined,
    executionTimeoutSet: p.executionTimeoutSet || undefined,
    executionExpirationTime: expiration,
    retryPolicy: p.retryPolicy ?? null,
    cronSchedule: p.cronSchedule || undefined,
    attempt: p.attempt ?? 1,
    memo: p.memo ?? null,
    searchAttributes: p.searchAttributes ?? null,
    header: p.header ?? null,
    userMetadata: p.userMetadata ?? null,
    priority: p.priority ?? null,
    parent: p.parent,
    root: p.root ?? (p.parent ? undefined : { workflowId: p.workflowId, runId }),
    requestIds: p.requestId ? [p.requestId] : [],
    startRequestId: p.requestId,
    nextEventId: 1,
    lastCompletedStartedEventId: 0,
    wftSeq: 0,
    hadCompletedWft: false,
    buffered: [],
    activities: {},
    timers: {},
    children: {},
    externals: {},
    updates: {},
    cancelRequested: false,
    activitySeq: 0,
    historySizeBytes: 0,
    stateTransitions: 0,
    resetPoints: p.prevResetPoints?.length ? p.prevResetPoints.map((r) => ({ ...r })) : undefined,
    versioningOverride: p.versioning?.override ?? undefined,
    versioning: p.versioning?.state,
  };
  if (p.parent && !p.root) {
    const parent = engine.executions.get(p.parent.runId);
    state.root = parent?.state.root ?? { workflowId: p.parent.workflowId, runId: p.parent.runId };
  }
  const ex: Execution = { state, events: [], persistedEvents: 0, sizedEvents: 0 };
  engine.addExecution(ex);
  engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
    workflowType: { name: p.workflowType },
    parentWorkflowNamespace: p.parent?.namespace ?? '',
    parentWorkflowNamespaceId: p.parent ? (engine.namespaces.get(p.parent.namespace)?.id ?? '') : '',
    parentWorkflowExecution: p.parent ? { workflowId: p.parent.workflowId, runId: p.parent.runId } : null,
    parentInitiatedEventId: p.parent?.initiatedEventId ?? 0,
    taskQueue: { name: p.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: p.input ?? null,
    workflowExecutionTimeout: timeoutField(p.executionTimeoutMs, p.executionTimeoutSet),
    workflowRunTimeout: timeoutField(p.runTimeoutMs, p.runTimeoutSet),
    workflowTaskTimeout: msDuration(p.taskTimeoutMs),
    continuedExecutionRunId: p.continuedRunId ?? '',
    // The first run of a cron workflow is already a cron run, as the real server writes it.
    initiator:
      p.initiator ??
      (p.cronSchedule ? CAN.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE : CAN.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED),
    continuedFailure: p.continuedFailure ?? null,
    lastCompletionResult: p.lastCompletionResult ?? null,
    originalExecutionRunId: runId,
    identity: p.identity ?? '',
    firstExecutionRunId: state.firstRunId,
    retryPolicy: p.retryPolicy ?? null,
    attempt: state.attempt,
    workflowExecutionExpirationTime: expiration ? msTimestamp(expiration) : null,
    cronSchedule: p.cronSchedule ?? '',
    firstWorkflowTaskBackoff: msDuration(backoff),
    memo: p.memo ?? null,
    searchAttributes: p.searchAttributes ?? null,
    header: p.header ?? null,
    workflowId: p.workflowId,
    completionCallbacks: p.completionCallbacks ?? [],
    rootWorkflowExecution:
      p.parent && state.root ? { workflowId: state.root.workflowId, runId: state.root.runId } : null,
    priority: p.priority ?? null,
    prevAutoResetPoints: p.prevResetPoints?.length ? resetPointsProto(p.prevResetPoints) : null,
    ...p.versioning?.startedAttributes,
  });
  // With completion callbacks (a Nexus handler's start), the real server keeps the request's links with the
  // callbacks only, not on the started event.
  if (p.links?.length && !p.completionCallbacks?.length) ex.events[0].links = p.links;
  if (p.completionCallbacks?.length) {
    state.callbacks = p.completionCallbacks.map((callback) => ({
      callback,
      registrationTime: tx.now,
      state: 'standby' as const,
      attempt: 0,
    }));
  }
  if (p.userMetadata) ex.events[0].userMetadata = p.userMetadata;
  if (p.signal) {
    engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
      signalName: p.signal.name,
      input: p.signal.input ?? null,
      identity: p.signal.identity ?? '',
      header: p.signal.header ?? null,
      requestId: p.signal.requestId ?? '',
    });
    if (p.signal.requestId) state.requestIds.push(p.signal.requestId);
  }
  if (backoff > 0) state.firstWftAt = now + backoff;
  else engine.scheduleWorkflowTask(ex, tx);
  return ex;
}

// ---- closing a run ----

interface CloseOptions {
  /** WorkflowTaskCompleted id for closes decided by a command. */
  wftCompletedEventId?: number;
}

/** Ends pending work and tells the parent and children; shared by every way a run closes. */
function finishClose(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  status: number,
  closeEventId: number,
  chainEnds: boolean,
): void {
  const s = ex.state;
  s.status = status;
  s.closeTime = tx.now;
  s.closeEventId = closeEventId;
  s.wft = undefined;
  s.firstWftAt = undefined;
  s.buffered = [];
  s.activities = {};
  s.timers = {};
  s.nexusOperations = {};
  closeUpdates(ex, !chainEnds);
  tx.touch(ex);
  applyParentClosePolicies(engine, tx, ex);
  if (chainEnds && s.parent) notifyParent(engine, tx, ex, status);
  if (chainEnds) deliverCompletionCallbacks(engine, tx, ex);
}

/**
 * Settles the run's unfinished updates as the real server does when a run closes: an accepted update completes
 * with a failure saying so; one not yet accepted is aborted (its callers get an error, retryable when a next run
 * follows, so that they reach that run).
 */
function closeUpdates(ex: Execution, nextRunFollows: boolean): void {
  for (const u of Object.values(ex.state.updates)) {
    if (u.state === 'accepted') {
      u.state = 'completed';
      u.outcome = {
        failure: {
          message: 'Workflow Update failed because the Workflow completed before the Update completed.',
          source: 'Server',
          applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
        },
      };
    } else if (u.state === 'admitted' || u.state === 'delivered') {
      u.state = 'aborted';
      u.deliveredSeq = undefined;
      u.abortedForNextRun = nextRunFollows || undefined;
    }
  }
}

function applyParentClosePolicies(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  const PCP = enums.ParentClosePolicy;
  for (const child of Object.values(ex.state.children)) {
    if (!child.runId) continue;
    const policy = child.parentClosePolicy || PCP.PARENT_CLOSE_POLICY_TERMINATE;
    if (policy === PCP.PARENT_CLOSE_POLICY_ABANDON) continue;
    const target = engine.currentRun(child.namespace, child.workflowId);
    if (
      !target ||
      !isRunning(target.state) ||
      target.state.firstRunId !== engine.executions.get(child.runId)?.state.firstRunId
    )
      continue;
    if (policy === PCP.PARENT_CLOSE_POLICY_TERMINATE) {
      terminateRun(engine, tx, target, 'by parent close policy', null, 'kairos-dev-server');
    } else if (policy === PCP.PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
      requestCancelRun(engine, tx, target, { cause: 'by parent close policy', identity: 'kairos-dev-server' });
    }
  }
}

function notifyParent(engine: HistoryEngine, tx: Transaction, ex: Execution, status: number): void {
  const s = ex.state;
  const parentInfo = s.parent!;
  const parent = engine.executions.get(parentInfo.runId);
  if (!parent || !isRunning(parent.state)) return;
  const child = parent.state.children[String(parentInfo.initiatedEventId)];
  if (!child) return;
  const closeEvent = ex.events[ex.events.length - 1];
  const base = {
    namespace: s.namespace,
    namespaceId: engine.namespaces.get(s.namespace)?.id ?? '',
    workflowExecution: { workflowId: s.workflowId, runId: s.runId },
    workflowType: { name: s.workflowType },
    initiatedEventId: child.initiatedEventId,
    startedEventId: child.startedEventId ?? 0,
  };
  const attrs = closeEvent ? (closeEvent as Record<string, unknown>) : {};
  let type: number;
  let extra: object;
  switch (status) {
    case WS.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      type = ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED;
      extra = { result: (attrs.workflowExecutionCompletedEventAttributes as { result?: IPayloads })?.result ?? null };
      break;
    case WS.WORKFLOW_EXECUTION_STATUS_FAILED: {
      const f = attrs.workflowExecutionFailedEventAttributes as { failure?: IFailure; retryState?: number };
      type = ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED;
      extra = { failure: f?.failure ?? null, retryState: f?.retryState ?? 0 };
      break;
    }
    case WS.WORKFLOW_EXECUTION_STATUS_CANCELED:
      type = ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED;
      extra = { details: (attrs.workflowExecutionCanceledEventAttributes as { details?: IPayloads })?.details ?? null };
      break;
    case WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      type = ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT;
      extra = {
        retryState: (attrs.workflowExecutionTimedOutEventAttributes as { retryState?: number })?.retryState ?? 0,
      };
      break;
    default:
      type = ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED;
      extra = {};
  }
  delete parent.state.children[String(parentInfo.initiatedEventId)];
  engine.addExternalEvent(parent, tx, type, { ...base, ...extra });
}

/** The next cron time after now (as a backoff), or undefined when the run has no cron schedule. */
function cronBackoff(s: ExecutionState, now: number): number | undefined {
  if (!s.cronSchedule) return undefined;
  const cron = parseCron(s.cronSchedule);
  if (!cron) return undefined;
  return cronBackoffMs(cron, now, s.startTime);
}

/**
 * The search attributes a run was started with. The run that follows it starts with them (unless continue-as-new
 * says otherwise), as on the real server: neither upserts nor the server's own `BuildIds` carry over.
 */
function startSearchAttributes(ex: Execution): ISearchAttributes | null {
  return ex.events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes ?? null;
}

/**
 * Starts the run that follows a closed one (retry, cron, continue-as-new) in the same transaction. Like every run,
 * it is its own original run (the SDKs seed workflow randomness from `original_execution_run_id`) and, outside a
 * child's chain, its own root.
 */
function startFollowingRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  initiator: number,
  backoffMs: number,
  extra: Partial<NewRunParams>,
): Execution {
  const s = ex.state;
  // The points pass on with an expiry: the namespace's retention from now (the closing run keeps them so too).
  const retentionMs = engine.namespaces.get(s.namespace)?.retentionMs ?? 0;
  for (const point of s.resetPoints ?? []) point.expireTime ??= tx.now + retentionMs;
  const next = createRun(engine, tx, {
    namespace: s.namespace,
    workflowId: s.workflowId,
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    input: ex.events[0] ? (ex.events[0].workflowExecutionStartedEventAttributes?.input ?? null) : null,
    executionTimeoutMs: s.executionTimeoutMs,
    runTimeoutMs: s.runTimeoutMs,
    taskTimeoutMs: s.taskTimeoutMs,
    executionTimeoutSet: s.executionTimeoutSet,
    runTimeoutSet: s.runTimeoutSet,
    prevResetPoints: s.resetPoints,
    requestId: engine.newRunId(),
    retryPolicy: s.retryPolicy,
    cronSchedule: s.cronSchedule,
    memo: s.memo,
    searchAttributes: startSearchAttributes(ex),
    header: s.header,
    parent: s.parent,
    root: s.parent ? s.root : undefined,
    initiator,
    attempt: 1,
    firstRunId: s.firstRunId,
    continuedRunId: s.runId,
    executionExpirationTime: s.executionExpirationTime,
    firstWftBackoffMs: backoffMs,
    // The run's completion callbacks (a Nexus operation waiting for it) wait for the run that follows instead.
    completionCallbacks: s.callbacks?.map((c) => c.callback),
    ...extra,
  });
  s.nextRunId = next.state.runId;
  return next;
}

/** Decides a workflow-level retry for a failure or timeout: the backoff, or the retry state when not retrying. */
function workflowRetry(
  s: ExecutionState,
  failure: IFailure | null | undefined,
  now: number,
): { backoffMs?: number; retryState: number } {
  if (!s.retryPolicy) return { retryState: enums.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
  const policy = normalizeRetryPolicy(s.retryPolicy);
  return decideRetry(failure, policy, s.attempt, now, s.executionExpirationTime ?? 0);
}

export function completeRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  result: IPayloads | null | undefined,
  opts: CloseOptions = {},
): void {
  const s = ex.state;
  const cron = cronBackoff(s, tx.now);
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
    result: result ?? null,
    workflowTaskCompletedEventId: opts.wftCompletedEventId ?? 0,
    newExecutionRunId: '',
  });
  let next: Execution | undefined;
  if (cron !== undefined) {
    next = startFollowingRun(engine, tx, ex, CAN.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cron, {
      lastCompletionResult: result ?? null,
    });
    ev.workflowExecutionCompletedEventAttributes!.newExecutionRunId = next.state.runId;
  }
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_COMPLETED, Number(ev.eventId), !next);
}

export function failRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  failure: IFailure | null | undefined,
  opts: CloseOptions = {},
): void {
  const s = ex.state;
  const retry = workflowRetry(s, failure, tx.now);
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
    failure: failure ?? null,
    retryState: retry.retryState,
    workflowTaskCompletedEventId: opts.wftCompletedEventId ?? 0,
    newExecutionRunId: '',
  });
  let next: Execution | undefined;
  if (retry.backoffMs !== undefined) {
    next = startFollowingRun(engine, tx, ex, CAN.CONTINUE_AS_NEW_INITIATOR_RETRY, retry.backoffMs, {
      attempt: s.attempt + 1,
      continuedFailure: failure ?? null,
      lastCompletionResult: lastCompletionResultOf(ex),
    });
  } else {
    const cron = cronBackoff(s, tx.now);
    if (cron !== undefined) {
      next = startFollowingRun(engine, tx, ex, CAN.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cron, {
        continuedFailure: failure ?? null,
        lastCompletionResult: lastCompletionResultOf(ex),
      });
    }
  }
  if (next) ev.workflowExecutionFailedEventAttributes!.newExecutionRunId = next.state.runId;
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_FAILED, Number(ev.eventId), !next);
}

function lastCompletionResultOf(ex: Execution): IPayloads | null {
  return ex.events[0]?.workflowExecutionStartedEventAttributes?.lastCompletionResult ?? null;
}

/** The failure the server reports for a run that timed out (and was retried). */
export function workflowTimeoutFailure(): IFailure {
  return {
    message: 'workflow timeout',
    source: 'Server',
    timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
  };
}

export function timeOutRun(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  const s = ex.state;
  const expired = s.executionExpirationTime !== undefined && tx.now >= s.executionExpirationTime;
  const retry = expired
    ? { retryState: enums.RetryState.RETRY_STATE_TIMEOUT }
    : workflowRetry(s, { timeoutFailureInfo: { timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } }, tx.now);
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
    retryState: retry.retryState,
    newExecutionRunId: '',
  });
  let next: Execution | undefined;
  if (retry.backoffMs !== undefined) {
    next = startFollowingRun(engine, tx, ex, CAN.CONTINUE_AS_NEW_INITIATOR_RETRY, retry.backoffMs, {
      attempt: s.attempt + 1,
      continuedFailure: workflowTimeoutFailure(),
    });
  } else if (!expired) {
    const cron = cronBackoff(s, tx.now);
    if (cron !== undefined)
      next = startFollowingRun(engine, tx, ex, CAN.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cron, {});
  }
  if (next) ev.workflowExecutionTimedOutEventAttributes!.newExecutionRunId = next.state.runId;
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, Number(ev.eventId), !next);
}

export function cancelRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  details: IPayloads | null | undefined,
  opts: CloseOptions = {},
): void {
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, {
    details: details ?? null,
    workflowTaskCompletedEventId: opts.wftCompletedEventId ?? 0,
  });
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_CANCELED, Number(ev.eventId), true);
}

export function terminateRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  reason: string,
  details: IPayloads | null | undefined,
  identity: string,
): void {
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
    reason,
    details: details ?? null,
    identity,
  });
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_TERMINATED, Number(ev.eventId), true);
}

/** Continue-as-new from a command: closes this run and starts the next one in the same transaction. */
export function continueAsNewRun(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  a: temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes,
  wftCompletedEventId: number,
): void {
  const s = ex.state;
  const taskQueue = a.taskQueue?.name || s.taskQueue;
  const runTimeoutMs = durationMs(a.workflowRunTimeout) || s.runTimeoutMs;
  const taskTimeoutMs = durationMs(a.workflowTaskTimeout) || s.taskTimeoutMs;
  const backoff = durationMs(a.backoffStartInterval);
  const initiator = a.initiator || CAN.CONTINUE_AS_NEW_INITIATOR_WORKFLOW;
  const searchAttributes = typedSearchAttributes(engine.namespaces.get(s.namespace), a.searchAttributes);
  const newRunId = engine.newRunId();
  const ev = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
    newExecutionRunId: newRunId,
    workflowType: { name: a.workflowType?.name || s.workflowType },
    taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: a.input ?? null,
    workflowRunTimeout: msDuration(runTimeoutMs),
    workflowTaskTimeout: msDuration(taskTimeoutMs),
    workflowTaskCompletedEventId: wftCompletedEventId,
    backoffStartInterval: backoff ? msDuration(backoff) : null,
    // As the command gave them (the next run's started event has the effective initiator).
    initiator: a.initiator ?? 0,
    inheritBuildId: a.inheritBuildId ?? false,
    failure: a.failure ?? null,
    lastCompletionResult: a.lastCompletionResult ?? null,
    header: a.header ?? null,
    memo: a.memo ?? null,
    searchAttributes,
  });
  const next = startFollowingRun(engine, tx, ex, initiator, backoff, {
    runId: newRunId,
    workflowType: a.workflowType?.name || s.workflowType,
    taskQueue,
    input: a.input ?? null,
    runTimeoutMs,
    taskTimeoutMs,
    // A continued run always has its run timeout written, and only the command's header.
    runTimeoutSet: true,
    header: a.header ?? null,
    memo: a.memo ?? s.memo,
    searchAttributes: searchAttributes ?? startSearchAttributes(ex),
    retryPolicy: a.retryPolicy ?? s.retryPolicy,
    lastCompletionResult: a.lastCompletionResult ?? null,
    continuedFailure: a.failure ?? null,
    attempt: 1,
    versioning: engine.hooks.versioning?.continuedAsNew(ex, a),
  });
  void next;
  finishClose(engine, tx, ex, WS.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, Number(ev.eventId), false);
}

// ---- requests from outside ----

/** Request ids kept per run for deduplication (the oldest are forgotten beyond this). */
const MAX_REQUEST_IDS = 1000;

/** Records a request id for deduplication, keeping the state bounded for long-lived runs. */
export function rememberRequestId(s: ExecutionState, requestId: string): void {
  s.requestIds.push(requestId);
  // The start request id stays first: idempotent starts compare against it.
  if (s.requestIds.length > MAX_REQUEST_IDS) s.requestIds.splice(1, s.requestIds.length - MAX_REQUEST_IDS);
}

export interface SignalParams {
  name: string;
  input?: IPayloads | null;
  identity?: string;
  header?: IHeader | null;
  requestId?: string;
  links?: temporal.api.common.v1.ILink[] | null;
  external?: { workflowId: string; runId: string };
}

/** Appends WorkflowExecutionSignaled (deduplicated by request id) and schedules a workflow task. */
export function signalRun(engine: HistoryEngine, tx: Transaction, ex: Execution, p: SignalParams): void {
  const s = ex.state;
  if (p.requestId) {
    if (s.requestIds.includes(p.requestId)) return;
    rememberRequestId(s, p.requestId);
  }
  engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
    signalName: p.name,
    input: p.input ?? null,
    identity: p.identity ?? '',
    header: p.header ?? null,
    requestId: p.requestId ?? '',
    externalWorkflowExecution: p.external ? { workflowId: p.external.workflowId, runId: p.external.runId } : null,
  });
}

export interface CancelParams {
  cause?: string;
  identity?: string;
  requestId?: string;
  external?: { workflowId: string; runId: string; initiatedEventId: number };
}

/** Appends WorkflowExecutionCancelRequested once; repeats are no-ops. */
export function requestCancelRun(engine: HistoryEngine, tx: Transaction, ex: Execution, p: CancelParams): void {
  const s = ex.state;
  if (!isRunning(s) || s.cancelRequested) return;
  s.cancelRequested = true;
  if (p.requestId) rememberRequestId(s, p.requestId);
  engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
    cause: p.cause ?? '',
    identity: p.identity ?? '',
    externalInitiatedEventId: p.external?.initiatedEventId ?? 0,
    externalWorkflowExecution: p.external ? { workflowId: p.external.workflowId, runId: p.external.runId } : null,
  });
}
