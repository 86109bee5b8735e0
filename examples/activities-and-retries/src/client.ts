/**
 * The client: processes three orders (one paid after two failed attempts, one with a declined card, one for
 * more than the warehouse holds) and prints what became of each.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { ActivityFailure, Client, Connection, WorkflowFailedError } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { type Order, processOrder } from './workflows';

export const ORDERS: Order[] = [
  { id: 'A-1', item: 'kettle', quantity: 2, card: '4242' },
  { id: 'A-2', item: 'toaster', quantity: 1, card: '0002' },
  { id: 'A-3', item: 'mug', quantity: 40, card: '4242' },
];

/** Processes each order and returns one line per order. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  return await Promise.all(
    ORDERS.map(async (order) => {
      try {
        return await client.workflow.execute(processOrder, {
          taskQueue,
          workflowId: `order-${order.id}-${randomUUID()}`,
          args: [order],
        });
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        // The workflow failed because an activity did: report the activity's own failure.
        const failure = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
        return `order ${order.id} failed: ${failure?.message}`;
      }
    }),
  );
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
