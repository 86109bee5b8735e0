import { Client, WorkflowFailedError } from '@kairos/client';
import { TestWorkflowEnvironment, TimeSkippingWorkflowClient } from '../src';
import { createWorker, installQuietRuntime, uniqueName } from './helpers/setup';

const DAY = 24 * 60 * 60 * 1000;

installQuietRuntime();
jest.setTimeout(60_000);

describe.each([
  ['in-process', false],
  ['child-process', true],
])('createTimeSkipping (%s server)', (_mode, childProcess) => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { childProcess } });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('describes itself as a time-skipping environment', () => {
    expect(env.supportsTimeSkipping).toBe(true);
    expect(env.namespace).toBeUndefined();
    expect(env.client).toBeInstanceOf(Client);
    expect(env.client.workflow).toBeInstanceOf(TimeSkippingWorkflowClient);
    expect(env.workflowClient).toBe(env.client.workflow);
    expect(env.asyncCompletionClient).toBe(env.client.activity);
    expect(env.connection.testService).toBeDefined();
    expect(env.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env.options.server).toEqual({ type: 'time-skipping', childProcess });
  });

  it('completes a workflow that sleeps for 30 days at once while its result is awaited', async () => {
    const taskQueue = uniqueName();
    const worker = await createWorker(env, { taskQueue });
    const before = await env.currentTimeMs();
    const slept = await worker.runUntil(
      env.client.workflow.execute('sleeper', { taskQueue, workflowId: uniqueName('wf'), args: ['30 days'] }),
    );
    expect(slept).toBeGreaterThanOrEqual(30 * DAY);
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + 30 * DAY);
  });

  it('skips time for handle.result() and for several results awaited at once', async () => {
    const taskQueue = uniqueName();
    const worker = await createWorker(env, { taskQueue });
    const results = await worker.runUntil(async () => {
      const one = await env.client.workflow.start('sleeper', {
        taskQueue,
        workflowId: uniqueName('a'),
        args: ['1 day'],
      });
      const two = await env.client.workflow.start('sleeper', {
        taskQueue,
        workflowId: uniqueName('b'),
        args: ['2 days'],
      });
      return await Promise.all([one.result(), two.result()]);
    });
    expect(results[0]).toBeGreaterThanOrEqual(DAY);
    expect(results[1]).toBeGreaterThanOrEqual(2 * DAY);
    // Both waits are over: the lock is back, so a manual skip still works (it would fail on an unbalanced lock).
    await env.sleep('1 hour');
  });

  it('does not skip time while nothing awaits a result', async () => {
    const taskQueue = uniqueName();
    const worker = await createWorker(env, { taskQueue });
    const before = await env.currentTimeMs();
    const handle = await env.client.workflow.start('waitForUnblock', { taskQueue, workflowId: uniqueName('wf') });
    await worker.runUntil(async () => {
      // A query needs a workflow task: the workflow has started and sits in its condition.
      expect(await handle.query('isBlocked')).toBe(true);
      const started = await env.client.workflow.start('sleeper', {
        taskQueue,
        workflowId: uniqueName('sleeper'),
        args: ['1 day'],
      });
      expect(await handle.query('isBlocked')).toBe(true);
      expect((await started.describe()).status.name).toBe('RUNNING');
      expect(await env.currentTimeMs()).toBeLessThan(before + DAY);
      await handle.signal('unblock');
      expect(await handle.result()).toBe('unblocked');
      // Awaiting the sleeper's result skips its day.
      expect(await started.result()).toBeGreaterThanOrEqual(DAY);
    });
  });

  it('skips time manually with env.sleep and reports it in currentTimeMs', async () => {
    const before = await env.currentTimeMs();
    await env.sleep('2 days');
    const after = await env.currentTimeMs();
    expect(after - before).toBeGreaterThanOrEqual(2 * DAY);
    await env.sleep(60_000);
    expect((await env.currentTimeMs()) - after).toBeGreaterThanOrEqual(60_000);
  });

  it('fires a workflow timer during env.sleep', async () => {
    const taskQueue = uniqueName();
    const worker = await createWorker(env, { taskQueue });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('sleeper', {
        taskQueue,
        workflowId: uniqueName('wf'),
        args: ['1 day'],
      });
      await env.sleep('2 days');
      // The timer fired while time skipped; the result is already there.
      const { status } = await handle.describe();
      expect(status.name).toBe('COMPLETED');
      expect(await handle.result()).toBeGreaterThanOrEqual(DAY);
    });
  });

  it('reports workflow failures through the time-skipping client', async () => {
    const taskQueue = uniqueName();
    const worker = await createWorker(env, { taskQueue });
    const err = await worker
      .runUntil(env.client.workflow.execute('failAfter', { taskQueue, workflowId: uniqueName('wf'), args: ['1 week'] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'Boom', message: 'boom after sleeping' });
    // The failed wait gave the lock back: manual skipping is balanced again.
    await env.sleep('1 minute');
  });
});

describe('createTimeSkipping with another executable', () => {
  it('runs a server that takes the test server command line: kairos-server PORT', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: require.resolve('@kairos/dev-server/lib/cli.js') } },
    });
    try {
      const taskQueue = uniqueName();
      const worker = await createWorker(env, { taskQueue });
      const slept = await worker.runUntil(
        env.client.workflow.execute('sleeper', { taskQueue, workflowId: uniqueName('wf'), args: ['30 days'] }),
      );
      expect(slept).toBeGreaterThanOrEqual(30 * DAY);
    } finally {
      await env.teardown();
    }
  });

  it('passes extraArgs to the embedded server', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { extraArgs: ['--namespace', 'extra-ns', '--search-attribute', 'Extra=Keyword'] },
    });
    try {
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'extra-ns' });
      expect(Object.keys(customAttributes ?? {})).toEqual(['Extra']);
    } finally {
      await env.teardown();
    }
  });
});
