/**
 * The client: runs the parent workflow for three names and prints the answers of its children.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server at
 * TEMPORAL_ADDRESS when it is set), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
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
  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server?.address;
  console.error(`${server ? 'Embedded Kairos dev server listening' : 'Using the server'} on ${address}`);
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await createWorker(nativeConnection);
    const result = await worker.runUntil(run(new Client({ connection })));
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
