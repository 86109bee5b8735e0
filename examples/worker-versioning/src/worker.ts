/**
 * The workers: one per version of the workflow code, each a version (build id `v1` or `v2`) of the
 * `worker-versioning-example` Worker Deployment. `pnpm worker v1` (or `v2`) runs one on its own against
 * the server of the environment configuration (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE` or a `temporal.toml` profile,
 * read by `@kairos/envconfig`; by default localhost:7233).
 */
import { loadClientConnectConfig } from '@kairos/envconfig';
import { NativeConnection, Worker, type WorkerDeploymentOptions } from '@kairos/worker';
import * as activities from './activities';

export const TASK_QUEUE = 'worker-versioning';
export const DEPLOYMENT_NAME = 'worker-versioning-example';

/** The build ids of this example: one per version of the workflow code. */
export type BuildId = 'v1' | 'v2';

/** Where the example's workers poll: the task queue and the Worker Deployment their versions belong to. */
export interface Placement {
  taskQueue: string;
  deploymentName: string;
}

export const DEFAULT_PLACEMENT: Placement = { taskQueue: TASK_QUEUE, deploymentName: DEPLOYMENT_NAME };

/** The deployment version a worker of `buildId` runs as. */
export function versionOf(
  buildId: BuildId,
  placement: Placement = DEFAULT_PLACEMENT,
): WorkerDeploymentOptions['version'] {
  return { deploymentName: placement.deploymentName, buildId };
}

/** A worker running the workflow code of `buildId`, as that version of the deployment. */
export async function createWorker(
  connection: NativeConnection,
  buildId: BuildId,
  placement: Placement = DEFAULT_PLACEMENT,
  namespace = 'default',
): Promise<Worker> {
  return await Worker.create({
    connection,
    namespace,
    taskQueue: placement.taskQueue,
    workflowsPath: require.resolve(`./workflows-${buildId}`),
    activities,
    workerDeploymentOptions: {
      version: versionOf(buildId, placement),
      useWorkerVersioning: true,
      // For workflows that declare no behavior of their own (both of this example's declare one).
      defaultVersioningBehavior: 'PINNED',
    },
  });
}

async function main(): Promise<void> {
  const buildId = process.argv[2];
  if (buildId !== 'v1' && buildId !== 'v2') throw new Error(`usage: pnpm worker v1|v2 (got ${buildId ?? 'nothing'})`);
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const connection = await NativeConnection.connect({ address: 'localhost:7233', ...connectionOptions });
  try {
    await (await createWorker(connection, buildId, DEFAULT_PLACEMENT, namespace)).run(); // until Ctrl+C
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
