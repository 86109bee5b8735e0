// Worker deployment versioning with the official SDK's worker and client, against both servers: a second version
// rolls out while a pinned and an auto-upgrade workflow are open, a client override pins a workflow, and a pinned
// workflow upgrades itself through continue-as-new.
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import { onEachServer, TestServer } from './servers';
import type { Report } from './workflows/versioning';

Runtime.install({ logger: new DefaultLogger('ERROR') });
jest.setTimeout(60_000);

const VB = temporal.api.enums.v1.VersioningBehavior;
const COMPLETED = temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED;

describe('worker deployment versioning with the official SDK', () => {
  onEachServer({}, (server: () => TestServer) => {
    let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
    let native: NativeConnection;
    let connection: Connection;
    let client: Client;
    beforeAll(async () => {
      bundle = await bundleWorkflowCode({
        workflowsPath: path.join(__dirname, 'workflows', 'versioning.ts'),
        logger: new DefaultLogger('WARN'),
      });
      native = await NativeConnection.connect({ address: server().address });
      connection = await Connection.connect({ address: server().address });
      client = new Client({ connection });
    }, 60_000);
    afterAll(async () => {
      await connection?.close();
      await native?.close();
    });

    function rollout() {
      const deploymentName = uniqueId('dep');
      const version = (buildId: string): WorkerDeploymentVersion => ({ deploymentName, buildId });
      return { taskQueue: uniqueId('tq'), A: version('build-a'), B: version('build-b') };
    }

    const worker = (taskQueue: string, version: WorkerDeploymentVersion) =>
      Worker.create({
        connection: native,
        taskQueue,
        workflowBundle: bundle,
        workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' },
      });

    /** Runs `fn` with the workers running, and stops them after. */
    async function running<R>(workers: Worker[], fn: () => Promise<R>): Promise<R> {
      const runs = workers.map((w) => w.run());
      try {
        return await fn();
      } finally {
        for (const w of workers) w.shutdown();
        await Promise.all(runs);
      }
    }

    /** Makes `version` current once its worker has polled, and waits until the routing is in force. */
    async function makeCurrent(version: WorkerDeploymentVersion): Promise<void> {
      await waitUntil(
        async () => {
          try {
            await client.workflowService.setWorkerDeploymentCurrentVersion({
              namespace: 'default',
              deploymentName: version.deploymentName,
              buildId: version.buildId,
            });
            return true;
          } catch {
            return false;
          }
        },
        30_000,
        `${version.buildId} to become current`,
      );
      await waitUntil(
        async () => {
          const d = await client.workflowService.describeWorkerDeployment({
            namespace: 'default',
            deploymentName: version.deploymentName,
          });
          const info = d.workerDeploymentInfo;
          return (
            info?.routingConfig?.currentDeploymentVersion?.buildId === version.buildId &&
            info.routingConfigUpdateState === COMPLETED
          );
        },
        30_000,
        `routing to ${version.buildId}`,
      );
    }

    /** The versioning info of a workflow once its first task completed. */
    const versioned = (handle: WorkflowHandle) =>
      waitUntil(
        async () => {
          const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
          return info?.behavior ? info : undefined;
        },
        30_000,
        `${handle.workflowId} to run a task`,
      );

    test('the pinned workflow finishes on its version, the auto-upgrade one on the new current version', async () => {
      const { taskQueue, A, B } = rollout();
      const workerA = await worker(taskQueue, A);
      await running([workerA], async () => {
        await makeCurrent(A);
        const pinned = await client.workflow.start('pinned', { taskQueue, workflowId: uniqueId('pinned') });
        const auto = await client.workflow.start('autoUpgrade', { taskQueue, workflowId: uniqueId('auto') });
        expect((await versioned(pinned)).behavior).toBe(VB.VERSIONING_BEHAVIOR_PINNED);
        expect((await versioned(auto)).behavior).toBe(VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
        const workerB = await worker(taskQueue, B);
        await running([workerB], async () => {
          await makeCurrent(B);
          await pinned.signal('proceed');
          await auto.signal('proceed');
          expect(await pinned.result()).toEqual<Report>({ buildId: 'build-a', targetChanged: true, run: 1 });
          expect(await auto.result()).toEqual<Report>({ buildId: 'build-b', targetChanged: false, run: 1 });
        });
      });
    });

    test("a client's pinned override sends a workflow to a version that is not current", async () => {
      const { taskQueue, A, B } = rollout();
      const [workerA, workerB] = [await worker(taskQueue, A), await worker(taskQueue, B)];
      await running([workerA, workerB], async () => {
        await makeCurrent(B);
        await makeCurrent(A);
        const handle = await client.workflow.start('autoUpgrade', {
          taskQueue,
          workflowId: uniqueId('override'),
          versioningOverride: { pinnedTo: B },
        });
        expect((await versioned(handle)).versioningOverride?.pinned?.version?.buildId).toBe('build-b');
        await handle.signal('proceed');
        expect((await handle.result()).buildId).toBe('build-b');
      });
    });

    test('a pinned workflow told its target moved continues as new onto the new version', async () => {
      const { taskQueue, A, B } = rollout();
      const [workerA, workerB] = [await worker(taskQueue, A), await worker(taskQueue, B)];
      await running([workerA, workerB], async () => {
        await makeCurrent(A);
        const handle = await client.workflow.start('upgradesOnContinueAsNew', {
          taskQueue,
          workflowId: uniqueId('can'),
          args: [1],
        });
        expect((await versioned(handle)).deploymentVersion?.buildId).toBe('build-a');
        await makeCurrent(B);
        await handle.signal('proceed');
        expect(await handle.result()).toEqual<Report>({ buildId: 'build-b', targetChanged: false, run: 2 });
      });
    });
  });
});
