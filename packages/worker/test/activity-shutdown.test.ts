/**
 * Worker shutdown with activities in flight, against a real server: the shutdown grace time, the WORKER_SHUTDOWN
 * cancellation and its failure on the server, and a local activity finishing before the worker stops. Runs against
 * the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { randomUUID } from 'node:crypto';
import type { Worker, WorkerOptions } from '../src';
import { probes } from './activities/more';
import {
  cancellationRequested,
  env,
  eventTypes,
  eventually,
  FAST_RETRY,
  moreHeartbeats,
  startCall,
  useTestEnv,
  withWorker,
  WORKER_OPTIONS,
} from './helpers/activities';
import { taskQueueFor } from './helpers/env';

useTestEnv();

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
