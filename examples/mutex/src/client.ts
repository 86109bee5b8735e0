/**
 * The client: starts three workflows that all need the printer at once, and shows that they held its lock one
 * after the other.
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
import { currentHolder, oneAtATime } from './workflows';

/** Runs the three workflows on one resource; returns one line per holder, in order, and the lock's state. */
export async function run(
  client: Client,
  taskQueue = TASK_QUEUE,
  resourceId = `printer-${randomUUID()}`,
): Promise<string[]> {
  const names = ['report', 'invoice', 'poster'];
  const held = await Promise.all(
    names.map(async (name) => ({
      name,
      ...(await client.workflow.execute(oneAtATime, {
        taskQueue,
        workflowId: `${name}-${randomUUID()}`,
        args: [resourceId, 200],
      })),
    })),
  );
  held.sort((a, b) => a.from - b.from);
  const lines = held.map(({ name }, i) => `${i + 1}. ${name} held the printer`);
  const overlapping = held.some((h, i) => i > 0 && h.from < held[i - 1].to);
  lines.push(overlapping ? 'two holders overlapped!' : 'no two holders overlapped');
  const lock = client.workflow.getHandle(resourceId);
  lines.push(`holder now: ${(await lock.query(currentHolder)) ?? 'nobody'}`);
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
