// The real server's limits on what workers report and on history, lowered through --dynamic-config-value on both
// servers: a completion over the blob limit fails the workflow task and terminates the run, an activity's result,
// failure or heartbeat over it fails the activity, and a history past its event limit is terminated after tasks
// have suggested continue-as-new.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, TestServer } from './servers';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const CT = E.CommandType;
const FC = E.WorkflowTaskFailedCause;

const LIMITS = {
  'limit.blobSize.error': 1000,
  'limit.blobSize.warn': 500,
  'limit.memoSize.error': 1000,
  'limit.historyCount.error': 30,
  'limit.historyCount.warn': 20,
  'limit.historyCount.suggestContinueAsNew': 10,
};
const big = () => ({ payloads: [{ data: Buffer.alloc(1500) }] });

onEachServer({ dynamicConfig: LIMITS }, (server: () => TestServer) => {
  const raw = () => server().raw;

  /** Starts a workflow on a queue of its own and polls its first workflow task. */
  async function startAndPoll(): Promise<{ workflowId: string; taskQueue: string; taskToken: Uint8Array }> {
    const workflowId = uniqueId('wf');
    const taskQueue = uniqueId('tq');
    await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: taskQueue },
      requestId: uniqueId(),
    });
    const task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue }, identity: 'test' });
    return { workflowId, taskQueue, taskToken: task.taskToken };
  }

  async function history(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
    return (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history.events;
  }

  test('the lowered blob limit applies to requests', async () => {
    const err = await rejection(
      raw().wf('StartWorkflowExecution', {
        workflowId: uniqueId(),
        workflowType: { name: 'Wf' },
        taskQueue: { name: 'q' },
        input: big(),
      }),
    );
    expect([err.code, err.details]).toEqual([grpc.status.INVALID_ARGUMENT, 'Blob data size exceeds limit.']);
  });

  const tooLarge: Array<[string, temporal.api.command.v1.ICommand, number, string]> = [
    [
      'a workflow result',
      {
        commandType: CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
        completeWorkflowExecutionCommandAttributes: { result: big() },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.',
    ],
    [
      'an activity input',
      {
        commandType: CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        scheduleActivityTaskCommandAttributes: {
          activityId: '1',
          activityType: { name: 'A' },
          taskQueue: { name: 'q' },
          startToCloseTimeout: { seconds: 10 },
          input: big(),
        },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
      'BadScheduleActivityAttributes: ScheduleActivityTaskCommandAttributes.Input exceeds size limit.',
    ],
    [
      'a workflow failure',
      {
        commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
        failWorkflowExecutionCommandAttributes: { failure: { message: 'x'.repeat(1500) } },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
      'BadFailWorkflowExecutionAttributes: FailWorkflowExecutionCommandAttributes.Failure exceeds size limit.',
    ],
    [
      'marker details',
      {
        commandType: CT.COMMAND_TYPE_RECORD_MARKER,
        recordMarkerCommandAttributes: { markerName: 'm', details: { d: big() } },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
      'BadRecordMarkerAttributes: RecordMarkerCommandAttributes.Details exceeds size limit.',
    ],
    [
      'a continue-as-new input',
      {
        commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
        continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Wf' }, input: big() },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
      'BadContinueAsNewAttributes: ContinueAsNewWorkflowExecutionCommandAttributes. Input exceeds size limit.',
    ],
    [
      'an external signal input',
      {
        commandType: CT.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
        signalExternalWorkflowExecutionCommandAttributes: {
          namespace: 'default',
          execution: { workflowId: 'other' },
          signalName: 's',
          input: big(),
        },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
      'BadSignalWorkflowExecutionAttributes: SignalExternalWorkflowExecutionCommandAttributes.Input exceeds size limit.',
    ],
    [
      'an upserted memo',
      {
        commandType: CT.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
        modifyWorkflowPropertiesCommandAttributes: { upsertedMemo: { fields: { m: { data: Buffer.alloc(1500) } } } },
      },
      FC.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES,
      'BadModifyWorkflowPropertiesAttributes: ModifyWorkflowPropertiesCommandAttributes exceeds size limit.',
    ],
  ];
  test.each(tooLarge)(
    'a workflow task completion with %s over the blob limit fails the task and terminates the run',
    async (_what, command, cause, message) => {
      const { workflowId, taskToken } = await startAndPoll();
      const err = await rejection(raw().wf('RespondWorkflowTaskCompleted', { taskToken, commands: [command] }));
      expect([err.code, err.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
      const events = await history(workflowId);
      expect(events.map((e) => e.eventType)).toEqual([
        ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        ET.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      ]);
      expect(events[3].workflowTaskFailedEventAttributes).toMatchObject({ cause, failure: { message } });
      expect(events[4].workflowExecutionTerminatedEventAttributes).toMatchObject({
        reason: message,
        identity: 'history-service',
      });
    },
  );

  test("an activity's result, failure or heartbeat details over the blob limit fail the activity for good", async () => {
    const { workflowId, taskQueue, taskToken } = await startAndPoll();
    const schedule = (activityId: string) => ({
      commandType: CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
      scheduleActivityTaskCommandAttributes: {
        activityId,
        activityType: { name: 'A' },
        taskQueue: { name: taskQueue },
        startToCloseTimeout: { seconds: 30 },
      },
    });
    await raw().wf('RespondWorkflowTaskCompleted', { taskToken, commands: ['1', '2', '3'].map(schedule) });
    const poll = async () =>
      (await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue }, identity: 'test' })) as {
        taskToken: Uint8Array;
        activityId: string;
      };
    const outcomes: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) {
      const task = await poll();
      if (task.activityId === '1') {
        await raw().wf('RespondActivityTaskCompleted', { taskToken: task.taskToken, result: big() });
      } else if (task.activityId === '2') {
        const r = await raw().wf('RespondActivityTaskFailed', {
          taskToken: task.taskToken,
          failure: { message: 'x'.repeat(1500), applicationFailureInfo: {} },
        });
        outcomes.failures = r.failures.map((f: temporal.api.failure.v1.IFailure) => f.message);
        outcomes.causeShortened = (r.failures[0].cause?.message?.length ?? 0) < 1500;
      } else {
        const r = await raw().wf('RecordActivityTaskHeartbeat', { taskToken: task.taskToken, details: big() });
        outcomes.heartbeatCancelRequested = r.cancelRequested;
      }
    }
    expect(outcomes).toEqual({
      failures: ['Failure exceeds size limit.'],
      causeShortened: true,
      heartbeatCancelRequested: true,
    });
    const failed = (await history(workflowId))
      .filter((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_FAILED)
      .map((e) => e.activityTaskFailedEventAttributes!);
    expect(
      failed.map((f) => [f.failure?.message, f.failure?.serverFailureInfo?.nonRetryable, f.retryState]).sort(),
    ).toEqual(
      [
        ['Complete result exceeds size limit.', true, E.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE],
        ['Failure exceeds size limit.', true, E.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE],
        ['Heartbeat details exceed size limit.', true, E.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE],
      ].sort(),
    );
  });

  test('tasks suggest continue-as-new past the suggestion threshold, and a run past the event limit is terminated', async () => {
    const { workflowId, taskQueue, taskToken } = await startAndPoll();
    await raw().wf('RespondWorkflowTaskCompleted', { taskToken, commands: [] });
    const suggestions: Array<[number, boolean, number[]]> = [];
    for (let i = 0; i < 40; i++) {
      const signal = await raw()
        .wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 's', requestId: uniqueId() })
        .then(
          () => undefined,
          (err: grpc.ServiceError) => err,
        );
      if (signal) {
        expect([signal.code, signal.details]).toEqual([grpc.status.NOT_FOUND, 'workflow execution already completed']);
        break;
      }
      if (i % 3 === 0) {
        const task = await raw().wf(
          'PollWorkflowTaskQueue',
          { taskQueue: { name: taskQueue }, identity: 'test' },
          5_000,
        );
        if (!task.taskToken?.length) break;
        const started = task.history.events[task.history.events.length - 1].workflowTaskStartedEventAttributes;
        suggestions.push([
          Number(task.startedEventId),
          started.suggestContinueAsNew,
          started.suggestContinueAsNewReasons,
        ]);
        // The run may end (past the limit) while its task is out.
        const completed = await raw()
          .wf('RespondWorkflowTaskCompleted', { taskToken: task.taskToken, commands: [] })
          .then(
            () => true,
            (err: grpc.ServiceError) => err.code !== grpc.status.NOT_FOUND,
          );
        if (!completed) break;
      }
    }
    // Suggested from the first task that starts with 10 events or more.
    for (const [startedId, suggested, reasons] of suggestions) {
      expect([startedId, suggested, reasons]).toEqual(
        startedId - 1 >= 10
          ? [startedId, true, [E.SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS]]
          : [startedId, false, []],
      );
    }
    expect(suggestions.some(([, suggested]) => suggested)).toBe(true);
    const events = await history(workflowId);
    const last = events[events.length - 1];
    expect(last.eventType).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
    expect(last.workflowExecutionTerminatedEventAttributes).toMatchObject({
      reason: 'Workflow history count exceeds limit.',
      identity: 'history-service',
    });
    expect(events.length).toBeGreaterThan(30);
  });
});
