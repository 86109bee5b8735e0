/**
 * Runs test Workflows on the official worker (`@temporalio/worker`, a test-only devDependency) until the
 * Kairos worker exists. The Workflow bundle is built once and cached on disk by content hash, so that test
 * files do not each pay for bundling.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';

const WORKFLOWS_DIR = path.resolve(__dirname, '../workflows');

let runtimeInstalled = false;

function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

async function workflowBundlePath(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of readdirSync(WORKFLOWS_DIR).sort())
    hash.update(file).update(readFileSync(path.join(WORKFLOWS_DIR, file)));
  const bundlePath = path.join(tmpdir(), `kairos-client-test-workflows-${hash.digest('hex').slice(0, 16)}.js`);
  if (!existsSync(bundlePath)) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(WORKFLOWS_DIR, 'index.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const partial = `${bundlePath}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, bundlePath);
  }
  return bundlePath;
}

export interface TestWorker {
  readonly taskQueue: string;
  shutdown(): Promise<void>;
}

/** Starts an official worker for the test Workflows and `activities` on `taskQueue`. */
export async function startWorker(options: {
  address: string;
  taskQueue: string;
  namespace?: string;
  activities?: object;
}): Promise<TestWorker> {
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: options.activities ?? {},
    stickyQueueScheduleToStartTimeout: '10s',
  });
  const running = worker.run();
  return {
    taskQueue: options.taskQueue,
    async shutdown() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
