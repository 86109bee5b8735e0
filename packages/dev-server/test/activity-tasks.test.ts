// Activity tasks driven by hand over raw gRPC: retries with backoff, heartbeats, timeouts, cancellation and
// completion by id.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, waitUntil, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload, decode, names, activity } from './manual-workflows';
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

const { start, startWf, pollWft, pollActivity, complete, history } = manualWorkflows(() => raw);

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

test('an activity completed by id that is not pending is NOT_FOUND with the real server message', async () => {
  const id = uniqueId();
  await start(id);
  const err = await rejection(
    raw.wf('RespondActivityTaskCompletedById', { workflowId: id, activityId: 'nope', identity: 'me' }),
  );
  expect(err.code).toBe(grpc.status.NOT_FOUND);
  expect(err.details).toBe(
    'cannot find pending activity with ActivityID nope, check workflow execution history for more details',
  );
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
  const closed = await rejection(raw.wf('ResetStickyTaskQueue', { execution: { workflowId: id } }));
  expect([closed.code, closed.details]).toEqual([grpc.status.NOT_FOUND, 'workflow execution already completed']);
});
