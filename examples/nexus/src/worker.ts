/**
 * The worker: runs the caller's workflow, the handler's workflow and the Nexus service handler on one task queue
 * (in real life the caller and handler sides are usually separate workers and namespaces), and the endpoint that
 * routes `hello-endpoint` to that task queue. `pnpm worker` runs it on its own against the server of the
 * environment configuration (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE` or a `temporal.toml` profile, read by
 * `@kairos/envconfig`; by default localhost:7233).
 */
import { Connection } from '@kairos/client';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { NativeConnection, Worker } from '@kairos/worker';
import { helloServiceHandler } from './handler';
import { ENDPOINT } from './workflows';

export const TASK_QUEUE = 'nexus-example';

/** A worker for this example on `connection`. */
export async function createWorker(
  connection: NativeConnection,
  taskQueue = TASK_QUEUE,
  namespace = 'default',
): Promise<Worker> {
  return await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    nexusServices: [helloServiceHandler],
  });
}

/**
 * Creates the endpoint `name` targeting `taskQueue` in `namespace`, unless an endpoint of that name
 * exists; returns a function that deletes it (a no-op when it existed before).
 */
export async function ensureEndpoint(
  connection: Connection,
  name = ENDPOINT,
  taskQueue = TASK_QUEUE,
  namespace = 'default',
): Promise<() => Promise<void>> {
  const { endpoints } = await connection.operatorService.listNexusEndpoints({ name });
  if (endpoints && endpoints.length > 0) return async () => {};
  const { endpoint } = await connection.operatorService.createNexusEndpoint({
    spec: { name, target: { worker: { namespace, taskQueue } } },
  });
  return async () => {
    await connection.operatorService.deleteNexusEndpoint({ id: endpoint!.id, version: endpoint!.version });
  };
}

async function main(): Promise<void> {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const options = { address: 'localhost:7233', ...connectionOptions };
  const connection = await Connection.connect(options);
  const nativeConnection = await NativeConnection.connect(options);
  try {
    await ensureEndpoint(connection, ENDPOINT, TASK_QUEUE, namespace);
    await (await createWorker(nativeConnection, TASK_QUEUE, namespace)).run(); // until Ctrl+C
  } finally {
    await nativeConnection.close();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
