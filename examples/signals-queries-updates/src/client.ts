/**
 * The client: starts a greeting, reads it with a query, changes it with a signal and with an update (which
 * answers with the greeting it replaced), has an empty salutation rejected, and finishes the workflow.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { changeSalutation, finish, getGreeting, greeting, setSalutation } from './workflows';

/** Runs the conversation and returns what each step saw, one line each. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const lines: string[] = [];
  const handle = await client.workflow.start(greeting, {
    taskQueue,
    workflowId: `greeting-${randomUUID()}`,
    args: ['Kairos'],
  });
  lines.push(`query: ${await handle.query(getGreeting)}`);
  await handle.signal(setSalutation, 'Bonjour');
  lines.push(`query after signal: ${await handle.query(getGreeting)}`);
  lines.push(`update returned the old greeting: ${await handle.executeUpdate(changeSalutation, { args: ['Hola'] })}`);
  try {
    await handle.executeUpdate(changeSalutation, { args: [' '] });
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    lines.push(`update rejected: ${err.cause?.message}`);
  }
  await handle.signal(finish);
  lines.push(`result: ${await handle.result()}`);
  return lines;
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
    for (const line of await worker.runUntil(run(new Client({ connection, namespace })))) console.log(line);
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
