/**
 * Local activities end to end against a real server: results recorded as markers, retries in the worker, backoff
 * through a workflow timer, failures and cancellation. Runs against the Kairos dev server, or the Temporal CLI dev
 * server with `KAIROS_TEST_SERVER=temporal`.
 */
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@kairos/common';
import { temporal } from '@kairos/proto';
import { probes } from './activities/more';
import {
  cancellationRequested,
  cancelledOutcome,
  eventually,
  FAST_RETRY,
  history,
  outcomeOf,
  startCall,
  startCancellable,
  typeName,
  useTestEnv,
  withWorker,
} from './helpers/activities';
import * as wf from './workflows';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

useTestEnv();

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
