/**
 * The client: rolls out a second version of the workflow code while two workflows of the first one are open.
 *
 * 1. A v1 worker runs; v1 becomes the current version. An order (PINNED) and a newsletter (AUTO_UPGRADE) start
 *    and wait for a signal, on v1.
 * 2. A v2 worker starts; v2 becomes the current version.
 * 3. Both get their signal: the order finishes on v1, the code it started with; the newsletter moves to v2.
 *    A new order starts on v2.
 *
 * `pnpm start` runs it all in this one process: the embedded Kairos dev server (or the server of the
 * environment configuration: `TEMPORAL_ADDRESS` or a `temporal.toml` profile, read by `@kairos/envconfig`; a real one needs worker deployments enabled, as `temporal server start-dev` has them), both
 * workers, and the client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';
import { loadClientConnectConfig } from '@kairos/envconfig';
import { DefaultLogger, NativeConnection, Runtime } from '@kairos/worker';
import { setCurrentVersion, versionThatRan } from './deployment';
import { approveSignal, publishSignal } from './signals';
import { createWorker, DEFAULT_PLACEMENT, Placement, versionOf } from './worker';
import type { newsletter, order } from './workflows-v2';

/** What became of each workflow of the rollout. */
export interface RolloutResult {
  /** The order started on v1 before the rollout and approved after it. */
  pinnedOrder: { startedOn: string; result: string };
  /** The newsletter started on v1 before the rollout and published after it. */
  autoUpgradeNewsletter: { startedOn: string; result: string };
  /** An order started after the rollout. */
  newOrder: { startedOn: string; result: string };
}

/** Runs the rollout on `connection` (for the workers) and `client`. */
export async function rollout(
  client: Client,
  connection: NativeConnection,
  placement: Placement = DEFAULT_PLACEMENT,
): Promise<RolloutResult> {
  const { taskQueue } = placement;
  // Both workflows take one string and return one: started by name, as the client does not pick their code.
  const start = (type: 'order' | 'newsletter', arg: string) =>
    client.workflow.start<typeof order | typeof newsletter>(type, {
      taskQueue,
      workflowId: `${arg}-${randomUUID()}`,
      args: [arg],
    });

  const v1 = await createWorker(connection, 'v1', placement, client.options.namespace);
  return await v1.runUntil(async () => {
    await setCurrentVersion(client, versionOf('v1', placement));
    const oldOrder = await start('order', 'order-1');
    const letter = await start('newsletter', 'issue-1');
    const oldOrderStartedOn = await versionThatRan(oldOrder);
    const letterStartedOn = await versionThatRan(letter);

    // The rollout: v1 keeps running for the runs pinned to it.
    const v2 = await createWorker(connection, 'v2', placement, client.options.namespace);
    return await v2.runUntil(async () => {
      await setCurrentVersion(client, versionOf('v2', placement));
      await oldOrder.signal(approveSignal);
      await letter.signal(publishSignal);
      const newOrder = await start('order', 'order-2');
      const newOrderStartedOn = await versionThatRan(newOrder);
      await newOrder.signal(approveSignal);
      return {
        pinnedOrder: { startedOn: oldOrderStartedOn, result: await oldOrder.result() },
        autoUpgradeNewsletter: { startedOn: letterStartedOn, result: await letter.result() },
        newOrder: { startedOn: newOrderStartedOn, result: await newOrder.result() },
      };
    });
  });
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
    const result = await rollout(new Client({ connection, namespace }), nativeConnection);
    for (const [name, { startedOn, result: value }] of Object.entries(result)) {
      console.log(`${name}: started on ${startedOn}, ${value}`);
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
