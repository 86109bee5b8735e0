/**
 * The client: runs `greet` with the current code, then checks that a history recorded with the first version
 * (`history/greet-v1.json`) still replays with it, and that it would not without `patched`.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client. `pnpm record-v1` records the old history again.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection, historyToJSON } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@kairos/worker';
import * as activities from './activities';
import { createWorker, TASK_QUEUE } from './worker';
import { greet } from './workflows';

export const V1_HISTORY = path.join(__dirname, '..', 'history', 'greet-v1.json');

/** Whether the history at `historyPath` replays with the workflows of `workflowsPath`, or why not. */
export async function replays(workflowsPath: string, historyPath = V1_HISTORY): Promise<string> {
  const history: unknown = JSON.parse(fs.readFileSync(historyPath, 'utf8'));
  try {
    await Worker.runReplayHistory({ workflowsPath }, history);
    return 'replays';
  } catch (err) {
    return `does not replay: ${(err as Error).name}`;
  }
}

/** Runs the current code and checks the old history against it. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const result = await client.workflow.execute(greet, {
    taskQueue,
    workflowId: `greet-${randomUUID()}`,
    args: ['Kairos'],
  });
  return [
    `new run: ${result}`,
    `old history with the patched code: ${await replays(require.resolve('./workflows'))}`,
    `old history with the change made without patched: ${await replays(require.resolve('./workflows-unpatched'))}`,
  ];
}

/** Records a run of the first version (`workflows-v1.ts`) into `history/greet-v1.json`. */
async function recordV1(client: Client, nativeConnection: NativeConnection): Promise<void> {
  const taskQueue = `patching-v1-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: client.options.namespace,
    taskQueue,
    workflowsPath: require.resolve('./workflows-v1'),
    activities,
  });
  const handle = await client.workflow.start('greet', { taskQueue, workflowId: 'greet-v1', args: ['Kairos'] });
  await worker.runUntil(handle.result());
  const history = await handle.fetchHistory();
  fs.writeFileSync(V1_HISTORY, `${historyToJSON(history)}\n`);
  console.log(`recorded ${V1_HISTORY}`);
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
    const client = new Client({ connection, namespace });
    if (process.argv.includes('--record-v1')) {
      await recordV1(client, nativeConnection);
      return;
    }
    const worker = await createWorker(nativeConnection, TASK_QUEUE, namespace);
    for (const line of await worker.runUntil(run(client))) console.log(line);
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
