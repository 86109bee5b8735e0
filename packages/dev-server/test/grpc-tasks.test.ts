// Workflow and activity tasks driven by hand over raw gRPC: history shapes, buffering, sticky queues,
// failing and timing-out tasks, UnhandledCommand, activity retries, timeouts and cancellation, queries,
// update rejections, workflow retries, cron and run timeouts.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil } from './helpers';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const CT = E.CommandType;
type Event = temporal.api.history.v1.IHistoryEvent;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  server = await startServer({
    longPollTimeoutMs: 300,
    historyLongPollMs: 300,
    searchAttributes: { CustomKeyword: 'Keyword', CustomInt: 'Int' },
  });
  raw = new RawClient(server.address);
});

afterAll(async () => {
  raw?.close();
  await server?.shutdown();
});

const payload = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});
const decode = (p: temporal.api.common.v1.IPayload) => JSON.parse(Buffer.from(p.data!).toString());

async function startWf(taskQueue: string, extra: object = {}): Promise<{ workflowId: string; runId: string }> {
  const workflowId = uniqueId();
  const r = await raw.wf('StartWorkflowExecution', {
    workflowId,
    workflowType: { name: 'Manual' },
    taskQueue: { name: taskQueue },
    requestId: uniqueId('req'),
    ...extra,
  });
  return { workflowId, runId: r.runId };
}

/** Polls until a task arrives (polls end empty after the server's short long-poll timeout). */
async function pollWft(
  taskQueue: string,
  kind = E.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
): Promise<temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse> {
  return waitUntil(
    async () => {
      const r = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue, kind }, identity: 'manual' });
      return r.taskToken?.length ? r : undefined;
    },
    10_000,
    `workflow task on ${taskQueue}`,
  );
}

async function pollActivity(taskQueue: string): Promise<temporal.api.workflowservice.v1.PollActivityTaskQueueResponse> {
  return waitUntil(
    async () => {
      const r = await raw.wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue }, identity: 'manual' });
      return r.taskToken?.length ? r : undefined;
    },
    10_000,
    `activity task on ${taskQueue}`,
  );
}

function complete(taskToken: Uint8Array, commands: object[], extra: object = {}) {
  return raw.wf('RespondWorkflowTaskCompleted', { taskToken, commands, identity: 'manual', ...extra });
}

async function history(workflowId: string, runId = ''): Promise<Event[]> {
  return (await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId, runId } })).history.events;
}

const names = (events: Event[]) => events.map((e) => ET[e.eventType!].replace('EVENT_TYPE_', ''));

const timer = (id: string, ms: number) => ({
  commandType: CT.COMMAND_TYPE_START_TIMER,
  startTimerCommandAttributes: {
    timerId: id,
    startToFireTimeout: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
  },
});
const completeWf = (v: unknown) => ({
  commandType: CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  completeWorkflowExecutionCommandAttributes: { result: { payloads: [payload(v)] } },
});
const activity = (id: string, taskQueue: string, extra: object = {}) => ({
  commandType: CT.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  scheduleActivityTaskCommandAttributes: {
    activityId: id,
    activityType: { name: 'Act' },
    taskQueue: { name: taskQueue },
    startToCloseTimeout: { seconds: 10 },
    ...extra,
  },
});

test('an empty poll returns an empty response when the long poll times out', async () => {
  const r = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: uniqueId('empty') } });
  expect(r.taskToken.length).toBe(0);
});

test('describes a task queue as the real server does, in the legacy and the enhanced mode', async () => {
  const tq = uniqueId('tq');
  // An empty poll (the long poll ends after 300 ms) records the poller and its build id.
  await raw.wf('PollWorkflowTaskQueue', {
    taskQueue: { name: tq },
    identity: 'poller-1',
    workerVersionCapabilities: { buildId: 'build-1' },
  });
  await startWf(tq);
  const legacy = await raw.wf('DescribeTaskQueue', {
    taskQueue: { name: tq },
    taskQueueType: E.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    includeTaskQueueStatus: true,
    reportStats: true,
  });
  expect(legacy.pollers).toHaveLength(1);
  expect(legacy.pollers[0]).toMatchObject({
    identity: 'poller-1',
    ratePerSecond: 100000,
    workerVersionCapabilities: { buildId: 'build-1' },
  });
  expect(Number(legacy.stats.approximateBacklogCount)).toBe(1);
  expect(Number(legacy.taskQueueStatus.taskIdBlock.endId)).toBe(100000);
  expect(legacy.taskQueueStatus.ratePerSecond).toBe(4000);
  expect(legacy.versioningInfo.currentVersion).toBe('__unversioned__');
  expect(Number(legacy.versioningInfo.updateTime.seconds)).toBe(-62135596800);
  const enhanced = await raw.wf('DescribeTaskQueue', {
    taskQueue: { name: tq },
    apiMode: E.DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
    reportStats: true,
    reportPollers: true,
  });
  const types = enhanced.versionsInfo[''].typesInfo;
  expect(Object.keys(types).sort()).toEqual(['1', '2']);
  expect(types[E.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW].pollers.map((p: { identity: string }) => p.identity)).toEqual([
    'poller-1',
  ]);
  expect(Number(types[E.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW].stats.approximateBacklogCount)).toBe(1);
  expect(types[E.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY].pollers).toEqual([]);
  await complete((await pollWft(tq)).taskToken, [completeWf('ok')]);
});

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

test('a timer fires and the run completes with the canonical history', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const t1 = await pollWft(tq);
  expect(Number(t1.previousStartedEventId)).toBe(0);
  expect(Number(t1.startedEventId)).toBe(3);
  await complete(t1.taskToken, [timer('t', 50)]);
  const t2 = await pollWft(tq);
  expect(Number(t2.previousStartedEventId)).toBe(3);
  await complete(t2.taskToken, [completeWf('done')]);
  const h = await history(workflowId);
  expect(names(h)).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
    'TIMER_FIRED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'WORKFLOW_EXECUTION_COMPLETED',
  ]);
  expect(Number(h[5].timerFiredEventAttributes!.startedEventId)).toBe(5);
  expect(Number(h[9].workflowExecutionCompletedEventAttributes!.workflowTaskCompletedEventId)).toBe(9);
  expect((await rejection(complete(t2.taskToken, []))).code).toBe(grpc.status.NOT_FOUND);
});

test('a signal during a started task is buffered and flushed after the command events', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const t1 = await pollWft(tq);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'sig' });
  expect(names(await history(workflowId)).pop()).toBe('WORKFLOW_TASK_STARTED');
  await complete(t1.taskToken, [timer('t', 60_000)]);
  expect(names(await history(workflowId)).slice(3)).toEqual([
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
    'WORKFLOW_EXECUTION_SIGNALED',
    'WORKFLOW_TASK_SCHEDULED',
  ]);
});

test('a closing command racing a buffered signal fails with UnhandledCommand and a new task follows', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const t1 = await pollWft(tq);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'late' });
  const err = await rejection(complete(t1.taskToken, [completeWf('too early')]));
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe('UnhandledCommand');
  const h = await history(workflowId);
  expect(names(h).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
  expect(h[3].workflowTaskFailedEventAttributes!.cause).toBe(
    E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
  );
  const t2 = await pollWft(tq);
  await complete(t2.taskToken, [completeWf('ok')]);
  expect(names(await history(workflowId)).pop()).toBe('WORKFLOW_EXECUTION_COMPLETED');
});

const failTask = (taskToken: Uint8Array) =>
  raw.wf('RespondWorkflowTaskFailed', {
    taskToken,
    identity: 'manual',
    cause: E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
    failure: { message: 'boom' },
  });

const upsertUnregistered = {
  commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  upsertWorkflowSearchAttributesCommandAttributes: {
    searchAttributes: { indexedFields: { Unregistered: payload('x') } },
  },
};

async function historyLength(workflowId: string): Promise<number> {
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  return Number(d.workflowExecutionInfo.historyLength);
}

test('a failed task writes WorkflowTaskFailed once; its retries are transient, shown at the end of history but not written', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await failTask((await pollWft(tq)).taskToken);
  // The retry is dispatched at once; history ends with its Scheduled event, which describe does not count.
  let h = await history(workflowId);
  expect(names(h).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
  expect(h[4].workflowTaskScheduledEventAttributes!.attempt).toBe(2);
  expect(await historyLength(workflowId)).toBe(4);
  const t2 = await pollWft(tq);
  expect(t2.attempt).toBe(2);
  expect(names(t2.history!.events!).slice(-2)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
  expect(t2.history!.events!.pop()!.workflowTaskStartedEventAttributes!.identity).toBe('manual');
  h = await history(workflowId);
  expect(names(h).slice(4)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
  // GetWorkflowExecutionHistory leaves the worker's identity out of the transient Started event.
  expect(Number(h[5].workflowTaskStartedEventAttributes!.scheduledEventId)).toBe(5);
  expect(h[5].workflowTaskStartedEventAttributes!.identity).toBe('');
  // The transient events end the last page, and reverse history leaves them out. (Two batches: events 1-2 and 3.)
  const firstPage = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId }, maximumPageSize: 2 });
  expect(firstPage.history.events).toHaveLength(3);
  const lastPage = await raw.wf('GetWorkflowExecutionHistory', {
    execution: { workflowId },
    maximumPageSize: 2,
    nextPageToken: firstPage.nextPageToken,
  });
  expect(names(lastPage.history.events)).toEqual([
    'WORKFLOW_TASK_FAILED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
  ]);
  const reverse = await raw.wf('GetWorkflowExecutionHistoryReverse', { execution: { workflowId } });
  expect(reverse.history.events.map((e: Event) => Number(e.eventId))).toEqual([4, 3, 2, 1]);
  // A failing retry writes nothing; the completing one writes its Scheduled and Started events.
  await failTask(t2.taskToken);
  expect(names(await history(workflowId)).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
  const t3 = await pollWft(tq);
  expect(t3.attempt).toBe(3);
  await complete(t3.taskToken, [completeWf(1)]);
  h = await history(workflowId);
  expect(names(h).slice(4)).toEqual([
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'WORKFLOW_EXECUTION_COMPLETED',
  ]);
  expect(h[4].workflowTaskScheduledEventAttributes!.attempt).toBe(3);
  expect(h[5].workflowTaskStartedEventAttributes!.identity).toBe('manual');
});

test('retries run at once, and from the fourth attempt on a retry gets a longer start-to-close timeout', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq, { workflowTaskTimeout: { seconds: 3 } });
  const timeouts: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    const t = await pollWft(tq);
    expect(t.attempt).toBe(attempt);
    const scheduled = t.history!.events!.at(-2)!.workflowTaskScheduledEventAttributes!;
    const timeout = scheduled.startToCloseTimeout!;
    timeouts.push(Number(timeout.seconds) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6));
    await failTask(t.taskToken);
  }
  // 3 s for attempts 1-3; then 3 s plus 5 s (attempt 4) and 10 s (attempt 5), less up to a fifth of jitter.
  expect(timeouts.slice(0, 3)).toEqual([3000, 3000, 3000]);
  expect(timeouts[3]).toBeGreaterThan(3000 + 4000 - 1);
  expect(timeouts[3]).toBeLessThanOrEqual(3000 + 5000);
  expect(timeouts[4]).toBeGreaterThan(3000 + 8000 - 1);
  expect(timeouts[4]).toBeLessThanOrEqual(3000 + 10_000);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('rejected commands fail the first attempt; on a retry the task stays started until it times out, writing nothing', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq, { workflowTaskTimeout: { nanos: 300e6 } });
  await rejection(complete((await pollWft(tq)).taskToken, [upsertUnregistered]));
  let h = await history(workflowId);
  expect(names(h).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
  const failed = h[3].workflowTaskFailedEventAttributes!;
  expect([Number(failed.scheduledEventId), Number(failed.startedEventId)]).toEqual([2, 3]);
  expect(failed.cause).toBe(E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
  expect(failed.identity).toBe('manual');
  expect(h[4].workflowTaskScheduledEventAttributes!.attempt).toBe(2);
  const t2 = await pollWft(tq);
  const err = await rejection(complete(t2.taskToken, [upsertUnregistered]));
  expect(err.details).toBe(
    'BadSearchAttributes: Namespace default has no mapping defined for search attribute Unregistered',
  );
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.pendingWorkflowTask).toMatchObject({
    state: E.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED,
    attempt: 2,
  });
  const t3 = await pollWft(tq);
  expect(t3.attempt).toBe(3);
  h = await history(workflowId);
  expect(names(h).slice(3)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
  expect(await historyLength(workflowId)).toBe(4);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('events written while a task fails or a retry waits restart the attempts at 1 with a written Scheduled event', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const signal = (signalName: string) =>
    raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName });
  // A signal buffered during the failing attempt 1: written after WorkflowTaskFailed, then a normal attempt 1.
  const t1 = await pollWft(tq);
  await signal('during-first');
  await failTask(t1.taskToken);
  expect(names(await history(workflowId)).slice(3)).toEqual([
    'WORKFLOW_TASK_FAILED',
    'WORKFLOW_EXECUTION_SIGNALED',
    'WORKFLOW_TASK_SCHEDULED',
  ]);
  expect(await historyLength(workflowId)).toBe(6);
  const t2 = await pollWft(tq);
  expect(t2.attempt).toBe(1);
  // Attempt 2 is transient; a signal before it starts takes its event id, so it starts as a written attempt 1.
  await failTask(t2.taskToken);
  await signal('while-waiting');
  let h = await history(workflowId);
  expect(names(h).slice(7)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED']);
  const t3 = await pollWft(tq);
  expect(t3.attempt).toBe(1);
  h = await history(workflowId);
  expect(names(h).slice(9)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
  expect(h[9].workflowTaskScheduledEventAttributes!.attempt).toBe(1);
  expect(await historyLength(workflowId)).toBe(11);
  // UnhandledCommand on a retried attempt writes no WorkflowTaskFailed: only the signal and a new attempt 1.
  await failTask(t3.taskToken);
  const t4 = await pollWft(tq);
  expect(t4.attempt).toBe(2);
  await signal('racing');
  await rejection(complete(t4.taskToken, [completeWf('early')]));
  h = await history(workflowId);
  expect(names(h).slice(11)).toEqual([
    'WORKFLOW_TASK_FAILED',
    'WORKFLOW_EXECUTION_SIGNALED',
    'WORKFLOW_TASK_SCHEDULED',
  ]);
  expect(h[13].workflowTaskScheduledEventAttributes!.attempt).toBe(1);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('a task that is not completed in time times out and is retried', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq, { workflowTaskTimeout: { nanos: 200e6 } });
  await pollWft(tq);
  const t2 = await pollWft(tq);
  expect(t2.attempt).toBe(2);
  const h = await history(workflowId);
  expect(names(h).slice(3)).toEqual(['WORKFLOW_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
  expect(h[3].workflowTaskTimedOutEventAttributes!.timeoutType).toBe(E.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
});

test('sticky queues get partial history and fall back to the normal queue after schedule-to-start', async () => {
  const tq = uniqueId('tq');
  const sticky = uniqueId('sticky');
  const { workflowId } = await startWf(tq);
  const t1 = await pollWft(tq);
  const stickyAttributes = {
    workerTaskQueue: { name: sticky, kind: E.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: tq },
    scheduleToStartTimeout: { nanos: 300e6 },
  };
  await complete(t1.taskToken, [], { stickyAttributes });
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'a' });
  const t2 = await pollWft(sticky, E.TaskQueueKind.TASK_QUEUE_KIND_STICKY);
  expect(Number(t2.history!.events![0].eventId)).toBe(Number(t2.previousStartedEventId) + 1);
  expect(Number(t2.previousStartedEventId)).toBe(3);
  await complete(t2.taskToken, [], { stickyAttributes });
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'b' });
  // Nobody polls the sticky queue: the task times out and moves to the normal queue with full history.
  const t3 = await pollWft(tq);
  expect(Number(t3.history!.events![0].eventId)).toBe(1);
  const timedOut = (await history(workflowId)).find((e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)!;
  expect(timedOut.workflowTaskTimedOutEventAttributes!.timeoutType).toBe(E.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
});

test('activities retry with backoff and carry heartbeat details until attempts run out', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const retryPolicy = { initialInterval: { nanos: 50e6 }, backoffCoefficient: 1, maximumAttempts: 3 };
  await complete((await pollWft(tq)).taskToken, [activity('a1', tq, { retryPolicy })]);
  const a1 = await pollActivity(tq);
  expect(a1.attempt).toBe(1);
  expect(Number(a1.scheduleToCloseTimeout!.seconds)).toBe(0);
  await raw.wf('RecordActivityTaskHeartbeat', {
    taskToken: a1.taskToken,
    details: { payloads: [payload('progress')] },
  });
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a1.taskToken,
    failure: { message: 'f1', applicationFailureInfo: { type: 'E' } },
  });
  const a2 = await pollActivity(tq);
  expect(a2.attempt).toBe(2);
  expect(decode(a2.heartbeatDetails!.payloads![0])).toBe('progress');
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.pendingActivities[0]).toMatchObject({ activityId: 'a1', attempt: 2, maximumAttempts: 3 });
  expect(d.pendingActivities[0].lastFailure.message).toBe('f1');
  // The options it runs with, as the real server reports them.
  const options = d.pendingActivities[0].activityOptions;
  expect(options.taskQueue).toMatchObject({ name: tq, normalName: tq });
  expect(Number(options.startToCloseTimeout.seconds)).toBe(10);
  expect(Number(options.scheduleToCloseTimeout.seconds)).toBe(0);
  expect(options.retryPolicy).toMatchObject({ backoffCoefficient: 1, maximumAttempts: 3 });
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a2.taskToken,
    failure: { message: 'f2', applicationFailureInfo: { type: 'E' } },
  });
  expect((await rejection(raw.wf('RespondActivityTaskCompleted', { taskToken: a2.taskToken }))).code).toBe(
    grpc.status.NOT_FOUND,
  );
  const a3 = await pollActivity(tq);
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a3.taskToken,
    failure: { message: 'f3', applicationFailureInfo: { type: 'E' } },
  });
  await pollWft(tq);
  const h = await history(workflowId);
  expect(names(h).slice(4, 7)).toEqual(['ACTIVITY_TASK_SCHEDULED', 'ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_FAILED']);
  expect(h[5].activityTaskStartedEventAttributes!.attempt).toBe(3);
  expect(h[6].activityTaskFailedEventAttributes!.retryState).toBe(E.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  expect(h[6].activityTaskFailedEventAttributes!.failure!.message).toBe('f3');
});

test('non-retryable error types and next_retry_delay are honoured', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const retryPolicy = { initialInterval: { seconds: 3600 }, nonRetryableErrorTypes: ['Fatal'] };
  await complete((await pollWft(tq)).taskToken, [activity('a', tq, { retryPolicy })]);
  const a1 = await pollActivity(tq);
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a1.taskToken,
    failure: { message: 'later', applicationFailureInfo: { type: 'Retry', nextRetryDelay: { nanos: 20e6 } } },
  });
  const a2 = await pollActivity(tq);
  expect(a2.attempt).toBe(2);
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a2.taskToken,
    failure: { message: 'fatal', applicationFailureInfo: { type: 'Fatal' } },
  });
  await pollWft(tq);
  const failed = (await history(workflowId)).find((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_FAILED)!;
  expect(failed.activityTaskFailedEventAttributes!.retryState).toBe(E.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
});

test('schedule-to-start and heartbeat timeouts time activities out', async () => {
  const tq = uniqueId('tq');
  const idle = uniqueId('nobody-polls');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [
    activity('s2s', idle, { scheduleToStartTimeout: { nanos: 100e6 } }),
    activity('hb', tq, { heartbeatTimeout: { nanos: 150e6 }, retryPolicy: { maximumAttempts: 1 } }),
  ]);
  await pollActivity(tq);
  await waitUntil(
    async () =>
      (await history(workflowId)).filter((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT).length === 2,
    10_000,
    'two timeouts',
  );
  const timeouts = (await history(workflowId)).filter((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
  const types = timeouts
    .map((e) => e.activityTaskTimedOutEventAttributes!.failure!.timeoutFailureInfo!.timeoutType)
    .sort();
  expect(types).toEqual([E.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, E.TimeoutType.TIMEOUT_TYPE_HEARTBEAT].sort());
});

test('schedule-to-close bounds all attempts of an activity', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [activity('s2c', tq, { scheduleToCloseTimeout: { nanos: 200e6 } })]);
  const a = await pollActivity(tq);
  expect(Number(a.scheduleToCloseTimeout!.nanos)).toBe(200e6);
  expect(Number(a.startToCloseTimeout!.nanos)).toBe(200e6);
  await waitUntil(async () => names(await history(workflowId)).includes('ACTIVITY_TASK_TIMED_OUT'), 10_000, 'timeout');
  const ev = (await history(workflowId)).find((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)!;
  const timeoutType = ev.activityTaskTimedOutEventAttributes!.failure!.timeoutFailureInfo!.timeoutType;
  // Start-to-close defaults to schedule-to-close, so whichever fires first, no further attempt may start.
  expect([E.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, E.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]).toContain(
    timeoutType,
  );
  expect(ev.activityTaskTimedOutEventAttributes!.retryState).not.toBe(E.RetryState.RETRY_STATE_IN_PROGRESS);
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

test('cancelling a started activity is delivered through the heartbeat response', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [activity('a', tq), activity('never-started', uniqueId('idle'))]);
  const a = await pollActivity(tq);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'go' });
  const t = await pollWft(tq);
  await complete(t.taskToken, [
    {
      commandType: CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
      requestCancelActivityTaskCommandAttributes: { scheduledEventId: 5 },
    },
    {
      commandType: CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
      requestCancelActivityTaskCommandAttributes: { scheduledEventId: 6 },
    },
  ]);
  const hb = await raw.wf('RecordActivityTaskHeartbeat', { taskToken: a.taskToken });
  expect(hb.cancelRequested).toBe(true);
  await raw.wf('RespondActivityTaskCanceled', { taskToken: a.taskToken, details: { payloads: [payload('bye')] } });
  const h = names(await history(workflowId));
  expect(h.filter((n) => n === 'ACTIVITY_TASK_CANCEL_REQUESTED')).toHaveLength(2);
  expect(h.filter((n) => n === 'ACTIVITY_TASK_CANCELED')).toHaveLength(2);
});

test('an activity that fails after its cancellation was requested is not retried, as on the real server', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [
    activity('a', tq, { retryPolicy: { initialInterval: { nanos: 10e6 }, maximumAttempts: 5 } }),
  ]);
  const a = await pollActivity(tq);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'go' });
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
      requestCancelActivityTaskCommandAttributes: { scheduledEventId: 5 },
    },
  ]);
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: a.taskToken,
    failure: { message: 'gave up', applicationFailureInfo: {} },
  });
  const failed = (await history(workflowId)).find((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_FAILED)!;
  expect(failed.activityTaskFailedEventAttributes!.retryState).toBe(E.RetryState.RETRY_STATE_CANCEL_REQUESTED);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('a retry backoff that ends is no state transition; heartbeats are', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [
    activity('a', tq, { retryPolicy: { initialInterval: { nanos: 10e6 }, maximumAttempts: 5 } }),
  ]);
  const transitions = async () =>
    Number(
      (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo
        .stateTransitionCount,
    );
  // Start, task started, task completed.
  expect(await transitions()).toBe(3);
  const first = await pollActivity(tq);
  await raw.wf('RecordActivityTaskHeartbeat', { taskToken: first.taskToken });
  await raw.wf('RecordActivityTaskHeartbeat', { taskToken: first.taskToken });
  expect(await transitions()).toBe(6);
  await raw.wf('RespondActivityTaskFailed', {
    taskToken: first.taskToken,
    failure: { message: 'again', applicationFailureInfo: {} },
  });
  await pollActivity(tq);
  // The failed attempt and the start of the next one; not the end of the backoff in between.
  expect(await transitions()).toBe(8);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('an activity started event is dated when the attempt started, though written with its outcome', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [activity('a', tq)]);
  const a = await pollActivity(tq);
  await new Promise((r) => setTimeout(r, 100));
  await raw.wf('RespondActivityTaskCompleted', { taskToken: a.taskToken });
  const events = await history(workflowId);
  const time = (type: number) => {
    const t = events.find((e) => e.eventType === type)!.eventTime!;
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  };
  const started = time(ET.EVENT_TYPE_ACTIVITY_TASK_STARTED);
  expect(time(ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) - started).toBeGreaterThanOrEqual(90);
  expect(started).toBeGreaterThanOrEqual(time(ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED));
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('activities complete by id', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [activity('by-id', tq)]);
  await pollActivity(tq);
  await raw.wf('RecordActivityTaskHeartbeatById', {
    workflowId,
    activityId: 'by-id',
    details: { payloads: [payload(1)] },
  });
  await raw.wf('RespondActivityTaskCompletedById', {
    workflowId,
    activityId: 'by-id',
    result: { payloads: [payload('done')] },
  });
  const completed = (await history(workflowId)).find((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)!;
  expect(decode(completed.activityTaskCompletedEventAttributes!.result!.payloads![0])).toBe('done');
});

test('queries go to a worker as query tasks; reject conditions and failures', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const notReady = await rejection(
    raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'q' } }, 200),
  );
  expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.FAILED_PRECONDITION]).toContain(notReady.code);
  await complete((await pollWft(tq)).taskToken, []);
  const answer = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'q' } });
  const qt = await pollWft(tq);
  expect(qt.query!.queryType).toBe('q');
  expect(Number(qt.startedEventId)).toBe(0);
  await raw.wf('RespondQueryTaskCompleted', {
    taskToken: qt.taskToken,
    completedType: E.QueryResultType.QUERY_RESULT_TYPE_ANSWERED,
    queryResult: { payloads: [payload(42)] },
  });
  expect(decode((await answer).queryResult.payloads[0])).toBe(42);

  const failing = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'bad' } });
  const qt2 = await pollWft(tq);
  await raw.wf('RespondQueryTaskCompleted', {
    taskToken: qt2.taskToken,
    completedType: E.QueryResultType.QUERY_RESULT_TYPE_FAILED,
    errorMessage: 'no such query',
    failure: { message: 'no such query' },
  });
  const err = await rejection(failing);
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe('no such query');
  expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.QueryFailedFailure');

  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  const rejected = await raw.wf('QueryWorkflow', {
    execution: { workflowId },
    query: { queryType: 'q' },
    queryRejectCondition: E.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN,
  });
  expect(rejected.queryRejected.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
});

test('a query arriving while a workflow task is scheduled rides on that task', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, []);
  await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'wake' });
  const answer = raw.wf('QueryWorkflow', { execution: { workflowId }, query: { queryType: 'state' } });
  const t = await waitUntil(
    async () => {
      const r = await pollWft(tq);
      return Object.keys(r.queries ?? {}).length > 0 ? r : undefined;
    },
    10_000,
    'task with the query attached',
  );
  expect(Number(t.startedEventId)).toBeGreaterThan(0);
  const [queryId, query] = Object.entries(t.queries!)[0];
  expect(query.queryType).toBe('state');
  await complete(t.taskToken, [], {
    queryResults: {
      [queryId]: { resultType: E.QueryResultType.QUERY_RESULT_TYPE_ANSWERED, answer: { payloads: [payload('fine')] } },
    },
  });
  expect(decode((await answer).queryResult.payloads[0])).toBe('fine');
});

const COMPLETED_STAGE = E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;

function sendUpdate(workflowId: string, updateId = 'u1', extra: object = {}) {
  return raw.wf('UpdateWorkflowExecution', {
    workflowExecution: { workflowId },
    waitPolicy: { lifecycleStage: COMPLETED_STAGE },
    request: { meta: { updateId, identity: 'me' }, input: { name: 'upd', args: { payloads: [payload(1)] } } },
    ...extra,
  });
}

/** Polls the task delivering an update and rejects it, returning the completion's response. */
async function rejectDeliveredUpdate(tq: string, updateId = 'u1', extra: object = {}) {
  const t = await pollWft(tq);
  expect(t.messages).toHaveLength(1);
  expect(t.messages![0].protocolInstanceId).toBe(updateId);
  const rejectionMsg = temporal.api.update.v1.Rejection.encode({
    rejectedRequestMessageId: t.messages![0].id!,
    failure: { message: 'nope' },
  }).finish();
  return complete(t.taskToken, [], {
    ...extra,
    messages: [
      {
        id: 'r1',
        protocolInstanceId: updateId,
        body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: rejectionMsg },
      },
    ],
  });
}

test('a rejected update writes no event, not even its workflow task; reset_history_event_id is the last completed task started id', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, []);
  const before = await history(workflowId);
  expect(names(before).at(-1)).toBe('WORKFLOW_TASK_COMPLETED');
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq);
  // The speculative task is dropped; the worker rewinds to the WorkflowTaskStarted of the last completed task (3),
  // not to the last event (4), as the real server answers.
  expect(Number(done.resetHistoryEventId)).toBe(3);
  const r = await update;
  expect(r.stage).toBe(COMPLETED_STAGE);
  expect(r.outcome.failure.message).toBe('nope');
  const h = await history(workflowId);
  expect(names(h).some((n) => n.startsWith('WORKFLOW_EXECUTION_UPDATE'))).toBe(false);
  expect(h.length).toBe(before.length);
});

test('a speculative task that only rejects an update is written, with no reset, when events follow the last completed task', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq);
  expect(Number(done.resetHistoryEventId ?? 0)).toBe(0);
  expect((await update).outcome.failure.message).toBe('nope');
  expect(names(await history(workflowId))).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
  ]);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

/** Polls the task delivering an update and accepts it. */
async function acceptDeliveredUpdate(tq: string) {
  const t = await pollWft(tq);
  const m = t.messages![0];
  const acceptance = temporal.api.update.v1.Acceptance.encode({
    acceptedRequestMessageId: m.id!,
    acceptedRequestSequencingEventId: m.eventId!,
    acceptedRequest: temporal.api.update.v1.Request.decode(m.body!.value!),
  }).finish();
  await complete(
    t.taskToken,
    [{ commandType: CT.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId: 'a1' } }],
    {
      messages: [
        {
          id: 'a1',
          protocolInstanceId: m.protocolInstanceId,
          body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Acceptance', value: acceptance },
        },
      ],
    },
  );
}

const pollUpdate = (workflowId: string, updateId = 'u1') =>
  raw.wf('PollWorkflowExecutionUpdate', {
    updateRef: { workflowExecution: { workflowId }, updateId },
    waitPolicy: { lifecycleStage: COMPLETED_STAGE },
  });

test('an update not yet accepted when the run closes fails with NOT_FOUND "workflow update was aborted by closing workflow"', async () => {
  const tq = uniqueId('tq');
  // Terminated while the update waits for its task, and completed by the task that received it.
  for (const close of ['terminate', 'complete'] as const) {
    const { workflowId } = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
    const update = rejection(sendUpdate(workflowId));
    if (close === 'terminate') {
      await waitUntil(
        async () => (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).pendingWorkflowTask,
      );
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
    } else {
      await complete((await pollWft(tq)).taskToken, [completeWf('done')]);
    }
    for (const err of [await update, await rejection(pollUpdate(workflowId))]) {
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toBe('workflow update was aborted by closing workflow');
      expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NotFoundFailure');
    }
    // Asked again on the closed run, the update id is unknown there.
    const again = await rejection(sendUpdate(workflowId));
    expect(again.details).toBe('workflow execution already completed');
    expect((await rejection(pollUpdate(workflowId, 'other'))).details).toBe('update "other" not found');
  }
});

test('an accepted update of a run that closes completes with an AcceptedUpdateCompletedWorkflow failure, also when asked again', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = sendUpdate(workflowId);
  await acceptDeliveredUpdate(tq);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  const expected = {
    message: 'Workflow Update failed because the Workflow completed before the Update completed.',
    source: 'Server',
    applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
  };
  for (const r of [await update, await pollUpdate(workflowId), await sendUpdate(workflowId)]) {
    expect(r.stage).toBe(COMPLETED_STAGE);
    expect(r.outcome.failure).toMatchObject(expected);
  }
});

test('an update not yet accepted when the run continues as new fails with a retryable RESOURCE_EXHAUSTED', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = rejection(sendUpdate(workflowId));
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Manual' }, taskQueue: { name: tq } },
    },
  ]);
  const err = await update;
  expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(err.details).toBe('workflow operation can not be applied because workflow is closing');
  expect(err.statusDetails[0].message).toMatchObject({
    cause: E.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
    scope: E.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
  });
  // The new run does not know the update; a retry of it goes there.
  expect((await rejection(pollUpdate(workflowId))).details).toBe('update "u1" not found');
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('a worker that can discard speculative tasks with events gets its rejection dropped even after command events', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const transitions = async () =>
    Number(
      (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo
        .stateTransitionCount,
    );
  const before = await transitions();
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq, 'u1', {
    capabilities: { discardSpeculativeWorkflowTaskWithEvents: true },
  });
  // The admitted update and its speculative task are kept in memory only: no state transition either.
  expect(await transitions()).toBe(before);
  // As on the real server: nothing written, and the worker rewinds to the last completed task's started event.
  expect(Number(done.resetHistoryEventId)).toBe(3);
  expect((await update).outcome.failure.message).toBe('nope');
  expect(names(await history(workflowId))).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
  ]);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('a failed run with a retry policy starts the next attempt after the backoff', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq, {
    retryPolicy: { initialInterval: { nanos: 50e6 }, maximumAttempts: 2 },
  });
  const fail = {
    commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
    failWorkflowExecutionCommandAttributes: { failure: { message: 'again', applicationFailureInfo: { type: 'X' } } },
  };
  await complete((await pollWft(tq)).taskToken, [fail]);
  const closed = (await history(workflowId, runId)).pop()!;
  const nextRunId = closed.workflowExecutionFailedEventAttributes!.newExecutionRunId!;
  expect(closed.workflowExecutionFailedEventAttributes!.retryState).toBe(E.RetryState.RETRY_STATE_IN_PROGRESS);
  const t = await pollWft(tq);
  expect(t.workflowExecution!.runId).toBe(nextRunId);
  const started = t.history!.events![0].workflowExecutionStartedEventAttributes!;
  expect(started.attempt).toBe(2);
  expect(started.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY);
  expect(started.continuedFailure!.message).toBe('again');
  expect(started.firstExecutionRunId).toBe(runId);
  await complete(t.taskToken, [fail]);
  const last = (await history(workflowId)).pop()!;
  expect(last.workflowExecutionFailedEventAttributes!.retryState).toBe(
    E.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
  );
});

test('the close-event filter reports a retried or cron run as continued-as-new; history keeps its close event', async () => {
  const closeEvent = async (workflowId: string, runId: string) =>
    (
      await raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId, runId },
        historyEventFilterType: E.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        waitNewEvent: true,
      })
    ).history.events as Event[];
  const tq = uniqueId('tq');
  const failure = { message: 'again', applicationFailureInfo: { type: 'X' } };
  const retried = await startWf(tq, { retryPolicy: { initialInterval: { seconds: 60 }, maximumAttempts: 2 } });
  await complete((await pollWft(tq)).taskToken, [
    { commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure } },
  ]);
  const failed = (await history(retried.workflowId, retried.runId)).pop()!;
  expect(names([failed])).toEqual(['WORKFLOW_EXECUTION_FAILED']);
  const [asNew] = await closeEvent(retried.workflowId, retried.runId);
  expect(asNew).toMatchObject({
    eventId: failed.eventId,
    eventTime: failed.eventTime,
    eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  });
  expect(asNew.workflowExecutionContinuedAsNewEventAttributes).toMatchObject({
    newExecutionRunId: failed.workflowExecutionFailedEventAttributes!.newExecutionRunId,
    failure,
    lastCompletionResult: null,
  });
  expect(asNew.workflowExecutionContinuedAsNewEventAttributes!.workflowType).toBeNull();

  const timedOut = await startWf(tq, {
    workflowRunTimeout: { nanos: 200e6 },
    retryPolicy: { initialInterval: { seconds: 60 }, maximumAttempts: 2 },
  });
  const [timeoutAsNew] = await closeEvent(timedOut.workflowId, timedOut.runId);
  expect(timeoutAsNew.eventType).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(timeoutAsNew.workflowExecutionContinuedAsNewEventAttributes!.failure).toMatchObject({
    message: 'workflow timeout',
    source: 'Server',
    timeoutFailureInfo: { timeoutType: E.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
  });

  const cronTq = uniqueId('tq');
  const cron = await startWf(cronTq, { cronSchedule: '@every 1s' });
  await complete((await pollWft(cronTq)).taskToken, [completeWf('tick')]);
  const [cronAsNew] = await closeEvent(cron.workflowId, cron.runId);
  expect(cronAsNew.eventType).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(decode(cronAsNew.workflowExecutionContinuedAsNewEventAttributes!.lastCompletionResult!.payloads![0])).toBe(
    'tick',
  );
  expect(names([(await history(cron.workflowId, cron.runId)).pop()!])).toEqual(['WORKFLOW_EXECUTION_COMPLETED']);

  // A run that closes for good keeps its own close event.
  const last = await startWf(tq, { retryPolicy: { maximumAttempts: 1 } });
  await complete((await pollWft(tq)).taskToken, [
    { commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure } },
  ]);
  expect(names(await closeEvent(last.workflowId, last.runId))).toEqual(['WORKFLOW_EXECUTION_FAILED']);
  for (const w of [retried, timedOut, cron]) {
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: w.workflowId } });
  }
});

test('a cron workflow starts its next run at the next cron time', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq, { cronSchedule: '@every 1s' });
  const first = (await history(workflowId, runId))[0].workflowExecutionStartedEventAttributes!;
  expect(first.cronSchedule).toBe('@every 1s');
  await complete((await pollWft(tq)).taskToken, [completeWf('tick')]);
  const closed = (await history(workflowId, runId)).pop()!;
  const next = closed.workflowExecutionCompletedEventAttributes!.newExecutionRunId!;
  expect(next).toBeTruthy();
  const nextStarted = (await history(workflowId, next))[0].workflowExecutionStartedEventAttributes!;
  expect(nextStarted.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
  expect(decode(nextStarted.lastCompletionResult!.payloads![0])).toBe('tick');
  expect(nextStarted.firstWorkflowTaskBackoff).toBeTruthy();
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('every run of a continue-as-new, retry or cron chain is its own original run and root, as on the real server', async () => {
  const upsert = {
    commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    upsertWorkflowSearchAttributesCommandAttributes: {
      searchAttributes: { indexedFields: { CustomKeyword: payload('upserted') } },
    },
  };
  const continueAsNew = {
    commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
    continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Manual' }, taskQueue: { name: 'next' } },
  };
  const fail = {
    commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
    failWorkflowExecutionCommandAttributes: { failure: { message: 'again' } },
  };
  const startAttributes = { searchAttributes: { indexedFields: { CustomKeyword: payload('at start') } } };
  const chains = {
    continueAsNew: await startWf(uniqueId('tq'), startAttributes),
    retry: await startWf(uniqueId('tq'), {
      ...startAttributes,
      retryPolicy: { initialInterval: { nanos: 10e6 }, maximumAttempts: 2 },
    }),
    cron: await startWf(uniqueId('tq'), { ...startAttributes, cronSchedule: '@every 1s' }),
  };
  const closing = { continueAsNew: [upsert, continueAsNew], retry: [upsert, fail], cron: [upsert, completeWf('tick')] };
  for (const kind of Object.keys(chains) as Array<keyof typeof chains>) {
    const { workflowId, runId } = chains[kind];
    const { workflowExecutionInfo: info } = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
    await complete((await pollWft(info.taskQueue)).taskToken, closing[kind]);
    const described = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
    const nextRunId = described.workflowExecutionInfo.execution.runId;
    expect([kind, nextRunId === runId]).toEqual([kind, false]);
    const first = (await history(workflowId, runId))[0].workflowExecutionStartedEventAttributes!;
    const next = (await history(workflowId, nextRunId))[0].workflowExecutionStartedEventAttributes!;
    expect([kind, first.originalExecutionRunId, next.originalExecutionRunId]).toEqual([kind, runId, nextRunId]);
    expect([kind, next.firstExecutionRunId, next.continuedExecutionRunId]).toEqual([kind, runId, runId]);
    expect([kind, described.workflowExecutionInfo.rootExecution.runId]).toEqual([kind, nextRunId]);
    expect([kind, next.rootWorkflowExecution]).toEqual([kind, null]);
    // The next run starts with the first run's start search attributes: no upsert and no BuildIds carry over.
    expect([kind, Object.keys(next.searchAttributes!.indexedFields!)]).toEqual([kind, ['CustomKeyword']]);
    expect([kind, decode(next.searchAttributes!.indexedFields!.CustomKeyword)]).toEqual([kind, 'at start']);
  }
  // A cron workflow's first run is already a cron run.
  const cronFirst = (await history(chains.cron.workflowId, chains.cron.runId))[0]
    .workflowExecutionStartedEventAttributes!;
  expect(cronFirst.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
  for (const { workflowId } of Object.values(chains)) {
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  }
});

test('a run timeout closes the run with WorkflowExecutionTimedOut', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq, { workflowRunTimeout: { nanos: 200e6 } });
  await waitUntil(
    async () => names(await history(workflowId)).pop() === 'WORKFLOW_EXECUTION_TIMED_OUT',
    10_000,
    'run timeout',
  );
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.workflowExecutionInfo.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
});

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

test('an unregistered search attribute in a command fails the task with BadSearchAttributes and the namespace in the message', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  const err = await rejection(
    complete((await pollWft(tq)).taskToken, [
      {
        commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesCommandAttributes: {
          searchAttributes: { indexedFields: { Unregistered: payload('x') } },
        },
      },
    ]),
  );
  const message = 'BadSearchAttributes: Namespace default has no mapping defined for search attribute Unregistered';
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe(message);
  const failed = (await history(workflowId))[3].workflowTaskFailedEventAttributes!;
  expect(failed.cause).toBe(E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
  expect(failed.failure!.message).toBe(message);
  expect(failed.failure!.serverFailureInfo).toBeTruthy();
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

describe('BuildIds', () => {
  const listOf = (sa: temporal.api.common.v1.ISearchAttributes | null | undefined, name = 'BuildIds') => {
    const p = sa?.indexedFields?.[name];
    return p ? JSON.parse(Buffer.from(p.data!).toString()) : undefined;
  };
  const describeRun = async (workflowId: string) =>
    (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo;

  test('each completed workflow task adds unversioned first and then the stamped build ids, in describe and list', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq, {
      searchAttributes: { indexedFields: { BuildIds: payload(['from-start']) } },
    });
    // A failed task adds nothing; the poller's build id goes into WorkflowTaskStarted.
    const t1 = await raw.wf('PollWorkflowTaskQueue', {
      taskQueue: { name: tq },
      identity: 'manual',
      workerVersionCapabilities: { buildId: 'poller-build' },
    });
    await raw.wf('RespondWorkflowTaskFailed', { taskToken: t1.taskToken, cause: 14, workerVersion: { buildId: 'x' } });
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['from-start']);
    const stamped = async (workerVersionStamp?: object, binaryChecksum?: string) => {
      const t = await pollWft(tq);
      await complete(t.taskToken, [], { workerVersionStamp, binaryChecksum, forceCreateNewWorkflowTask: true });
      return describeRun(workflowId);
    };
    let info = await stamped({ buildId: 'b1' });
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1']);
    expect(info.mostRecentWorkerVersionStamp).toMatchObject({ buildId: 'b1' });
    info = await stamped(undefined, 'checksum-1');
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1']);
    expect(listOf(info.searchAttributes, 'BinaryChecksums')).toEqual(['checksum-1']);
    expect(info.mostRecentWorkerVersionStamp).toBeNull();
    info = await stamped({ buildId: 'b2' });
    info = await stamped({ buildId: 'b1' });
    expect(listOf(info.searchAttributes)).toEqual(['unversioned', 'from-start', 'unversioned:b1', 'unversioned:b2']);
    const listed = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId = '${workflowId}'` });
    expect(listOf(listed.executions[0].searchAttributes)).toEqual(listOf(info.searchAttributes));
    const typeOf = Buffer.from(info.searchAttributes!.indexedFields!.BuildIds.metadata!.type!).toString();
    expect(typeOf).toBe('KeywordList');
    const h = await history(workflowId);
    expect(h[2].workflowTaskStartedEventAttributes!.workerVersion).toMatchObject({ buildId: 'poller-build' });
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('a versioned worker adds versioned:<build id> and no unversioned; an upsert in the same task has the last word', async () => {
    const tq = uniqueId('tq');
    const { workflowId } = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [], {
      workerVersionStamp: { buildId: 'v1', useVersioning: true },
      forceCreateNewWorkflowTask: true,
    });
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['versioned:v1']);
    await complete((await pollWft(tq)).taskToken, [
      {
        commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesCommandAttributes: {
          searchAttributes: { indexedFields: { BuildIds: payload(['mine']) } },
        },
      },
    ]);
    expect(listOf((await describeRun(workflowId)).searchAttributes)).toEqual(['mine']);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('list queries match BuildIds ignoring case; != and NOT IN match runs without it; ranges are refused', async () => {
    const tq = uniqueId('tq');
    const none = await startWf(`${tq}-none`);
    const plain = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, []);
    const b1 = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [], { workerVersionStamp: { buildId: 'b1' } });
    const ids = [none, plain, b1].map((r) => `'${r.workflowId}'`).join(', ');
    const found = async (condition: string) => {
      const r = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId IN (${ids}) AND ${condition}` });
      const byId = new Map([none, plain, b1].map((x, i) => [x.workflowId, ['none', 'plain', 'b1'][i]]));
      return r.executions.map((e: { execution: { workflowId: string } }) => byId.get(e.execution.workflowId)).sort();
    };
    expect(await found(`BuildIds = 'unversioned'`)).toEqual(['b1', 'plain']);
    expect(await found(`BuildIds = 'Unversioned:B1'`)).toEqual(['b1']);
    expect(await found(`BuildIds IN ('unversioned:b1', 'other')`)).toEqual(['b1']);
    expect(await found(`BuildIds != 'unversioned:b1'`)).toEqual(['none', 'plain']);
    expect(await found(`BuildIds NOT IN ('unversioned')`)).toEqual(['none']);
    expect(await found(`BuildIds IS NULL`)).toEqual(['none']);
    // Unlike KeywordList, NOT IN on a scalar attribute does not match runs without it.
    expect(await found(`CustomKeyword NOT IN ('x')`)).toEqual([]);
    const count = await raw.wf('CountWorkflowExecutions', {
      query: `WorkflowId IN (${ids}) AND BuildIds = 'unversioned'`,
    });
    expect(Number(count.count)).toBe(2);
    for (const [query, message] of [
      [`BuildIds > 'a'`, "operator '>' not supported for KeywordList type search attribute 'BuildIds'"],
      [
        `BuildIds STARTS_WITH 'u'`,
        "operator 'STARTS_WITH' not supported for KeywordList type search attribute 'BuildIds'",
      ],
      [`BuildIds BETWEEN 'a' AND 'z'`, "cannot do range condition on search attribute 'BuildIds' of type KeywordList"],
    ]) {
      const err = await rejection(raw.wf('ListWorkflowExecutions', { query }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(message);
    }
    for (const r of [none, plain, b1]) {
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: r.workflowId } });
    }
  });
});

test('upserted, child and continue-as-new search attributes get their registered type; a bad value fails the task', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq);
  const sa = (fields: Record<string, unknown>) => ({
    indexedFields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, payload(v)])),
  });
  const typesOf = (s: temporal.api.common.v1.ISearchAttributes | null | undefined) =>
    Object.fromEntries(
      Object.entries(s?.indexedFields ?? {}).map(([k, p]) => [k, Buffer.from(p.metadata!.type ?? []).toString()]),
    );
  const childId = `${workflowId}-child`;
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      upsertWorkflowSearchAttributesCommandAttributes: { searchAttributes: sa({ CustomKeyword: 'up', CustomInt: 3 }) },
    },
    {
      commandType: CT.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
      startChildWorkflowExecutionCommandAttributes: {
        workflowId: childId,
        workflowType: { name: 'Child' },
        taskQueue: { name: `${tq}-child` },
        searchAttributes: sa({ CustomKeyword: 'child' }),
      },
    },
  ]);
  const h = await history(workflowId);
  const upserted = h.find((e) => e.upsertWorkflowSearchAttributesEventAttributes)!;
  expect(typesOf(upserted.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
    CustomInt: 'Int',
  });
  const initiated = h.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)!;
  expect(typesOf(initiated.startChildWorkflowExecutionInitiatedEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
  });
  const child = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: childId } });
  expect(typesOf(child.workflowExecutionInfo.searchAttributes)).toEqual({ CustomKeyword: 'Keyword' });

  // A value that does not fit its type fails the task, whichever command carries it (each on a first attempt:
  // a retried attempt with rejected commands would only time out).
  for (const command of [
    {
      commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      upsertWorkflowSearchAttributesCommandAttributes: { searchAttributes: sa({ CustomInt: 'bad' }) },
    },
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: {
        workflowType: { name: 'Manual' },
        taskQueue: { name: tq },
        searchAttributes: sa({ CustomInt: 'bad' }),
      },
    },
  ]) {
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'next' });
    const task = await pollWft(tq);
    expect(task.attempt).toBe(1);
    const err = await rejection(complete(task.taskToken, [command]));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('BadSearchAttributes: invalid value for search attribute CustomInt of type Int: bad');
    const failed = (await history(workflowId)).filter((e) => e.workflowTaskFailedEventAttributes).pop()!;
    expect(failed.workflowTaskFailedEventAttributes!.cause).toBe(
      E.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
    );
  }
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: {
        workflowType: { name: 'Manual' },
        taskQueue: { name: tq },
        searchAttributes: sa({ CustomKeyword: 'next' }),
      },
    },
  ]);
  const canEvent = (await history(workflowId, runId)).pop()!;
  expect(typesOf(canEvent.workflowExecutionContinuedAsNewEventAttributes!.searchAttributes)).toEqual({
    CustomKeyword: 'Keyword',
  });
  const next = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(typesOf(next.workflowExecutionInfo.searchAttributes)).toEqual({ CustomKeyword: 'Keyword' });
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});
