/**
 * The client: places three orders for two customers with search attributes, waits for them, and finds them again
 * with visibility queries (list and count), as the official `search-attributes` sample does.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server, started with the
 * example's search attributes (or the server of the environment configuration — `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig` — where they are registered first), a worker,
 * and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { TypedSearchAttributes } from '@kairos/common';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { temporal } from '@kairos/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL, SEARCH_ATTRIBUTES } from './search-attributes';
import { createWorker, TASK_QUEUE } from './worker';
import { order } from './workflows';

/** Registers the example's search attributes on a server (already registered ones are left as they are). */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  await connection.operatorService.addSearchAttributes({
    namespace,
    // SearchAttributeType.KEYWORD is IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, and so on.
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map(({ name, type }) => [name, IndexedValueType[`INDEXED_VALUE_TYPE_${type}`]]),
    ),
  });
}

/** Places the orders and queries them; returns one line per query. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const batch = randomUUID().slice(0, 8);
  const orders = [
    { id: `${batch}-1`, customer: `alice-${batch}`, total: 25.5 },
    { id: `${batch}-2`, customer: `alice-${batch}`, total: 120 },
    { id: `${batch}-3`, customer: `bob-${batch}`, total: 9.99 },
  ];
  await Promise.all(
    orders.map(({ id, customer, total }) =>
      client.workflow.execute(order, {
        taskQueue,
        workflowId: `order-${id}`,
        args: [id],
        typedSearchAttributes: [
          { key: CUSTOMER_ID, value: customer },
          { key: ORDER_STATUS, value: 'placed' },
          { key: ORDER_TOTAL, value: total },
        ],
      }),
    ),
  );
  const list = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId.replace(`-${batch}`, ''));
    return ids.sort().join(', ');
  };
  const aliceShipped = `CustomerId = 'alice-${batch}' AND OrderStatus = 'shipped'`;
  const bigOrders = `CustomerId STARTS_WITH 'alice-${batch}' AND OrderTotal > 100`;
  const { count } = await client.workflow.count(`CustomerId IN ('alice-${batch}', 'bob-${batch}')`);
  return [
    `alice's shipped orders: ${await list(aliceShipped)}`,
    `alice's orders over 100: ${await list(bigOrders)}`,
    `orders of alice and bob: ${count}`,
  ];
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const server = connectionOptions.address
    ? undefined
    : await startDevServer({
        namespaces: [namespace],
        searchAttributes: Object.fromEntries(
          SEARCH_ATTRIBUTES.map(({ name, type }) => [name, TypedSearchAttributes.toMetadataType(type)]),
        ),
      });
  const address = connectionOptions.address ?? server?.address;
  console.error(`${server ? 'Embedded Kairos dev server listening' : 'Using the server'} on ${address}`);
  const nativeConnection = await NativeConnection.connect({ ...connectionOptions, address });
  const connection = await Connection.connect({ ...connectionOptions, address });
  try {
    if (!server) await registerSearchAttributes(connection, namespace);
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
