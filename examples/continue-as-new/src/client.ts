/**
 * The client: runs the loop and prints its result and how many runs the workflow id went through.
 *
 * `pnpm start` runs the whole example in this one process on the embedded Kairos dev server with time skipping
 * unlocked, so the one-second sleeps pass at once (or, in ten seconds, on the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { loopingWorkflow } from './workflows';

/** Runs the loop to its end; returns its result and the number of runs of its workflow id. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const workflowId = `looping-${randomUUID()}`;
  // `result()` follows the chain of runs to the last one.
  const result = await client.workflow.execute(loopingWorkflow, { taskQueue, workflowId, args: [0, 10] });
  let runs = 0;
  for await (const _run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs++;
  return [
    result.replace(/run [0-9a-f-]+$/, 'run <id>'),
    `runs of ${workflowId.replace(/-[0-9a-f-]+$/, '-<id>')}: ${runs}`,
  ];
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig();
  const server = connectionOptions.address
    ? undefined
    : await startDevServer({
        namespaces: [namespace],
        timeSkipping: true,
        timeSkippingUnlocked: true,
      });
  const address = connectionOptions.address ?? server?.address;
  console.error(
    `${server ? 'Embedded Kairos dev server (time skipping) listening' : 'Using the server'} on ${address}`,
  );
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
