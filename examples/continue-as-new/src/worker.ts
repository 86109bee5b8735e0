/**
 * The worker: polls the `hello-world` task queue and runs the example's workflows and activities.
 * `pnpm worker` runs it on its own against the server of the environment configuration
 * (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE` or a `temporal.toml` profile, read by `@kairos/envconfig`; by default
 * localhost:7233).
 */
import { loadClientConnectConfig } from '@kairos/envconfig';
import { NativeConnection, Worker } from '@kairos/worker';

export const TASK_QUEUE = 'continue-as-new';

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
  });
}

async function main(): Promise<void> {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const connection = await NativeConnection.connect({ address: 'localhost:7233', ...connectionOptions });
  try {
    await (await createWorker(connection, TASK_QUEUE, namespace)).run(); // until Ctrl+C
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
