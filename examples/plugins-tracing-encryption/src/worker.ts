/**
 * The worker: polls the `plugins-tracing-encryption` task queue and runs the example's workflows and activities.
 * It names no plugin: it takes tracing and encryption from the connection it is given. `pnpm worker` runs it on its
 * own against the server of the environment configuration (`TEMPORAL_ADDRESS`, a `temporal.toml` profile, else
 * localhost:7233), printing spans to the console.
 */
import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { NativeConnection, Worker } from '@kairos/worker';
import * as activities from './activities';
import { createEncryptionPlugin, createTracingPlugin } from './plugins';

export const TASK_QUEUE = 'plugins-tracing-encryption';

/** A worker for this example on `connection`, with the plugins of the connection. */
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
    activities,
  });
}

async function main(): Promise<void> {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const tracing = createTracingPlugin(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  const plugins = [tracing.plugin, createEncryptionPlugin()];
  const connection = await NativeConnection.connect({ address: 'localhost:7233', ...connectionOptions, plugins });
  try {
    await (await createWorker(connection, TASK_QUEUE, namespace)).run(); // until Ctrl+C
  } finally {
    await connection.close();
    await tracing.provider.shutdown();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
