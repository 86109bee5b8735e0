/**
 * What the bridge test files share: the test server and a native connection to it (started before a file's tests by
 * `useTestServer`), and helpers to drive a core worker and read its metrics.
 */
import { temporal } from '@kairos/proto';
import { NativeConnection, ShutdownError, Worker, metricsSnapshot } from '../../src';
import { TestServer } from './server';
import { Activation, decodeActivation, jobNames, success } from './workflows';

export let server: TestServer;
export let connection: NativeConnection;

/** Starts the file's test server and connects to it before its tests; closes both after them. */
export function useTestServer(): void {
  beforeAll(async () => {
    server = await TestServer.start();
    connection = await NativeConnection.connect({ address: server.address });
  }, 90_000);
  afterAll(async () => {
    connection?.close();
    await server?.stop();
  });
}

export function newWorker(taskQueue: string, extra: Partial<Parameters<typeof Worker.create>[1]> = {}): Worker {
  return Worker.create(connection, { namespace: 'default', taskQueue, identity: 'core-bridge-test', ...extra });
}

export async function nextActivation(worker: Worker): Promise<Activation> {
  return decodeActivation(await worker.pollWorkflowActivation());
}

/** Answers an eviction activation (the run finished) so the worker stays clean. */
export async function expectEviction(worker: Worker, reason: number): Promise<void> {
  const a = await nextActivation(worker);
  expect(jobNames(a)).toEqual(['removeFromCache']);
  expect(a.jobs[0].removeFromCache?.reason).toBe(reason);
  await worker.completeWorkflowActivation(success(a.runId, []));
}

/** Sum of a counter's series whose labels include `labels`. */
export function counter(name: string, labels: Record<string, string> = {}): number {
  return metricsSnapshot()
    .filter((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))
    .reduce((sum, m) => sum + m.value, 0);
}

/** Observations of a histogram's series whose labels include `labels`. */
export function histogramCount(name: string, labels: Record<string, string> = {}): number {
  return metricsSnapshot()
    .filter((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))
    .reduce((sum, m) => sum + m.count, 0);
}

/** The value of the one gauge series whose labels include `labels`. */
export function gauge(name: string, labels: Record<string, string>): number | undefined {
  const series = metricsSnapshot().filter(
    (m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v),
  );
  expect(series.length).toBeLessThanOrEqual(1);
  return series[0]?.value;
}

/** GetWorkflowExecutionHistory calls the core has made so far. */
export function historyFetches(): number {
  return counter('temporal_request', { operation: 'GetWorkflowExecutionHistory' });
}

/** Shuts down, answering any activation still delivered (retried tasks, evictions) with no commands. */
export async function shutdown(worker: Worker): Promise<void> {
  worker.initiateShutdown();
  for (;;) {
    const polled = await worker.pollWorkflowActivation().catch((e: unknown) => e);
    if (polled instanceof ShutdownError) break;
    if (!(polled instanceof Buffer)) throw polled;
    await worker.completeWorkflowActivation(success(decodeActivation(polled).runId, []));
  }
  await expect(worker.pollActivityTask()).rejects.toBeInstanceOf(ShutdownError);
  await worker.finalizeShutdown();
}

/** Terminates a run a test leaves open. */
export async function terminate(workflowId: string, runId: string): Promise<void> {
  await server.call(
    'TerminateWorkflowExecution',
    temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest,
    temporal.api.workflowservice.v1.TerminateWorkflowExecutionResponse,
    { namespace: 'default', workflowExecution: { workflowId, runId }, reason: 'test over' },
  );
}
