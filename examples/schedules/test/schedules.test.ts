import { ScheduleNotFoundError } from '@kairos/client';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
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

test('creates, triggers, pauses, updates, lists and deletes a schedule', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-schedules');
  expect(await worker.runUntil(run(env.client, 'test-schedules'))).toEqual([
    'created a schedule that runs every 10000 ms',
    'triggered run: reminder: stretch your legs',
    'paused: true (paused by the example)',
    'now runs every 5000 ms',
    'listed: true',
    'deleted',
  ]);
  const ids: string[] = [];
  for await (const schedule of env.client.schedule.list()) ids.push(schedule.scheduleId);
  expect(ids).toEqual([]);
  await expect(env.client.schedule.getHandle('no-such-schedule').describe()).rejects.toBeInstanceOf(
    ScheduleNotFoundError,
  );
});
