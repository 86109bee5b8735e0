import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker } from '../src/worker';
import { changeSalutation, finish, getGreeting, greeting, setSalutation } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('the client changes and reads the greeting', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-greeting');
  expect(await worker.runUntil(run(env.client, 'test-greeting'))).toEqual([
    'query: Hello, Kairos!',
    'query after signal: Bonjour, Kairos!',
    'update returned the old greeting: Bonjour, Kairos!',
    'update rejected: the salutation must not be empty',
    'result: Hola, Kairos!',
  ]);
});

test('signals sent before the worker runs are applied in order', async () => {
  const handle = await env.client.workflow.start(greeting, {
    taskQueue: 'test-greeting-2',
    workflowId: `greeting-${randomUUID()}`,
    args: ['Temporal'],
  });
  await handle.signal(setSalutation, 'Hi');
  await handle.signal(setSalutation, 'Hey');
  const worker = await createWorker(env.nativeConnection, 'test-greeting-2');
  await worker.runUntil(async () => {
    expect(await handle.query(getGreeting)).toBe('Hey, Temporal!');
    expect(await handle.executeUpdate(changeSalutation, { args: ['Yo'] })).toBe('Hey, Temporal!');
    await handle.signal(finish);
    expect(await handle.result()).toBe('Yo, Temporal!');
  });
});
