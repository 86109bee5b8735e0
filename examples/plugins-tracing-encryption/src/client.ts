/**
 * The client: registers a patient and prints the result and the trace of the run.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), one
 * connection composed from the two plugins, a worker and a client on it.
 */
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createEncryptionPlugin, createTracingPlugin } from './plugins';
import { spanTree } from './span-tree';
import { createWorker, TASK_QUEUE } from './worker';
import { registerPatient } from './workflows';

/** Registers a patient through the workflow and returns its result. */
export async function run(
  client: Client,
  taskQueue = TASK_QUEUE,
  workflowId = `register-patient-${randomUUID()}`,
): Promise<string> {
  return await client.workflow.execute(registerPatient, {
    taskQueue,
    workflowId,
    args: [{ name: 'Ada Lovelace', ssn: '078-05-1120' }],
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const server = connectionOptions.address ? undefined : await startDevServer();
  const address = connectionOptions.address ?? server?.address;
  console.error(`${server ? 'Embedded Kairos dev server listening' : 'Using the server'} on ${address}`);

  const spans = new InMemorySpanExporter();
  const tracing = createTracingPlugin(new SimpleSpanProcessor(spans));
  const plugins = [tracing.plugin, createEncryptionPlugin()];
  // One connection for the worker and the client: both take the plugins from it.
  const connection = await NativeConnection.connect({ ...connectionOptions, address, plugins });
  try {
    const worker = await createWorker(connection, TASK_QUEUE, namespace);
    const result = await worker.runUntil(run(new Client({ connection, namespace })));
    console.log(result);
    console.log('Spans:');
    for (const line of spanTree(spans.getFinishedSpans())) console.log(`  ${line}`);
  } finally {
    await connection.close();
    await tracing.provider.shutdown();
    await server?.shutdown();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
