// Checks of the commands a completed workflow task carries, in the real server's order and with its messages: the
// first invalid command fails the task (see command-application.ts for what valid commands do).
import { temporal } from '../internal/proto';
import { durationMs, enums, num } from '../internal/proto';
import { HistoryEngine } from './engine';
import { attributesOf, Execution } from './mutable-state';
import { validateRetryPolicy } from './retry';
import { validateSearchAttributes } from '../visibility/validation';
import { failureSize, memoSize, payloadsSize } from '../internal/blob-limits';
import { namespaceNotFound, ServiceError } from '../errors';
import { NamespaceRecord } from '../persistence/persistence';
import { badCancelNexusOperation, badScheduleNexusOperation } from '../nexus/nexus-operations';

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
