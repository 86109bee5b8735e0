// DescribeWorkflowExecution over raw gRPC: state transitions, history size, reset points (also of a continued
// run), extended info and pending children, as the real server reports them.
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, type Event } from './manual-workflows';
import { RawClient } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;
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

const { startWf, pollWft, complete, history } = manualWorkflows(() => raw);

/** A duration that must be present, in milliseconds. */
function ms(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!d) throw new Error('the duration is not set');
  return Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6;
}

test('describe reports transitions per change, the encoded history size, reset points and extended info as the real server does', async () => {
  const tq = uniqueId('tq');
  // Timeouts given as 0 are written as 0s; timeouts not given are left out.
  const zero = { seconds: 0 };
  const { workflowId, runId } = await startWf(tq, { workflowExecutionTimeout: zero, workflowRunTimeout: zero });
  const bare = await startWf(uniqueId('tq'));
  const t1 = await pollWft(tq);
  await complete(t1.taskToken, [], { binaryChecksum: 'bc-1' });
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 's' });
  const t2 = await pollWft(tq);
  // The task's started event counts the history before it: the size of the encoded events so far.
  const before = await history(workflowId);
  const sizeOf = (events: Event[]) => temporal.api.history.v1.History.encode({ events }).finish().length;
  const started = before.find((e) => Number(e.eventId) === Number(t2.startedEventId))!;
  expect(Number(started.workflowTaskStartedEventAttributes!.historySizeBytes)).toBe(
    sizeOf(before.filter((e) => Number(e.eventId) < Number(t2.startedEventId))),
  );
  await complete(t2.taskToken, [], { binaryChecksum: 'bc-2', workerVersionStamp: { buildId: 'b-2' } });
  await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId } });
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  const info = d.workflowExecutionInfo;
  // start, task started, task completed, signal, task started, task completed, cancel request: one transition each.
  expect(Number(info.stateTransitionCount)).toBe(7);
  expect(Number(info.historySizeBytes)).toBe(sizeOf(await history(workflowId)));
  expect(
    info.autoResetPoints.points.map((p: { binaryChecksum: string; buildId: string }) => [p.binaryChecksum, p.buildId]),
  ).toEqual([
    ['bc-1', ''],
    ['bc-2', 'b-2'],
  ]);
  expect(info.autoResetPoints.points[0]).toMatchObject({ runId, resettable: true });
  expect(Number(info.autoResetPoints.points[0].firstWorkflowTaskCompletedId)).toBe(4);
  expect(ms(d.executionConfig.workflowExecutionTimeout)).toBe(0);
  expect(ms(d.executionConfig.workflowRunTimeout)).toBe(0);
  const startedAttrs = (await history(workflowId))[0].workflowExecutionStartedEventAttributes!;
  expect(startedAttrs.workflowRunTimeout).not.toBeNull();
  expect(d.workflowExtendedInfo).toMatchObject({ cancelRequested: true, executionExpirationTime: null });
  expect(Number(d.workflowExtendedInfo.originalStartTime.seconds)).toBe(Number(info.startTime.seconds));
  // No run timeout: the real server's zero time.
  expect(Number(d.workflowExtendedInfo.runExpirationTime.seconds)).toBe(-62135596800);
  const requestIds = Object.values(d.workflowExtendedInfo.requestIdInfos) as Array<{
    eventType: number;
    eventId: unknown;
  }>;
  expect(requestIds.map((r) => [r.eventType, Number(r.eventId)])).toEqual([
    [ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 1],
  ]);
  const bareDescribed = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: bare.workflowId } });
  expect(bareDescribed.executionConfig.workflowExecutionTimeout).toBeNull();
  expect(bareDescribed.executionConfig.workflowRunTimeout).toBeNull();
  for (const id of [workflowId, bare.workflowId]) {
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
  }
});

test('a continued run inherits the reset points with an expiry, and always has its run timeout written', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq);
  await complete(
    (await pollWft(tq)).taskToken,
    [
      {
        commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
        continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Manual' }, taskQueue: { name: tq } },
      },
    ],
    { binaryChecksum: 'bc-1' },
  );
  const closed = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId, runId } });
  const [point] = closed.workflowExecutionInfo.autoResetPoints.points;
  // One day (the namespace retention) after the run continued.
  expect(Number(point.expireTime.seconds) - Number(closed.workflowExecutionInfo.closeTime.seconds)).toBe(86400);
  const canEvent = (await history(workflowId, runId)).pop()!.workflowExecutionContinuedAsNewEventAttributes!;
  expect(ms(canEvent.workflowRunTimeout)).toBe(0);
  expect(canEvent.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED);
  const next = (await history(workflowId))[0].workflowExecutionStartedEventAttributes!;
  expect(next.prevAutoResetPoints!.points!.map((p) => p.binaryChecksum)).toEqual(['bc-1']);
  expect(ms(next.workflowRunTimeout)).toBe(0);
  expect(next.workflowExecutionTimeout).toBeNull();
  expect(next.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW);
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.workflowExecutionInfo.autoResetPoints.points).toHaveLength(1);
  expect(ms(d.executionConfig.workflowRunTimeout)).toBe(0);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test("describe lists pending children; recording the child's start is a state transition of its own", async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const childId = uniqueId('child');
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
      startChildWorkflowExecutionCommandAttributes: {
        workflowId: childId,
        workflowType: { name: 'Child' },
        parentClosePolicy: E.ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON,
      },
    },
  ]);
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.pendingChildren).toHaveLength(1);
  expect(d.pendingChildren[0]).toMatchObject({
    workflowId: childId,
    workflowTypeName: 'Child',
    parentClosePolicy: E.ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON,
  });
  // Start, task started, task completed, child started recorded (a transfer task of its own on the real server).
  expect(Number(d.workflowExecutionInfo.stateTransitionCount)).toBe(4);
  const child = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
  expect(child.workflowExecutionInfo.parentExecution.workflowId).toBe(workflowId);
  expect(Number(child.workflowExecutionInfo.stateTransitionCount)).toBe(1);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  // ABANDON leaves the child running.
  const after = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
  expect(after.workflowExecutionInfo.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
});
