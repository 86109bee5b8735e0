import { temporal } from '../internal/proto';
import { invalidArgument, notFound } from '../errors';
import { enums, IFailure, IPayloads, msDuration, msTimestamp } from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { ActivityInfo, Execution, isRunning } from './mutable-state';
import { decideRetry, retryPolicyProto } from './retry';
import { decodeTaskToken, encodeTaskToken } from './task-token';
import { isUuid } from '../internal/validation';
import { VersionRef, versionProto, versionString } from '../deployments/deployment-records';
import { BlobContext, failureSize, payloadsSize } from '../internal/blob-limits';

const ET = enums.EventType;
const TT = enums.TimeoutType;

// The real server's words for what it refuses to keep because it is over the blob size limit.
const COMPLETE_RESULT_TOO_LARGE = 'Complete result exceeds size limit.';
const FAILURE_TOO_LARGE = 'Failure exceeds size limit.';
const HEARTBEAT_DETAILS_TOO_LARGE = 'Heartbeat details exceed size limit.';

/** A non-retryable failure of the server's own. */
function serverFailure(message: string): IFailure {
  return { message, serverFailureInfo: { nonRetryable: true } };
}

function blobContext(ex: Execution, operation: string): BlobContext {
  const s = ex.state;
  return { namespace: s.namespace, workflowId: s.workflowId, runId: s.runId, operation };
}

/** Starts an attempt for a poller; undefined when the queued task is stale. */
export function startActivityTask(
  engine: HistoryEngine,
  ex: Execution,
  scheduledEventId: number,
  seq: number,
  identity: string,
  workerVersion?: temporal.api.common.v1.IWorkerVersionStamp,
  deploymentVersion: VersionRef | null = null,
): temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse | undefined {
  const s = ex.state;
  const a = s.activities[String(scheduledEventId)];
  if (!isRunning(s) || !a || a.seq !== seq || a.state !== 'scheduled' || a.paused) return undefined;
  return engine.tx((tx) => {
    a.state = 'started';
    a.startedTime = tx.now;
    a.startedIdentity = identity;
    a.startedWorkerVersion = workerVersion;
    a.lastWorkerIdentity = identity;
    a.lastDeploymentVersion = deploymentVersion ?? undefined;
    a.startedRequestId = engine.newRunId();
    tx.touch(ex);
    return {
      taskToken: encodeTaskToken({
        k: 'a',
        nsId: engine.namespaces.get(s.namespace)?.id ?? '',
        wid: s.workflowId,
        rid: s.runId,
        sid: a.scheduledEventId,
        attempt: a.attempt,
        seq: a.seq,
        activityId: a.activityId,
        type: s.workflowType,
        activityType: a.activityType,
      }),
      workflowNamespace: s.namespace,
      workflowType: { name: s.workflowType },
      workflowExecution: { workflowId: s.workflowId, runId: s.runId },
      activityType: { name: a.activityType },
      activityId: a.activityId,
      header: a.header ?? null,
      input: a.input ?? null,
      heartbeatDetails: a.heartbeatDetails ?? null,
      scheduledTime: msTimestamp(a.scheduledTime),
      currentAttemptScheduledTime: msTimestamp(a.currentAttemptScheduledTime),
      startedTime: msTimestamp(tx.now),
      attempt: a.attempt,
      scheduleToCloseTimeout: msDuration(a.scheduleToCloseMs),
      startToCloseTimeout: msDuration(a.startToCloseMs),
      heartbeatTimeout: msDuration(a.heartbeatMs),
      retryPolicy: retryPolicyProto(a.retry),
      priority: a.priority ?? null,
    };
  });
}

/** How an activity task is addressed: by its token, or by workflow and activity id. */
export type ActivityAddress =
  | { token: Uint8Array | null | undefined; namespace?: string | null }
  | { namespace: string; workflowId: string; runId?: string | null; activityId: string };

/** Finds the started attempt an address refers to, or NOT_FOUND. */
export function findActivity(engine: HistoryEngine, addr: ActivityAddress): { ex: Execution; a: ActivityInfo } {
  if ('token' in addr) {
    const t = decodeTaskToken(addr.token, 'a');
    const ex = engine.tokenRun(engine.tokenNamespace(t.nsId, addr.namespace), t.wid, t.rid);
    const a = ex.state.activities[String(t.sid)];
    if (!isRunning(ex.state) || !a || a.seq !== t.seq || a.state !== 'started') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { ex, a };
  }
  if (!addr.activityId) throw invalidArgument('ActivityId is not set on request.');
  // Without a workflow id, the real server looks for a standalone activity of that id (none exist here).
  if (!addr.workflowId) throw notFound(`activity not found for ID: ${addr.activityId}`);
  if (addr.runId && !isUuid(addr.runId)) throw invalidArgument('RunId is not valid UUID.');
  const ex = engine.getOpenExecution(addr.namespace, addr.workflowId, addr.runId);
  const a = Object.values(ex.state.activities).find((x) => x.activityId === addr.activityId);
  if (!a) {
    throw notFound(
      `cannot find pending activity with ActivityID ${addr.activityId}, check workflow execution history for more details`,
    );
  }
  return { ex, a };
}

/** Writes ActivityTaskStarted plus the closing event (together, as the real server does for retried activities). */
function closeActivity(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  a: ActivityInfo,
  closeType: number,
  attrs: object,
  started: boolean,
): void {
  delete ex.state.activities[String(a.scheduledEventId)];
  if (started) {
    engine.addExternalEvent(
      ex,
      tx,
      ET.EVENT_TYPE_ACTIVITY_TASK_STARTED,
      {
        scheduledEventId: a.scheduledEventId,
        identity: a.startedIdentity ?? '',
        requestId: a.startedRequestId ?? '',
        attempt: a.attempt,
        lastFailure: a.attempt > 1 ? (a.lastFailure ?? null) : null,
        workerVersion: a.startedWorkerVersion ?? null,
      },
      undefined,
      false,
      // Written with the outcome, but dated when the attempt started, as on the real server.
      a.startedTime ?? tx.now,
    );
    engine.addExternalEvent(ex, tx, closeType, { ...attrs, scheduledEventId: a.scheduledEventId }, 'startedEventId');
  } else {
    engine.addExternalEvent(ex, tx, closeType, { ...attrs, scheduledEventId: a.scheduledEventId, startedEventId: 0 });
  }
}

export function completeActivity(
  engine: HistoryEngine,
  addr: ActivityAddress,
  result: IPayloads | null | undefined,
  identity: string,
): void {
  const { ex, a } = findActivity(engine, addr);
  if (engine.blobs.exceeds(payloadsSize(result), blobContext(ex, 'RespondActivityTaskCompleted'))) {
    // As on the real server, a result over the limit fails the activity (for good) instead.
    failActivity(engine, addr, serverFailure(COMPLETE_RESULT_TOO_LARGE), null, identity);
    return;
  }
  engine.tx((tx) =>
    closeActivity(engine, tx, ex, a, ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { result: result ?? null, identity }, true),
  );
}

export function cancelActivityReported(
  engine: HistoryEngine,
  addr: ActivityAddress,
  details: IPayloads | null | undefined,
  identity: string,
): void {
  const { ex, a } = findActivity(engine, addr);
  engine.tx((tx) =>
    closeActivity(
      engine,
      tx,
      ex,
      a,
      ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
      {
        details: details ?? null,
        latestCancelRequestedEventId: a.cancelRequestedEventId ?? 0,
        identity,
      },
      a.state === 'started',
    ),
  );
}

/** Deadline after which no further attempt may start (schedule-to-close), 0 when unbounded. */
function attemptsDeadline(a: ActivityInfo): number {
  return a.scheduleToCloseMs > 0 ? a.scheduledTime + a.scheduleToCloseMs : 0;
}

/** Moves an activity to its next attempt after `backoffMs` (no events are written). */
function retryLater(
  ex: Execution,
  a: ActivityInfo,
  now: number,
  backoffMs: number,
  failure: IFailure | null | undefined,
): void {
  // After ResetActivity, the next attempt is the first again, and starts at once.
  a.attempt = a.resetRequested ? 1 : a.attempt + 1;
  if (a.resetRequested) backoffMs = 0;
  a.resetRequested = undefined;
  a.state = 'backoff';
  a.lastFailure = failure ?? null;
  a.lastAttemptCompleteTime = now;
  a.currentAttemptScheduledTime = now + backoffMs;
  a.startedTime = undefined;
  a.startedIdentity = undefined;
  ex.state.activitySeq += 1;
  a.seq = ex.state.activitySeq;
}

/**
 * Whether a failed or timed-out attempt is retried. As on the real server, an activity whose cancellation was
 * requested is not: it fails (or times out) with the retry state CANCEL_REQUESTED.
 */
function retryDecision(a: ActivityInfo, failure: IFailure | null | undefined, now: number) {
  if (a.cancelRequested) return { retryState: enums.RetryState.RETRY_STATE_CANCEL_REQUESTED, backoffMs: undefined };
  // A reset activity gets a new first attempt whatever the failure.
  if (a.resetRequested) return { retryState: enums.RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 0 };
  return decideRetry(failure, a.retry, a.attempt, now, attemptsDeadline(a));
}

/**
 * RespondActivityTaskFailed: retries the activity or records its failure. Heartbeat details or a failure over the
 * blob size limit are replaced by a non-retryable server failure saying so (a failure keeps a shortened copy of
 * itself as the cause), as on the real server; the replacements are returned, as the RPC reports them.
 */
export function failActivity(
  engine: HistoryEngine,
  addr: ActivityAddress,
  failure: IFailure | null | undefined,
  lastHeartbeatDetails: IPayloads | null | undefined,
  identity: string,
): IFailure[] {
  const { ex, a } = findActivity(engine, addr);
  const replaced: IFailure[] = [];
  const ctx = blobContext(ex, 'RespondActivityTaskFailed');
  if (lastHeartbeatDetails && engine.blobs.exceeds(payloadsSize(lastHeartbeatDetails), ctx)) {
    failure = serverFailure(HEARTBEAT_DETAILS_TOO_LARGE);
    lastHeartbeatDetails = null;
    replaced.push(failure);
  }
  if (failure && engine.blobs.exceeds(failureSize(failure), ctx)) {
    failure = { ...serverFailure(FAILURE_TOO_LARGE), cause: engine.blobs.truncateFailure(failure) };
    replaced.push(failure);
  }
  engine.tx((tx) => {
    if (lastHeartbeatDetails) a.heartbeatDetails = lastHeartbeatDetails;
    const decision = retryDecision(a, failure, tx.now);
    if (decision.backoffMs !== undefined) {
      retryLater(ex, a, tx.now, decision.backoffMs, failure);
      tx.touch(ex);
      return;
    }
    closeActivity(
      engine,
      tx,
      ex,
      a,
      ET.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      { failure: failure ?? null, identity, retryState: decision.retryState },
      true,
    );
  });
  return replaced;
}

export function heartbeatActivity(
  engine: HistoryEngine,
  addr: ActivityAddress,
  details: IPayloads | null | undefined,
): { cancelRequested: boolean; activityPaused?: boolean; activityReset?: boolean } {
  const { ex, a } = findActivity(engine, addr);
  if (details && engine.blobs.exceeds(payloadsSize(details), blobContext(ex, 'RecordActivityTaskHeartbeat'))) {
    // Details over the limit fail the activity for good; the worker is told to stop it.
    failActivity(engine, addr, serverFailure(HEARTBEAT_DETAILS_TOO_LARGE), null, a.lastWorkerIdentity ?? '');
    return { cancelRequested: true };
  }
  engine.tx((tx) => {
    if (details) a.heartbeatDetails = details;
    a.lastHeartbeatTime = tx.now;
    tx.touch(ex);
  });
  return { cancelRequested: a.cancelRequested, activityPaused: !!a.paused, activityReset: !!a.resetRequested };
}

/** RequestCancelActivityTask command; true when the activity was canceled at once (not started). */
export function cancelActivityFromCommand(
  tx: Transaction,
  ex: Execution,
  scheduledEventId: number,
  completedId: number,
  append: (type: number, attrs: object) => temporal.api.history.v1.IHistoryEvent,
): boolean {
  const a = ex.state.activities[String(scheduledEventId)];
  const ev = append(ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
    scheduledEventId,
    workflowTaskCompletedEventId: completedId,
  });
  // An activity that finished while the task ran (its outcome waits in the buffer) only gets the request.
  if (!a) return false;
  if (a.state !== 'started') {
    delete ex.state.activities[String(scheduledEventId)];
    append(ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
      latestCancelRequestedEventId: Number(ev.eventId),
      scheduledEventId,
      startedEventId: 0,
      identity: '',
    });
    return true;
  }
  a.cancelRequested = true;
  a.cancelRequestedEventId = Number(ev.eventId);
  tx.touch(ex);
  return false;
}

const TIMEOUT_NAMES: Record<number, string> = {
  [TT.TIMEOUT_TYPE_START_TO_CLOSE]: 'StartToClose',
  [TT.TIMEOUT_TYPE_SCHEDULE_TO_START]: 'ScheduleToStart',
  [TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]: 'ScheduleToClose',
  [TT.TIMEOUT_TYPE_HEARTBEAT]: 'Heartbeat',
};

function timeOut(engine: HistoryEngine, tx: Transaction, ex: Execution, a: ActivityInfo, timeoutType: number): void {
  const failure: IFailure = {
    message: `activity ${TIMEOUT_NAMES[timeoutType]} timeout`,
    source: 'Server',
    timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: a.heartbeatDetails ?? null },
    cause: timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE ? (a.lastFailure ?? null) : null,
  };
  const decision = retryDecision(a, failure, tx.now);
  if (decision.backoffMs !== undefined) {
    retryLater(ex, a, tx.now, decision.backoffMs, failure);
    tx.touch(ex);
    return;
  }
  closeActivity(
    engine,
    tx,
    ex,
    a,
    ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    { failure, retryState: decision.retryState },
    a.state === 'started',
  );
}

/** Handles every activity deadline that has passed. */
export function checkActivityTimeouts(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  for (const a of Object.values(ex.state.activities)) {
    const now = tx.now;
    const scheduleToStartAt =
      a.state === 'scheduled' && a.scheduleToStartMs > 0
        ? a.currentAttemptScheduledTime + a.scheduleToStartMs
        : Infinity;
    const scheduleToCloseAt = a.scheduleToCloseMs > 0 ? a.scheduledTime + a.scheduleToCloseMs : Infinity;
    // An activity that never started times out as not started when both deadlines fall together, as on the real
    // server.
    if (now >= scheduleToStartAt && scheduleToStartAt <= scheduleToCloseAt) {
      timeOut(engine, tx, ex, a, TT.TIMEOUT_TYPE_SCHEDULE_TO_START);
    } else if (now >= scheduleToCloseAt) {
      timeOut(engine, tx, ex, a, TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
    } else if (a.state === 'backoff') {
      if (now >= a.currentAttemptScheduledTime) {
        // The real server only hands the retry to matching: no state transition.
        a.state = 'scheduled';
        tx.touchInMemory(ex);
      }
    } else if (a.state === 'scheduled') {
      if (a.scheduleToStartMs > 0 && now >= a.currentAttemptScheduledTime + a.scheduleToStartMs) {
        timeOut(engine, tx, ex, a, TT.TIMEOUT_TYPE_SCHEDULE_TO_START);
      }
    } else if (a.state === 'started') {
      if (a.startToCloseMs > 0 && now >= (a.startedTime ?? 0) + a.startToCloseMs) {
        timeOut(engine, tx, ex, a, TT.TIMEOUT_TYPE_START_TO_CLOSE);
      } else if (a.heartbeatMs > 0 && now >= Math.max(a.lastHeartbeatTime ?? 0, a.startedTime ?? 0) + a.heartbeatMs) {
        timeOut(engine, tx, ex, a, TT.TIMEOUT_TYPE_HEARTBEAT);
      }
    }
  }
}

/** The earliest deadline among a run's activities. */
export function activityDeadline(ex: Execution): number | undefined {
  let min: number | undefined;
  const consider = (t: number) => {
    if (min === undefined || t < min) min = t;
  };
  for (const a of Object.values(ex.state.activities)) {
    if (a.scheduleToCloseMs > 0) consider(a.scheduledTime + a.scheduleToCloseMs);
    if (a.state === 'backoff') consider(a.currentAttemptScheduledTime);
    else if (a.state === 'scheduled' && !a.paused && a.scheduleToStartMs > 0)
      consider(a.currentAttemptScheduledTime + a.scheduleToStartMs);
    else if (a.state === 'started') {
      if (a.startToCloseMs > 0) consider((a.startedTime ?? 0) + a.startToCloseMs);
      if (a.heartbeatMs > 0) consider(Math.max(a.lastHeartbeatTime ?? 0, a.startedTime ?? 0) + a.heartbeatMs);
    }
  }
  return min;
}

/** Pending activity as DescribeWorkflowExecution reports it. */
export function pendingActivityInfo(a: ActivityInfo): temporal.api.workflow.v1.IPendingActivityInfo {
  const PS = enums.PendingActivityState;
  return {
    activityId: a.activityId,
    activityType: { name: a.activityType },
    state: a.cancelRequested
      ? PS.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
      : a.paused
        ? a.state === 'started'
          ? PS.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED
          : PS.PENDING_ACTIVITY_STATE_PAUSED
        : a.state === 'started'
          ? PS.PENDING_ACTIVITY_STATE_STARTED
          : PS.PENDING_ACTIVITY_STATE_SCHEDULED,
    paused: !!a.paused,
    pauseInfo: a.paused
      ? {
          pauseTime: msTimestamp(a.paused.time),
          manual: { identity: a.paused.identity, reason: a.paused.reason },
        }
      : null,
    heartbeatDetails: a.heartbeatDetails ?? null,
    lastHeartbeatTime: a.lastHeartbeatTime ? msTimestamp(a.lastHeartbeatTime) : null,
    lastStartedTime: a.startedTime ? msTimestamp(a.startedTime) : null,
    attempt: a.attempt,
    maximumAttempts: a.retry.maximumAttempts,
    scheduledTime: msTimestamp(a.state === 'backoff' ? a.currentAttemptScheduledTime : a.scheduledTime),
    expirationTime: a.scheduleToCloseMs > 0 ? msTimestamp(a.scheduledTime + a.scheduleToCloseMs) : null,
    lastFailure: a.lastFailure ?? null,
    lastWorkerIdentity: a.lastWorkerIdentity ?? '',
    ...(a.lastDeploymentVersion
      ? {
          lastDeploymentVersion: versionProto(a.lastDeploymentVersion),
          lastWorkerDeploymentVersion: versionString(a.lastDeploymentVersion),
        }
      : {}),
    lastAttemptCompleteTime: a.lastAttemptCompleteTime ? msTimestamp(a.lastAttemptCompleteTime) : null,
    nextAttemptScheduleTime: a.state === 'backoff' && !a.paused ? msTimestamp(a.currentAttemptScheduledTime) : null,
    currentRetryInterval:
      a.state === 'backoff' && a.lastAttemptCompleteTime
        ? msDuration(a.currentAttemptScheduledTime - a.lastAttemptCompleteTime)
        : null,
    priority: a.priority ?? null,
    // The options the attempt runs with, as the real server reports them (unset timeouts as 0s).
    activityOptions: {
      taskQueue: { name: a.taskQueue, normalName: a.taskQueue },
      scheduleToCloseTimeout: msDuration(a.scheduleToCloseMs),
      scheduleToStartTimeout: msDuration(a.scheduleToStartMs),
      startToCloseTimeout: msDuration(a.startToCloseMs),
      heartbeatTimeout: msDuration(a.heartbeatMs),
      retryPolicy: retryPolicyProto(a.retry),
      priority: a.priority ?? null,
    },
  };
}
