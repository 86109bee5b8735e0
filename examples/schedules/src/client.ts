/**
 * The client: creates a schedule that starts `reminder` every 10 seconds, triggers it once right away and reads
 * that run's result, pauses it, makes it go faster (every 5 seconds), lists it, and deletes it. The official
 * `schedules` sample's steps in one program.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { Client, Connection, ScheduleOverlapPolicy } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { reminder } from './workflows';

/** Walks a schedule through its life; returns one line per step. */
export async function run(client: Client, taskQueue = TASK_QUEUE): Promise<string[]> {
  const scheduleId = `reminder-schedule-${randomUUID()}`;
  const lines: string[] = [];
  const handle = await client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '10 seconds' }] },
    action: { type: 'startWorkflow', workflowType: reminder, args: ['stretch your legs'], taskQueue },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
  lines.push(`created a schedule that runs every ${(await handle.describe()).spec.intervals?.[0]?.every} ms`);

  await handle.trigger(); // run the action now, whatever the spec says
  let described = await handle.describe();
  while (described.info.recentActions.length === 0) {
    await wait(50);
    described = await handle.describe();
  }
  const started = described.info.recentActions[0].action.workflow;
  const result = await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
  lines.push(`triggered run: ${String(result).replace(/ \(due .*\)$/, '')}`);

  await handle.pause('paused by the example');
  described = await handle.describe();
  lines.push(`paused: ${described.state.paused} (${described.state.note})`);

  await handle.update((previous) => ({ ...previous, spec: { intervals: [{ every: '5 seconds' }] } }));
  lines.push(`now runs every ${(await handle.describe()).spec.intervals?.[0]?.every} ms`);

  const listed: string[] = [];
  for await (const schedule of client.schedule.list()) listed.push(schedule.scheduleId);
  lines.push(`listed: ${listed.includes(scheduleId)}`);

  await handle.delete();
  lines.push('deleted');
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
