import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker, ensureEndpoint } from '../src/worker';
import { callerExpectingFailure } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

/** Runs `fn` with a worker on its own task queue and an endpoint of its own routing to it. */
async function withWorkerAndEndpoint<R>(fn: (taskQueue: string, endpoint: string) => Promise<R>): Promise<R> {
  const taskQueue = `test-nexus-${randomUUID()}`;
  const endpoint = `test-${randomUUID()}`;
  const deleteEndpoint = await ensureEndpoint(env.connection, endpoint, taskQueue);
  try {
    const worker = await createWorker(env.nativeConnection, taskQueue);
    return await worker.runUntil(fn(taskQueue, endpoint));
  } finally {
    await deleteEndpoint();
  }
}

test('the caller gets the answers of the sync operation and of the workflow-run operation', async () => {
  const answers = await withWorkerAndEndpoint((taskQueue, endpoint) => run(env.client, taskQueue, endpoint));
  expect(answers).toEqual([
    'echo for Kairos',
    expect.stringMatching(/^Bonjour Kairos, from workflow hello-[0-9a-f-]{36}$/),
  ]);
});

test("a failing handler workflow reaches the caller as a NexusOperationFailure with the workflow's failure", async () => {
  const message = await withWorkerAndEndpoint((taskQueue, endpoint) =>
    env.client.workflow.execute(callerExpectingFailure, {
      taskQueue,
      workflowId: `nexus-failure-${randomUUID()}`,
      args: ['Kairos', endpoint],
    }),
  );
  expect(message).toBe('hello failed: unknown language "xx"');
});
