import { MockActivityEnvironment, TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { greet } from '../src/activities';
import { run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('the workflow greets through the activity', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-hello-world');
  const result = await worker.runUntil(run(env.client, 'test-hello-world'));
  expect(result).toBe('Hello, Kairos!');
});

test('the activity greets', async () => {
  const activityEnv = new MockActivityEnvironment();
  expect(await activityEnv.run(greet, 'Temporal')).toBe('Hello, Temporal!');
});
