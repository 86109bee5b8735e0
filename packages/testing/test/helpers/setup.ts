/** What the @kairos/testing suites share: a quiet runtime, the test workflows and activities, unique ids. */
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@kairos/worker';
import type { TestWorkflowEnvironment } from '../../src';

let installed = false;
/** Installs a runtime that logs warnings and errors only. */
export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export const workflowsPath = require.resolve('../workflows');

let counter = 0;
/** A name unique to the current test, for task queues and workflow ids. */
export function uniqueName(prefix = 'test'): string {
  const test = (expect.getState().currentTestName ?? prefix).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50);
  return `${test}-${++counter}-${process.pid}`;
}

/** A worker with the test workflows on the environment's native connection (override anything). */
export async function createWorker(
  env: TestWorkflowEnvironment,
  options: Partial<WorkerOptions> & { taskQueue: string },
): Promise<Worker> {
  return await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    workflowsPath,
    activities: { echo: async (value: string) => value, waitForServerTime: async () => undefined },
    ...options,
  });
}
