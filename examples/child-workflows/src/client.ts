/**
 * The client: runs the parent workflow for three names and prints the answers of its children.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { parentWorkflow } from './workflows';

/** Runs the parent workflow to completion and returns its result. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string> {
  return await client.workflow.execute(parentWorkflow, {
    taskQueue,
    workflowId: `parent-${randomUUID()}`,
    args: ['Alice', 'Bob', 'Charlie'],
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const server = connectionOptions.address ? undefined : await startDevServer({ namespaces: [namespace] });
  const address = connectionOptions.address ?? server?.address;
  console.error(`${server ? 'Embedded Kairos dev server listening' : 'Using the server'} on ${address}`);
  const nativeConnection = await NativeConnection.connect({ ...connectionOptions, address });
  const connection = await Connection.connect({ ...connectionOptions, address });
  try {
    const worker = await createWorker(nativeConnection, TASK_QUEUE, namespace);
    const result = await worker.runUntil(run(new Client({ connection, namespace })));
    console.log(result);
  } finally {
    await connection.close();
    await nativeConnection.close();
    await server?.shutdown();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
