// Workflow tasks driven by hand over raw gRPC: history shapes, buffered signals, UnhandledCommand, failing,
// retried and timed-out tasks, and sticky queues.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload, names, timer, completeWf, type Event } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

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
