import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('books a whole trip, or undoes the steps that succeeded in reverse order', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-saga');
  expect(await worker.runUntil(run(env.client, 'test-saga'))).toEqual([
    'booked: car for Ada in Lisbon, hotel for Ada in Lisbon, flight for Ada to Lisbon',
    'failed: trip not booked (no seats left to Atlantis); cancelled the hotel for Ada, cancelled the car for Ada',
  ]);
});

test('compensations are activities recorded in the history', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-saga-2');
  const workflows = await worker.runUntil(async () => {
    await run(env.client, 'test-saga-2');
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({
      query: `TaskQueue = 'test-saga-2' AND ExecutionStatus = 'Failed'`,
    })) {
      ids.push(wf.workflowId);
    }
    return ids;
  });
  expect(workflows).toHaveLength(1);
  const { events } = await env.client.workflow.getHandle(workflows[0]).fetchHistory();
  const activities = events
    ?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => name !== undefined);
  expect(activities).toEqual(['bookCar', 'bookHotel', 'bookFlight', 'cancelHotel', 'cancelCar']);
});
