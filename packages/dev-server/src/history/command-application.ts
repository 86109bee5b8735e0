// What the commands and messages of a completed workflow task do to a run, once command-validation.ts has
// accepted them: the events they write and the runs, timers, activities and operations they start or end.
import { temporal } from '../internal/proto';
import { durationMs, enums, IHistoryEvent, msDuration, num, optDuration } from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { Execution, isRunning } from './mutable-state';
import { normalizeRetryPolicy, retryPolicyProto } from './retry';
import {
  cancelRun,
  completeRun,
  continueAsNewRun,
  failRun,
  requestCancelRun,
  signalRun,
  createRun,
  normalizeWorkflowTimeouts,
} from './workflow-lifecycle';
import { applyUpdateMessage, releaseUnansweredUpdates } from './updates';
import { mergeSearchAttributes } from '../visibility/search-attributes';
import { typedSearchAttributes } from '../visibility/validation';
import { cancelActivityFromCommand } from './activities';
import { cancelNexusOperation, scheduleNexusOperation } from '../nexus/nexus-operations';
import { cronBackoffMs, parseCron } from '../schedules/cron';

const CT = enums.CommandType;
const ET = enums.EventType;
type Command = temporal.api.command.v1.ICommand;
type Message = temporal.api.protocol.v1.IMessage;

/** Whether a buffered event (waiting for the started task to end) reports the outcome of the given timer. */
function bufferedTimerFired(ex: Execution, timerId: string): IHistoryEvent | undefined {
  return ex.state.buffered.find(
    (b) => b.event.eventType === ET.EVENT_TYPE_TIMER_FIRED && b.event.timerFiredEventAttributes?.timerId === timerId,
  )?.event;
}
export interface CommandsResult {
  /** Whether the commands produced events the workflow must see in a new workflow task. */
  newEvents: boolean;
}

/**
 * Applies validated commands in order (each writes its event right after WorkflowTaskCompleted), then
 * the protocol messages nothing referenced, then the follow-ups that touch other runs (child starts,
 * external signals and cancels).
 */
export function applyCommands(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  commands: Command[],
  messages: Message[],
  completedId: number,
  wftSeq: number,
  identity: string,
): CommandsResult {
  const s = ex.state;
  const result: CommandsResult = { newEvents: false };
  const followUps: Array<() => void> = [];
  const handledMessages = new Set<string>();
  const messagesById = new Map(messages.map((m) => [m.id ?? '', m]));
  for (const c of commands) {
    if (!isRunning(s)) break;
    const append = (type: number, attrs: object) => {
      const ev = engine.append(ex, tx, type, attrs);
      if (c.userMetadata) ev.userMetadata = c.userMetadata;
      return ev;
    };
    switch (c.commandType) {
      case CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
        scheduleActivity(tx, ex, c.scheduleActivityTaskCommandAttributes!, completedId, append);
        break;
      case CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const id = Number(c.requestCancelActivityTaskCommandAttributes?.scheduledEventId ?? 0);
        if (cancelActivityFromCommand(tx, ex, id, completedId, append)) result.newEvents = true;
        break;
      }
      case CT.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION:
        scheduleNexusOperation(
          engine.nexusEndpoints!,
          engine,
          tx,
          ex,
          c.scheduleNexusOperationCommandAttributes!,
          completedId,
          append,
        );
        break;
      case CT.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION: {
        const id = num(c.requestCancelNexusOperationCommandAttributes?.scheduledEventId);
        cancelNexusOperation(tx, ex, id, completedId, append);
        break;
      }
      case CT.COMMAND_TYPE_START_TIMER: {
        const a = c.startTimerCommandAttributes!;
        const ms = durationMs(a.startToFireTimeout);
        const ev = append(ET.EVENT_TYPE_TIMER_STARTED, {
          timerId: a.timerId,
          startToFireTimeout: a.startToFireTimeout ?? msDuration(0),
          workflowTaskCompletedEventId: completedId,
        });
        s.timers[a.timerId!] = { timerId: a.timerId!, startedEventId: Number(ev.eventId), fireAt: tx.now + ms };
        break;
      }
      case CT.COMMAND_TYPE_CANCEL_TIMER: {
        const id = c.cancelTimerCommandAttributes?.timerId ?? '';
        const timer = s.timers[id];
        // A timer that fired while the task ran is canceled all the same: its TimerFired event, still in the
        // buffer, is dropped, as the real server does.
        const fired = timer ? undefined : bufferedTimerFired(ex, id);
        if (fired) s.buffered = s.buffered.filter((b) => b.event !== fired);
        if (timer || fired) {
          append(ET.EVENT_TYPE_TIMER_CANCELED, {
            timerId: id,
            startedEventId: timer ? timer.startedEventId : num(fired!.timerFiredEventAttributes?.startedEventId),
            workflowTaskCompletedEventId: completedId,
            identity,
          });
          delete s.timers[id];
        }
        break;
      }
      case CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        completeRun(engine, tx, ex, c.completeWorkflowExecutionCommandAttributes?.result, {
          wftCompletedEventId: completedId,
        });
        break;
      case CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        failRun(engine, tx, ex, c.failWorkflowExecutionCommandAttributes?.failure, {
          wftCompletedEventId: completedId,
        });
        break;
      case CT.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        cancelRun(engine, tx, ex, c.cancelWorkflowExecutionCommandAttributes?.details, {
          wftCompletedEventId: completedId,
        });
        break;
      case CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        continueAsNewRun(engine, tx, ex, c.continueAsNewWorkflowExecutionCommandAttributes ?? {}, completedId);
        break;
      case CT.COMMAND_TYPE_RECORD_MARKER: {
        const a = c.recordMarkerCommandAttributes ?? {};
        append(ET.EVENT_TYPE_MARKER_RECORDED, {
          markerName: a.markerName ?? '',
          details: a.details ?? {},
          workflowTaskCompletedEventId: completedId,
          header: a.header ?? null,
          failure: a.failure ?? null,
        });
        break;
      }
      case CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const sa = typedSearchAttributes(
          engine.namespaces.get(s.namespace),
          c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ?? { indexedFields: {} },
          true,
        )!;
        append(ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
          workflowTaskCompletedEventId: completedId,
          searchAttributes: sa,
        });
        s.searchAttributes = mergeSearchAttributes(s.searchAttributes, sa);
        break;
      }
      case CT.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const memo = c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo ?? { fields: {} };
        append(ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
          workflowTaskCompletedEventId: completedId,
          upsertedMemo: memo,
        });
        const fields = { ...(s.memo?.fields ?? {}) };
        for (const [k, v] of Object.entries(memo.fields ?? {})) {
          if (!v.data || v.data.length === 0) delete fields[k];
          else fields[k] = v;
        }
        s.memo = { fields };
        break;
      }
      case CT.COMMAND_TYPE_PROTOCOL_MESSAGE: {
        const id = c.protocolMessageCommandAttributes?.messageId ?? '';
        const m = messagesById.get(id);
        if (m) {
          handledMessages.add(id);
          applyUpdateMessage(engine, tx, ex, m);
        }
        break;
      }
      case CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const command = c.startChildWorkflowExecutionCommandAttributes!;
        const namespace = command.namespace || s.namespace;
        const a = {
          ...command,
          searchAttributes: typedSearchAttributes(engine.namespaces.get(namespace), command.searchAttributes),
        };
        const childTimeouts = normalizeWorkflowTimeouts(
          durationMs(a.workflowExecutionTimeout),
          durationMs(a.workflowRunTimeout),
          durationMs(a.workflowTaskTimeout),
        );
        const ev = append(ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
          namespace,
          namespaceId: engine.namespaces.get(namespace)?.id ?? '',
          workflowId: a.workflowId,
          workflowType: a.workflowType,
          taskQueue: { name: a.taskQueue?.name || s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          input: a.input ?? null,
          workflowExecutionTimeout: optDuration(childTimeouts.executionMs),
          workflowRunTimeout: msDuration(childTimeouts.runMs),
          workflowTaskTimeout: msDuration(childTimeouts.taskMs),
          parentClosePolicy: a.parentClosePolicy || enums.ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
          control: a.control ?? '',
          workflowTaskCompletedEventId: completedId,
          workflowIdReusePolicy:
            a.workflowIdReusePolicy || enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
          retryPolicy: a.retryPolicy ?? null,
          cronSchedule: a.cronSchedule ?? '',
          header: a.header ?? null,
          memo: a.memo && Object.keys(a.memo.fields ?? {}).length > 0 ? a.memo : null,
          searchAttributes: a.searchAttributes ?? null,
          inheritBuildId: a.inheritBuildId ?? false,
          priority: a.priority ?? null,
        });
        const initiatedId = Number(ev.eventId);
        s.children[String(initiatedId)] = {
          initiatedEventId: initiatedId,
          namespace,
          workflowId: a.workflowId!,
          workflowType: a.workflowType!.name!,
          parentClosePolicy: a.parentClosePolicy || enums.ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
        };
        followUps.push(() => startChild(engine, tx, ex, a, initiatedId, completedId, c.userMetadata));
        break;
      }
      case CT.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const a = c.signalExternalWorkflowExecutionCommandAttributes!;
        const namespace = a.namespace || s.namespace;
        const ev = append(ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
          workflowTaskCompletedEventId: completedId,
          namespace,
          namespaceId: engine.namespaces.get(namespace)?.id ?? '',
          workflowExecution: a.execution ?? null,
          signalName: a.signalName ?? '',
          input: a.input ?? null,
          control: a.control ?? '',
          childWorkflowOnly: a.childWorkflowOnly ?? false,
          header: a.header ?? null,
        });
        const initiatedId = Number(ev.eventId);
        followUps.push(() => signalExternal(engine, tx, ex, a, namespace, initiatedId, completedId));
        break;
      }
      case CT.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
        const a = c.requestCancelExternalWorkflowExecutionCommandAttributes!;
        const namespace = a.namespace || s.namespace;
        const ev = append(ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
          workflowTaskCompletedEventId: completedId,
          namespace,
          namespaceId: engine.namespaces.get(namespace)?.id ?? '',
          workflowExecution: { workflowId: a.workflowId ?? '', runId: a.runId ?? '' },
          control: a.control ?? '',
          childWorkflowOnly: a.childWorkflowOnly ?? false,
          reason: a.reason ?? '',
        });
        const initiatedId = Number(ev.eventId);
        followUps.push(() => cancelExternal(engine, tx, ex, a, namespace, initiatedId, completedId));
        break;
      }
      default:
        break;
    }
  }
  if (isRunning(s)) {
    for (const m of messages) {
      if (!handledMessages.has(m.id ?? '')) applyUpdateMessage(engine, tx, ex, m);
    }
    releaseUnansweredUpdates(ex, wftSeq);
    for (const f of followUps) {
      if (!isRunning(s)) break;
      f();
      result.newEvents = true;
    }
  }
  return result;
}

type Append = (type: number, attrs: object) => temporal.api.history.v1.IHistoryEvent;

function scheduleActivity(
  tx: Transaction,
  ex: Execution,
  a: temporal.api.command.v1.IScheduleActivityTaskCommandAttributes,
  completedId: number,
  append: Append,
): void {
  const s = ex.state;
  const run = s.runTimeoutMs;
  let s2c = durationMs(a.scheduleToCloseTimeout);
  let s2s = durationMs(a.scheduleToStartTimeout);
  let st2c = durationMs(a.startToCloseTimeout);
  let hb = durationMs(a.heartbeatTimeout);
  if (s2c > 0) {
    s2s = s2s ? Math.min(s2s, s2c) : s2c;
    st2c = st2c ? Math.min(st2c, s2c) : s2c;
  } else {
    s2c = run;
    s2s = s2s || run;
  }
  if (run > 0) {
    s2c = s2c ? Math.min(s2c, run) : run;
    s2s = s2s ? Math.min(s2s, run) : run;
    st2c = Math.min(st2c, run);
  }
  if (hb > st2c && st2c > 0) hb = st2c;
  const retry = normalizeRetryPolicy(a.retryPolicy);
  const taskQueue = a.taskQueue?.name || s.taskQueue;
  const ev = append(ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
    activityId: a.activityId,
    activityType: a.activityType,
    taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    header: a.header ?? null,
    input: a.input ?? null,
    scheduleToCloseTimeout: msDuration(s2c),
    scheduleToStartTimeout: msDuration(s2s),
    startToCloseTimeout: msDuration(st2c),
    heartbeatTimeout: msDuration(hb),
    workflowTaskCompletedEventId: completedId,
    retryPolicy: retryPolicyProto(retry),
    useWorkflowBuildId: a.useWorkflowBuildId ?? false,
    priority: a.priority ?? null,
  });
  const id = Number(ev.eventId);
  s.activitySeq += 1;
  s.activities[String(id)] = {
    scheduledEventId: id,
    activityId: a.activityId!,
    activityType: a.activityType!.name!,
    taskQueue,
    header: a.header ?? null,
    input: a.input ?? null,
    scheduleToCloseMs: s2c,
    scheduleToStartMs: s2s,
    startToCloseMs: st2c,
    heartbeatMs: hb,
    retry,
    priority: a.priority ?? null,
    scheduledTime: tx.now,
    attempt: 1,
    currentAttemptScheduledTime: tx.now,
    state: 'scheduled',
    seq: s.activitySeq,
    cancelRequested: false,
  };
}

function startChild(
  engine: HistoryEngine,
  tx: Transaction,
  parent: Execution,
  a: temporal.api.command.v1.IStartChildWorkflowExecutionCommandAttributes,
  initiatedId: number,
  completedId: number,
  userMetadata: temporal.api.sdk.v1.IUserMetadata | null | undefined,
): void {
  const s = parent.state;
  const namespace = a.namespace || s.namespace;
  const child = s.children[String(initiatedId)];
  const fail = (cause: number) => {
    delete s.children[String(initiatedId)];
    tx.separateTransition(parent);
    engine.addExternalEvent(
      parent,
      tx,
      ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
      {
        namespace,
        namespaceId: engine.namespaces.get(namespace)?.id ?? '',
        workflowId: a.workflowId,
        workflowType: a.workflowType,
        cause,
        control: a.control ?? '',
        initiatedEventId: initiatedId,
        workflowTaskCompletedEventId: completedId,
      },
      undefined,
      false,
    );
  };
  if (!engine.namespaces.get(namespace)) {
    fail(enums.StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND);
    return;
  }
  const existing = engine.currentRun(namespace, a.workflowId!);
  if (existing && (isRunning(existing.state) || !reuseAllowed(a.workflowIdReusePolicy ?? 0, existing.state.status))) {
    fail(
      enums.StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
    );
    return;
  }
  const t = normalizeWorkflowTimeouts(
    durationMs(a.workflowExecutionTimeout),
    durationMs(a.workflowRunTimeout),
    durationMs(a.workflowTaskTimeout),
  );
  const childEx = createRun(engine, tx, {
    namespace,
    workflowId: a.workflowId!,
    workflowType: a.workflowType!.name!,
    taskQueue: a.taskQueue?.name || s.taskQueue,
    input: a.input ?? null,
    executionTimeoutMs: t.executionMs,
    runTimeoutMs: t.runMs,
    taskTimeoutMs: t.taskMs,
    requestId: engine.newRunId(),
    retryPolicy: a.retryPolicy ?? null,
    cronSchedule: a.cronSchedule ?? '',
    memo: a.memo ?? null,
    searchAttributes: a.searchAttributes ?? null,
    header: a.header ?? null,
    priority: a.priority ?? null,
    parent: { namespace: s.namespace, workflowId: s.workflowId, runId: s.runId, initiatedEventId: initiatedId },
    firstWftBackoffMs: cronFirstBackoff(a.cronSchedule ?? '', tx.now),
    // The command's static summary and details become the child's, as on the real server.
    userMetadata: userMetadata ?? null,
  });
  child.runId = childEx.state.runId;
  tx.separateTransition(parent);
  engine.addExternalEvent(
    parent,
    tx,
    ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
    {
      namespace,
      namespaceId: engine.namespaces.get(namespace)?.id ?? '',
      initiatedEventId: initiatedId,
      workflowExecution: { workflowId: a.workflowId, runId: childEx.state.runId },
      workflowType: a.workflowType,
      header: a.header ?? null,
    },
    undefined,
    false,
  );
  child.startedEventId = parent.state.nextEventId - 1;
}

/** Delay until the first cron time, for a run that has a cron schedule. */
export function cronFirstBackoff(cron: string, now: number): number {
  if (!cron) return 0;
  const parsed = parseCron(cron);
  return (parsed && cronBackoffMs(parsed, now, now)) ?? 0;
}

/** Whether the id reuse policy lets a new run start after a closed run with `lastStatus`. */
export function reuseAllowed(policy: number, lastStatus: number): boolean {
  const P = enums.WorkflowIdReusePolicy;
  const WS = enums.WorkflowExecutionStatus;
  switch (policy) {
    case P.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
      return false;
    case P.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
      return [
        WS.WORKFLOW_EXECUTION_STATUS_FAILED,
        WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
        WS.WORKFLOW_EXECUTION_STATUS_TERMINATED,
        WS.WORKFLOW_EXECUTION_STATUS_CANCELED,
      ].includes(lastStatus);
    default:
      return true;
  }
}

function signalExternal(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  a: temporal.api.command.v1.ISignalExternalWorkflowExecutionCommandAttributes,
  namespace: string,
  initiatedId: number,
  completedId: number,
): void {
  const s = ex.state;
  const wid = a.execution?.workflowId ?? '';
  const rid = a.execution?.runId ?? '';
  let target: Execution | undefined;
  if (engine.namespaces.get(namespace)) {
    target = rid ? engine.executions.get(rid) : engine.currentRun(namespace, wid);
    if (target && (target.state.workflowId !== wid || target.state.namespace !== namespace || !isRunning(target.state)))
      target = undefined;
    if (target && a.childWorkflowOnly && target.state.parent?.runId !== s.runId) target = undefined;
  }
  const base = {
    namespace,
    namespaceId: engine.namespaces.get(namespace)?.id ?? '',
    workflowExecution: { workflowId: wid, runId: rid },
    initiatedEventId: initiatedId,
    control: a.control ?? '',
  };
  // The outcome is recorded in a transition of its own on the real server.
  tx.separateTransition(ex);
  if (!target) {
    engine.addExternalEvent(
      ex,
      tx,
      ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
      {
        ...base,
        cause:
          enums.SignalExternalWorkflowExecutionFailedCause
            .SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        workflowTaskCompletedEventId: completedId,
      },
      undefined,
      false,
    );
    return;
  }
  signalRun(engine, tx, target, {
    name: a.signalName ?? '',
    input: a.input ?? null,
    header: a.header ?? null,
    identity: '',
    external: { workflowId: s.workflowId, runId: s.runId },
  });
  engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, base, undefined, false);
}

function cancelExternal(
  engine: HistoryEngine,
  tx: Transaction,
  ex: Execution,
  a: temporal.api.command.v1.IRequestCancelExternalWorkflowExecutionCommandAttributes,
  namespace: string,
  initiatedId: number,
  completedId: number,
): void {
  const s = ex.state;
  const wid = a.workflowId ?? '';
  const rid = a.runId ?? '';
  let target: Execution | undefined;
  if (engine.namespaces.get(namespace)) {
    target = rid ? engine.executions.get(rid) : engine.currentRun(namespace, wid);
    if (target && (target.state.workflowId !== wid || target.state.namespace !== namespace)) target = undefined;
  }
  const base = {
    namespace,
    namespaceId: engine.namespaces.get(namespace)?.id ?? '',
    workflowExecution: { workflowId: wid, runId: rid },
    initiatedEventId: initiatedId,
  };
  // The outcome is recorded in a transition of its own on the real server.
  tx.separateTransition(ex);
  if (!target || !isRunning(target.state)) {
    engine.addExternalEvent(
      ex,
      tx,
      ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
      {
        ...base,
        cause:
          enums.CancelExternalWorkflowExecutionFailedCause
            .CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        workflowTaskCompletedEventId: completedId,
        control: a.control ?? '',
      },
      undefined,
      false,
    );
    return;
  }
  requestCancelRun(engine, tx, target, {
    cause: a.reason ?? '',
    identity: '',
    external: { workflowId: s.workflowId, runId: s.runId, initiatedEventId: initiatedId },
  });
  engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, base, undefined, false);
}
