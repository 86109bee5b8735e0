// Behaviour the official SDKs' own tests expect from the server, run against both servers: signal-with-start
// keeps its start delay, a child carries the summary and details it was started with, a workflow takes at most ten
// updates in flight, and asynchronous updates cannot wait for the admitted stage.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, TestServer } from './servers';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const CT = E.CommandType;
const payload = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});

onEachServer({}, (server: () => TestServer) => {
  const raw = () => server().raw;
  const eventTypes = async (workflowId: string) =>
    (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history.events.map(
      (e: temporal.api.history.v1.IHistoryEvent) => e.eventType,
    );
  const startOpen = async () => {
    const workflowId = uniqueId('wf');
    await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: uniqueId('tq') },
      requestId: uniqueId(),
    });
    return workflowId;
  };

  test('signal-with-start honours the start delay: the signal waits for the first workflow task', async () => {
    const workflowId = uniqueId('sws');
    await raw().wf('SignalWithStartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: uniqueId('tq') },
      requestId: uniqueId(),
      signalName: 'first',
      workflowStartDelay: { seconds: 30 },
    });
    await raw().wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'second' });
    const history = await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId } });
    const started = history.history.events[0].workflowExecutionStartedEventAttributes;
    expect(Number(started.firstWorkflowTaskBackoff.seconds)).toBe(30);
    expect(await eventTypes(workflowId)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
    const described = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } });
    expect(described.pendingWorkflowTask).toBeNull();
  });

  test('a child started with a static summary and details carries them', async () => {
    const taskQueue = uniqueId('tq');
    const parentId = uniqueId('parent');
    const childId = uniqueId('child');
    await raw().wf('StartWorkflowExecution', {
      workflowId: parentId,
      workflowType: { name: 'Parent' },
      taskQueue: { name: taskQueue },
      requestId: uniqueId(),
    });
    const task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue }, identity: 'test' });
    const userMetadata = { summary: payload('child summary'), details: payload('child details') };
    await raw().wf('RespondWorkflowTaskCompleted', {
      taskToken: task.taskToken,
      commands: [
        {
          commandType: CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
          startChildWorkflowExecutionCommandAttributes: {
            namespace: 'default',
            workflowId: childId,
            workflowType: { name: 'Child' },
            taskQueue: { name: taskQueue },
          },
          userMetadata,
        },
      ],
    });
    const parentEvents = (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId: parentId } }))
      .history.events as temporal.api.history.v1.IHistoryEvent[];
    const initiated = parentEvents.find((e) => e.eventType === ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)!;
    const decoded = (m: temporal.api.sdk.v1.IUserMetadata | null | undefined) => ({
      summary: Buffer.from(m?.summary?.data ?? []).toString(),
      details: Buffer.from(m?.details?.data ?? []).toString(),
    });
    const expected = { summary: '"child summary"', details: '"child details"' };
    expect(decoded(initiated.userMetadata)).toEqual(expected);
    // The child's own start and its describe carry them too.
    await raw().wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
    const childStarted = (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId: childId } })).history
      .events[0] as temporal.api.history.v1.IHistoryEvent;
    expect(decoded(childStarted.userMetadata)).toEqual(expected);
    const child = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
    expect(decoded(child.executionConfig.userMetadata)).toEqual(expected);
  });

  test('a workflow takes at most 10 updates in flight; the 11th is RESOURCE_EXHAUSTED, also through update-with-start', async () => {
    const workflowId = await startOpen();
    const update = (updateId: string, deadlineMs: number) =>
      raw().wf(
        'UpdateWorkflowExecution',
        {
          workflowExecution: { workflowId },
          request: { meta: { updateId }, input: { name: 'u' } },
          waitPolicy: {
            lifecycleStage: E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
          },
        },
        deadlineMs,
      );
    // No worker accepts them: each stays in flight while its caller waits.
    const waiting = Array.from({ length: 10 }, (_, i) => update(`u${i}`, 20_000).catch((e: grpc.ServiceError) => e));
    // Once all ten are in, one more is refused.
    let err: Awaited<ReturnType<typeof rejection>> | undefined;
    for (let i = 0; !err; i++) {
      const e = await rejection(update(`extra${i}`, 300));
      if (e.code === grpc.status.RESOURCE_EXHAUSTED) err = e;
      // Not admitted yet: the caller's short deadline ends the call (the real server, when busy, may answer CANCELLED).
      else expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]).toContain(e.code);
    }
    expect(err.details).toBe('limit on number of concurrent in-flight updates has been reached (10)');
    expect(err.statusDetails[0]).toEqual({
      typeName: 'temporal.api.errordetails.v1.ResourceExhaustedFailure',
      message: expect.objectContaining({
        cause: E.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
        scope: E.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
      }),
    });
    const updateWithStart = () =>
      rejection(
        raw().wf(
          'ExecuteMultiOperation',
          {
            operations: [
              {
                startWorkflow: {
                  namespace: 'default',
                  workflowId,
                  workflowType: { name: 'Wf' },
                  taskQueue: { name: 'unused' },
                  requestId: uniqueId(),
                  workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
                },
              },
              {
                updateWorkflow: {
                  namespace: 'default',
                  workflowExecution: { workflowId },
                  request: { meta: { updateId: uniqueId('uws') }, input: { name: 'u' } },
                  waitPolicy: {
                    lifecycleStage:
                      E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
                  },
                },
              },
            ],
          },
          1_000,
        ),
      );
    // The real server admits updates concurrently with other work on the run, so an update-with-start sent right
    // after the refusal above is not always refused at once: it is tried a few times.
    let uws = await updateWithStart();
    for (let i = 0; i < 5 && uws.code !== grpc.status.RESOURCE_EXHAUSTED; i++) uws = await updateWithStart();
    expect(uws.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const statuses = uws.statusDetails[0].message.statuses as Array<{ code: number; message: string }>;
    expect(statuses.map((s) => [s.code, s.message])).toEqual([
      [grpc.status.ABORTED, 'Operation was aborted.'],
      [grpc.status.RESOURCE_EXHAUSTED, 'limit on number of concurrent in-flight updates has been reached (10)'],
    ]);
    await raw().wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
    await Promise.all(waiting);
  }, 30_000);

  test('an update cannot wait for the admitted stage', async () => {
    const workflowId = await startOpen();
    const err = await rejection(
      raw().wf('UpdateWorkflowExecution', {
        workflowExecution: { workflowId },
        request: { meta: { updateId: 'u' }, input: { name: 'u' } },
        waitPolicy: {
          lifecycleStage: E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
        },
      }),
    );
    expect([err.code, err.details]).toEqual([
      grpc.status.PERMISSION_DENIED,
      'UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.',
    ]);
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.PermissionDeniedFailure');
  });
});
