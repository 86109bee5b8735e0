import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { metricsSnapshot } from '@kairos/core-bridge';
import { Worker } from '../src';
import * as activities from './activities';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';
import * as wf from './workflows';
import { callsQuery, intercepted } from './workflows/interceptors';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

describe('options validation', () => {
  const base = { taskQueue: 'validation', activities };

  test.each([
    [{ taskQueue: '' }, /taskQueue must be a non-empty string, got ''/],
    [{ taskQueue: '__temporal_x' }, /Cannot use task queue name: '__temporal_x'/],
    [{ maxConcurrentActivityTaskExecutions: 0 }, /maxConcurrentActivityTaskExecutions must be an integer >= 1, got 0/],
    [{ maxCachedWorkflows: -1 }, /maxCachedWorkflows must be an integer >= 0, got -1/],
    [{ maxCachedWorkflows: 1.5 }, /maxCachedWorkflows must be an integer >= 0, got 1.5/],
    [{ shutdownGraceTime: 'soon' }, /shutdownGraceTime is not a valid duration: 'soon'/],
    [{ nonStickyToStickyPollRatio: 2 }, /nonStickyToStickyPollRatio must be a number in \(0, 1\], got 2/],
    [
      { maxEagerActivityReservationsPerWorkflowTask: -1 },
      /maxEagerActivityReservationsPerWorkflowTask must be an integer >= 0, got -1/,
    ],
    [
      { workflowTaskPollerBehavior: { type: 'autoscaling' } },
      /not implemented: workflowTaskPollerBehavior of type 'autoscaling'/,
    ],
    [
      { tuner: { tunerOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 } } },
      /not implemented: resource-based WorkerOptions.tuner/,
    ],
    [
      {
        tuner: {
          workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
          activityTaskSlotSupplier: { type: 'custom' },
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
          nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
        },
      },
      /not implemented: activityTaskSlotSupplier of type 'custom'/,
    ],
    [
      {
        maxConcurrentActivityTaskExecutions: 3,
        tuner: {
          workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
          activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
          nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
        },
      },
      /Cannot set both tuner and maxConcurrentActivityTaskExecutions/,
    ],
    [{ activities: { __temporal_x: async () => 1 } }, /Cannot use activity name: '__temporal_x'/],
    [{ sinks: { __temporal_logger: {} } }, /Cannot use sink name: '__temporal_logger'/],
    [{ bundlerOptions: { webpackConfigHook: (c: unknown) => c } }, /webpackConfigHook/],
  ])('rejects %j', async (options, message) => {
    await expect(
      Worker.create({
        connection: env.nativeConnection,
        workflowsPath: path.resolve(__dirname, 'workflows/hello.ts'),
        ...base,
        ...(options as object),
      }),
    ).rejects.toThrow(message);
  });

  test('a tuner of fixed-size slot suppliers sets the slot counts', async () => {
    const fixed = (numSlots: number) => ({ type: 'fixed-size' as const, numSlots });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      workflowsPath: path.resolve(__dirname, 'workflows/hello.ts'),
      ...base,
      tuner: {
        workflowTaskSlotSupplier: fixed(3),
        activityTaskSlotSupplier: fixed(4),
        localActivityTaskSlotSupplier: fixed(5),
        nexusTaskSlotSupplier: fixed(6),
      },
    });
    expect(worker.options).toMatchObject({
      maxConcurrentWorkflowTaskExecutions: 3,
      maxConcurrentActivityTaskExecutions: 4,
      maxConcurrentLocalActivityExecutions: 5,
      maxConcurrentNexusTaskExecutions: 6,
    });
  });

  test('a worker with neither workflows nor activities is refused', async () => {
    await expect(Worker.create({ connection: env.nativeConnection, taskQueue: 'empty' })).rejects.toThrow(
      /no workflows, activities or Nexus services/,
    );
  });

  test('a bundle from another bundler is refused with advice', async () => {
    await expect(
      Worker.create({ connection: env.nativeConnection, taskQueue: 'foreign', workflowBundle: { code: 'var x = 1;' } }),
    ).rejects.toThrow(/not produced by bundleWorkflowCode of @kairos\/worker/);
  });
});

test('a workflow task that fails is retried and completes once the worker runs fixed code', async () => {
  const taskQueue = taskQueueFor('fix');
  const workflowId = randomUUID();
  const v1 = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, 'fixtures/fix-v1/workflows.ts'),
  });
  const handle = await v1.runUntil(async () => {
    const handle = await env.client.workflow.start('buggy', { taskQueue, workflowId });
    for (;;) {
      const history = await handle.fetchHistory();
      const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
      if (failed) {
        expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toMatch(
          /Cannot read properties of undefined/,
        );
        return handle;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const v2 = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, 'fixtures/fix-v2/workflows.ts'),
  });
  expect(await v2.runUntil(handle.result())).toBe('fixed in v2');
});

test('a non-Temporal error fails the workflow when listed in workflowFailureErrorTypes', async () => {
  const taskQueue = taskQueueFor('failure-types');
  const worker = await env.createWorker({
    taskQueue,
    workflowFailureErrorTypes: { '*': [], throwsPlainError: ['Error'] },
  });
  const err = await worker
    .runUntil(env.client.workflow.execute(wf.throwsPlainError, { taskQueue, workflowId: randomUUID() }))
    .catch((e: unknown) => e);
  expect((err as Error).name).toBe('WorkflowFailedError');
  expect((err as { cause?: Error }).cause?.message).toBe('plain errors fail the workflow task');
});

test('workflow interceptors from workflowModules wrap execution, timers, activities, queries and activations', async () => {
  const taskQueue = taskQueueFor('interceptors');
  const worker = await env.createWorker({
    taskQueue,
    activities,
    interceptors: { workflowModules: [path.resolve(__dirname, 'workflows/interceptors.ts')] },
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(intercepted, { taskQueue, workflowId: randomUUID(), args: ['x'] });
    expect(await handle.result()).toBe('intercepted Hello, x! (intercepted)');
    const calls = await handle.query(callsQuery);
    expect(calls).toEqual(expect.arrayContaining(['execute(["x"])', 'timer 1', 'activity greet', 'query calls']));
    expect(calls.some((c) => c.startsWith('activate '))).toBe(true);
  });
});

test('getState and getStatus follow the lifecycle', async () => {
  const taskQueue = taskQueueFor('status');
  const worker = await env.createWorker({ taskQueue, activities });
  expect(worker.getState()).toBe('INITIALIZED');
  const running = worker.run();
  await new Promise((r) => setImmediate(r));
  expect(worker.getState()).toBe('RUNNING');
  const handle = await env.client.workflow.start(wf.waitsForSignal, { taskQueue, workflowId: randomUUID() });
  expect(await handle.query(wf.stateQuery)).toBe('waiting');
  expect(worker.getStatus()).toMatchObject({ runState: 'RUNNING', numCachedWorkflows: 1 });
  worker.shutdown();
  await running;
  expect(worker.getState()).toBe('STOPPED');
  expect(worker.getStatus()).toMatchObject({ workflowPollerState: 'SHUTDOWN', activityPollerState: 'SHUTDOWN' });
  await handle.terminate();
});

test('workflow logs are not repeated when a run is replayed after eviction', async () => {
  const taskQueue = taskQueueFor('replay-logs');
  const worker = await env.createWorker({ taskQueue, activities, maxCachedWorkflows: 0 });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(wf.sinks, { taskQueue, workflowId: randomUUID() });
    await handle.result();
    // A query on a run that is not cached replays its whole history: nothing in it is logged again.
    await handle.query('__stack_trace');
  });
  const entries = capturedLogs.filter((e) => e.message === 'log from workflow' && e.meta?.taskQueue === taskQueue);
  expect(entries).toHaveLength(1);
});

test('Worker.createReplay replays histories one by one and reports nondeterminism as a result', async () => {
  const taskQueue = taskQueueFor('create-replay');
  const worker = await env.createWorker({ taskQueue, activities });
  const handle = await worker.runUntil(async () => {
    const h = await env.client.workflow.start(wf.helloWorkflow, { taskQueue, workflowId: randomUUID(), args: ['r'] });
    await h.result();
    return h;
  });
  const history = await handle.fetchHistory();
  const replayer = await Worker.createReplay({ workflowsPath: path.resolve(__dirname, 'workflows/index.ts') });
  try {
    expect((await replayer.replay(handle.workflowId, history)).error).toBeUndefined();
    const changed = await replayer.replay(handle.workflowId, {
      ...history,
      events: history.events?.map((e) =>
        e.workflowExecutionStartedEventAttributes
          ? {
              ...e,
              workflowExecutionStartedEventAttributes: {
                ...e.workflowExecutionStartedEventAttributes,
                workflowType: { name: 'timersAndDates' },
              },
            }
          : e,
      ),
    });
    expect(changed.error?.name).toBe('DeterminismViolationError');
  } finally {
    await replayer.close();
  }
});

test('a shutdown signal stops running workers gracefully', async () => {
  const taskQueue = taskQueueFor('signal');
  const worker = await env.createWorker({ taskQueue, activities });
  const running = worker.run();
  const handle = await env.client.workflow.start(wf.waitsForSignal, { taskQueue, workflowId: randomUUID() });
  expect(await handle.query(wf.stateQuery)).toBe('waiting');
  // SIGUSR2 is one of the default shutdown signals and, unlike SIGINT, leaves the test runner alone.
  process.emit('SIGUSR2', 'SIGUSR2');
  await running;
  expect(worker.getState()).toBe('STOPPED');
  expect(process.listenerCount('SIGUSR2')).toBe(0);
  await handle.terminate();
});

test('activities scheduled in a workflow task are handed to the worker eagerly', async () => {
  const pollsOfActivities = () =>
    metricsSnapshot()
      .filter((m) => m.name === 'temporal_long_request' && m.labels.operation === 'PollActivityTaskQueue')
      .reduce((sum, m) => sum + m.value, 0);
  const run = async (maxEagerActivityReservationsPerWorkflowTask: number) => {
    const taskQueue = taskQueueFor('eager');
    const worker = await env.createWorker({ taskQueue, activities, maxEagerActivityReservationsPerWorkflowTask });
    return worker.runUntil(async () => {
      const before = pollsOfActivities();
      for (let i = 0; i < 5; i++) {
        await env.client.workflow.execute(wf.helloWorkflow, { taskQueue, workflowId: randomUUID(), args: ['eager'] });
      }
      return pollsOfActivities() - before;
    });
  };
  // Without eager execution every activity task arrives through a poll; with it, in the completion response.
  expect(await run(0)).toBe(5);
  expect(await run(3)).toBe(0);
});
