/**
 * The client: sends Alice's message through the workflow with the encrypting data converter, prints the reply,
 * and shows what the server stored for the workflow's input: ciphertext.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { getDataConverter } from './data-converter';
import { createWorker, TASK_QUEUE } from './worker';
import { example } from './workflows';

/** Runs the workflow; returns the reply and what the server's history holds for the input. */
export async function run(connection: Connection, taskQueue = TASK_QUEUE, namespace = 'default'): Promise<string[]> {
  const client = new Client({ connection, namespace, dataConverter: getDataConverter() });
  const handle = await client.workflow.start(example, {
    taskQueue,
    workflowId: `encryption-${randomUUID()}`,
    args: ['Alice: Private message for Bob.'],
  });
  const result = await handle.result();
  const { events } = await handle.fetchHistory();
  const stored = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const encoding = new TextDecoder().decode(stored?.metadata?.encoding ?? new Uint8Array());
  return [result, `the server stored the input as ${encoding}, ${stored?.data?.length} bytes`];
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
    for (const line of await worker.runUntil(run(connection, TASK_QUEUE, namespace))) console.log(line);
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
