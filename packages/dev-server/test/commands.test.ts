// Commands a workflow task completion may not carry: what each rejected command answers, and what fails or
// does not fail the task.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, names, timer, completeWf, activity } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const CT = E.CommandType;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    longPollTimeoutMs: 300,
    historyLongPollMs: 300,
    searchAttributes: { CustomKeyword: 'Keyword', CustomInt: 'Int' },
  }));
});
afterAll(() => stopRawServer(server, raw));

const { startWf, pollWft, pollActivity, complete, history } = manualWorkflows(() => raw);

describe('rejected commands', () => {
  const FC = E.WorkflowTaskFailedCause;
  const cancelTimer = (timerId: string) => ({
    commandType: CT.COMMAND_TYPE_CANCEL_TIMER,
    cancelTimerCommandAttributes: { timerId },
  });
  const child = (extra: object) => ({
    commandType: CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
    startChildWorkflowExecutionCommandAttributes: { workflowType: { name: 'C' }, taskQueue: { name: 'q' }, ...extra },
  });
  // Each: the commands, the cause, and the message after `<CauseName>: `, as the real server words them.
  const cases: Array<[string, object[], number, string]> = [
    [
      'a duplicate timer id',
      [timer('same', 60_000), timer('same', 60_000)],
      FC.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
      'StartTimerDuplicateId: invalid history builder state for action: add-timer-started-event, TimerID: same',
    ],
    [
      'a negative timer duration',
      [timer('t', -1000)],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
      'BadStartTimerAttributes: An invalid StartToFireTimeout is set on StartTimerCommand: negative duration. TimerId=t',
    ],
    [
      'canceling an unknown timer',
      [cancelTimer('nope')],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
      'BadCancelTimerAttributes: invalid history builder state for action: add-timer-canceled-event, TimerID: nope',
    ],
    [
      'an activity without a task queue',
      [activity('a1', '', { taskQueue: null })],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: taskQueue is not set',
    ],
    [
      'an activity without an id',
      [activity('', 'q')],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: activityId is not set',
    ],
    [
      'an activity without a type',
      [activity('a1', 'q', { activityType: null })],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: activityType is not set',
    ],
    [
      'an activity without timeouts',
      [activity('a1', 'q', { startToCloseTimeout: null, scheduleToStartTimeout: { seconds: 5 } })],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=a1 ActivityType=Act',
    ],
    [
      'a negative activity timeout',
      [activity('a1', 'q', { heartbeatTimeout: { seconds: -1 } })],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: invalid HeartbeatTimeout: negative duration',
    ],
    [
      'a bad activity retry policy',
      [activity('a1', 'q', { retryPolicy: { initialInterval: { seconds: 10 }, maximumInterval: { seconds: 1 } } })],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: MaximumInterval cannot be less than InitialInterval on retry policy.',
    ],
    [
      'a duplicate activity id',
      [activity('a1', 'q'), activity('a1', 'q')],
      FC.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
      'ScheduleActivityDuplicateId: invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: a1',
    ],
    [
      'canceling an unknown activity',
      [
        {
          commandType: CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
          requestCancelActivityTaskCommandAttributes: { scheduledEventId: 99 },
        },
      ],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
      'BadRequestCancelActivityAttributes: invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: 99',
    ],
    [
      'a child without a workflow id',
      [child({})],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
      'BadStartChildExecutionAttributes: Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType=C Namespace=default',
    ],
    [
      'a marker without a name',
      [{ commandType: CT.COMMAND_TYPE_RECORD_MARKER, recordMarkerCommandAttributes: {} }],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
      'BadRecordMarkerAttributes: MarkerName is not set on RecordMarkerCommand.',
    ],
    [
      'an external signal without a signal name',
      [
        {
          commandType: CT.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
          signalExternalWorkflowExecutionCommandAttributes: { execution: { workflowId: 'x' } },
        },
      ],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
      'BadSignalWorkflowExecutionAttributes: SignalName is not set on SignalExternalWorkflowExecutionCommand. WorkflowId=x Namespace= RunId=',
    ],
    [
      'a protocol message command naming an absent message',
      [{ commandType: CT.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId: 'nope' } }],
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
      'BadUpdateWorkflowExecutionMessage: ProtocolMessageCommand referenced absent message ID nope',
    ],
  ];

  test.each(cases)(
    '%s fails the task with its cause and the real server message',
    async (_what, commands, cause, message) => {
      const tq = uniqueId('tq');
      const { workflowId } = await startWf(tq);
      const err = await rejection(complete((await pollWft(tq)).taskToken, commands));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(message);
      const failed = (await history(workflowId))[3].workflowTaskFailedEventAttributes!;
      expect(failed.cause).toBe(cause);
      expect(failed.failure!.message).toBe(message);
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
    },
  );

  test('a closing command that is not last, or an unknown command type, is INVALID_ARGUMENT and fails no task', async () => {
    const tq = uniqueId('tq');
    for (const [commands, message] of [
      [
        [completeWf(1), timer('t', 1000)],
        'invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command.',
      ],
      [[{ commandType: 99 }], 'unknown command type: 99'],
    ] as const) {
      const { workflowId } = await startWf(tq);
      const err = await rejection(complete((await pollWft(tq)).taskToken, [...commands]));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(message);
      // The task stays started (until it times out); nothing is written.
      expect(names(await history(workflowId))).toEqual([
        'WORKFLOW_EXECUTION_STARTED',
        'WORKFLOW_TASK_SCHEDULED',
        'WORKFLOW_TASK_STARTED',
      ]);
      const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
      expect(d.pendingWorkflowTask.state).toBe(E.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED);
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
    }
  });

  test('a command aimed at an unknown namespace is NOT_FOUND for the completion and fails no task', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq);
    const err = await rejection(
      complete((await pollWft(tq)).taskToken, [child({ namespace: 'nowhere', workflowId: 'c1' })]),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe('Namespace nowhere is not found.');
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceNotFoundFailure');
    expect((await history(workflowId)).length).toBe(3);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('a timer that fired or an activity that finished while the task ran can still be canceled', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [timer('t1', 100), activity('a1', tq)]);
    await raw.wf('SignalWorkflowExecution', {
      workflowExecution: { workflowId },
      signalName: 's',
      requestId: uniqueId('r'),
    });
    const t = await pollWft(tq);
    const a = await pollActivity(tq);
    await raw.wf('RespondActivityTaskCompleted', { taskToken: a.taskToken, identity: 'manual' });
    // The timer fires while the task runs; its TimerFired waits in the buffer with the activity's outcome.
    await new Promise((r) => setTimeout(r, 300));
    await complete(t.taskToken, [
      cancelTimer('t1'),
      {
        commandType: CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
        requestCancelActivityTaskCommandAttributes: { scheduledEventId: 6 },
      },
    ]);
    // As on the real server: the buffered TimerFired is dropped for TimerCanceled, and the activity gets the
    // cancel request before its buffered outcome.
    expect(names((await history(workflowId)).slice(9))).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'TIMER_CANCELED',
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'ACTIVITY_TASK_STARTED',
      'ACTIVITY_TASK_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });
});
