// The legacy open and closed workflow lists and CountSchedules, run against both servers (the real server's
// visibility is eventually consistent, so reads wait for what they expect).
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, TestServer } from './servers';

const WS = temporal.api.enums.v1.WorkflowExecutionStatus;

onEachServer({}, (server: () => TestServer) => {
  const raw = () => server().raw;

  test('ListOpen and ListClosed filter by id, type, start time and close status, newest first', async () => {
    const type = uniqueId('Type');
    const start = async () => {
      const workflowId = uniqueId('wf');
      await raw().wf('StartWorkflowExecution', {
        workflowId,
        workflowType: { name: type },
        taskQueue: { name: uniqueId('tq') },
        requestId: uniqueId(),
      });
      return workflowId;
    };
    const open1 = await start();
    const open2 = await start();
    const closed = await start();
    await raw().wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: closed }, reason: 'done' });
    const ids = (r: { executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[] }) =>
      r.executions.map((e) => e.execution?.workflowId);
    const openOfType = await waitUntil(async () => {
      const r = await raw().wf('ListOpenWorkflowExecutions', { typeFilter: { name: type } });
      return r.executions.length === 2 ? r : undefined;
    });
    expect(ids(openOfType)).toEqual([open2, open1]);
    expect(ids(await raw().wf('ListOpenWorkflowExecutions', { executionFilter: { workflowId: open1 } }))).toEqual([
      open1,
    ]);
    const page = await raw().wf('ListOpenWorkflowExecutions', { typeFilter: { name: type }, maximumPageSize: 1 });
    expect([ids(page), page.nextPageToken.length > 0]).toEqual([[open2], true]);
    expect(
      ids(
        await raw().wf('ListOpenWorkflowExecutions', {
          startTimeFilter: { earliestTime: { seconds: 0 }, latestTime: { seconds: 1 } },
        }),
      ),
    ).toEqual([]);
    const closedList = await waitUntil(async () => {
      const r = await raw().wf('ListClosedWorkflowExecutions', { executionFilter: { workflowId: closed } });
      return r.executions.length === 1 ? r : undefined;
    });
    expect(closedList.executions[0]).toMatchObject({ status: WS.WORKFLOW_EXECUTION_STATUS_TERMINATED });
    const terminated = await raw().wf('ListClosedWorkflowExecutions', {
      statusFilter: { status: WS.WORKFLOW_EXECUTION_STATUS_TERMINATED },
    });
    expect(ids(terminated)).toContain(closed);
    const running = await rejection(
      raw().wf('ListClosedWorkflowExecutions', { statusFilter: { status: WS.WORKFLOW_EXECUTION_STATUS_RUNNING } }),
    );
    expect([running.code, running.details]).toEqual([
      grpc.status.INVALID_ARGUMENT,
      'StatusFilter must be specified and must be not Running.',
    ]);
  });

  test('CountSchedules counts the schedules its query matches', async () => {
    const namespace = 'default';
    const before = Number((await raw().wf('CountSchedules', {})).count);
    const scheduleId = uniqueId('sched');
    await raw().wf('CreateSchedule', {
      namespace,
      scheduleId,
      requestId: uniqueId(),
      schedule: { spec: { interval: [{ interval: { seconds: 3600 } }] } },
    });
    await waitUntil(async () => Number((await raw().wf('CountSchedules', {})).count) === before + 1);
    expect(Number((await raw().wf('CountSchedules', { query: `ScheduleId = "${uniqueId()}"` })).count)).toBe(0);
  });
});
