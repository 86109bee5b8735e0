import { CancelledFailure } from '@kairos/activity';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { fakeProgress } from '../src/activities';
import { run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
const quiet = { logger: new DefaultLogger('WARN') };

describe('workflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('cancelling the workflow stops the heartbeating activity and runs the cleanup', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-cancel');
    expect(await worker.runUntil(run(env.client, 'test-cancel', 3))).toEqual([
      'workflow cancelled',
      'activity stopped on cancellation',
      'releaseResources ran',
    ]);
  });
});

describe('fakeProgress', () => {
  test('heartbeats every step and resumes from the last heartbeat', async () => {
    const env = new MockActivityEnvironment({ heartbeatDetails: 97 }, quiet);
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    expect(await env.run(fakeProgress, 1)).toBe(100);
    expect(beats).toEqual([97, 98, 99, 100]);
  });

  test('stops with a CancelledFailure when cancelled', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    env.once('heartbeat', () => env.cancel());
    await expect(env.run(fakeProgress, 1)).rejects.toBeInstanceOf(CancelledFailure);
  });
});
