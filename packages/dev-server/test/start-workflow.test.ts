// Starting workflows over raw gRPC: validation, the started event, start delays, request ids, and the conflict
// and reuse policies of start and signal-with-start.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    namespaces: ['extra'],
    historyLongPollMs: 300,
    // Lets the retention test register a namespace that keeps closed runs for 200 ms.
    dynamicConfig: { 'system.namespaceMinRetentionLocal': '100ms' },
  }));
});
afterAll(() => stopRawServer(server, raw));

const { start, eventTypes } = manualWorkflows(() => raw);

describe('starting workflows', () => {
  test("validation names the missing field in the real server's words", async () => {
    const err = await rejection(
      raw.wf('StartWorkflowExecution', { workflowType: { name: 'W' }, taskQueue: { name: 'q' } }),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('WorkflowId is not set on request.');
    expect((await rejection(start(uniqueId(), { taskQueue: { name: '' } }))).details).toBe('taskQueue is not set');
    // The real server's wording for retry policies (also used for activity commands).
    expect((await rejection(start(uniqueId(), { retryPolicy: { backoffCoefficient: 0.5 } }))).details).toBe(
      'BackoffCoefficient cannot be less than 1 on retry policy.',
    );
    expect((await rejection(start(uniqueId(), { cronSchedule: 'not a cron' }))).details).toBe('invalid CronSchedule.');
    expect(
      (await rejection(start(uniqueId(), { searchAttributes: { indexedFields: { Unknown: payload('x') } } }))).details,
    ).toContain('Unknown');
  });

  test('writes WorkflowExecutionStarted with normalised timeouts and schedules the first task', async () => {
    const id = uniqueId();
    const r = await start(id, {
      workflowExecutionTimeout: { seconds: 60 },
      workflowRunTimeout: { seconds: 120 },
      memo: { fields: { m: payload(1) } },
    });
    expect(r.started).toBe(true);
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id } });
    expect(h.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    ]);
    const a = h.history.events[0].workflowExecutionStartedEventAttributes;
    expect(Number(a.workflowRunTimeout.seconds)).toBe(60);
    expect(Number(a.workflowTaskTimeout.seconds)).toBe(10);
    expect(a.firstExecutionRunId).toBe(r.runId);
    expect(a.workflowExecutionExpirationTime).toBeTruthy();
    const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: id } });
    expect(Number(d.executionConfig.workflowRunTimeout.seconds)).toBe(60);
    expect(d.workflowExecutionInfo.memo.fields.m.data.toString()).toBe('1');
    expect(d.pendingWorkflowTask.state).toBe(E.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED);
  });

  test('a start delay sets first_workflow_task_backoff and schedules no task yet', async () => {
    const id = uniqueId();
    await start(id, { workflowStartDelay: { seconds: 3600 } });
    const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id } });
    expect(h.history.events).toHaveLength(1);
    expect(Number(h.history.events[0].workflowExecutionStartedEventAttributes.firstWorkflowTaskBackoff.seconds)).toBe(
      3600,
    );
    // A signal during the delay waits for the first task, as on the real server.
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 's' });
    expect(await eventTypes(id)).toEqual([
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
  });

  test('the same request id returns the same run', async () => {
    const id = uniqueId();
    const requestId = uniqueId('req');
    const a = await start(id, { requestId });
    const b = await start(id, { requestId });
    expect(b.runId).toBe(a.runId);
    expect(b.started).toBe(true);
  });

  test('conflict policies: FAIL, USE_EXISTING and TERMINATE_EXISTING', async () => {
    const id = uniqueId();
    const first = await start(id);
    const err = await rejection(start(id));
    expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
    expect(err.statusDetails[0].message.runId).toBe(first.runId);
    const existing = await start(id, {
      workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    });
    expect(existing).toMatchObject({ runId: first.runId, started: false });
    const replaced = await start(id, {
      workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
    });
    expect(replaced.runId).not.toBe(first.runId);
    expect((await eventTypes(id, first.runId)).pop()).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  });

  test('signal-with-start refuses the FAIL conflict policy with INVALID_ARGUMENT, whether or not a run is open', async () => {
    const id = uniqueId();
    const sws = (extra: object = {}) =>
      raw.wf('SignalWithStartWorkflowExecution', {
        workflowId: id,
        workflowType: { name: 'Wf' },
        taskQueue: { name: 'tq-frontend' },
        signalName: 'sig',
        requestId: uniqueId('req'),
        ...extra,
      });
    const fail = { workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL };
    for (const running of [false, true]) {
      if (running) expect((await sws()).started).toBe(true);
      const err = await rejection(sws(fail));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(
        'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
      );
      expect(err.statusDetails).toEqual([]);
    }
    // The open run was signalled once (by the start), not by the refused calls.
    expect((await eventTypes(id)).filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(1);
  });

  test('TERMINATE_IF_RUNNING cannot be combined with a conflict policy', async () => {
    const tir = { workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING };
    const message =
      'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy';
    const startErr = await rejection(
      start(uniqueId(), {
        ...tir,
        workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
      }),
    );
    expect([startErr.code, startErr.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
    const swsErr = await rejection(
      raw.wf('SignalWithStartWorkflowExecution', {
        workflowId: uniqueId(),
        workflowType: { name: 'Wf' },
        taskQueue: { name: 'tq-frontend' },
        signalName: 'sig',
        ...tir,
        workflowIdConflictPolicy: E.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
      }),
    );
    expect([swsErr.code, swsErr.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
    expect((await start(uniqueId(), tir)).started).toBe(true);
  });

  test('reuse policies after the last run closed', async () => {
    const id = uniqueId();
    await start(id);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'r' });
    const err = await rejection(
      start(id, { workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE }),
    );
    expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
    const again = await start(id, {
      workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
    });
    expect(again.started).toBe(true);
  });
});
