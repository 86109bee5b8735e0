/**
 * The client: runs the caller's workflow and prints what both operations answered.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), the endpoint, a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, ensureEndpoint, TASK_QUEUE } from './worker';
import { callerWorkflow, ENDPOINT } from './workflows';

/** Runs the caller's workflow to completion and returns the answers of `echo` and `hello`. */
export async function run(client: Client, taskQueue = TASK_QUEUE, endpoint = ENDPOINT): Promise<string[]> {
  return await client.workflow.execute(callerWorkflow, {
    taskQueue,
    workflowId: `nexus-caller-${randomUUID()}`,
    args: ['Kairos', 'fr', endpoint],
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
    const deleteEndpoint = await ensureEndpoint(connection, ENDPOINT, TASK_QUEUE, namespace);
    try {
      const worker = await createWorker(nativeConnection, TASK_QUEUE, namespace);
      const answers = await worker.runUntil(run(new Client({ connection, namespace })));
      for (const answer of answers) console.log(answer);
    } finally {
      await deleteEndpoint();
    }
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
