/**
 * The client: runs the caller's workflow and prints what both operations answered.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server at
 * TEMPORAL_ADDRESS when it is set), the endpoint, a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
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
  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server?.address;
  console.error(`${server ? 'Embedded Kairos dev server listening' : 'Using the server'} on ${address}`);
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const deleteEndpoint = await ensureEndpoint(connection);
    try {
      const worker = await createWorker(nativeConnection);
      const answers = await worker.runUntil(run(new Client({ connection })));
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
