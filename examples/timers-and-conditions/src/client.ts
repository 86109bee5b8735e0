/**
 * The client: lets `sleepForDays` send three monthly emails, stops it, and runs an approval that nobody answers.
 *
 * `pnpm start` runs the whole example in this one process on the embedded Kairos dev server with time skipping
 * unlocked, so months pass in a moment. With a server in the environment configuration
 * (`TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`; a real server, no time skipping) the period is
 * two seconds and the approval times out after three.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { Client, Connection } from '@kairos/client';
import type { Duration } from '@kairos/common';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { approval, complete, sleepForDays } from './workflows';

/** Runs both workflows and returns their results. */
export async function run(
  client: Client,
  { period, approvalTimeout }: { period: Duration; approvalTimeout: Duration },
  taskQueue = TASK_QUEUE,
): Promise<string[]> {
  const handle = await client.workflow.start(sleepForDays, {
    taskQueue,
    workflowId: `sleep-for-days-${randomUUID()}`,
    args: [period],
  });
  // Waits until three emails went out: three completed sendEmail activities in the workflow's history.
  const emailsSent = async () =>
    (await handle.fetchHistory()).events?.filter((e) => e.activityTaskCompletedEventAttributes).length ?? 0;
  while ((await emailsSent()) < 3) await wait(50);
  await handle.signal(complete);
  const unanswered = await client.workflow.execute(approval, {
    taskQueue,
    workflowId: `approval-${randomUUID()}`,
    args: [approvalTimeout],
  });
  return [`sleepForDays: ${await handle.result()}`, `approval: ${unanswered}`];
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
    const durations = server
      ? { period: '30 days', approvalTimeout: '7 days' }
      : { period: '2s', approvalTimeout: '3s' };
    for (const line of await worker.runUntil(run(new Client({ connection, namespace }), durations))) console.log(line);
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
