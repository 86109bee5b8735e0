import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime, Worker } from '@kairos/worker';
import { DeterminismViolationError } from '@kairos/workflow';
import { rollout } from '../src/client';
import { setCurrentVersion, versionThatRan } from '../src/deployment';
import { createWorker, Placement, versionOf } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  // The embedded Kairos dev server; or, with TEMPORAL_ADDRESS set, that server (`temporal server start-dev`).
  const address = process.env.TEMPORAL_ADDRESS;
  env = address
    ? await TestWorkflowEnvironment.createFromExistingServer({ address })
    : await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

/** A task queue and deployment of this test's own. */
const placement = (): Placement => ({ taskQueue: `tq-${randomUUID()}`, deploymentName: `deployment-${randomUUID()}` });

test('the pinned order finishes on v1, the auto-upgrade newsletter moves to v2, a new order starts on v2', async () => {
  expect(await rollout(env.client, env.nativeConnection, placement())).toEqual({
    pinnedOrder: { startedOn: 'v1', result: 'charged order-1, shipped order-1 by standard mail (order code v1)' },
    autoUpgradeNewsletter: { startedOn: 'v1', result: 'sent issue-1 as HTML (newsletter code v2)' },
    newOrder: {
      startedOn: 'v2',
      result: 'reserved order-2, charged order-2, shipped order-2 by courier (order code v2)',
    },
  });
});

test('v2 replays what v1 wrote of a newsletter, but not of an order: why orders are pinned', async () => {
  const where = placement();
  const worker = await createWorker(env.nativeConnection, 'v1', where);
  const [orderHistory, newsletterHistory] = await worker.runUntil(async () => {
    await setCurrentVersion(env.client, versionOf('v1', where));
    const start = (type: string) =>
      env.client.workflow.start(type, { taskQueue: where.taskQueue, workflowId: randomUUID(), args: ['x'] });
    const handles = [await start('order'), await start('newsletter')];
    for (const h of handles) expect(await versionThatRan(h)).toBe('v1');
    // The order's history has its charge: wait for it before taking the history.
    for (;;) {
      const { events } = await handles[0].fetchHistory();
      if (events?.some((e) => e.activityTaskCompletedEventAttributes)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const histories = await Promise.all(handles.map((h) => h.fetchHistory()));
    for (const h of handles) await h.terminate('test done');
    return histories;
  });
  const v2 = { workflowsPath: require.resolve('../src/workflows-v2') };
  await Worker.runReplayHistory(v2, newsletterHistory);
  await expect(Worker.runReplayHistory(v2, orderHistory)).rejects.toBeInstanceOf(DeterminismViolationError);
});
