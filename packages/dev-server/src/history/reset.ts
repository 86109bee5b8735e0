// ResetWorkflowExecution as the real server does it: a new run of the workflow id whose history is the base run's up
// to the chosen workflow task's WorkflowTaskStarted, then that task failed with cause RESET_WORKFLOW, the signals
// (and updates) the base run received after it reapplied, and a new workflow task. A running base run is terminated
// (identity `history-resetter`). The new run's timers and activities are those pending at the reset point; pending
// children and external signals or cancels of that point are not carried over.
import { randomUUID } from 'node:crypto';
import { temporal } from '../internal/proto';
import { invalidArgument } from '../errors';
import { validateExecution } from '../internal/validation';
import { durationMs, enums, history, IHistoryEvent, msTimestamp, num, timestampMs } from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { ActivityInfo, Execution, ExecutionState, isRunning } from './mutable-state';
import { normalizeRetryPolicy } from './retry';
import { terminateRun } from './workflow-lifecycle';

const ET = enums.EventType;
const RT = enums.ResetReapplyType;
const RX = enums.ResetReapplyExcludeType;

type ResetRequest = temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest;

/** Events a reset may end at: the finish of a workflow task. */
const TASK_FINISH_EVENTS = new Set<number>([
  ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  ET.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** A deep copy of an event (through its encoding, as it would come back from the store). */
function copyEvent(ev: IHistoryEvent): IHistoryEvent {
  return history.HistoryEvent.decode(history.HistoryEvent.encode(ev).finish());
}

/** Checks the request and finds the event the new run's history stops before. */
function resetPoint(req: ResetRequest, base: Execution): number {
  const finishId = num(req.workflowTaskFinishEventId);
  const lastId = base.state.closeEventId ?? base.state.nextEventId - 1;
  if (finishId <= 1 || finishId > lastId) {
    throw invalidArgument('Workflow task finish ID must be > 1 && <= workflow last event ID.');
  }
  const finish = base.events[finishId - 1];
  const started = base.events[finishId - 2];
  if (!TASK_FINISH_EVENTS.has(finish?.eventType ?? 0) || started?.eventType !== ET.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
    throw invalidArgument(
      `StateRebuilder unable to Rebuild mutable state to event ID: ${finishId - 1}, version: 0, this event must be at the boundary`,
    );
  }
  return finishId;
}

/** Rebuilds what a run has pending (timers, activities) and its progress from the events of its history. */
function rebuildFromEvents(s: ExecutionState, events: IHistoryEvent[], now: number): void {
  const activityIds = new Map<number, ActivityInfo>();
  for (const ev of events) {
    const id = num(ev.eventId);
    const at = timestampMs(ev.eventTime);
    switch (ev.eventType) {
      case ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        s.lastCompletedStartedEventId = num(ev.workflowTaskCompletedEventAttributes?.startedEventId);
        s.hadCompletedWft = true;
        break;
      case ET.EVENT_TYPE_TIMER_STARTED: {
        const a = ev.timerStartedEventAttributes!;
        s.timers[a.timerId!] = {
          timerId: a.timerId!,
          startedEventId: id,
          fireAt: at + durationMs(a.startToFireTimeout),
        };
        break;
      }
      case ET.EVENT_TYPE_TIMER_FIRED:
        delete s.timers[ev.timerFiredEventAttributes!.timerId!];
        break;
      case ET.EVENT_TYPE_TIMER_CANCELED:
        delete s.timers[ev.timerCanceledEventAttributes!.timerId!];
        break;
      case ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = ev.activityTaskScheduledEventAttributes!;
        s.activitySeq += 1;
        const info: ActivityInfo = {
          scheduledEventId: id,
          activityId: a.activityId!,
          activityType: a.activityType?.name ?? '',
          taskQueue: a.taskQueue?.name ?? s.taskQueue,
          header: a.header ?? null,
          input: a.input ?? null,
          scheduleToCloseMs: durationMs(a.scheduleToCloseTimeout),
          scheduleToStartMs: durationMs(a.scheduleToStartTimeout),
          startToCloseMs: durationMs(a.startToCloseTimeout),
          heartbeatMs: durationMs(a.heartbeatTimeout),
          retry: normalizeRetryPolicy(a.retryPolicy),
          priority: a.priority ?? null,
          // A new first attempt, scheduled now.
          scheduledTime: now,
          attempt: 1,
          currentAttemptScheduledTime: now,
          state: 'scheduled',
          seq: s.activitySeq,
          cancelRequested: false,
        };
        s.activities[String(id)] = info;
        activityIds.set(id, info);
        break;
      }
      case ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: {
        const info = activityIds.get(num(ev.activityTaskCancelRequestedEventAttributes?.scheduledEventId));
        if (info) {
          info.cancelRequested = true;
          info.cancelRequestedEventId = id;
        }
        break;
      }
      case ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case ET.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs = (ev.activityTaskCompletedEventAttributes ??
          ev.activityTaskFailedEventAttributes ??
          ev.activityTaskTimedOutEventAttributes ??
          ev.activityTaskCanceledEventAttributes) as { scheduledEventId?: unknown };
        delete s.activities[String(num(attrs?.scheduledEventId as number))];
        break;
      }
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
        s.cancelRequested = true;
        break;
      case ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = ev.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
        s.searchAttributes = { indexedFields: { ...s.searchAttributes?.indexedFields, ...fields } };
        break;
      }
      case ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED: {
        const fields = ev.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {};
        s.memo = { fields: { ...s.memo?.fields, ...fields } };
        break;
      }
    }
  }
}

/** The events of the base run after the reset point that the new run gets again (signals, updates). */
function reapplied(base: Execution, finishId: number, req: ResetRequest): IHistoryEvent[] {
  const type = req.resetReapplyType ?? RT.RESET_REAPPLY_TYPE_UNSPECIFIED;
  if (type === RT.RESET_REAPPLY_TYPE_NONE) return [];
  const exclude = new Set(req.resetReapplyExcludeTypes ?? []);
  const signals = !exclude.has(RX.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL);
  const updates = type !== RT.RESET_REAPPLY_TYPE_SIGNAL && !exclude.has(RX.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE);
  const out: IHistoryEvent[] = [];
  for (const ev of base.events.slice(finishId - 1)) {
    if (signals && ev.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) out.push(copyEvent(ev));
    const accepted = ev.workflowExecutionUpdateAcceptedEventAttributes;
    if (updates && accepted?.acceptedRequest) {
      out.push({
        eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
        workflowExecutionUpdateAdmittedEventAttributes: {
          request: accepted.acceptedRequest,
          origin: enums.UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY,
        },
      });
    }
  }
  return out;
}

/** Resets a run; returns the new run's id. */
export function resetWorkflow(engine: HistoryEngine, req: ResetRequest): string {
  engine.namespace(req.namespace ?? '');
  validateExecution(req.workflowExecution);
  const requestId = req.requestId;
  if (!requestId) throw invalidArgument('RequestId is not set on request.');
  const base = engine.getExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
  const finishId = resetPoint(req, base);
  const reason = req.reason ?? '';
  return engine.tx((tx: Transaction) => {
    const current = engine.currentRun(base.state.namespace, base.state.workflowId);
    if (current && isRunning(current.state)) {
      terminateRun(engine, tx, current, reason, null, 'history-resetter');
    }
    const runId = randomUUID();
    const b = base.state;
    const s: ExecutionState = {
      ...structuredClone({ ...b, wft: undefined, buffered: [], sticky: undefined }),
      runId,
      status: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startTime: tx.now,
      executionTime: tx.now,
      closeTime: undefined,
      closeEventId: undefined,
      nextRunId: undefined,
      firstWftAt: undefined,
      wft: undefined,
      wftSeq: 0,
      buffered: [],
      activities: {},
      timers: {},
      children: {},
      externals: {},
      updates: {},
      cancelRequested: false,
      activitySeq: 0,
      lastCompletedStartedEventId: 0,
      hadCompletedWft: false,
      requestIds: [requestId],
      nextEventId: finishId,
      historySizeBytes: 0,
      stateTransitions: 0,
      resetPoints: [],
      root: { workflowId: b.workflowId, runId },
      memo: base.events[0].workflowExecutionStartedEventAttributes?.memo ?? null,
      searchAttributes: base.events[0].workflowExecutionStartedEventAttributes?.searchAttributes ?? null,
      mostRecentWorkerVersionStamp: null,
    };
    const ex: Execution = { state: s, events: [], persistedEvents: 0 };
    const prefix = base.events.slice(0, finishId - 1).map(copyEvent);
    rebuildFromEvents(s, prefix, tx.now);
    // The copied events keep their ids and times, in one batch.
    for (const ev of prefix) {
      ev.taskId = engine.allocateTaskId(ex, tx);
      ex.events.push(ev);
    }
    engine.addExecution(ex);
    engine.endBatch(ex, tx);
    const started = prefix[prefix.length - 1];
    const wftScheduledId = num(started.workflowTaskStartedEventAttributes?.scheduledEventId);
    engine.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      scheduledEventId: wftScheduledId,
      startedEventId: num(started.eventId),
      cause: enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
      failure: { message: reason, resetWorkflowFailureInfo: {} },
      identity: 'history-service',
      baseRunId: b.runId,
      newRunId: runId,
    });
    for (const ev of reapplied(base, finishId, req)) {
      const appended = engine.append(ex, tx, ev.eventType!, {});
      Object.assign(appended, {
        ...ev,
        eventId: appended.eventId,
        taskId: appended.taskId,
        eventTime: msTimestamp(tx.now),
      });
      const request = ev.workflowExecutionUpdateAdmittedEventAttributes?.request;
      const updateId = request?.meta?.updateId;
      // A reapplied update reaches the workflow through its admitted event; acceptance and outcome work as usual.
      if (request && updateId) s.updates[updateId] = { updateId, request, state: 'delivered', admittedTime: tx.now };
    }
    engine.scheduleWorkflowTask(ex, tx);
    tx.touch(ex);
    return runId;
  });
}
