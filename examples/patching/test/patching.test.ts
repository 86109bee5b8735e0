import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DeterminismViolationError } from '@kairos/workflow';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime, Worker } from '@kairos/worker';
import { run, V1_HISTORY } from '../src/client';
import { createWorker } from '../src/worker';
import { greet } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const v1History = (): unknown => JSON.parse(fs.readFileSync(V1_HISTORY, 'utf8'));

describe('replay of the history recorded with the first version', () => {
  test('replays with the patched code', async () => {
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, v1History());
  });

  test('fails with a non-determinism error when the change is made without patched', async () => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows-unpatched') }, v1History()),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});

describe('new runs', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('take the new path and record the patch marker', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-patching');
    const handle = await env.client.workflow.start(greet, {
      taskQueue: 'test-patching',
      workflowId: `greet-${randomUUID()}`,
      args: ['Ada'],
    });
    expect(await worker.runUntil(handle.result())).toBe('Good day, Ada.');
    const { events } = await handle.fetchHistory();
    expect(events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
  });

  test('the client reports the new run and both replays', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-patching-2');
    expect(await worker.runUntil(run(env.client, 'test-patching-2'))).toEqual([
      'new run: Good day, Kairos.',
      'old history with the patched code: replays',
      'old history with the change made without patched: does not replay: DeterminismViolationError',
    ]);
  });
});
