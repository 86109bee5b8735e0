// Time skipping: the official @temporalio/testing time-skipping environment launches the Kairos CLI as
// its test server executable and skips a one-day timer at once.
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import * as activities from './activities';
import { uniqueId, workflowsPath } from './helpers';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const cliPath = path.join(__dirname, '..', 'lib', 'cli.js');
const DAY = 24 * 3600 * 1000;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: cliPath } } });
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

test('skips a one-day timer at once in the official time-skipping environment', async () => {
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const taskQueue = uniqueId('tq');
  const worker = await Worker.create({ connection: env.nativeConnection, workflowBundle: bundle, activities, taskQueue });
  const before = await env.currentTimeMs();
  const workflowId = uniqueId();
  const result = await worker.runUntil(env.client.workflow.execute('sleeper', { taskQueue, workflowId, args: [DAY] }));
  expect(result).toBe('slept');
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + DAY);
  // The history's own clock shows the day passing between the timer's start and its firing.
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!;
  const seconds = (type: string) => Number(events.find((e) => e.timerStartedEventAttributes && type === 'started' ? true : !!e.timerFiredEventAttributes && type === 'fired')!.eventTime!.seconds);
  expect(seconds('fired') - seconds('started')).toBeGreaterThanOrEqual(DAY / 1000);
}, 30_000);

test('env.sleep advances the virtual clock', async () => {
  const before = await env.currentTimeMs();
  await env.sleep('2 hours');
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + 2 * 3600 * 1000);
});
