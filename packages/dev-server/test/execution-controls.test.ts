// Operator controls of running workflows, run against both servers: activity pause, unpause, reset and options
// (describe and heartbeat responses show them), and a workflow's options (priority, versioning override).
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, TestServer } from './servers';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const PS = E.PendingActivityState;

onEachServer({}, (server: () => TestServer) => {
  const raw = () => server().raw;

  /** A run with two activities (ids 1 and 2) scheduled on its own queue; the first is started by a poll. */
  async function runWithActivities() {
    const taskQueue = uniqueId('tq');
    const workflowId = uniqueId('wf');
    await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: taskQueue },
      requestId: uniqueId(),
    });
    const task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue } });
    const schedule = (activityId: string) => ({
      commandType: E.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
      scheduleActivityTaskCommandAttributes: {
        activityId,
        activityType: { name: `A${activityId}` },
        taskQueue: { name: taskQueue },
        startToCloseTimeout: { seconds: 60 },
        retryPolicy: { initialInterval: { seconds: 1 } },
      },
    });
    await raw().wf('RespondWorkflowTaskCompleted', {
      taskToken: task.taskToken,
      commands: [schedule('1'), schedule('2')],
    });
    const started = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue } });
    return { workflowId, taskQueue, started, other: started.activityId === '1' ? '2' : '1' };
  }

  const pending = async (workflowId: string) => {
    const d = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } });
    return Object.fromEntries(
      (d.pendingActivities as temporal.api.workflow.v1.IPendingActivityInfo[]).map((a) => [
        a.activityId,
        {
          state: a.state,
          attempt: a.attempt,
          paused: a.paused,
          pausedBy: a.pauseInfo?.manual ?? null,
          startToClose: Number(a.activityOptions?.startToCloseTimeout?.seconds ?? 0),
        },
      ]),
    );
  };

  test('pause: a running activity is asked to pause at its heartbeat, a scheduled one waits; unpause lets it go', async () => {
    const { workflowId, taskQueue, started, other } = await runWithActivities();
    const execution = { workflowId };
    await raw().wf('PauseActivity', { execution, id: started.activityId, identity: 'op', reason: 'because' });
    await raw().wf('PauseActivity', { execution, id: other, identity: 'op', reason: 'later' });
    // Pausing again is fine.
    await raw().wf('PauseActivity', { execution, id: other });
    expect(await pending(workflowId)).toEqual({
      [started.activityId]: expect.objectContaining({
        state: PS.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED,
        paused: true,
        pausedBy: { identity: 'op', reason: 'because' },
      }),
      [other]: expect.objectContaining({ state: PS.PENDING_ACTIVITY_STATE_PAUSED, paused: true }),
    });
    expect((await raw().wf('RecordActivityTaskHeartbeat', { taskToken: started.taskToken })).activityPaused).toBe(true);
    // The worker gives up the attempt: the retry waits while paused.
    await raw().wf('RespondActivityTaskFailed', {
      taskToken: started.taskToken,
      failure: { message: 'paused', applicationFailureInfo: {} },
    });
    expect((await pending(workflowId))[started.activityId]).toMatchObject({
      state: PS.PENDING_ACTIVITY_STATE_PAUSED,
      attempt: 2,
    });
    const idle = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue } }, 3_000);
    expect(idle.taskToken.length).toBe(0);
    await raw().wf('UnpauseActivity', { execution, id: started.activityId, resetAttempts: true });
    expect((await pending(workflowId))[started.activityId]).toMatchObject({
      state: PS.PENDING_ACTIVITY_STATE_SCHEDULED,
      attempt: 1,
      paused: false,
    });
    const again = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue } }, 10_000);
    expect([again.activityId, again.attempt]).toEqual([started.activityId, 1]);
  }, 30_000);

  test('reset: a running activity is told at its heartbeat; options can be changed', async () => {
    const { workflowId, started } = await runWithActivities();
    const execution = { workflowId };
    await raw().wf('ResetActivity', { execution, id: started.activityId });
    expect((await raw().wf('RecordActivityTaskHeartbeat', { taskToken: started.taskToken })).activityReset).toBe(true);
    const updated = await raw().wf('UpdateActivityOptions', {
      execution,
      id: started.activityId,
      activityOptions: { startToCloseTimeout: { seconds: 99 }, heartbeatTimeout: { seconds: 7 } },
      updateMask: { paths: ['start_to_close_timeout', 'heartbeat_timeout'] },
    });
    expect(Number(updated.activityOptions.startToCloseTimeout.seconds)).toBe(99);
    expect(Number(updated.activityOptions.heartbeatTimeout.seconds)).toBe(7);
    expect((await pending(workflowId))[started.activityId].startToClose).toBe(99);
  });

  test("unknown activities, and requests naming none, are refused with the real server's messages", async () => {
    const { workflowId } = await runWithActivities();
    const unknown = await rejection(raw().wf('PauseActivity', { execution: { workflowId }, id: 'nope' }));
    expect([unknown.code, unknown.details]).toEqual([
      grpc.status.NOT_FOUND,
      "Can't find pending activity with such ID. Invalid activityID or activity already completed",
    ]);
    const none = await rejection(raw().wf('PauseActivity', { execution: { workflowId } }));
    expect([none.code, none.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'Either Activity.Id or Activity.Type should be set on request.',
    ]);
  });

  test('workflow options: a change writes WorkflowExecutionOptionsUpdated, none writes nothing', async () => {
    const workflowId = uniqueId('opts');
    await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: uniqueId('tq') },
      requestId: uniqueId(),
    });
    const update = (options: object, paths: string[]) =>
      raw().wf('UpdateWorkflowExecutionOptions', {
        workflowExecution: { workflowId },
        workflowExecutionOptions: options,
        updateMask: { paths },
        identity: 'op',
      });
    expect((await update({ priority: { priorityKey: 2 } }, ['priority'])).workflowExecutionOptions).toMatchObject({
      priority: { priorityKey: 2 },
    });
    await update({ priority: { priorityKey: 2 } }, ['priority']);
    await update({ versioningOverride: { autoUpgrade: true } }, ['versioning_override']);
    const bad = await rejection(update({}, ['bogus']));
    expect([bad.code, bad.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'error parsing UpdateMask: proto:\u00a0invalid path "bogus" for message "temporal.api.workflow.v1.WorkflowExecutionOptions"',
    ]);
    const pinned = await rejection(
      update({ versioningOverride: { pinned: { behavior: 1, version: { deploymentName: 'd', buildId: 'b' } } } }, [
        'versioning_override',
      ]),
    );
    expect(pinned.code).toBe(grpc.status.FAILED_PRECONDITION);
    const events = (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history
      .events as temporal.api.history.v1.IHistoryEvent[];
    const updates = events
      .filter((e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED)
      .map((e) => e.workflowExecutionOptionsUpdatedEventAttributes);
    expect(updates).toEqual([
      expect.objectContaining({
        unsetVersioningOverride: true,
        identity: 'op',
        priority: expect.objectContaining({ priorityKey: 2 }),
      }),
      expect.objectContaining({ versioningOverride: expect.objectContaining({ autoUpgrade: true }), identity: 'op' }),
    ]);
    const d = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } });
    expect(d.workflowExecutionInfo.priority).toMatchObject({ priorityKey: 2 });
  });
});
