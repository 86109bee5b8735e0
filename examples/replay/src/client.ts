/**
 * The client: runs a few workflows, exports the history of one to a JSON file (the format `temporal workflow show
 * --output json` and the web UI export), replays that file against the workflow code, and replays every closed
 * run of the task queue straight from the server, as the official `replay-history` sample does. Run replays in
 * CI before deploying a change to workflow code: a change that breaks running workflows fails them.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, historyToJSON } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { greetLater } from './workflows';

/** Writes the history of workflow `workflowId` to `file` as JSON. */
export async function exportHistory(client: Client, workflowId: string, file: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  fs.writeFileSync(file, historyToJSON(history));
}

/** Replays the history in the JSON file `file` against this example's workflow code; throws if it does not replay. */
export async function replayFile(file: string): Promise<void> {
  await Worker.runReplayHistory(
    { workflowsPath: require.resolve('./workflows') },
    JSON.parse(fs.readFileSync(file, 'utf8')),
  );
}

/** Replays every closed run of `taskQueue` from the server; returns how many replayed and how many failed. */
export async function replayAll(client: Client, taskQueue: string): Promise<{ replayed: number; failed: string[] }> {
  const histories = client.workflow
    .list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus != 'Running'` })
    .intoHistories();
  const failed: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('./workflows') }, histories)) {
    replayed++;
    if (result.error) failed.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failed };
}

/** Runs three workflows, then exports and replays. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const ids = ['Ada', 'Grace', 'Edsger'].map((name) => ({ name, workflowId: `greet-${name}-${randomUUID()}` }));
  await Promise.all(
    ids.map(({ name, workflowId }) => client.workflow.execute(greetLater, { taskQueue, workflowId, args: [name] })),
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-replay-')), 'history.json');
  await exportHistory(client, ids[0].workflowId, file);
  const events = (JSON.parse(fs.readFileSync(file, 'utf8')) as { events: unknown[] }).events.length;
  await replayFile(file);
  const { replayed, failed } = await replayAll(client, taskQueue);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return [
    `exported ${events} events of the first run to a JSON file and replayed them`,
    `replayed ${replayed} closed runs from the server, ${failed.length} failed${failed.length ? `: ${failed.join('; ')}` : ''}`,
  ];
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
    const worker = await createWorker(nativeConnection, `${TASK_QUEUE}-${randomUUID()}`, namespace);
    const taskQueue = worker.options.taskQueue;
    for (const line of await worker.runUntil(run(new Client({ connection, namespace }), taskQueue))) console.log(line);
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
