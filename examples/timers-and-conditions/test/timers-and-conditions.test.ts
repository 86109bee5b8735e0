import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime, type Worker } from '@kairos/worker';
import { createWorker } from '../src/worker';
import { approval, complete, decide, emailsSent, sleepForDays } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

const DAY = 24 * 60 * 60 * 1000;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'test-timers';

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  worker = await createWorker(env.nativeConnection, taskQueue);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

test('sends an email every 30 days until told to stop', async () => {
  const handle = await env.client.workflow.start(sleepForDays, { taskQueue, workflowId: `sleeper-${randomUUID()}` });
  const start = await env.currentTimeMs();
  // 75 days of server time: emails on days 0, 30 and 60.
  await env.sleep('75 days');
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(start + 75 * DAY);
  expect(await handle.query(emailsSent)).toBe(3);
  await handle.signal(complete);
  expect(await handle.result()).toBe('done after 3 emails');
});

test('an approval times out after a week without a decision', async () => {
  const start = await env.currentTimeMs();
  expect(await env.client.workflow.execute(approval, { taskQueue, workflowId: `approval-${randomUUID()}` })).toBe(
    'timed out',
  );
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(start + 7 * DAY);
});

test('an approval returns the decision that arrives in time', async () => {
  const handle = await env.client.workflow.start(approval, { taskQueue, workflowId: `approval-${randomUUID()}` });
  await env.sleep('3 days');
  await handle.signal(decide, true);
  expect(await handle.result()).toBe('approved');
});
