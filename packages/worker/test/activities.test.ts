/**
 * Activities end to end against a real server: results, retries, failures, heartbeats, the three cancellation
 * types, heartbeat timeouts, async completion, and the activity's client and logger (worker shutdown with
 * activities in flight: activity-shutdown.test.ts; local activities: local-activities.test.ts).
 *
 * The activities (`activities/more.ts`) run in this process and report what they see to a probe the test reads;
 * the workflows (`workflows/activities.ts`) report how each call ended, checked inside the workflow.
 *
 * Runs against the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { randomUUID } from 'node:crypto';
import { ActivityCancelledError } from '@kairos/client';
import { ApplicationFailure, defaultPayloadConverter } from '@kairos/common';
import { temporal } from '@kairos/proto';
import { probes } from './activities/more';
import {
  cancellationRequested,
  cancelledOutcome,
  env,
  eventTypes,
  eventually,
  FAST_RETRY,
  history,
  historyWith,
  moreHeartbeats,
  outcomeOf,
  startCall,
  startCancellable,
  typeName,
  useTestEnv,
  withWorker,
} from './helpers/activities';
import { capturedLogs } from './helpers/env';
import * as wf from './workflows';
import type { CallOptions, Outcome } from './workflows/activities';

useTestEnv();

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
