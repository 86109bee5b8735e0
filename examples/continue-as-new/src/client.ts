/**
 * The client: runs the loop and prints its result and how many runs the workflow id went through.
 *
 * `pnpm start` runs the whole example in this one process on the embedded Kairos dev server with time skipping
 * unlocked, so the one-second sleeps pass at once (or on the server at TEMPORAL_ADDRESS, in ten seconds).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
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
  const server = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startDevServer({ timeSkipping: true, timeSkippingUnlocked: true });
  const address = process.env.TEMPORAL_ADDRESS ?? server?.address;
  console.error(
    `${server ? 'Embedded Kairos dev server (time skipping) listening' : 'Using the server'} on ${address}`,
  );
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await createWorker(nativeConnection);
    for (const line of await worker.runUntil(run(new Client({ connection })))) console.log(line);
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
