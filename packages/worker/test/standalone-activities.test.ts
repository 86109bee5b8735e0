/**
 * Standalone activities (started by a client, without a workflow) on the Kairos worker: they run through the same
 * activity executor as activities of workflows, `activityInfo()` marks them, and heartbeats, retries,
 * cancellation and async completion work as for any activity.
 *
 * Runs against the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { Context, CompleteAsyncError, activityInfo, type Info } from '@kairos/activity';
import { ActivityExecutionFailedError } from '@kairos/client';
import { ApplicationFailure, CancelledFailure } from '@kairos/common';
import { taskQueueFor, TestEnv } from './helpers/env';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 30_000));

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

/** What the activities saw, by the key each was given. */
const seen = new Map<string, Info>();
const tokens = new Map<string, Uint8Array>();

const activities = {
  async whoAmI(key: string): Promise<string> {
    seen.set(key, activityInfo());
    return `ran ${activityInfo().activityType}`;
  },
  async resumeFromHeartbeat(failUntil: number): Promise<{ attempt: number; resumedFrom: unknown }> {
    const info = activityInfo();
    Context.current().heartbeat(`checkpoint ${info.attempt}`);
    if (info.attempt < failUntil) throw ApplicationFailure.retryable(`attempt ${info.attempt}`, 'Flaky');
    return { attempt: info.attempt, resumedFrom: info.heartbeatDetails };
  },
  /** Heartbeats until cancelled: the cancellation rejects its sleep with a CancelledFailure. */
  async waitForCancel(): Promise<string> {
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(50);
    }
  },
  async finishElsewhere(key: string): Promise<string> {
    tokens.set(key, activityInfo().taskToken);
    throw new CompleteAsyncError();
  },
};

async function withWorker<R>(fn: (taskQueue: string) => Promise<R>): Promise<R> {
  const taskQueue = taskQueueFor('standalone');
  const worker = await env.createWorker({
    taskQueue,
    workflowsPath: undefined,
    activities,
    maxHeartbeatThrottleInterval: 50,
    defaultHeartbeatThrottleInterval: 50,
  });
  return worker.runUntil(() => fn(taskQueue));
}

const id = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}`;

test('a standalone activity runs on the worker, and activityInfo() says it has no workflow', async () => {
  await withWorker(async (taskQueue) => {
    const key = id('who');
    const handle = await env.client.activity.start('whoAmI', {
      id: key,
      taskQueue,
      args: [key],
      startToCloseTimeout: '10s',
      scheduleToCloseTimeout: '20s',
    });
    expect(await handle.result()).toBe('ran whoAmI');
    const info = seen.get(key)!;
    expect(info).toEqual(
      expect.objectContaining({
        activityId: key,
        activityType: 'whoAmI',
        activityRunId: handle.runId,
        inWorkflow: false,
        isLocal: false,
        attempt: 1,
        taskQueue,
        namespace: 'default',
        startToCloseTimeoutMs: 10_000,
        scheduleToCloseTimeoutMs: 20_000,
      }),
    );
    expect(info.workflowExecution).toBeUndefined();
    expect(info.workflowType).toBeUndefined();
    expect(info.workflowNamespace).toBeUndefined();
  });
});

test('a retried standalone activity sees the last heartbeat of the attempt before', async () => {
  await withWorker(async (taskQueue) => {
    const result = await env.client.activity.execute('resumeFromHeartbeat', {
      id: id('retry'),
      taskQueue,
      args: [2],
      startToCloseTimeout: '10s',
      retry: { initialInterval: '50ms', maximumAttempts: 3 },
    });
    expect(result).toEqual({ attempt: 2, resumedFrom: 'checkpoint 1' });
  });
});

test("cancelling a standalone activity reaches the activity's context and ends it as canceled", async () => {
  await withWorker(async (taskQueue) => {
    const handle = await env.client.activity.start('waitForCancel', {
      id: id('cancel'),
      taskQueue,
      startToCloseTimeout: '20s',
      heartbeatTimeout: '5s',
    });
    // Cancel once the attempt runs (a request before that cancels the execution without the worker).
    for (let i = 0; i < 100 && (await handle.describe()).runState !== 'STARTED'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await handle.cancel('enough');
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActivityExecutionFailedError);
    expect((err as ActivityExecutionFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status).toBe('CANCELED');
  });
});

test('a standalone activity left for async completion is completed with its task token', async () => {
  await withWorker(async (taskQueue) => {
    const key = id('async');
    const handle = await env.client.activity.start('finishElsewhere', {
      id: key,
      taskQueue,
      args: [key],
      startToCloseTimeout: '20s',
    });
    for (let i = 0; i < 200 && !tokens.has(key); i++) await new Promise((r) => setTimeout(r, 25));
    await env.client.activity.complete(tokens.get(key)!, 'finished elsewhere');
    expect(await handle.result()).toBe('finished elsewhere');
  });
});
