/**
 * Activities end to end against a real server: results, retries, failures, heartbeats, the three cancellation
 * types, heartbeat timeouts, async completion, the activity's client and logger, worker shutdown with activities
 * in flight, and local activities (retries in the worker, backoff through a timer, cancellation).
 *
 * The activities (`activities/more.ts`) run in this process and report what they see to a probe the test reads;
 * the workflows (`workflows/activities.ts`) report how each call ended, checked inside the workflow.
 *
 * Runs against the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { randomUUID } from 'node:crypto';
import { ActivityCancelledError, type WorkflowHandle } from '@kairos/client';
import { ApplicationFailure, defaultPayloadConverter } from '@kairos/common';
import { temporal } from '@kairos/proto';
import type { Worker, WorkerOptions } from '../src';
import * as activities from './activities';
import { probes } from './activities/more';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';
import * as wf from './workflows';
import type { CallOptions, Outcome } from './workflows/activities';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 30_000));

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

/** Heartbeats reach the server (and cancellations the activity) within 50 ms instead of seconds. */
const WORKER_OPTIONS: Partial<WorkerOptions> = {
  activities,
  maxHeartbeatThrottleInterval: 50,
  defaultHeartbeatThrottleInterval: 50,
};

/** Retries that wait 20 ms between attempts. */
const FAST_RETRY = { initialInterval: 20, backoffCoefficient: 1 };

async function withWorker<R>(
  fn: (taskQueue: string, worker: Worker) => Promise<R>,
  options: Partial<WorkerOptions> = {},
  taskQueue = taskQueueFor('activities'),
): Promise<R> {
  const worker = await env.createWorker({ taskQueue, ...WORKER_OPTIONS, ...options });
  return worker.runUntil(async () => {
    try {
      return await fn(taskQueue, worker);
    } finally {
      // A failed assertion must not leave an activity waiting for a release that never comes.
      probes.releaseAll();
    }
  });
}

type ActivityName = Parameters<typeof wf.callActivity>[0];

function startCall(taskQueue: string, name: ActivityName, args: unknown[], options: CallOptions) {
  return env.client.workflow.start(wf.callActivity, {
    taskQueue,
    workflowId: randomUUID(),
    args: [name, args, options],
  });
}

function startCancellable(
  taskQueue: string,
  name: ActivityName,
  args: unknown[],
  options: CallOptions,
  workflowTaskTimeoutMs?: number,
) {
  return env.client.workflow.start(wf.cancelActivityOnSignal, {
    taskQueue,
    workflowId: randomUUID(),
    args: [name, args, options],
    workflowTaskTimeout: workflowTaskTimeoutMs,
  });
}

/** Resolves with the first value of `read` that is neither undefined nor null, polling it. */
async function eventually<T>(read: () => Promise<T | undefined | null>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function typeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}

async function history(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return ((await handle.fetchHistory()) as History).events ?? [];
}

async function eventTypes(handle: WorkflowHandle): Promise<string[]> {
  return (await history(handle)).map(typeName);
}

/** Resolves with the history once it holds an event of `type`. */
function historyWith(handle: WorkflowHandle, type: string): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = await history(handle);
    return events.some((e) => typeName(e) === type) ? events : undefined;
  }, `a ${type} event in ${handle.workflowId}`);
}

/** The counter `heartbeatUntilReleased` last heartbeated, as the server recorded it (0 before any). */
async function lastHeartbeat(handle: WorkflowHandle): Promise<number> {
  const payload = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<number>(payload) : 0;
}

/** Resolves once three more heartbeats of the running activity reached the server: it is alive and running. */
async function moreHeartbeats(handle: WorkflowHandle): Promise<void> {
  const before = await lastHeartbeat(handle);
  await eventually(async () => ((await lastHeartbeat(handle)) >= before + 3 ? true : undefined), 'more heartbeats');
}

function outcomeOf(handle: WorkflowHandle): Promise<Outcome | null> {
  return handle.query(wf.callOutcomeQuery);
}

/** What the workflow sees when its call of `heartbeatUntilReleased` is cancelled (the official cores' messages). */
const cancelledOutcome = (message = 'Activity cancelled') => ({
  failure: expect.objectContaining({
    message,
    isActivityFailure: true,
    activityType: 'heartbeatUntilReleased',
    cause: expect.objectContaining({ isCancelledFailure: true, name: 'CancelledFailure' }),
  }),
});

const cancellationRequested = {
  attempt: 1,
  errorName: 'CancelledFailure',
  message: 'CANCELLED',
  isCancelledFailure: true,
  details: {
    notFound: false,
    cancelRequested: true,
    paused: false,
    timedOut: false,
    workerShutdown: false,
    reset: false,
  },
  signalAborted: true,
  signalReasonIsCancelledFailure: true,
};

describe('activities', () => {
  test('an activity returns its result and sees its own info', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 1], {
        startToCloseTimeout: '10s',
        activityId: 'the-activity',
      });
      expect(await handle.result()).toEqual({ result: 1 });
      const [info] = probes.for(key).attempts;
      expect(info).toMatchObject({
        activityId: 'the-activity',
        activityType: 'failUntilAttempt',
        attempt: 1,
        isLocal: false,
        inWorkflow: true,
        namespace: 'default',
        taskQueue,
        workflowType: 'callActivity',
        workflowExecution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
        startToCloseTimeoutMs: 10_000,
        heartbeatDetails: undefined,
      });
      expect(info.base64TaskToken).toBe(Buffer.from(info.taskToken).toString('base64'));
      const types = await eventTypes(handle);
      expect(types.filter((t) => t.startsWith('ACTIVITY_TASK_'))).toEqual([
        'ACTIVITY_TASK_SCHEDULED',
        'ACTIVITY_TASK_STARTED',
        'ACTIVITY_TASK_COMPLETED',
      ]);
    });
  });

  test('a failing activity is retried by the server until it succeeds, attempt by attempt', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 3], {
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5 },
      });
      expect(await handle.result()).toEqual({ result: 3 });
      const { attempts } = probes.for(key);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[2].retryPolicy).toMatchObject({ initialInterval: 20, backoffCoefficient: 1, maximumAttempts: 5 });
      const events = await history(handle);
      expect(events.map(typeName).filter((t) => t.startsWith('ACTIVITY_TASK_'))).toEqual([
        'ACTIVITY_TASK_SCHEDULED',
        'ACTIVITY_TASK_STARTED',
        'ACTIVITY_TASK_COMPLETED',
      ]);
      const started = events.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes;
      expect(started?.attempt).toBe(3);
      expect(started?.lastFailure?.message).toBe('attempt 2 failed');
    });
  });

  test('an activity failing every attempt surfaces as ActivityFailure with the last ApplicationFailure', async () => {
    const key = randomUUID();
    const outcome = await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 99], {
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 3 },
      });
      return handle.result();
    });
    expect(outcome).toEqual({
      failure: expect.objectContaining({
        name: 'ActivityFailure',
        isActivityFailure: true,
        activityType: 'failUntilAttempt',
        activityId: '1',
        retryState: 'MAXIMUM_ATTEMPTS_REACHED',
        cause: expect.objectContaining({
          name: 'ApplicationFailure',
          isApplicationFailure: true,
          message: 'attempt 3 failed',
          type: 'Flaky',
          nonRetryable: false,
          details: [3],
        }),
      }),
    });
    expect(probes.for(key).attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  test('ApplicationFailure.nonRetryable fails the activity at once with its type and details', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failWith', [key, 'nonRetryable'], {
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5 },
      });
      expect(await handle.result()).toEqual({
        failure: expect.objectContaining({
          isActivityFailure: true,
          activityType: 'failWith',
          retryState: 'NON_RETRYABLE_FAILURE',
          cause: expect.objectContaining({
            isApplicationFailure: true,
            message: 'attempt 1 cannot go on',
            type: 'BadInput',
            nonRetryable: true,
            details: [{ field: 'name' }, 7],
          }),
        }),
      });
      expect(probes.for(key).attempts).toHaveLength(1);
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_FAILED');
    });
  });

  test('an error type listed in nonRetryableErrorTypes stops the retries', async () => {
    const key = randomUUID();
    const outcome = await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failWith', [key, 'fatalError'], {
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5, nonRetryableErrorTypes: ['FatalError'] },
      });
      return handle.result();
    });
    expect(outcome).toEqual({
      failure: expect.objectContaining({
        isActivityFailure: true,
        retryState: 'NON_RETRYABLE_FAILURE',
        cause: expect.objectContaining({
          isApplicationFailure: true,
          message: 'attempt 1 hit a fatal error',
          type: 'FatalError',
          nonRetryable: false,
        }),
      }),
    });
    expect(probes.for(key).attempts).toHaveLength(1);
  });

  test('each retry sees the last heartbeat details of the attempt before it', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'checkpointThenFail', [key, 3], {
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5 },
      });
      expect(await handle.result()).toEqual({ result: 3 });
    });
    expect(probes.for(key).attempts.map((a) => a.heartbeatDetails)).toEqual([
      undefined,
      { attempt: 1, step: 2 },
      { attempt: 2, step: 2 },
    ]);
  });
});

describe('activity cancellation', () => {
  const options = (cancellationType?: CallOptions['cancellationType']): CallOptions => ({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '10s',
    retry: { maximumAttempts: 1 },
    ...(cancellationType === undefined ? {} : { cancellationType }),
  });

  test.each([
    ['unset (TRY_CANCEL on the wire)', undefined],
    ['TRY_CANCEL', 'TRY_CANCEL'],
  ] as const)(
    '%s: the workflow sees the cancellation at once, the activity is told and its cancel is recorded later',
    async (_, cancellationType) => {
      const key = randomUUID();
      const probe = probes.for(key);
      await withWorker(async (taskQueue) => {
        const handle = await startCancellable(
          taskQueue,
          'heartbeatUntilReleased',
          [key, 'rethrow', 1],
          options(cancellationType),
        );
        await probe.attempt(1);
        await handle.signal(wf.cancelCallSignal);
        expect(await probe.cancellation()).toEqual(cancellationRequested);
        // The activity is still running (it waits for the release), yet the workflow already has its outcome.
        const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
        expect(outcome).toEqual(cancelledOutcome());
        expect(outcome).toMatchObject({ failure: { retryState: 'CANCEL_REQUESTED' } });
        expect(await eventTypes(handle)).not.toContain('ACTIVITY_TASK_CANCELED');
        probe.release();
        const events = (await historyWith(handle, 'ACTIVITY_TASK_CANCELED')).map(typeName);
        expect(events.indexOf('ACTIVITY_TASK_CANCEL_REQUESTED')).toBeGreaterThan(-1);
        expect(events.indexOf('ACTIVITY_TASK_CANCEL_REQUESTED')).toBeLessThan(events.indexOf('ACTIVITY_TASK_CANCELED'));
        await handle.signal(wf.finishCallSignal);
        expect(await handle.result()).toEqual(outcome);
      });
    },
  );

  test('TRY_CANCEL: an activity that completes after the cancel request does not change what the workflow saw', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'complete', 1],
        options('TRY_CANCEL'),
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      expect(await probe.cancellation()).toEqual(cancellationRequested);
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual(cancelledOutcome());
      probe.release();
      await historyWith(handle, 'ACTIVITY_TASK_COMPLETED');
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });

  test('WAIT_CANCELLATION_COMPLETED: the workflow sees the cancellation only once the activity gave up', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'rethrow', 1],
        options('WAIT_CANCELLATION_COMPLETED'),
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      expect(await probe.cancellation()).toEqual(cancellationRequested);
      // The cancel request went through a workflow task before the activity heard of it: the workflow still waits.
      expect(await outcomeOf(handle)).toBeNull();
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
      probe.release();
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual(cancelledOutcome());
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_CANCELED');
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });

  test('WAIT_CANCELLATION_COMPLETED: an activity that completes despite the cancel request returns its result', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'complete', 1],
        options('WAIT_CANCELLATION_COMPLETED'),
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      expect(await probe.cancellation()).toEqual(cancellationRequested);
      expect(await outcomeOf(handle)).toBeNull();
      probe.release();
      const outcome = await eventually(() => outcomeOf(handle), 'the activity result');
      expect(outcome).toEqual({ result: 'completed after cancellation' });
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_COMPLETED');
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });

  test('ABANDON: the workflow sees the cancellation at once and the activity is never told', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'rethrow', 1],
        options('ABANDON'),
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual(cancelledOutcome());
      // Heartbeats keep reaching the server after the abandonment; none of their responses asks for a cancel.
      await moreHeartbeats(handle);
      probe.release();
      const events = (await historyWith(handle, 'ACTIVITY_TASK_COMPLETED')).map(typeName);
      expect(events).not.toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
      expect(probe.cancellations).toEqual([]);
      const completed = (await history(handle)).find((e) => e.activityTaskCompletedEventAttributes)
        ?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      expect(completed && defaultPayloadConverter.fromPayload(completed)).toBe(
        'released without cancellation, aborted: false',
      );
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });
});

describe('heartbeat timeouts', () => {
  test('an activity that stops heartbeating times out with HEARTBEAT and is retried', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'stopHeartbeating', [key, 1], {
        startToCloseTimeout: '30s',
        heartbeatTimeout: 300,
        retry: { ...FAST_RETRY, maximumAttempts: 3 },
      });
      try {
        expect(await handle.result()).toEqual({ result: 2 });
      } finally {
        probe.release();
      }
      expect(probe.attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(probe.attempts[1]).toMatchObject({ heartbeatTimeoutMs: 300, heartbeatDetails: { attempt: 1 } });
      const started = (await history(handle)).find(
        (e) => e.activityTaskStartedEventAttributes,
      )?.activityTaskStartedEventAttributes;
      expect(started?.attempt).toBe(2);
      expect(started?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
        temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
      );
    });
  });

  test('when the attempts run out, the workflow sees a TimeoutFailure of type HEARTBEAT', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'stopHeartbeating', [key, 2], {
        startToCloseTimeout: '30s',
        heartbeatTimeout: 300,
        retry: { ...FAST_RETRY, maximumAttempts: 2 },
      });
      let outcome: Outcome;
      try {
        outcome = await handle.result();
      } finally {
        probe.release();
      }
      expect(outcome).toEqual({
        failure: expect.objectContaining({
          isActivityFailure: true,
          activityType: 'stopHeartbeating',
          retryState: 'MAXIMUM_ATTEMPTS_REACHED',
          cause: expect.objectContaining({
            isTimeoutFailure: true,
            name: 'TimeoutFailure',
            timeoutType: 'HEARTBEAT',
            lastHeartbeatDetails: { attempt: 2 },
          }),
        }),
      });
      expect(probe.attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_TIMED_OUT');
    });
  });
});

describe('async completion', () => {
  const options: CallOptions = {
    startToCloseTimeout: '30s',
    activityId: 'async-activity',
    retry: { ...FAST_RETRY, maximumAttempts: 2 },
  };

  test('an activity that throws CompleteAsyncError is completed later with its task token', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'completeLater', [key], options);
      const info = await probes.for(key).attempt(1);
      await env.client.activity.heartbeat(info.taskToken, 'halfway');
      const details = await eventually(async () => {
        const payload = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
        return payload && defaultPayloadConverter.fromPayload<string>(payload);
      }, 'the heartbeat sent with the task token');
      expect(details).toBe('halfway');
      await env.client.activity.complete(info.taskToken, { done: true });
      expect(await handle.result()).toEqual({ result: { done: true } });
      expect(probes.for(key).attempts).toHaveLength(1);
    });
  });

  test('failing an async activity with its task token retries it; the retry is completed by ids', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'completeLater', [key], options);
      const first = await probe.attempt(1);
      await env.client.activity.fail(first.taskToken, new Error('try again'));
      const second = await probe.attempt(2);
      expect(second.activityId).toBe('async-activity');
      await env.client.activity.complete(
        { workflowId: handle.workflowId, activityId: 'async-activity' },
        'done by ids',
      );
      expect(await handle.result()).toEqual({ result: 'done by ids' });
      const started = (await history(handle)).find(
        (e) => e.activityTaskStartedEventAttributes,
      )?.activityTaskStartedEventAttributes;
      expect(started?.lastFailure?.message).toBe('try again');
    });
  });

  test('a non-retryable failure sent by ids reaches the workflow as ActivityFailure → ApplicationFailure', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'completeLater', [key], options);
      await probes.for(key).attempt(1);
      await env.client.activity.fail(
        { workflowId: handle.workflowId, activityId: 'async-activity' },
        ApplicationFailure.nonRetryable('rejected from outside', 'AsyncRejected', 'why'),
      );
      expect(await handle.result()).toEqual({
        failure: expect.objectContaining({
          isActivityFailure: true,
          activityType: 'completeLater',
          activityId: 'async-activity',
          retryState: 'NON_RETRYABLE_FAILURE',
          cause: expect.objectContaining({
            isApplicationFailure: true,
            message: 'rejected from outside',
            type: 'AsyncRejected',
            nonRetryable: true,
            details: ['why'],
          }),
        }),
      });
      expect(probes.for(key).attempts).toHaveLength(1);
    });
  });
  test('an async activity learns of a cancel request from its heartbeat and reports the cancellation', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(taskQueue, 'completeLater', [key], {
        ...options,
        cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      });
      const info = await probes.for(key).attempt(1);
      await env.client.activity.heartbeat(info.taskToken, 'before the cancel');
      await handle.signal(wf.cancelCallSignal);
      await historyWith(handle, 'ACTIVITY_TASK_CANCEL_REQUESTED');
      await expect(env.client.activity.heartbeat(info.taskToken, 'after the cancel')).rejects.toBeInstanceOf(
        ActivityCancelledError,
      );
      expect(await outcomeOf(handle)).toBeNull();
      await env.client.activity.reportCancellation(info.taskToken, 'gave up');
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual({
        failure: expect.objectContaining({
          isActivityFailure: true,
          activityType: 'completeLater',
          cause: expect.objectContaining({ isCancelledFailure: true, details: ['gave up'] }),
        }),
      });
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });
});

describe('activity context', () => {
  test('Context.client is a working client of the worker', async () => {
    const result = await withWorker((taskQueue) =>
      env.client.workflow.execute(wf.signalledByActivity, { taskQueue, workflowId: randomUUID() }),
    );
    expect(result).toEqual({ status: 'RUNNING', signalled: 'hello from the activity' });
  });

  test.each([false, true])('log of @kairos/activity reaches the runtime logger (local: %s)', async (local) => {
    const marker = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'logFromActivity', [marker], {
        startToCloseTimeout: '10s',
        local,
      } as CallOptions);
      expect(await handle.result()).toEqual({ result: undefined });
      const attributes = {
        sdkComponent: 'activity',
        activityType: 'logFromActivity',
        activityId: '1',
        attempt: 1,
        isLocal: local,
        namespace: 'default',
        taskQueue,
        workflowId: handle.workflowId,
        workflowRunId: handle.firstExecutionRunId,
        workflowType: 'callActivity',
        taskToken: expect.any(String),
      };
      const info = capturedLogs.find((e) => e.message === `activity log ${marker}`);
      expect(info).toMatchObject({ level: 'INFO', meta: { ...attributes, marker } });
      const warn = capturedLogs.find((e) => e.message === `context log ${marker}`);
      expect(warn).toMatchObject({ level: 'WARN', meta: attributes });
    });
  });
});

describe('worker shutdown with activities in flight', () => {
  /** Runs a worker that `fn` shuts down; makes sure it stops even when `fn` fails. */
  async function withRunningWorker(
    shutdownGraceTime: WorkerOptions['shutdownGraceTime'],
    fn: (taskQueue: string, worker: Worker, running: Promise<void>) => Promise<void>,
  ): Promise<void> {
    const taskQueue = taskQueueFor('shutdown');
    const worker = await env.createWorker({ taskQueue, ...WORKER_OPTIONS, shutdownGraceTime });
    const running = worker.run();
    try {
      await fn(taskQueue, worker, running);
    } finally {
      probes.releaseAll();
      worker.shutdown();
      await running.catch(() => undefined);
    }
  }

  test('with shutdownGraceTime 0 the activity is cancelled with WORKER_SHUTDOWN and the server retries it', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withRunningWorker(0, async (taskQueue, worker, running) => {
      const handle = await startCall(taskQueue, 'heartbeatUntilReleased', [key, 'rethrow', 1], {
        startToCloseTimeout: '30s',
        retry: { ...FAST_RETRY, maximumAttempts: 3 },
      });
      await probe.attempt(1);
      worker.shutdown();
      expect(worker.getState()).toBe('STOPPING');
      expect(await probe.cancellation()).toEqual({
        ...cancellationRequested,
        message: 'WORKER_SHUTDOWN',
        details: { ...cancellationRequested.details, cancelRequested: false, workerShutdown: true },
      });
      probe.release();
      await running;
      expect(worker.getState()).toBe('STOPPED');
      expect(await eventTypes(handle)).not.toContain('ACTIVITY_TASK_CANCELED');
      // The shutdown was reported as a retryable failure: the next worker runs attempt 2.
      const outcome = await withWorker(() => handle.result(), {}, taskQueue);
      expect(outcome).toEqual({ result: 'attempt 2 returned at once' });
      expect(probe.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    });
  });

  // The official core reports an activity cancelled by the shutdown as this retryable failure (sdk-core's
  // `worker_shutdown_failure()`), and applications match on its message and type.
  test('an activity cancelled by the shutdown is failed on the server as the official WorkerShutdown failure', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withRunningWorker(0, async (taskQueue, worker, running) => {
      const handle = await startCall(taskQueue, 'heartbeatUntilReleased', [key, 'rethrow', 1], {
        startToCloseTimeout: '30s',
        retry: { ...FAST_RETRY, maximumAttempts: 3 },
      });
      await probe.attempt(1);
      worker.shutdown();
      await probe.cancellation();
      probe.release();
      await running;
      const lastFailure = await eventually(
        async () => (await handle.describe()).raw.pendingActivities?.[0]?.lastFailure,
        'the failure of attempt 1 on the server',
      );
      expect({
        message: lastFailure.message,
        type: lastFailure.applicationFailureInfo?.type,
        nonRetryable: lastFailure.applicationFailureInfo?.nonRetryable ?? false,
        cause: lastFailure.cause ?? null,
      }).toEqual({
        message: 'Worker is shutting down and this activity did not complete in time',
        type: 'WorkerShutdown',
        nonRetryable: false,
        cause: null,
      });
    });
  });

  test('with a long enough shutdownGraceTime the running activity completes and run() waits for it', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withRunningWorker('1 minute', async (taskQueue, worker, running) => {
      const handle = await startCall(taskQueue, 'heartbeatUntilReleased', [key, 'rethrow', 1], {
        startToCloseTimeout: '30s',
        retry: { maximumAttempts: 1 },
      });
      await probe.attempt(1);
      worker.shutdown();
      expect(worker.getState()).toBe('STOPPING');
      // The activity goes on during the grace time: its heartbeats keep reaching the server, and it is not cancelled.
      await moreHeartbeats(handle);
      expect(worker.getState()).toBe('STOPPING');
      expect(probe.cancellations).toEqual([]);
      probe.release();
      await running;
      expect(worker.getState()).toBe('STOPPED');
      expect(probe.cancellations).toEqual([]);
      // run() resolved only after the activity's completion reached the server.
      expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_COMPLETED');
      const outcome = await withWorker(() => handle.result(), {}, taskQueue);
      expect(outcome).toEqual({ result: 'released without cancellation, aborted: false' });
    });
  });

  test('a local activity running at shutdown completes and its workflow finishes on the same worker', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withRunningWorker(0, async (taskQueue, worker, running) => {
      const handle = await startCall(taskQueue, 'heartbeatUntilReleased', [key, 'rethrow', 1], {
        local: true,
        startToCloseTimeout: '30s',
      });
      await probe.attempt(1);
      worker.shutdown();
      expect(worker.getState()).toBe('STOPPING');
      probe.release();
      await running;
      expect(worker.getState()).toBe('STOPPED');
      expect(probe.cancellations).toEqual([]);
      expect(await handle.result()).toEqual({ result: 'released without cancellation, aborted: false' });
    });
  });
});

describe('local activities', () => {
  const markers = (events: HistoryEvent[]) => events.filter((e) => e.markerRecordedEventAttributes);

  test('a local activity returns its result, recorded as a marker', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 1], {
        local: true,
        startToCloseTimeout: '10s',
      });
      expect(await handle.result()).toEqual({ result: 1 });
      expect(probes.for(key).attempts[0]).toMatchObject({
        isLocal: true,
        attempt: 1,
        activityType: 'failUntilAttempt',
        workflowExecution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
        workflowType: 'callActivity',
        taskQueue,
      });
      const events = await history(handle);
      expect(events.map(typeName)).not.toContain('ACTIVITY_TASK_SCHEDULED');
      expect(markers(events).map((e) => e.markerRecordedEventAttributes?.markerName)).toEqual(['core_local_activity']);
    });
  });

  test('a local activity is retried in the worker, attempt by attempt, with one marker', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 3], {
        local: true,
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5 },
      });
      expect(await handle.result()).toEqual({ result: 3 });
      const { attempts } = probes.for(key);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[2].retryPolicy).toMatchObject({ initialInterval: 20, backoffCoefficient: 1, maximumAttempts: 5 });
      const events = await history(handle);
      expect(markers(events)).toHaveLength(1);
      expect(events.map(typeName)).not.toContain('TIMER_STARTED');
    });
  });

  test('a backoff longer than localRetryThreshold waits on a workflow timer', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 2], {
        local: true,
        startToCloseTimeout: '10s',
        localRetryThreshold: 100,
        retry: { initialInterval: 500, backoffCoefficient: 1, maximumAttempts: 3 },
      });
      expect(await handle.result()).toEqual({ result: 2 });
      expect(probes.for(key).attempts.map((a) => a.attempt)).toEqual([1, 2]);
      const events = await history(handle);
      // As in the official SDK, the failed attempt is recorded too: its marker carries the backoff.
      expect(events.map(typeName).filter((t) => t.startsWith('TIMER_') || t === 'MARKER_RECORDED')).toEqual([
        'MARKER_RECORDED',
        'TIMER_STARTED',
        'TIMER_FIRED',
        'MARKER_RECORDED',
      ]);
      const [failed, succeeded] = markers(events).map((e) => e.markerRecordedEventAttributes!);
      const data = (m: temporal.api.history.v1.IMarkerRecordedEventAttributes) =>
        defaultPayloadConverter.fromPayload<{ attempt: number; backoff?: unknown }>(m.details!.data!.payloads![0]);
      expect(data(failed)).toMatchObject({ attempt: 1, backoff: expect.anything() });
      expect(failed.failure?.message).toBe('attempt 1 failed');
      expect(data(succeeded)).toMatchObject({ attempt: 2 });
      expect(data(succeeded).backoff ?? null).toBeNull();
      expect(succeeded.failure ?? null).toBeNull();
      const timer = events.find((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes;
      const { seconds, nanos } = timer?.startToFireTimeout ?? {};
      expect(Number(seconds ?? 0) * 1000 + (nanos ?? 0) / 1e6).toBe(500);
    });
  });

  // The official SDK hands the last failure of a local activity to the workflow as it is, without the
  // ActivityFailure that wraps the failures of remote activities (only cancellations and timeouts are wrapped).
  test('a local activity failing every attempt fails the call with its last ApplicationFailure', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failUntilAttempt', [key, 99], {
        local: true,
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 3 },
      });
      expect(await handle.result()).toEqual({
        failure: expect.objectContaining({
          isActivityFailure: false,
          isApplicationFailure: true,
          message: 'attempt 3 failed',
          type: 'Flaky',
          nonRetryable: false,
          details: [3],
        }),
      });
      expect(probes.for(key).attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      const recorded = markers(await history(handle));
      expect(recorded).toHaveLength(1);
      expect(recorded[0].markerRecordedEventAttributes?.failure?.message).toBe('attempt 3 failed');
    });
  });

  test('a non-retryable failure of a local activity is not retried', async () => {
    const key = randomUUID();
    await withWorker(async (taskQueue) => {
      const handle = await startCall(taskQueue, 'failWith', [key, 'nonRetryable'], {
        local: true,
        startToCloseTimeout: '10s',
        retry: { ...FAST_RETRY, maximumAttempts: 5 },
      });
      expect(await handle.result()).toEqual({
        failure: expect.objectContaining({
          isApplicationFailure: true,
          message: 'attempt 1 cannot go on',
          type: 'BadInput',
          nonRetryable: true,
          details: [{ field: 'name' }, 7],
        }),
      });
      expect(probes.for(key).attempts).toHaveLength(1);
    });
  });

  // While a local activity runs the workflow task stays open, so the cancel signal is delivered with the task's
  // heartbeat: a short task timeout keeps that quick.
  const localCancellable = { local: true, startToCloseTimeout: '30s', retry: { maximumAttempts: 1 } } as const;

  test('cancelling a local activity (TRY_CANCEL) tells the activity and the workflow at once', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'rethrow', 1],
        localCancellable,
        1_000,
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      expect(await probe.cancellation()).toEqual(cancellationRequested);
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual(cancelledOutcome('Local Activity cancelled'));
      probe.release();
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });

  test('cancelling a local activity with WAIT_CANCELLATION_COMPLETED waits until the activity gave up', async () => {
    const key = randomUUID();
    const probe = probes.for(key);
    await withWorker(async (taskQueue) => {
      const handle = await startCancellable(
        taskQueue,
        'heartbeatUntilReleased',
        [key, 'rethrow', 1],
        { ...localCancellable, cancellationType: 'WAIT_CANCELLATION_COMPLETED' },
        1_000,
      );
      await probe.attempt(1);
      await handle.signal(wf.cancelCallSignal);
      expect(await probe.cancellation()).toEqual(cancellationRequested);
      expect(await outcomeOf(handle)).toBeNull();
      probe.release();
      const outcome = await eventually(() => outcomeOf(handle), 'the workflow to see the cancellation');
      expect(outcome).toEqual(cancelledOutcome('Local Activity cancelled'));
      await handle.signal(wf.finishCallSignal);
      expect(await handle.result()).toEqual(outcome);
    });
  });
});
