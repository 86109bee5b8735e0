/**
 * The client: books a trip to Lisbon (every step succeeds) and one to Atlantis (the flight fails and the car and
 * hotel are cancelled), and prints what happened.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import type { Trip } from './activities';
import { createWorker, TASK_QUEUE } from './worker';
import { bookTrip } from './workflows';

/** Books `trip` and describes the outcome in one line. */
export async function book(client: Client, trip: Trip, taskQueue = TASK_QUEUE): Promise<string> {
  try {
    const booked = await client.workflow.execute(bookTrip, {
      taskQueue,
      workflowId: `trip-${randomUUID()}`,
      args: [trip],
    });
    return `booked: ${booked.join(', ')}`;
  } catch (err) {
    if (err instanceof WorkflowFailedError) return `failed: ${err.cause?.message}`;
    throw err;
  }
}

/** Books the two trips. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  return [
    await book(client, { traveller: 'Ada', destination: 'Lisbon' }, taskQueue),
    await book(client, { traveller: 'Ada', destination: 'Atlantis' }, taskQueue),
  ];
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
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
