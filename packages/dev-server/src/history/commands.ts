import { temporal } from '../internal/proto';
import { durationMs, enums, IHistoryEvent, msDuration, num, optDuration } from '../internal/proto';
import { HistoryEngine, Transaction } from './engine';
import { attributesOf, Execution, isRunning } from './mutable-state';
import { normalizeRetryPolicy, retryPolicyProto, validateRetryPolicy } from './retry';
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
import { typedSearchAttributes, validateSearchAttributes } from '../visibility/validation';
import { failureSize, memoSize, payloadsSize } from '../frontend/blob-limits';
import { namespaceNotFound, ServiceError } from '../errors';
import { NamespaceRecord } from '../persistence/persistence';
import { cancelActivityFromCommand } from './activities';
import {
  badCancelNexusOperation,
  badScheduleNexusOperation,
  cancelNexusOperation,
  scheduleNexusOperation,
} from '../nexus/nexus-operations';
import { cronBackoffMs, parseCron } from '../schedules/cron';

const CT = enums.CommandType;
const ET = enums.EventType;
const FC = enums.WorkflowTaskFailedCause;
type Command = temporal.api.command.v1.ICommand;
type Message = temporal.api.protocol.v1.IMessage;

export interface InvalidCommand {
  cause: number;
  message: string;
  /**
   * A malformed completion rather than a rejected command (commands after a closing one, an unknown command type):
   * the real server answers INVALID_ARGUMENT with the bare message and writes no WorkflowTaskFailed; the task stays
   * started until it times out.
   */
  malformed?: boolean;
  /** The position of the command at fault (-1 for the sequence as a whole). */
  index?: number;
  /** For a malformed completion: the RPC error to answer with, when it is not INVALID_ARGUMENT with the message. */
  error?: ServiceError;
  /** Over the blob size limit: the task fails and the run is terminated, as on the real server. */
  terminate?: boolean;
}

/** A command aimed at a namespace the server does not know: NOT_FOUND for the completion, as on the real server. */
function unknownNamespace(engine: HistoryEngine, namespace: string | null | undefined): InvalidCommand | undefined {
  if (!namespace || engine.namespaces.get(namespace)) return undefined;
  const error = namespaceNotFound(namespace);
  return { cause: 0, malformed: true, message: error.message, error };
}

/**
 * How a rejected command is reported (in the RPC error and the WorkflowTaskFailed failure): the cause's name in
 * PascalCase, then what was wrong, as in `BadSearchAttributes: Namespace default has no mapping defined for ...`.
 */
export function rejectedCommandMessage(invalid: InvalidCommand): string {
  if (invalid.malformed) return invalid.message;
  const name = (FC[invalid.cause] ?? 'WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED')
    .replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
  return `${name}: ${invalid.message}`;
}

/** A command type as the real server names it in messages: `COMMAND_TYPE_START_TIMER` → `StartTimer`. */
function commandTypeName(type: number | null | undefined): string {
  const name = CT[type ?? 0] as string | undefined;
  if (!name) return String(type);
  return name
    .replace(/^COMMAND_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

const CLOSING_COMMAND_TYPES = new Set<number>([
  CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CT.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/** The longest workflow, activity and timer id or type name the real server accepts (its `limit.maxIDLength`). */
const MAX_ID_LENGTH = 1000;

const byteLength = (v: string) => Buffer.byteLength(v, 'utf8');

/** A command's search attributes that are not registered or do not fit their type fail the task. */
function badSearchAttributes(
  ns: NamespaceRecord,
  sa: temporal.api.common.v1.ISearchAttributes | null | undefined,
): InvalidCommand | undefined {
  try {
    validateSearchAttributes(ns, sa);
    return undefined;
  } catch (err) {
    return { cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES, message: (err as ServiceError).message };
  }
}

/** The first problem of a ScheduleActivityTask command, checked in the real server's order, with its messages. */
function badActivity(
  a: temporal.api.command.v1.IScheduleActivityTaskCommandAttributes | null | undefined,
  activityIds: Set<string>,
): InvalidCommand | undefined {
  const bad = (message: string): InvalidCommand => ({
    cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
    message,
  });
  if (!a) return bad('ScheduleActivityTaskCommandAttributes is not set on ScheduleActivityTaskCommand.');
  if (!a.taskQueue) return bad('taskQueue is not set');
  if (!a.taskQueue.name) return bad('missing task queue name');
  if (byteLength(a.taskQueue.name) > MAX_ID_LENGTH) return bad('taskQueue length exceeds limit');
  const id = a.activityId ?? '';
  const type = a.activityType?.name ?? '';
  if (!id) return bad('activityId is not set');
  if (!type) return bad('activityType is not set');
  if (byteLength(id) > MAX_ID_LENGTH)
    return bad(`activityId exceeds length limit. Length=${byteLength(id)} Limit=${MAX_ID_LENGTH}`);
  if (byteLength(type) > MAX_ID_LENGTH)
    return bad(`activityType exceeds length limit. Length=${byteLength(type)} Limit=${MAX_ID_LENGTH}`);
  try {
    validateRetryPolicy(a.retryPolicy);
  } catch (err) {
    return bad((err as Error).message);
  }
  for (const [field, name] of [
    ['scheduleToCloseTimeout', 'ScheduleToCloseTimeout'],
    ['scheduleToStartTimeout', 'ScheduleToStartTimeout'],
    ['startToCloseTimeout', 'StartToCloseTimeout'],
    ['heartbeatTimeout', 'HeartbeatTimeout'],
  ] as const) {
    if (durationMs(a[field]) < 0) return bad(`invalid ${name}: negative duration`);
  }
  if (!durationMs(a.scheduleToCloseTimeout) && !durationMs(a.startToCloseTimeout)) {
    return bad(
      `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${id} ActivityType=${type}`,
    );
  }
  if (activityIds.has(id)) {
    return {
      cause: FC.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
      message: `invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: ${id}`,
    };
  }
  return undefined;
}

/** The first problem of a StartChildWorkflowExecution command's ids, with the real server's messages. */
function badChildIds(
  a: temporal.api.command.v1.IStartChildWorkflowExecutionCommandAttributes,
  namespace: string,
): InvalidCommand | undefined {
  const bad = (message: string): InvalidCommand => ({
    cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
    message,
  });
  const id = a.workflowId ?? '';
  const type = a.workflowType?.name ?? '';
  if (!id)
    return bad(
      `Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType=${type} Namespace=${namespace}`,
    );
  if (!type)
    return bad(
      `Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId=${id} Namespace=${namespace}`,
    );
  if (byteLength(id) > MAX_ID_LENGTH)
    return bad(
      `WorkflowId on StartChildWorkflowExecutionCommand exceeds length limit. WorkflowId=${id} Length=${byteLength(id)} Limit=${MAX_ID_LENGTH} WorkflowType=${type} Namespace=${namespace}`,
    );
  if (byteLength(type) > MAX_ID_LENGTH)
    return bad(
      `WorkflowType on StartChildWorkflowExecutionCommand exceeds length limit. WorkflowId=${id} WorkflowType=${type} Length=${byteLength(type)} Limit=${MAX_ID_LENGTH} Namespace=${namespace}`,
    );
  return undefined;
}

/** Whether a buffered event (waiting for the started task to end) reports the outcome of the given timer. */
function bufferedTimerFired(ex: Execution, timerId: string): IHistoryEvent | undefined {
  return ex.state.buffered.find(
    (b) => b.event.eventType === ET.EVENT_TYPE_TIMER_FIRED && b.event.timerFiredEventAttributes?.timerId === timerId,
  )?.event;
}

/** Whether a buffered event reports the start or outcome of the activity scheduled by the given event. */
function activityInBuffer(ex: Execution, scheduledEventId: number): boolean {
  return ex.state.buffered.some((b) => {
    const attrs = attributesOf<{ scheduledEventId?: number | Long }>(b.event);
    return (
      b.event.eventType! >= ET.EVENT_TYPE_ACTIVITY_TASK_STARTED &&
      b.event.eventType! <= ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED &&
      num(attrs?.scheduledEventId) === scheduledEventId
    );
  });
}

/**
 * Checks a completion's commands before anything is applied, as the real server does: a closing command must be
 * the last, and the first problem of a command fails the workflow task with its cause and the real server's
 * message. A timer or activity whose outcome waits in the buffer (it fired or finished while the task ran) can
 * still be canceled.
 */
export function validateCommands(
  engine: HistoryEngine,
  ex: Execution,
  commands: Command[],
  messages: Message[] = [],
): InvalidCommand | undefined {
  const s = ex.state;
  const misplacedClose = commands.findIndex(
    (c, i) => i < commands.length - 1 && CLOSING_COMMAND_TYPES.has(c.commandType ?? 0),
  );
  if (misplacedClose >= 0) {
    const names = commands.map((c) => commandTypeName(c.commandType)).join(', ');
    const closing = commandTypeName(commands[misplacedClose].commandType);
    return {
      cause: 0,
      malformed: true,
      index: -1,
      message: `invalid command sequence: [${names}], command ${closing} must be the last command.`,
    };
  }
  const activityIds = new Set(Object.values(s.activities).map((a) => a.activityId));
  const activities = new Set(Object.keys(s.activities).map(Number));
  const timerIds = new Set(Object.keys(s.timers));
  for (const b of s.buffered) {
    const fired = b.event.eventType === ET.EVENT_TYPE_TIMER_FIRED && b.event.timerFiredEventAttributes?.timerId;
    if (fired) timerIds.add(fired);
  }
  const messageIds = new Set(messages.map((m) => m.id ?? ''));
  /** A command carrying more than the blob size limit (measured as the real server measures each field). */
  const tooLarge = (cause: number, size: number, operation: string, message: string): InvalidCommand | undefined =>
    engine.blobs.exceeds(size, { namespace: s.namespace, workflowId: s.workflowId, runId: s.runId, operation })
      ? { cause, message, terminate: true }
      : undefined;
  const check = (c: Command): InvalidCommand | undefined => {
    switch (c.commandType) {
      case CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const bad =
          badActivity(c.scheduleActivityTaskCommandAttributes, activityIds) ??
          tooLarge(
            FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
            payloadsSize(c.scheduleActivityTaskCommandAttributes?.input),
            'ScheduleActivityTask',
            'ScheduleActivityTaskCommandAttributes.Input exceeds size limit.',
          );
        if (bad) return bad;
        activityIds.add(c.scheduleActivityTaskCommandAttributes!.activityId!);
        break;
      }
      case CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
          message,
        });
        const a = c.requestCancelActivityTaskCommandAttributes;
        if (!a)
          return bad('RequestCancelActivityTaskCommandAttributes is not set on RequestCancelActivityTaskCommand.');
        const id = num(a.scheduledEventId);
        if (!id) return bad('ScheduledEventId is not set on RequestCancelActivityTaskCommand.');
        if (!activities.has(id) && !activityInBuffer(ex, id))
          return bad(
            `invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: ${id}`,
          );
        // Canceling twice in one completion is refused too (the first cancel of a scheduled activity removes it).
        activities.delete(id);
        break;
      }
      case CT.COMMAND_TYPE_START_TIMER: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
          message,
        });
        const a = c.startTimerCommandAttributes;
        if (!a) return bad('StartTimerCommandAttributes is not set on StartTimerCommand.');
        const id = a.timerId ?? '';
        if (!id) return bad('TimerId is not set on StartTimerCommand.');
        if (byteLength(id) > MAX_ID_LENGTH)
          return bad(
            `TimerId on StartTimerCommand exceeds length limit. TimerId=${id} Length=${byteLength(id)} Limit=${MAX_ID_LENGTH}`,
          );
        if (durationMs(a.startToFireTimeout) < 0)
          return bad(`An invalid StartToFireTimeout is set on StartTimerCommand: negative duration. TimerId=${id}`);
        if (timerIds.has(id))
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
            message: `invalid history builder state for action: add-timer-started-event, TimerID: ${id}`,
          };
        timerIds.add(id);
        break;
      }
      case CT.COMMAND_TYPE_CANCEL_TIMER: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
          message,
        });
        const a = c.cancelTimerCommandAttributes;
        if (!a) return bad('CancelTimerCommandAttributes is not set on CancelTimerCommand.');
        const id = a.timerId ?? '';
        if (!id) return bad('TimerId is not set on CancelTimerCommand.');
        if (!timerIds.has(id))
          return bad(`invalid history builder state for action: add-timer-canceled-event, TimerID: ${id}`);
        timerIds.delete(id);
        break;
      }
      case CT.COMMAND_TYPE_RECORD_MARKER: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
          message,
        });
        const a = c.recordMarkerCommandAttributes;
        if (!a) return bad('RecordMarkerCommandAttributes is not set on RecordMarkerCommand.');
        if (!a.markerName) return bad('MarkerName is not set on RecordMarkerCommand.');
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
          Object.values(a.details ?? {}).reduce((n, p) => n + payloadsSize(p), 0),
          'RecordMarker',
          'RecordMarkerCommandAttributes.Details exceeds size limit.',
        );
      }
      case CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        if (!c.completeWorkflowExecutionCommandAttributes)
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
            message: 'CompleteWorkflowExecutionCommandAttributes is not set on CompleteWorkflowExecutionCommand.',
          };
        // The real server names the schedule-activity cause here.
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
          payloadsSize(c.completeWorkflowExecutionCommandAttributes.result),
          'CompleteWorkflowExecution',
          'CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.',
        );
      case CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        if (!c.failWorkflowExecutionCommandAttributes)
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
            message: 'FailWorkflowExecutionCommandAttributes is not set on FailWorkflowExecutionCommand.',
          };
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
          failureSize(c.failWorkflowExecutionCommandAttributes.failure),
          'FailWorkflowExecution',
          'FailWorkflowExecutionCommandAttributes.Failure exceeds size limit.',
        );
      case CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const a = c.startChildWorkflowExecutionCommandAttributes;
        if (!a)
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
            message: 'StartChildWorkflowExecutionCommandAttributes is not set on StartChildWorkflowExecutionCommand.',
          };
        const bad = unknownNamespace(engine, a.namespace) ?? badChildIds(a, a.namespace || s.namespace);
        if (bad) return bad;
        const badSa = badSearchAttributes(engine.namespace(a.namespace || s.namespace), a.searchAttributes);
        if (badSa) return badSa;
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
          payloadsSize(a.input),
          'StartChildWorkflowExecution',
          'StartChildWorkflowExecutionCommandAttributes. Input exceeds size limit.',
        );
      }
      case CT.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
          message,
        });
        const a = c.signalExternalWorkflowExecutionCommandAttributes;
        if (!a)
          return bad(
            'SignalExternalWorkflowExecutionCommandAttributes is not set on SignalExternalWorkflowExecutionCommand.',
          );
        const missing = unknownNamespace(engine, a.namespace);
        if (missing) return missing;
        if (!a.execution) return bad('Execution is not set on SignalExternalWorkflowExecutionCommand.');
        const target = `Namespace=${a.namespace ?? ''} RunId=${a.execution.runId ?? ''}`;
        if (!a.execution.workflowId)
          return bad(
            `WorkflowId is not set on SignalExternalWorkflowExecutionCommand. ${target} SignalName=${a.signalName ?? ''}`,
          );
        if (!a.signalName)
          return bad(
            `SignalName is not set on SignalExternalWorkflowExecutionCommand. WorkflowId=${a.execution.workflowId} ${target}`,
          );
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
          payloadsSize(a.input),
          'SignalExternalWorkflowExecution',
          'SignalExternalWorkflowExecutionCommandAttributes.Input exceeds size limit.',
        );
      }
      case CT.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
          message,
        });
        const a = c.requestCancelExternalWorkflowExecutionCommandAttributes;
        if (!a)
          return bad(
            'RequestCancelExternalWorkflowExecutionCommandAttributes is not set on RequestCancelExternalWorkflowExecutionCommand.',
          );
        const missing = unknownNamespace(engine, a.namespace);
        if (missing) return missing;
        if (!a.workflowId)
          return bad(
            `WorkflowId is not set on RequestCancelExternalWorkflowExecutionCommand. Namespace=${a.namespace ?? ''} RunId=${a.runId ?? ''}`,
          );
        break;
      }
      case CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const a = c.upsertWorkflowSearchAttributesCommandAttributes;
        if (!a || !a.searchAttributes)
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
            message: a
              ? 'SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.'
              : 'UpsertWorkflowSearchAttributesCommandAttributes is not set on UpsertWorkflowSearchAttributesCommand.',
          };
        const bad = badSearchAttributes(engine.namespace(s.namespace), a.searchAttributes);
        if (bad) return bad;
        break;
      }
      case CT.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        if (!c.modifyWorkflowPropertiesCommandAttributes)
          return {
            cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES,
            message: 'ModifyWorkflowPropertiesCommandAttributes is not set on ModifyWorkflowPropertiesCommand.',
          };
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES,
          memoSize(c.modifyWorkflowPropertiesCommandAttributes.upsertedMemo),
          'ModifyWorkflowProperties',
          'ModifyWorkflowPropertiesCommandAttributes exceeds size limit.',
        );
      case CT.COMMAND_TYPE_PROTOCOL_MESSAGE: {
        const bad = (message: string): InvalidCommand => ({
          cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
          message,
        });
        const a = c.protocolMessageCommandAttributes;
        if (!a) return bad('ProtocolMessageCommandAttributes is not set on ProtocolMessageCommand.');
        if (!messageIds.has(a.messageId ?? ''))
          return bad(`ProtocolMessageCommand referenced absent message ID ${a.messageId ?? ''}`);
        break;
      }
      case CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        const bad = badSearchAttributes(
          engine.namespace(s.namespace),
          c.continueAsNewWorkflowExecutionCommandAttributes?.searchAttributes,
        );
        if (bad) return bad;
        return tooLarge(
          FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
          payloadsSize(c.continueAsNewWorkflowExecutionCommandAttributes?.input),
          'ContinueAsNewWorkflowExecution',
          'ContinueAsNewWorkflowExecutionCommandAttributes. Input exceeds size limit.',
        );
      }
      case CT.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        break;
      case CT.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION: {
        const message = engine.nexusEndpoints
          ? badScheduleNexusOperation(engine.nexusEndpoints, c.scheduleNexusOperationCommandAttributes)
          : 'Nexus endpoints are not available';
        if (message) return { cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES, message };
        break;
      }
      case CT.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION: {
        const message = badCancelNexusOperation(ex, c.requestCancelNexusOperationCommandAttributes);
        if (message)
          return { cause: FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_NEXUS_OPERATION_ATTRIBUTES, message };
        break;
      }
      default:
        return { cause: 0, malformed: true, message: `unknown command type: ${commandTypeName(c.commandType)}` };
    }
    return undefined;
  };
  for (const [index, c] of commands.entries()) {
    const bad = check(c);
    if (bad) return { ...bad, index };
  }
  return undefined;
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
