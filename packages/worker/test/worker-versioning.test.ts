/**
 * Worker deployment versioning on the Kairos worker: `workerDeploymentOptions` make the core poll and complete as a
 * deployment version, workflows declare PINNED or AUTO_UPGRADE with `setWorkflowOptions` (statically or from a
 * getter) or take the worker's default, and the server routes their tasks accordingly while a second version rolls
 * out. Also the versioning overrides of the client, and the upgrade of a pinned workflow through continue-as-new.
 *
 * Runs against the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@kairos/client';
import type { VersioningBehavior, WorkerDeploymentVersion } from '@kairos/common';
import { temporal } from '@kairos/proto';
import type { Worker } from '../src';
import { taskQueueFor, TestEnv } from './helpers/env';
import type { VersionReport } from './workflows/versioning';

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

const VB = temporal.api.enums.v1.VersioningBehavior;

let env: TestEnv;
beforeAll(async () => {
  env = await TestEnv.start();
});
afterAll(async () => {
  await env?.teardown();
});

/** A fresh deployment with two versions, A and B, on a fresh task queue. */
function rollout() {
  const deploymentName = `deployment-${randomUUID()}`;
  return {
    deploymentName,
    taskQueue: taskQueueFor('versioning'),
    A: { deploymentName, buildId: 'build-a' } as WorkerDeploymentVersion,
    B: { deploymentName, buildId: 'build-b' } as WorkerDeploymentVersion,
  };
}

async function versionedWorker(
  taskQueue: string,
  version: WorkerDeploymentVersion,
  defaultVersioningBehavior: VersioningBehavior = 'AUTO_UPGRADE',
): Promise<Worker> {
  return env.createWorker({
    taskQueue,
    workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior },
  });
}

/** Runs `fn` while the workers run, shutting them down after. */
async function running<R>(workers: Worker[], fn: () => Promise<R>): Promise<R> {
  const runs = workers.map((w) => w.run());
  try {
    return await fn();
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.all(runs);
  }
}

/**
 * Makes `version` current, once its worker has polled (the server learns of a version from its polls), and waits
 * until the new routing is in force (a real cluster propagates it to its task queues in the background).
 */
async function makeCurrent(version: WorkerDeploymentVersion): Promise<void> {
  const ws = env.client.workflowService;
  const deadline = Date.now() + 30_000;
  const retry = async <T>(fn: () => Promise<T>, done: (v: T) => boolean): Promise<void> => {
    for (;;) {
      try {
        if (done(await fn())) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`version ${version.buildId} did not become current in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await retry(
    () =>
      ws.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: 'test',
      }),
    () => true,
  );
  const COMPLETED = temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED;
  await retry(
    () => ws.describeWorkerDeployment({ namespace: 'default', deploymentName: version.deploymentName }),
    (d) =>
      d.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId === version.buildId &&
      d.workerDeploymentInfo.routingConfigUpdateState === COMPLETED,
  );
}

async function versioningInfo(handle: WorkflowHandle) {
  return (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
}

/** Waits until the workflow's first task completed (its versioning is known to the server). */
async function untilVersioned(handle: WorkflowHandle) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = await versioningInfo(handle);
    if (info?.behavior) return info;
    if (Date.now() > deadline) throw new Error(`workflow ${handle.workflowId} was not versioned in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('workerDeploymentOptions are checked: versioning needs a default behavior and a full version', async () => {
  const taskQueue = taskQueueFor('options');
  const version = { deploymentName: 'd', buildId: 'b' };
  await expect(
    env.createWorker({
      taskQueue,
      workerDeploymentOptions: { version, useWorkerVersioning: true } as never,
    }),
  ).rejects.toMatchObject({
    name: 'WorkerOptionsError',
    message:
      "workerDeploymentOptions.defaultVersioningBehavior must be 'PINNED' or 'AUTO_UPGRADE' when useWorkerVersioning is true, got undefined",
  });
  await expect(
    env.createWorker({
      taskQueue,
      workerDeploymentOptions: { version: { deploymentName: 'd', buildId: '' }, useWorkerVersioning: false },
    }),
  ).rejects.toMatchObject({
    name: 'WorkerOptionsError',
    message: "workerDeploymentOptions.version.buildId must be a non-empty string, got ''",
  });
});

test('rolling out a second version: the pinned workflow stays on the first, the auto-upgrade one moves', async () => {
  const { taskQueue, A, B } = rollout();
  const workerA = await versionedWorker(taskQueue, A);
  await running([workerA], async () => {
    await makeCurrent(A);
    const pinned = await env.client.workflow.start('pinnedWorkflow', {
      taskQueue,
      workflowId: `pinned-${randomUUID()}`,
    });
    const auto = await env.client.workflow.start('autoUpgradeWorkflow', {
      taskQueue,
      workflowId: `auto-${randomUUID()}`,
    });
    expect(await untilVersioned(pinned)).toEqual(
      expect.objectContaining({
        behavior: VB.VERSIONING_BEHAVIOR_PINNED,
        deploymentVersion: expect.objectContaining(A),
      }),
    );
    expect((await untilVersioned(auto)).behavior).toBe(VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);

    const workerB = await versionedWorker(taskQueue, B);
    await running([workerB], async () => {
      await makeCurrent(B);
      await pinned.signal('proceed');
      await auto.signal('proceed');
      const fromPinned: VersionReport = await pinned.result();
      const fromAuto: VersionReport = await auto.result();
      expect(fromPinned).toEqual({
        buildId: 'build-a',
        deploymentName: A.deploymentName,
        targetChanged: true,
        runs: 1,
      });
      expect(fromAuto).toEqual({ buildId: 'build-b', deploymentName: B.deploymentName, targetChanged: false, runs: 1 });
      expect((await versioningInfo(auto))?.deploymentVersion).toEqual(expect.objectContaining(B));
    });
  });
});

test("the worker's default behavior applies to workflows that declare none; a getter decides per run", async () => {
  const { taskQueue, A } = rollout();
  const worker = await versionedWorker(taskQueue, A, 'PINNED');
  await running([worker], async () => {
    await makeCurrent(A);
    const start = (type: string, memo?: Record<string, unknown>) =>
      env.client.workflow.start(type, { taskQueue, workflowId: `${type}-${randomUUID()}`, memo });
    const byDefault = await start('defaultBehaviorWorkflow');
    const pinnedByGetter = await start('dynamicBehaviorWorkflow', { pin: true });
    const autoByGetter = await start('dynamicBehaviorWorkflow', { pin: false });
    expect((await untilVersioned(byDefault)).behavior).toBe(VB.VERSIONING_BEHAVIOR_PINNED);
    expect((await untilVersioned(pinnedByGetter)).behavior).toBe(VB.VERSIONING_BEHAVIOR_PINNED);
    expect((await untilVersioned(autoByGetter)).behavior).toBe(VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
    for (const h of [byDefault, pinnedByGetter, autoByGetter]) await h.terminate('done');
  });
});

test('defineWorkflowOptions declares a behavior over the default of the worker', async () => {
  const { taskQueue, A } = rollout();
  const worker = await versionedWorker(taskQueue, A, 'AUTO_UPGRADE');
  await running([worker], async () => {
    await makeCurrent(A);
    const start = (type: string) =>
      env.client.workflow.start(type, { taskQueue, workflowId: `${type}-${randomUUID()}` });
    const declared = await start('definedPinnedWorkflow');
    const byDefault = await start('defaultBehaviorWorkflow');
    expect((await untilVersioned(declared)).behavior).toBe(VB.VERSIONING_BEHAVIOR_PINNED);
    expect((await untilVersioned(byDefault)).behavior).toBe(VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
    for (const h of [declared, byDefault]) await h.terminate('done');
  });
});

test("a client's versioning override pins a workflow to a version, or lets a pinned one auto-upgrade", async () => {
  const { taskQueue, A, B } = rollout();
  const workerA = await versionedWorker(taskQueue, A);
  const workerB = await versionedWorker(taskQueue, B);
  await running([workerA, workerB], async () => {
    await makeCurrent(A);
    await makeCurrent(B);
    await makeCurrent(A);
    // Pinned to B although A is current.
    const toB = await env.client.workflow.start('autoUpgradeWorkflow', {
      taskQueue,
      workflowId: `to-b-${randomUUID()}`,
      versioningOverride: { pinnedTo: B },
    });
    const info = await untilVersioned(toB);
    expect(info.versioningOverride?.pinned?.version).toEqual(expect.objectContaining(B));
    await toB.signal('proceed');
    expect((await toB.result()).buildId).toBe('build-b');

    // Declared pinned, but the override lets it follow the current version.
    const follows = await env.client.workflow.start('pinnedWorkflow', {
      taskQueue,
      workflowId: `follows-${randomUUID()}`,
      versioningOverride: 'AUTO_UPGRADE',
    });
    expect((await untilVersioned(follows)).versioningOverride?.autoUpgrade).toBe(true);
    await makeCurrent(B);
    await follows.signal('proceed');
    expect((await follows.result()).buildId).toBe('build-b');
  });
});

test('a pinned workflow told that its target moved continues as new onto the new version', async () => {
  const { taskQueue, A, B } = rollout();
  const workerA = await versionedWorker(taskQueue, A);
  const workerB = await versionedWorker(taskQueue, B);
  await running([workerA, workerB], async () => {
    await makeCurrent(A);
    const handle = await env.client.workflow.start('upgradeOnContinueAsNew', {
      taskQueue,
      workflowId: `upgrade-${randomUUID()}`,
      args: [1],
    });
    expect((await untilVersioned(handle)).deploymentVersion).toEqual(expect.objectContaining(A));
    await makeCurrent(B);
    await handle.signal('proceed');
    const report: VersionReport = await handle.result();
    expect(report).toEqual({ buildId: 'build-b', deploymentName: B.deploymentName, targetChanged: false, runs: 2 });
    // The first run continued on A and told the server to start the next one as auto-upgrade.
    const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    const completions = first.events!.filter((e) => e.workflowTaskCompletedEventAttributes);
    expect(completions[completions.length - 1].workflowTaskCompletedEventAttributes?.deploymentVersion).toEqual(
      expect.objectContaining(A),
    );
  });
});
