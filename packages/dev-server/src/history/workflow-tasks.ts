import { temporal } from '../internal/proto';
import { invalidArgument, notFound } from '../errors';
import { durationMs, enums, IFailure, IHistoryEvent, msTimestamp } from '../internal/proto';
import { HistoryEngine, measureHistory, Transaction } from './engine';
import { Execution, ExecutionState, isRunning, newEvent, WorkflowTaskInfo } from './mutable-state';
import { decodeTaskToken, encodeTaskToken } from './task-token';
import { encodeHistoryToken, forwardPageEnd } from './history-pages';
import { applyCommands } from './command-application';
import { rejectedCommandMessage, validateCommands } from './command-validation';
import { trackCompletingBuild } from '../visibility/build-ids';
import {
  applyUpdateMessage,
  releaseUnansweredUpdates,
  updateRequestMessages,
  rejectUndeliveredOnFailure,
} from './updates';
import { terminateRun } from './workflow-lifecycle';
import { startActivityTask } from './activities';

/** The identity the real server gives the changes it makes itself (terminating a run over a limit, say). */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

const ET = enums.EventType;
const TT = enums.TimeoutType;
type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type WorkerVersionStamp = temporal.api.common.v1.IWorkerVersionStamp;

/** The run's workflow task (read through a call so narrowing after assignments does not hide it). */
function pendingTask(ex: Execution): WorkflowTaskInfo | undefined {
  return ex.state.wft;
}

/**
 * Starts the scheduled workflow task of a run for a poller: writes WorkflowTaskStarted (for a transient
 * attempt, only in the response) and builds the poll response. Undefined when the task is stale. A transient
 * task that events overtook (they took the id it expected) starts as a normal attempt 1: its Scheduled event is
 * written now, as the real server does.
 */
export function startWorkflowTask(
  engine: HistoryEngine,
  ex: Execution,
  seq: number,
  identity: string,
  requestId = '',
  workerVersion?: WorkerVersionStamp,
): PollResponse | undefined {
  const s = ex.state;
  const wft = s.wft;
  if (!isRunning(s) || !wft || wft.seq !== seq || wft.startedEventId !== undefined) return undefined;
  return engine.tx((tx) => {
    wft.startedTime = tx.now;
    wft.startedIdentity = identity;
    wft.startedRequestId = requestId;
    wft.startedWorkerVersion = workerVersion;
    if (wft.transient && wft.scheduledEventId !== s.nextEventId) {
      wft.transient = false;
      wft.speculative = undefined;
      wft.attempt = 1;
      wft.scheduledEventId = Number(
        engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, engine.wftScheduledAttributes(s)).eventId,
      );
    }
    if (wft.transient) {
      wft.startedEventId = s.nextEventId + 1;
    } else {
      wft.startedEventId = Number(
        engine.append(
          ex,
          tx,
          ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
          wftStartedAttributes(engine, ex, identity, requestId),
        ).eventId,
      );
    }
    // A speculative task that starts as such is not persisted by the real server.
    if (wft.speculative && wft.transient) tx.touchInMemory(ex);
    else tx.touch(ex);
    return workflowTaskResponse(engine, ex, tx);
  });
}

function wftStartedAttributes(engine: HistoryEngine, ex: Execution, identity: string, requestId: string): object {
  const historySizeBytes = measureHistory(ex);
  const reasons = suggestContinueAsNewReasons(engine, ex, historySizeBytes);
  return {
    scheduledEventId: ex.state.wft!.scheduledEventId,
    identity,
    requestId,
    historySizeBytes,
    suggestContinueAsNew: reasons.length > 0,
    suggestContinueAsNewReasons: reasons,
    targetWorkerDeploymentVersionChanged: engine.hooks.versioning?.targetChanged(ex) ?? false,
    workerVersion: ex.state.wft!.startedWorkerVersion ?? null,
  };
}

/**
 * Why a workflow task suggests continuing as new: its history has as many events, or as many bytes, as the real
 * server's suggestion thresholds (`limit.historyCount.suggestContinueAsNew`, `limit.historySize.suggestContinueAsNew`).
 */
function suggestContinueAsNewReasons(engine: HistoryEngine, ex: Execution, historySizeBytes: number): number[] {
  const R = enums.SuggestContinueAsNewReason;
  const reasons: number[] = [];
  if (historySizeBytes >= engine.config.number('limit.historySize.suggestContinueAsNew')) {
    reasons.push(R.SUGGEST_CONTINUE_AS_NEW_REASON_HISTORY_SIZE_TOO_LARGE);
  }
  if (ex.state.nextEventId - 1 >= engine.config.number('limit.historyCount.suggestContinueAsNew')) {
    reasons.push(R.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS);
  }
  return reasons;
}

/**
 * The not-yet-written Scheduled (and, once started, Started) events of the run's transient workflow task, which
 * follow the last event. The worker gets them with the task; GetWorkflowExecutionHistory shows them too, as the
 * real server does, with the Started event's identity left out.
 */
export function transientWorkflowTaskEvents(engine: HistoryEngine, ex: Execution, forWorker: boolean): IHistoryEvent[] {
  const s = ex.state;
  const wft = s.wft;
  if (!isRunning(s) || !wft?.transient || wft.scheduledEventId !== s.nextEventId) return [];
  const scheduled = newEvent(
    ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    wft.scheduledTime,
    engine.wftScheduledAttributes(s),
  );
  scheduled.eventId = wft.scheduledEventId;
  if (wft.startedEventId === undefined) return [scheduled];
  const started = newEvent(
    ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    wft.startedTime ?? wft.scheduledTime,
    wftStartedAttributes(engine, ex, forWorker ? (wft.startedIdentity ?? '') : '', wft.startedRequestId ?? ''),
  );
  started.eventId = wft.startedEventId;
  return [scheduled, started];
}

/**
 * The history a workflow task goes out with. A sticky task gets the events since the last completed task. A full
 * history longer than the first page is cut, as the real server cuts it: the worker fetches the rest with
 * GetWorkflowExecutionHistory and the token, whose last page ends where this task's history ends, followed by the
 * transient task's events if the task is a retry.
 */
function workflowTaskHistory(
  engine: HistoryEngine,
  ex: Execution,
): { events: IHistoryEvent[]; nextPageToken?: Uint8Array } {
  const s = ex.state;
  const from = s.wft!.sticky ? s.lastCompletedStartedEventId : 0;
  if (from > 0) return { events: [...ex.events.slice(from), ...transientWorkflowTaskEvents(engine, ex, true)] };
  const end = ex.events.length;
  const pageEnd = forwardPageEnd(ex.events, 0, end, engine.workflowTaskHistoryPageSize);
  if (pageEnd === end) return { events: [...ex.events, ...transientWorkflowTaskEvents(engine, ex, true)] };
  return {
    events: ex.events.slice(0, pageEnd),
    nextPageToken: encodeHistoryToken({ rid: s.runId, next: pageEnd + 1, end: end + 1 }),
  };
}

/** The poll response for the run's started workflow task. */
function workflowTaskResponse(engine: HistoryEngine, ex: Execution, tx: Transaction): PollResponse {
  const s = ex.state;
  const wft = s.wft!;
  const { events, nextPageToken } = workflowTaskHistory(engine, ex);
  const messages = updateRequestMessages(ex, wft.seq, (wft.startedEventId ?? 1) - 1);
  return {
    taskToken: encodeTaskToken({
      k: 'w',
      nsId: engine.namespaces.get(s.namespace)?.id ?? '',
      wid: s.workflowId,
      rid: s.runId,
      sid: wft.scheduledEventId,
      attempt: wft.attempt,
      seq: wft.seq,
      type: s.workflowType,
    }),
    workflowExecution: { workflowId: s.workflowId, runId: s.runId },
    workflowType: { name: s.workflowType },
    previousStartedEventId: s.lastCompletedStartedEventId,
    startedEventId: wft.startedEventId,
    attempt: wft.attempt,
    backlogCountHint: 0,
    history: { events },
    nextPageToken: nextPageToken ?? null,
    workflowExecutionTaskQueue: { name: s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    scheduledTime: msTimestamp(wft.scheduledTime),
    startedTime: msTimestamp(wft.startedTime ?? tx.now),
    queries: engine.queries?.attach(s.runId, wft.seq) ?? {},
    messages,
  };
}

/** Finds the run and started workflow task a token refers to, or NOT_FOUND. */
function taskFor(
  engine: HistoryEngine,
  token: Uint8Array | null | undefined,
  namespace: string | null | undefined,
): Execution {
  const t = decodeTaskToken(token, 'w');
  const ex = engine.tokenRun(engine.tokenNamespace(t.nsId, namespace), t.wid, t.rid);
  if (!isRunning(ex.state)) throw notFound('workflow execution already completed');
  const wft = ex.state.wft;
  if (!wft || wft.seq !== t.seq || wft.startedEventId === undefined) throw notFound('Workflow task not found.');
  return ex;
}

/** Writes the Scheduled/Started events of a transient attempt that is now completing or failing for good. */
function materializeTransient(engine: HistoryEngine, ex: Execution, tx: Transaction): void {
  const wft = ex.state.wft!;
  if (!wft.transient) return;
  const scheduled = engine.append(
    ex,
    tx,
    ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    engine.wftScheduledAttributes(ex.state),
  );
  scheduled.eventTime = msTimestamp(wft.scheduledTime);
  wft.scheduledEventId = Number(scheduled.eventId);
  if (wft.startedEventId !== undefined) {
    const started = engine.append(
      ex,
      tx,
      ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      wftStartedAttributes(engine, ex, wft.startedIdentity ?? '', wft.startedRequestId ?? ''),
    );
    started.eventTime = msTimestamp(wft.startedTime ?? tx.now);
    wft.startedEventId = Number(started.eventId);
  }
  // The real server writes these two as a batch of their own, ahead of the completion's.
  engine.endBatch(ex, tx);
  wft.transient = false;
  wft.speculative = undefined;
}

type CompleteRequest = temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest;

/** Closing commands end the run; they race with events that arrived while the task ran. */
const CLOSING_COMMANDS = new Set<number>([
  enums.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  enums.CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  enums.CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  enums.CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/** RespondWorkflowTaskCompleted: records the completion, applies commands and messages, schedules what follows. */
export function completeWorkflowTask(
  engine: HistoryEngine,
  req: CompleteRequest,
): temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse {
  const ex = taskFor(engine, req.taskToken, req.namespace);
  const s = ex.state;
  // Queries that rode on this task are answered (or wait for the next chance) whatever happens next.
  engine.queries?.answer(req.queryResults ?? {});
  engine.queries?.release(s.runId, s.wft!.seq);
  const commands = req.commands ?? [];
  const closes = commands.some((c) => CLOSING_COMMANDS.has(c.commandType ?? 0));
  const hasNewWork = s.buffered.length > 0 || Object.values(s.updates).some((u) => u.state === 'admitted');
  const invalid = validateCommands(engine, ex, commands, req.messages ?? []);
  // Like the real server, the commands before the closing one (which must be the last) are checked first; new
  // work then makes the closing command unhandled before its own attributes are looked at.
  const closingIndex = commands.length - 1;
  if (closes && hasNewWork && !(invalid && (invalid.index ?? -1) < closingIndex)) {
    engine.tx((tx) => {
      failTask(
        engine,
        tx,
        ex,
        enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
        null,
        req.identity ?? '',
        { resetAttempt: true },
      );
    });
    throw invalidArgument('UnhandledCommand');
  }
  if (invalid?.terminate) {
    // Too large for the blob limit: the real server fails the task and terminates the run, whatever the attempt.
    const message = rejectedCommandMessage(invalid);
    engine.tx((tx) =>
      failTask(engine, tx, ex, invalid.cause, { message, serverFailureInfo: {} }, req.identity ?? '', {
        terminateReason: message,
      }),
    );
    throw invalidArgument(message);
  }
  if (invalid) {
    const message = rejectedCommandMessage(invalid);
    // The real server fails the first attempt (WorkflowTaskFailed); a retried attempt stays started and
    // times out, and only then is the next attempt scheduled. A malformed completion fails no attempt.
    if (!invalid.malformed && !isRetriedAttempt(s.wft!)) {
      const failure = { message, serverFailureInfo: {} };
      engine.tx((tx) => failTask(engine, tx, ex, invalid.cause, failure, req.identity ?? '', {}));
    }
    throw invalid.error ?? invalidArgument(message);
  }
  // The real server drops a speculative task that only rejected updates when nothing was written after the last
  // completed task (its WorkflowTaskCompleted is the last event), or, for a worker that says it can rewind past
  // command events (as the official SDKs do), even when that task's commands wrote events; otherwise the task is
  // written like any other.
  const speculativeRejection =
    s.wft!.speculative &&
    (lastEventIsTaskCompletion(ex) || !!req.capabilities?.discardSpeculativeWorkflowTaskWithEvents) &&
    commands.length === 0 &&
    s.buffered.length === 0 &&
    !req.forceCreateNewWorkflowTask &&
    (req.messages ?? []).every((m) => (m.body?.type_url ?? '').endsWith('temporal.api.update.v1.Rejection'));
  if (speculativeRejection) {
    // Only rejections: the speculative task leaves no trace in history, and the worker rewinds its history to the
    // WorkflowTaskStarted event of the last completed task.
    return engine.tx((tx) => {
      const wft = s.wft!;
      s.wft = undefined;
      const stickyQueue = req.stickyAttributes?.workerTaskQueue?.name;
      s.sticky = stickyQueue
        ? {
            taskQueue: stickyQueue,
            scheduleToStartMs: durationMs(req.stickyAttributes?.scheduleToStartTimeout) || 10_000,
          }
        : undefined;
      for (const m of req.messages ?? []) applyUpdateMessage(engine, tx, ex, m);
      releaseUnansweredUpdates(ex, wft.seq);
      if (Object.values(s.updates).some((u) => u.state === 'admitted')) engine.scheduleWorkflowTask(ex, tx, 1, true);
      tx.touchInMemory(ex);
      return { resetHistoryEventId: s.lastCompletedStartedEventId };
    });
  }
  return engine.tx((tx) => {
    const wft = s.wft!;
    materializeTransient(engine, ex, tx);
    const completed = engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
      scheduledEventId: wft.scheduledEventId,
      startedEventId: wft.startedEventId,
      identity: req.identity ?? '',
      binaryChecksum: req.binaryChecksum ?? '',
      workerVersion: req.workerVersionStamp ?? null,
      sdkMetadata: req.sdkMetadata ?? null,
      meteringMetadata: req.meteringMetadata ?? null,
    });
    const completedId = Number(completed.eventId);
    s.lastCompletedStartedEventId = wft.startedEventId!;
    s.hadCompletedWft = true;
    // Tracked before the commands apply, so a command upserting BuildIds has the last word.
    s.searchAttributes =
      trackCompletingBuild(s.searchAttributes, req.workerVersionStamp, req.binaryChecksum) ?? s.searchAttributes;
    s.mostRecentWorkerVersionStamp = req.workerVersionStamp ?? null;
    engine.hooks.versioning?.workflowTaskCompleted(ex, tx, req, completed);
    addResetPoint(s, req.workerVersionStamp?.buildId ?? '', req.binaryChecksum ?? '', completedId, tx.now);
    const stickyQueue = req.stickyAttributes?.workerTaskQueue?.name;
    s.sticky = stickyQueue
      ? {
          taskQueue: stickyQueue,
          scheduleToStartMs: durationMs(req.stickyAttributes?.scheduleToStartTimeout) || 10_000,
        }
      : undefined;
    s.wft = undefined;
    const result = applyCommands(
      engine,
      tx,
      ex,
      commands,
      req.messages ?? [],
      completedId,
      wft.seq,
      req.identity ?? '',
    );
    if (!isRunning(s)) return {};
    const flushed = engine.flushBuffer(ex, tx);
    const pendingUpdates = Object.values(s.updates).some((u) => u.state === 'admitted');
    if (flushed > 0 || result.newEvents || pendingUpdates || req.forceCreateNewWorkflowTask) {
      engine.scheduleWorkflowTask(ex, tx);
    }
    const out: temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse = {
      activityTasks: startEagerActivities(engine, ex, commands, req.identity ?? '', req.workerVersionStamp),
    };
    const next = pendingTask(ex);
    if (req.returnNewWorkflowTask && next && next.startedEventId === undefined && !next.sticky) {
      const workerVersion = req.workerVersionStamp?.buildId ? req.workerVersionStamp : undefined;
      out.workflowTask = startWorkflowTask(engine, ex, next.seq, req.identity ?? '', '', workerVersion) ?? null;
    }
    return out;
  });
}

/**
 * Eager activity dispatch: activities scheduled with `request_eager_execution` on the run's own task queue start at
 * once and go back in the completion's response (when `system.enableActivityEagerExecution` is on, as it is by
 * default), as on the real server; the others are queued.
 */
function startEagerActivities(
  engine: HistoryEngine,
  ex: Execution,
  commands: temporal.api.command.v1.ICommand[],
  identity: string,
  workerVersion: temporal.api.common.v1.IWorkerVersionStamp | null | undefined,
): temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse[] {
  if (!engine.config.bool('system.enableActivityEagerExecution')) return [];
  const s = ex.state;
  const out: temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse[] = [];
  for (const c of commands) {
    const a = c.scheduleActivityTaskCommandAttributes;
    if (c.commandType !== enums.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK || !a?.requestEagerExecution) continue;
    const activity = Object.values(s.activities).find((x) => x.activityId === a.activityId);
    if (!activity || activity.state !== 'scheduled' || activity.taskQueue !== s.taskQueue) continue;
    const task = startActivityTask(
      engine,
      ex,
      activity.scheduledEventId,
      activity.seq,
      identity,
      workerVersion?.buildId ? workerVersion : undefined,
    );
    if (task) out.push(task);
  }
  return out;
}

/** Reset points a run keeps at most (the oldest go first), as on the real server. */
const MAX_RESET_POINTS = 20;

/**
 * Records the first workflow task each worker build completes (by build id and binary checksum, both possibly
 * empty) as a reset point, as the real server does.
 */
function addResetPoint(s: ExecutionState, buildId: string, binaryChecksum: string, completedId: number, now: number) {
  const points = s.resetPoints ?? [];
  if (points.some((p) => p.buildId === buildId && p.binaryChecksum === binaryChecksum)) return;
  points.push({
    buildId,
    binaryChecksum,
    runId: s.runId,
    firstWorkflowTaskCompletedId: completedId,
    createTime: now,
    resettable: true,
  });
  s.resetPoints = points.slice(-MAX_RESET_POINTS);
}

/** Whether the run's last written event is the WorkflowTaskCompleted of its last completed workflow task. */
function lastEventIsTaskCompletion(ex: Execution): boolean {
  const last = ex.events[ex.events.length - 1];
  return (
    last?.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
    Number(last.eventId) === ex.state.lastCompletedStartedEventId + 1
  );
}

/** Whether a task is a retry of a failed one (attempt > 1 and not yet written to history). */
function isRetriedAttempt(wft: WorkflowTaskInfo): boolean {
  return wft.transient && !wft.speculative;
}

export interface FailOptions {
  /** UnhandledCommand: the next task is a fresh attempt (events or updates arrived). */
  resetAttempt?: boolean;
  timeoutType?: number;
  /**
   * Terminate the run with this reason instead of retrying the task (identity `history-service`), as the real server
   * does when a completion carries more than its blob size limit.
   */
  terminateReason?: string;
}

/**
 * Fails (or times out) the run's current workflow task: a written attempt gets WorkflowTaskFailed or
 * WorkflowTaskTimedOut, a retried (transient) one leaves no event. Buffered events are then written, and the
 * next task goes to the normal queue at once: a transient attempt + 1, or a written attempt 1 when events were
 * written (or the caller resets the attempts).
 */
export function failTask(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  cause: number,
  failure: IFailure | null,
  identity: string,
  opts: FailOptions,
): void {
  const s = ex.state;
  const wft = s.wft!;
  const started = wft.startedEventId !== undefined;
  if (wft.speculative || (opts.terminateReason !== undefined && wft.transient)) materializeTransient(engine, ex, tx);
  if (!wft.transient) {
    if (opts.timeoutType !== undefined) {
      engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: started ? wft.startedEventId : 0,
        timeoutType: opts.timeoutType,
      });
    } else {
      engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        cause,
        failure,
        identity,
      });
    }
  }
  rejectUndeliveredOnFailure(ex, wft.seq);
  engine.queries?.release(s.runId, wft.seq);
  s.sticky = undefined;
  s.wft = undefined;
  if (opts.terminateReason !== undefined) {
    s.buffered = [];
    terminateRun(engine, tx, ex, opts.terminateReason, null, HISTORY_SERVICE_IDENTITY);
    return;
  }
  const flushed = engine.flushBuffer(ex, tx);
  let attempt = wft.attempt + 1;
  if (opts.timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_START) attempt = wft.attempt;
  else if (opts.resetAttempt || flushed > 0) attempt = 1;
  engine.scheduleWorkflowTask(ex, tx, attempt);
  tx.touch(ex);
}

/** RespondWorkflowTaskFailed. */
export function failWorkflowTask(
  engine: HistoryEngine,
  req: temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest,
): void {
  const ex = taskFor(engine, req.taskToken, req.namespace);
  engine.tx((tx) => failTask(engine, tx, ex, req.cause ?? 0, req.failure ?? null, req.identity ?? '', {}));
}

/** Deadline handling for the current workflow task (start-to-close, sticky schedule-to-start). */
export function checkWorkflowTaskTimeouts(engine: HistoryEngine, tx: Transaction, ex: Execution): void {
  const wft = ex.state.wft;
  if (!wft) return;
  if (wft.startedEventId !== undefined) {
    if (tx.now >= (wft.startedTime ?? 0) + wft.timeoutMs) {
      failTask(engine, tx, ex, 0, null, '', { timeoutType: TT.TIMEOUT_TYPE_START_TO_CLOSE });
    }
  } else if (wft.sticky && wft.stickyDeadline !== undefined && tx.now >= wft.stickyDeadline) {
    failTask(engine, tx, ex, 0, null, '', { timeoutType: TT.TIMEOUT_TYPE_SCHEDULE_TO_START });
  }
}

/** The workflow task's next deadline, if any. */
export function workflowTaskDeadline(ex: Execution): number | undefined {
  const wft = ex.state.wft;
  if (!wft) return undefined;
  if (wft.startedEventId !== undefined) return (wft.startedTime ?? 0) + wft.timeoutMs;
  if (wft.sticky) return wft.stickyDeadline;
  return undefined;
}
