import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker } from '../src/worker';
import { lockWorkflow } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

const HELD_ONE_AT_A_TIME = [
  expect.stringMatching(/^1\. \w+ held the printer$/),
  expect.stringMatching(/^2\. \w+ held the printer$/),
  expect.stringMatching(/^3\. \w+ held the printer$/),
  'no two holders overlapped',
  'holder now: nobody',
];

test('three workflows hold the lock one after the other; signal-with-start starts the lock workflow', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-mutex');
  expect(await worker.runUntil(run(env.client, 'test-mutex'))).toEqual(HELD_ONE_AT_A_TIME);
});

test('the lock workflow continues as new, handing on the waiting requests', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-mutex-2');
  const resourceId = `printer-${randomUUID()}`;
  // A lock workflow that continues as new after every grant; the requests signal it instead of starting one.
  await env.client.workflow.start(lockWorkflow, { taskQueue: 'test-mutex-2', workflowId: resourceId, args: [[], 1] });
  expect(await worker.runUntil(run(env.client, 'test-mutex-2', resourceId))).toEqual(HELD_ONE_AT_A_TIME);
  let runs = 0;
  for await (const _run of env.client.workflow.list({ query: `WorkflowId = '${resourceId}'` })) runs++;
  expect(runs).toBeGreaterThanOrEqual(3);
});
