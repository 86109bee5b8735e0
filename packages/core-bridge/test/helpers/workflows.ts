/**
 * Helpers for tests that play the TypeScript worker's part: decode activations, build
 * completions, start workflows and read their histories.
 */
import { google, kairos, temporal } from '@kairos/proto';
import { TestServer } from './server';

const ws = temporal.api.workflowservice.v1;
export type Activation = kairos.core.activation.WorkflowActivation;
export type Command = kairos.core.commands.IWorkflowCommand;

export function jsonPayload(value: unknown): temporal.api.common.v1.IPayload {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) };
}

export function fromPayload(p: temporal.api.common.v1.IPayload | null | undefined): unknown {
  return p?.data ? JSON.parse(Buffer.from(p.data).toString()) : undefined;
}

export function decodeActivation(bytes: Uint8Array): Activation {
  return kairos.core.activation.WorkflowActivation.decode(bytes);
}

export function jobNames(a: Activation): string[] {
  return a.jobs.map((j) => j.variant ?? 'none');
}

export function success(runId: string, commands: Command[]): Uint8Array {
  return kairos.core.completion.WorkflowActivationCompletion.encode({ runId, successful: { commands } }).finish();
}

export function failure(runId: string, message: string): Uint8Array {
  return kairos.core.completion.WorkflowActivationCompletion.encode({
    runId,
    failed: { failure: { message } },
  }).finish();
}

export function duration(ms: number): google.protobuf.IDuration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

export async function startWorkflow(
  server: TestServer,
  opts: { workflowId: string; workflowType: string; taskQueue: string; args?: unknown[] },
): Promise<string> {
  const res = await server.call(
    'StartWorkflowExecution',
    ws.StartWorkflowExecutionRequest,
    ws.StartWorkflowExecutionResponse,
    {
      namespace: 'default',
      workflowId: opts.workflowId,
      workflowType: { name: opts.workflowType },
      taskQueue: { name: opts.taskQueue },
      input: { payloads: (opts.args ?? []).map(jsonPayload) },
      requestId: uniqueName('req'),
      identity: 'core-bridge-test',
      workflowTaskTimeout: { seconds: 10 },
    },
  );
  return res.runId ?? '';
}

export async function history(
  server: TestServer,
  workflowId: string,
  runId: string,
): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await historyPages(server, workflowId, runId)).flat();
}

/**
 * The run's history page by page as the server hands it out for `maximumPageSize` (0: the server's
 * default), the first page for `firstPageSize`. Servers page by batches of events written together,
 * so a page can hold more events than its size; the number of pages is the server's, not arithmetic
 * on event ids.
 */
export async function historyPages(
  server: TestServer,
  workflowId: string,
  runId: string,
  maximumPageSize = 0,
  firstPageSize = maximumPageSize,
): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  const pages: temporal.api.history.v1.IHistoryEvent[][] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const res = await server.call(
      'GetWorkflowExecutionHistory',
      ws.GetWorkflowExecutionHistoryRequest,
      ws.GetWorkflowExecutionHistoryResponse,
      {
        namespace: 'default',
        execution: { workflowId, runId },
        nextPageToken,
        maximumPageSize: pages.length === 0 ? firstPageSize : maximumPageSize,
      },
    );
    pages.push(res.history?.events ?? []);
    nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
  } while (nextPageToken);
  return pages;
}

/** Waits until the run's history ends with a close event and returns the history. */
export async function waitForClose(server: TestServer, workflowId: string, runId: string, timeoutMs = 20_000) {
  const { EventType } = temporal.api.enums.v1;
  const closing = new Set([
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  ]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await history(server, workflowId, runId);
    const last = events[events.length - 1];
    if (last?.eventType !== undefined && last.eventType !== null && closing.has(last.eventType)) return events;
    if (Date.now() > deadline)
      throw new Error(`workflow ${workflowId} did not close; last event ${String(last?.eventType)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
