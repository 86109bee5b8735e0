// Workflow reset and batch operations, run against both servers: through the raw RPCs and through the `temporal`
// CLI (`workflow reset`, and its batch form with --query).
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, runTemporalCli, TestServer } from './servers';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const WS = E.WorkflowExecutionStatus;
const BS = E.BatchOperationState;

onEachServer({}, (server: () => TestServer) => {
  const raw = () => server().raw;
  const cli = (...args: string[]) => runTemporalCli(server().address, ...args);

  /**
   * A run with two completed workflow tasks (the first starts a timer) and a signal between them: 9 events, the
   * first task completing at event 4.
   */
  async function runWithSignal(): Promise<{ workflowId: string; runId: string }> {
    const workflowId = uniqueId('reset');
    const taskQueue = uniqueId('tq');
    const { runId } = await raw().wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'Wf' },
      taskQueue: { name: taskQueue },
      requestId: uniqueId(),
    });
    let task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue }, identity: 'w' });
    await raw().wf('RespondWorkflowTaskCompleted', {
      taskToken: task.taskToken,
      identity: 'w',
      commands: [
        {
          commandType: E.CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't', startToFireTimeout: { seconds: 300 } },
        },
      ],
    });
    await raw().wf('SignalWorkflowExecution', {
      workflowExecution: { workflowId },
      signalName: 'hello',
      input: { payloads: [{ data: Buffer.from('"x"') }] },
      requestId: uniqueId(),
    });
    task = await raw().wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue }, identity: 'w' });
    await raw().wf('RespondWorkflowTaskCompleted', { taskToken: task.taskToken, identity: 'w', commands: [] });
    return { workflowId, runId };
  }

  const events = async (workflowId: string, runId = '') =>
    (await raw().wf('GetWorkflowExecutionHistory', { execution: { workflowId, runId } })).history
      .events as temporal.api.history.v1.IHistoryEvent[];

  test('a reset starts a new run from the chosen workflow task with the later signals reapplied', async () => {
    const { workflowId, runId } = await runWithSignal();
    const reset = await raw().wf('ResetWorkflowExecution', {
      workflowExecution: { workflowId },
      workflowTaskFinishEventId: 4,
      requestId: uniqueId(),
      reason: 'try again',
      identity: 'op',
    });
    const fresh = await events(workflowId, reset.runId);
    expect(fresh.map((e) => e.eventType)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      ET.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    expect(fresh[3].workflowTaskFailedEventAttributes).toMatchObject({
      cause: E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
      failure: { message: 'try again' },
      identity: 'history-service',
      baseRunId: runId,
      newRunId: reset.runId,
    });
    expect(fresh[4].workflowExecutionSignaledEventAttributes?.signalName).toBe('hello');
    const base = await events(workflowId, runId);
    expect(base[base.length - 1].workflowExecutionTerminatedEventAttributes).toMatchObject({
      reason: 'try again',
      identity: 'history-resetter',
    });
    const d = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } });
    expect([d.workflowExecutionInfo.execution.runId, d.workflowExecutionInfo.status]).toEqual([
      reset.runId,
      WS.WORKFLOW_EXECUTION_STATUS_RUNNING,
    ]);
  });

  test("a reset to an event that does not finish a workflow task, or past the end, is refused with the real server's messages", async () => {
    const { workflowId } = await runWithSignal();
    const reset = (id: number, requestId: string | undefined = uniqueId()) =>
      rejection(
        raw().wf('ResetWorkflowExecution', {
          workflowExecution: { workflowId },
          workflowTaskFinishEventId: id,
          requestId,
          reason: 'r',
        }),
      );
    const past = await reset(99);
    expect([past.code, past.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'Workflow task finish ID must be > 1 && <= workflow last event ID.',
    ]);
    const inside = await reset(5);
    expect([inside.code, inside.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'StateRebuilder unable to Rebuild mutable state to event ID: 4, version: 0, this event must be at the boundary',
    ]);
    const noRequestId = await reset(4, '');
    expect([noRequestId.code, noRequestId.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'RequestId is not set on request.',
    ]);
  });

  test('temporal workflow reset --type FirstWorkflowTask resets through the CLI', async () => {
    const { workflowId, runId } = await runWithSignal();
    const r = await cli(
      'workflow',
      'reset',
      '--workflow-id',
      workflowId,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'cli',
    );
    expect(r).toMatchObject({ code: 0 });
    const d = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId } });
    expect(d.workflowExecutionInfo.execution.runId).not.toBe(runId);
    const fresh = await events(workflowId);
    // The CLI puts the user's name ahead of the reason.
    expect(fresh[3].workflowTaskFailedEventAttributes?.failure?.message).toMatch(/: cli$/);
  });

  /** Waits until a batch job has finished and returns its description. */
  const finished = (jobId: string) =>
    waitUntil(async () => {
      const d = await raw().wf('DescribeBatchOperation', { jobId });
      return d.state !== BS.BATCH_OPERATION_STATE_RUNNING ? d : undefined;
    }, 30_000);

  test('a batch terminates the workflows its query matches; describe and list report it', async () => {
    const type = uniqueId('Batch');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const workflowId = uniqueId('b');
      ids.push(workflowId);
      await raw().wf('StartWorkflowExecution', {
        workflowId,
        workflowType: { name: type },
        taskQueue: { name: uniqueId('tq') },
        requestId: uniqueId(),
      });
    }
    // The real server's visibility is eventually consistent: wait until the query sees them.
    await waitUntil(
      async () =>
        Number((await raw().wf('CountWorkflowExecutions', { query: `WorkflowType = "${type}"` })).count) === 3,
    );
    const jobId = uniqueId('job');
    await raw().wf('StartBatchOperation', {
      jobId,
      visibilityQuery: `WorkflowType = "${type}"`,
      reason: 'clean up',
      terminationOperation: { identity: 'op' },
    });
    const d = await finished(jobId);
    expect(d).toMatchObject({
      operationType: E.BatchOperationType.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW,
      jobId,
      state: BS.BATCH_OPERATION_STATE_COMPLETED,
      identity: 'op',
      reason: 'clean up',
      query: `WorkflowType = "${type}"`,
    });
    expect([Number(d.totalOperationCount), Number(d.completeOperationCount)]).toEqual([3, 3]);
    for (const workflowId of ids) {
      const last = (await events(workflowId)).pop()!;
      // Terminated by the server's batch worker, which names itself `pid@host@`.
      expect(last.workflowExecutionTerminatedEventAttributes).toMatchObject({
        reason: 'clean up',
        identity: expect.stringMatching(/^\d+@.+@$/),
      });
    }
    const list = await raw().wf('ListBatchOperations', {});
    expect(list.operationInfo.map((o: { jobId: string }) => o.jobId)).toContain(jobId);
    const missing = await rejection(raw().wf('DescribeBatchOperation', { jobId: uniqueId('nope') }));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    const bad = await rejection(
      raw().wf('StartBatchOperation', {
        jobId: uniqueId(),
        visibilityQuery: 'WorkflowId = "x"',
        terminationOperation: {},
      }),
    );
    expect([bad.code, bad.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)',
    ]);
  }, 60_000);

  test('a batch signals the listed workflows; temporal workflow reset --query resets in a batch', async () => {
    const first = await runWithSignal();
    const second = await runWithSignal();
    const jobId = uniqueId('job');
    await raw().wf('StartBatchOperation', {
      jobId,
      executions: [{ workflowId: first.workflowId }, { workflowId: second.workflowId }],
      reason: 'poke',
      signalOperation: { signal: 'poke', identity: 'op' },
    });
    expect((await finished(jobId)).state).toBe(BS.BATCH_OPERATION_STATE_COMPLETED);
    for (const { workflowId } of [first, second]) {
      const signals = (await events(workflowId)).filter(
        (e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      );
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toContain('poke');
    }
    await waitUntil(
      async () =>
        Number((await raw().wf('CountWorkflowExecutions', { query: `WorkflowId = "${first.workflowId}"` })).count) ===
        1,
    );
    const r = await cli(
      'workflow',
      'reset',
      '--query',
      `WorkflowId = "${first.workflowId}"`,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'batch reset',
      '--yes',
    );
    expect(r).toMatchObject({ code: 0 });
    await waitUntil(async () => {
      const d = await raw().wf('DescribeWorkflowExecution', { execution: { workflowId: first.workflowId } });
      return d.workflowExecutionInfo.execution.runId !== first.runId;
    }, 30_000);
  }, 60_000);
});
