import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Client } from '@kairos/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import { Worker } from '../src';
import * as activities from './activities';
import { XorCodec } from './fixtures/codec/codec';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';
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
  fn: (taskQueue: string) => Promise<R>,
  options: Partial<Parameters<Worker['runUntil']>[1]> = {},
): Promise<R> {
  const taskQueue = taskQueueFor('features');
  const worker = await env.createWorker({ taskQueue, activities });
  return worker.runUntil(fn(taskQueue), options);
}

test('a workflow that finishes with handlers running logs the unfinished-handler warning, unless abandoned', async () => {
  await withWorker(async (taskQueue) => {
    const handle = await env.client.workflow.start(wf.unfinishedHandlers, { taskQueue, workflowId: randomUUID() });
    await handle.startUpdate(wf.slowUpdate, { args: ['u1'], waitForStage: 'ACCEPTED', updateId: 'update-1' });
    await handle.signal(wf.slowSignal);
    await handle.signal(wf.finishSignal, false);
    expect(await handle.result()).toBe('finished');
    const warnings = capturedLogs.filter(
      (e) => e.meta?.workflowId === handle.workflowId && e.message.includes('[TMPRL1102]'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/update handler was still running/);
    expect(warnings[0].meta?.unfinishedUpdateHandlers).toEqual([{ name: 'slowUpdate', id: 'update-1' }]);
  });
});

test('default update and query handlers, currentUpdateInfo and the metadata query', async () => {
  await withWorker(async (taskQueue) => {
    const handle = await env.client.workflow.start(wf.updateInfo, { taskQueue, workflowId: randomUUID() });
    expect(await handle.query<string>('anything')).toBe('default answer to anything');
    const metadata = await handle.query<{
      definition: { type: string; queryDefinitions: { name: string }[] };
      currentDetails: string;
    }>('__temporal_workflow_metadata');
    expect(metadata.definition.type).toBe('updateInfo');
    expect(metadata.definition.queryDefinitions.map((q) => q.name)).toEqual(
      expect.arrayContaining(['__stack_trace', '__enhanced_stack_trace']),
    );
    expect(metadata.currentDetails).toBe('waiting for an update');
    expect(await handle.executeUpdate<string, [number]>('anyUpdate', { args: [7], updateId: 'u-7' })).toBe(
      'anyUpdate([7]) id=u-7 name=anyUpdate',
    );
    expect(await handle.result()).toBe('waiting for an update');
  });
});

test('workflowInfo reports the run', async () => {
  const workflowId = randomUUID();
  const key = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);
  const result = await withWorker((taskQueue) =>
    env.client.workflow.execute(wf.info, {
      taskQueue,
      workflowId,
      memo: { m: 1 },
      typedSearchAttributes: [{ key, value: 'k' }],
      workflowRunTimeout: '1 hour',
      retry: { maximumAttempts: 3 },
    }),
  );
  expect(result).toMatchObject({
    workflowId,
    runId: true,
    workflowType: 'info',
    namespace: 'default',
    attempt: 1,
    historyLength: true,
    historySize: true,
    continueAsNewSuggested: false,
    startTime: true,
    runStartTime: true,
    taskTimeoutMs: 10_000,
    runTimeoutMs: 3_600_000,
    memo: { m: 1 },
    isReplaying: false,
    nowIsNumber: true,
    searchAttributes: ['CustomKeywordField'],
    retryPolicy: expect.objectContaining({ maximumAttempts: 3 }),
  });
});

test('Trigger resolves from another part of the workflow', async () => {
  expect(
    await withWorker((taskQueue) => env.client.workflow.execute(wf.triggers, { taskQueue, workflowId: randomUUID() })),
  ).toBe('triggered');
});

test.each([
  ['TERMINATE', 'TERMINATED'],
  ['REQUEST_CANCEL', 'CANCELLED'],
  ['ABANDON', 'RUNNING'],
] as const)('parent close policy %s leaves the child %s', async (policy, status) => {
  const childId = randomUUID();
  await withWorker(async (taskQueue) => {
    await env.client.workflow.execute(wf.parentClosing, {
      taskQueue,
      workflowId: randomUUID(),
      args: [policy, childId],
    });
    const child = env.client.workflow.getHandle(childId);
    if (status === 'RUNNING') {
      expect((await child.describe()).status.name).toBe('RUNNING');
      await child.terminate();
      return;
    }
    for (;;) {
      const { status: s } = await child.describe();
      if (s.name === status) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});

test('patching across a code change: old runs keep their path, new runs take the patch', async () => {
  const taskQueue = taskQueueFor('patching');
  const create = (version: string) =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: path.resolve(__dirname, `fixtures/patch-${version}/workflows.ts`),
    });
  const v1 = await create('v1');
  const oldRun = await v1.runUntil(async () => {
    const handle = await env.client.workflow.start('patchedAcrossChange', { taskQueue, workflowId: randomUUID() });
    // Version 1 must have completed the workflow task after the timer: stopped before that, version 2 would run
    // the task as new code, where `patched` is rightly true.
    for (;;) {
      const events = (await handle.fetchHistory()).events ?? [];
      const fired = events.findIndex((e) => e.timerFiredEventAttributes);
      if (fired >= 0 && events.slice(fired).some((e) => e.workflowTaskCompletedEventAttributes)) return handle;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  const v2 = await create('v2');
  await v2.runUntil(async () => {
    await oldRun.signal('go');
    expect(await oldRun.result()).toBe('v1 path');
    const newRun = await env.client.workflow.start('patchedAcrossChange', { taskQueue, workflowId: randomUUID() });
    await newRun.signal('go');
    expect(await newRun.result()).toBe('v2 path');
    const markers = (await newRun.fetchHistory()).events?.filter((e) => e.markerRecordedEventAttributes);
    expect(markers?.map((e) => e.markerRecordedEventAttributes?.markerName)).toEqual(['core_patch']);
  });
});

test('codecs run outside the isolate and custom payload converters inside', async () => {
  const taskQueue = taskQueueFor('codec');
  const dataConverter = {
    payloadConverterPath: path.resolve(__dirname, 'fixtures/codec/payload-converter.ts'),
    payloadCodecs: [new XorCodec()],
  };
  const worker = await env.createWorker({ taskQueue, activities, dataConverter });
  const client = new Client({
    connection: env.connection,
    dataConverter: {
      payloadCodecs: [new XorCodec()],
      payloadConverterPath: require.resolve('./fixtures/codec/payload-converter'),
    },
  });
  await worker.runUntil(async () => {
    const handle = await client.workflow.start(wf.activitiesWorkflow, { taskQueue, workflowId: randomUUID() });
    expect(((await handle.result()) as { greeting: string }).greeting).toBe('Hello, activity!');
    const history = await handle.fetchHistory();
    const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
    const payload = completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    expect(Buffer.from(payload?.metadata?.encoding ?? []).toString()).toBe('binary/xor');
  });
});

test('a payload that cannot be decoded fails the workflow task with a message naming the encoding', async () => {
  await withWorker(async (taskQueue) => {
    const handle = await env.client.workflow.start(wf.counter, { taskQueue, workflowId: randomUUID() });
    await env.connection.workflowService.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId },
      signalName: wf.incrementSignal.name,
      input: { payloads: [{ metadata: { encoding: Buffer.from('binary/mystery') }, data: Buffer.from('x') }] },
      identity: 'test',
    });
    for (;;) {
      const history = await handle.fetchHistory();
      const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
      if (failed) {
        expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/binary\/mystery/);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await handle.terminate();
  });
});

test('the core logs reach the runtime logger', async () => {
  await withWorker((taskQueue) =>
    env.client.workflow.execute(wf.helloWorkflow, { taskQueue, workflowId: randomUUID(), args: ['core'] }),
  );
  const core = capturedLogs.filter((e) => e.meta?.sdkComponent === 'core');
  expect(core.length).toBeGreaterThan(0);
  expect(core[0].meta?.target).toEqual(expect.any(String));
});
