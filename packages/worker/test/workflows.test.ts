import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@kairos/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@kairos/common';
import type { Worker, WorkerOptions } from '../src';
import * as activities from './activities';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';
import * as wf from './workflows';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 30_000));

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
  const taskQueue = taskQueueFor('wf');
  const worker = await env.createWorker({ taskQueue, activities, ...options });
  return worker.runUntil(fn(worker, taskQueue));
}

function execute<T extends (...args: any[]) => Promise<any>>(fn: T, taskQueue: string, ...args: Parameters<T>) {
  const options = { taskQueue, workflowId: randomUUID(), args } as unknown;
  return env.client.workflow.execute(fn, options as Parameters<typeof env.client.workflow.execute<T>>[1]);
}

test('timers advance workflow time and Date is deterministic', async () => {
  const result = await withWorker((_, tq) => execute(wf.timersAndDates, tq));
  expect(result.elapsed).toBeGreaterThanOrEqual(50);
  expect(result.sameNow).toBe(true);
  expect(result.random).toBeGreaterThanOrEqual(0);
  expect(result.random).toBeLessThan(1);
});

test('condition with a timeout resolves false on timeout and true when met', async () => {
  expect(await withWorker((_, tq) => execute(wf.conditionTimeout, tq))).toEqual([false, true]);
});

test('signals, queries and updates reach their handlers', async () => {
  await withWorker(async (_, taskQueue) => {
    const handle = await env.client.workflow.start(wf.counter, { taskQueue, workflowId: randomUUID() });
    await handle.signal(wf.incrementSignal, 2);
    expect(await handle.query(wf.countQuery)).toBe(2);
    expect(await handle.executeUpdate(wf.addUpdate, { args: [3] })).toBe(5);
    const rejected = await handle.executeUpdate(wf.addUpdate, { args: [-1] }).catch((e: unknown) => e);
    expect((rejected as Error).name).toBe('WorkflowUpdateFailedError');
    expect((rejected as { cause?: Error }).cause?.message).toBe('negative numbers are not allowed');
    await handle.signal(wf.doneSignal);
    expect(await handle.result()).toBe(5);
  });
});

test('signals sent before the handler exists are buffered, default handler gets unknown signals', async () => {
  await withWorker(async (_, taskQueue) => {
    const handle = await env.client.workflow.signalWithStart(wf.defaultSignals, {
      taskQueue,
      workflowId: randomUUID(),
      signal: 'first',
      signalArgs: [1],
    });
    await handle.signal('second', 'x');
    expect(await handle.result()).toEqual(['first:[1]', 'second:["x"]']);
  });
});

test('activities succeed, retry and fail with ActivityFailure causes', async () => {
  const result = await withWorker((_, tq) => execute(wf.activitiesWorkflow, tq));
  expect(result).toEqual({
    greeting: 'Hello, activity!',
    attempts: 3,
    failure: ['ActivityFailure', 'ApplicationFailure', 'nope', 'MyError', true],
  });
});

test('local activities run and retry in the worker', async () => {
  expect(await withWorker((_, tq) => execute(wf.localActivities, tq))).toEqual(['Hello, local!', 3]);
});

test('child workflows run and know their parent', async () => {
  const workflowId = randomUUID();
  const result = await withWorker((_, taskQueue) => env.client.workflow.execute(wf.parent, { taskQueue, workflowId }));
  expect(result).toEqual([`child one of ${workflowId}`, `child two of ${workflowId}`]);
});

test.each(['TRY_CANCEL', 'WAIT_CANCELLATION_COMPLETED', 'WAIT_CANCELLATION_REQUESTED', 'ABANDON'] as const)(
  'cancelling a child with %s resolves as cancelled',
  async (type) => {
    expect(await withWorker((_, tq) => execute(wf.cancelChildWorkflow, tq, type))).toBe('cancelled');
  },
);

test('signals and cancels external workflows', async () => {
  await withWorker(async (_, taskQueue) => {
    const target = await env.client.workflow.start(wf.counter, { taskQueue, workflowId: randomUUID() });
    await execute(wf.signalExternal, taskQueue, target.workflowId);
    expect(await target.result()).toBe(5);
    const victim = await env.client.workflow.start(wf.waitForever, { taskQueue, workflowId: randomUUID() });
    await execute(wf.cancelExternal, taskQueue, victim.workflowId);
    await expect(victim.result()).rejects.toThrow(WorkflowFailedError);
  });
});

test('continue-as-new starts a new run with the same workflow id', async () => {
  expect(await withWorker((_, tq) => execute(wf.continuing, tq, 2))).toBe('done after continuing');
});

test('cancellation scopes: timeout, explicit cancel, non-cancellable', async () => {
  expect(await withWorker((_, tq) => execute(wf.scopes, tq))).toEqual([
    'timed out',
    'cancelled',
    'non-cancellable ran',
  ]);
});

test('a cancelled workflow can clean up in a non-cancellable scope and ends cancelled', async () => {
  await withWorker(async (_, taskQueue) => {
    const handle = await env.client.workflow.start(wf.cancellable, { taskQueue, workflowId: randomUUID() });
    await handle.query('__stack_trace');
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    const history = await handle.fetchHistory();
    const types = history.events
      ?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(types).toEqual(['greet']);
  });
});

test('patched takes the new branch for new runs', async () => {
  expect(await withWorker((_, tq) => execute(wf.patchedWorkflow, tq))).toBe('new');
  expect(await withWorker((_, tq) => execute(wf.deprecatedPatchWorkflow, tq))).toBe('new');
});

test('search attribute and memo upserts reach workflowInfo and the server', async () => {
  await withWorker(async (_, taskQueue) => {
    const handle = await env.client.workflow.start(wf.upserts, {
      taskQueue,
      workflowId: randomUUID(),
      memo: { gone: 'soon' },
    });
    expect(await handle.result()).toEqual(['upserted', { note: 'hello' }]);
    const description = await handle.describe();
    expect(description.memo).toEqual({ note: 'hello' });
    expect(description.typedSearchAttributes.getAll().find((p) => p.key.name === 'CustomKeywordField')?.value).toBe(
      'upserted',
    );
  });
});

test('sinks and the workflow logger reach the worker', async () => {
  const recorded: string[] = [];
  await withWorker((_, tq) => execute(wf.sinks, tq), {
    sinks: { recorder: { record: { fn: (_info, value: string) => void recorded.push(value) } } },
  });
  expect(recorded).toEqual(['hello from sinks']);
  const entry = capturedLogs.find((e) => e.message === 'log from workflow');
  expect(entry?.meta).toMatchObject({ custom: 1, workflowType: 'sinks', sdkComponent: 'workflow' });
});

test('a sink that returns a promise is waited for before the activation completes', async () => {
  const recorded: string[] = [];
  const slowRecord = async (_info: unknown, value: string) => {
    // Far longer than the workflow takes once the activation completes (a 1 ms timer).
    await new Promise((resolve) => setTimeout(resolve, 300));
    recorded.push(value);
  };
  await withWorker((_, tq) => execute(wf.sinks, tq), { sinks: { recorder: { record: { fn: slowRecord } } } });
  expect(recorded).toEqual(['hello from sinks']);
});

test.each([
  [
    'throws',
    () => {
      throw new Error('sink broke');
    },
  ],
  [
    'rejects',
    async () => {
      throw new Error('sink broke');
    },
  ],
])('a sink function that %s is logged and the workflow completes', async (_, fn) => {
  const before = capturedLogs.length;
  await withWorker((_w, tq) => execute(wf.sinks, tq), { sinks: { recorder: { record: { fn } } } });
  const entry = capturedLogs.slice(before).find((e) => e.message === 'External sink function threw an error');
  expect(entry?.meta).toMatchObject({ ifaceName: 'recorder', fnName: 'record' });
  expect((entry?.meta?.error as Error | undefined)?.message).toBe('sink broke');
});

test('uuid4 is deterministic per run and well formed', async () => {
  const [a, b] = await withWorker((_, tq) => execute(wf.uuids, tq));
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(a).not.toBe(b);
});

test('an ApplicationFailure fails the workflow with that cause', async () => {
  const err = await withWorker((_, tq) => execute(wf.failing, tq)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause?.message).toBe('workflow failed');
  expect((cause as ApplicationFailure).type).toBe('Custom');
});

test('failure classes keep their causes (ActivityFailure, ChildWorkflowFailure)', () => {
  expect(new ActivityFailure('x', 'a', '1', undefined, 'id')).toBeInstanceOf(Error);
  expect(ChildWorkflowFailure.name).toBe('ChildWorkflowFailure');
});
