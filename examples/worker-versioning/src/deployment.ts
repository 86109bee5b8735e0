/**
 * Operating a Worker Deployment from a client: the deployment RPCs through `client.workflowService` (the client
 * has no wrapper for them, like the official one).
 */
import type { Client, WorkflowHandle } from '@kairos/client';
import { temporal } from '@kairos/proto';
import type { WorkerDeploymentOptions } from '@kairos/worker';

type Version = WorkerDeploymentOptions['version'];

const COMPLETED = temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED;

/** Calls `fn` until it succeeds and `done` holds for its result, for up to `timeoutMs`. */
async function retry<T>(what: string, fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lastError: unknown;
    try {
      const v = await fn();
      if (done(v)) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Makes `version` the current version of its deployment: new workflows, and the next tasks of auto-upgrade ones,
 * go to its workers. The server knows a version once its worker has polled, so this retries until then, and then
 * waits until the new routing is in force (a real cluster propagates it to its task queues in the background).
 */
export async function setCurrentVersion(client: Client, version: Version): Promise<void> {
  const { namespace, identity } = client.options;
  await retry(
    `version ${version.buildId} to become current`,
    () =>
      client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        identity,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
      }),
    () => true,
  );
  await retry(
    `the routing to ${version.buildId} to be in force`,
    () => client.workflowService.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName }),
    ({ workerDeploymentInfo: info }) =>
      info?.routingConfig?.currentDeploymentVersion?.buildId === version.buildId &&
      info.routingConfigUpdateState === COMPLETED,
  );
}

/**
 * Sends `percentage` % of new workflows to `version` (and the rest to the current version): a rollout in steps.
 * 0 stops sending new workflows there.
 */
export async function setRampingVersion(client: Client, version: Version, percentage: number): Promise<void> {
  const { namespace, identity } = client.options;
  await retry(
    `version ${version.buildId} to ramp`,
    () =>
      client.workflowService.setWorkerDeploymentRampingVersion({
        namespace,
        identity,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        percentage,
      }),
    () => true,
  );
}

/** The build id of the version that ran the workflow's last task, once it ran one. */
export async function versionThatRan(handle: WorkflowHandle): Promise<string> {
  return await retry(
    `workflow ${handle.workflowId} to run a task`,
    async () => (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? '',
    (buildId) => buildId !== '',
  );
}
