/**
 * The client: starts the job, waits until its activity has heartbeated some progress, cancels the workflow, and
 * prints how far the activity got and what the workflow did about it.
 *
 * `pnpm start` runs the whole example in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`), a worker, and the client.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { CancelledFailure, Client, Connection, defaultPayloadConverter, WorkflowFailedError } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { createWorker, TASK_QUEUE } from './worker';
import { runCancellableActivity } from './workflows';

/** Runs the job, cancels it after `progressBeforeCancel` steps, and describes the outcome. */
export async function run(client: Client, taskQueue = TASK_QUEUE, progressBeforeCancel = 5): Promise<string[]> {
  const handle = await client.workflow.start(runCancellableActivity, {
    taskQueue,
    workflowId: `cancellable-${randomUUID()}`,
    args: [50],
  });
  // The server keeps the last heartbeat of a running activity; describe() shows it.
  const lastHeartbeat = async (): Promise<number> => {
    const { raw } = await handle.describe();
    const payload = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
    return payload ? defaultPayloadConverter.fromPayload<number>(payload) : 0;
  };
  while ((await lastHeartbeat()) < progressBeforeCancel) await wait(50);
  await handle.cancel();
  const lines: string[] = [];
  try {
    await handle.result();
    lines.push('the job finished before the cancellation reached it');
  } catch (err) {
    if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) throw err;
    lines.push('workflow cancelled');
  }
  const { events } = await handle.fetchHistory();
  const cancelled = events?.find((e) => e.activityTaskCanceledEventAttributes);
  const released = events?.some(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'releaseResources',
  );
  lines.push(`activity ${cancelled ? 'stopped on cancellation' : 'was not cancelled'}`);
  lines.push(`releaseResources ${released ? 'ran' : 'did not run'}`);
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
