import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { WorkflowHandle } from '@kairos/client';
import { WorkflowFailedError } from '@kairos/client';
import type { Worker, WorkerOptions } from '../src';
import * as activities from './activities';
import { taskQueueFor, TestEnv } from './helpers/env';
import * as wf from './workflows';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<R>(
  fn: (worker: Worker, taskQueue: string) => Promise<R>,
  options: Partial<WorkerOptions> = {},
): Promise<R> {
  const taskQueue = taskQueueFor('sandbox');
  const worker = await env.createWorker({ taskQueue, activities, ...options });
  return worker.runUntil(fn(worker, taskQueue));
}

/** Waits until the workflow's history has a failed workflow task and returns its failure message. */
async function firstTaskFailure(handle: WorkflowHandle): Promise<string> {
  for (;;) {
    const history = await handle.fetchHistory();
    const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
    if (failed) return failed.workflowTaskFailedEventAttributes?.failure?.message ?? '';
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each([true, false])('reuseV8Context: %s', (reuseV8Context) => {
  test('each run has its own module state and globals', async () => {
    const results = await withWorker(
      (_, taskQueue) =>
        Promise.all(
          ['a', 'b', 'c'].map((tag) =>
            env.client.workflow.execute(wf.isolation, { taskQueue, workflowId: randomUUID(), args: [tag] }),
          ),
        ),
      { reuseV8Context },
    );
    results.forEach((result, i) => {
      expect(result).toEqual({ before: { moduleCounter: 0 }, after: { moduleCounter: 1, leak: ['a', 'b', 'c'][i] } });
    });
  });

  test('evaluates a module its package declares shared once per context, and per run what it imports', async () => {
    const runs = await withWorker(
      async (_, taskQueue) => {
        const results: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          const args: [string] = [`run ${i}`];
          results.push(await env.client.workflow.execute(wf.isolation, { taskQueue, workflowId: randomUUID(), args }));
        }
        return results;
      },
      {
        reuseV8Context,
        interceptors: { workflowModules: [path.join(__dirname, 'fixtures', 'isolate-shared', 'interceptors.js')] },
      },
    );
    expect(runs).toEqual(
      [1, 2, 3].map((run) => ({
        result: expect.anything(),
        // Only a context shared by the runs shares the module.
        visits: reuseV8Context ? run : 1,
        tainted: 1,
        frozen: true,
      })),
    );
  });

  test('a busy loop fails only its own workflow task and the worker keeps serving', async () => {
    await withWorker(
      async (_, taskQueue) => {
        const stuck = await env.client.workflow.start(wf.busyLoop, { taskQueue, workflowId: randomUUID() });
        expect(await firstTaskFailure(stuck)).toMatch(/Potential deadlock detected/);
        expect(await env.client.workflow.execute(wf.timersAndDates, { taskQueue, workflowId: randomUUID() })).toEqual(
          expect.objectContaining({ sameNow: true }),
        );
        await stuck.terminate('done with the test');
      },
      { reuseV8Context, isolateExecutionTimeout: 500 },
    );
  });
});

test('a workflow that allocates without bound fails its task with the memory limit and the worker keeps serving', async () => {
  await withWorker(
    async (_, taskQueue) => {
      const other = await env.client.workflow.start(wf.waitsForSignal, { taskQueue, workflowId: randomUUID() });
      expect(await other.query(wf.stateQuery)).toBe('waiting');
      const hog = await env.client.workflow.start(wf.allocateForever, { taskQueue, workflowId: randomUUID() });
      expect(await firstTaskFailure(hog)).toMatch(/isolate memory limit of 32 MB exceeded/);
      // The other run lived in the lost isolate: it is evicted, replayed and still answers.
      await other.signal(wf.unblock);
      expect(await other.result()).toBe('unblocked');
      await hog.terminate('done with the test');
    },
    { isolateMemoryLimitMb: 32 },
  );
});

test('web APIs of the sandbox work and Node APIs are absent', async () => {
  const result = await withWorker((_, taskQueue) =>
    env.client.workflow.execute(wf.webApis, { taskQueue, workflowId: randomUUID() }),
  );
  expect(result).toEqual({
    decoded: 'héllo',
    length: 6,
    href: 'https://example.com:8443/path?a=1&b=two&c=3#frag',
    host: 'example.com:8443',
    params: 'x=1&y=z+z',
    aborted: 'because',
    cloned: [true, 'a'],
    weakRefError: 'DeterminismViolationError',
    hasProcess: 'undefined',
    hasRequire: 'undefined',
    hasFetch: 'undefined',
  });
});

test('workflow failures and stack trace queries point at the TypeScript source', async () => {
  await withWorker(async (_, taskQueue) => {
    const err = await env.client.workflow
      .execute(wf.failWithStack, { taskQueue, workflowId: randomUUID() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const stack = (err as WorkflowFailedError).cause?.stack ?? '';
    expect(stack).toContain(`${path.resolve(__dirname, 'workflows/sandbox.ts')}:`);
    const handle = await env.client.workflow.start(wf.waitsForSignal, { taskQueue, workflowId: randomUUID() });
    const trace = await handle.query<string>('__stack_trace');
    expect(trace).toMatch(/sandbox\.ts:\d+:\d+/);
    const enhanced = await handle.query<{ stacks: { locations: { file_path?: string }[] }[] }>(
      '__enhanced_stack_trace',
    );
    expect(enhanced.stacks.flatMap((s) => s.locations.map((l) => l.file_path))).toContain(
      path.resolve(__dirname, 'workflows/sandbox.ts'),
    );
    await handle.signal(wf.unblock);
    await handle.result();
  });
});

test('an unhandled promise rejection fails the workflow task', async () => {
  await withWorker(async (_, taskQueue) => {
    const handle = await env.client.workflow.start(wf.unhandledRejection, { taskQueue, workflowId: randomUUID() });
    expect(await firstTaskFailure(handle)).toMatch(/Unhandled Promise rejection: Error: nobody handles this/);
    await handle.terminate('done with the test');
  });
});

test('a workflow importing fs fails to bundle with the import named', async () => {
  await expect(
    env.createWorker({
      taskQueue: taskQueueFor('fs'),
      workflowsPath: path.resolve(__dirname, 'fixtures/uses-fs/workflows.ts'),
    }),
  ).rejects.toThrow(/'fs'.*workflows\.ts/s);
});
