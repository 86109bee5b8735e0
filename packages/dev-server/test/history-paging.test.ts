// A workflow task's history goes out in pages, as on the real server: the poll carries the first page and a
// next_page_token, and the worker fetches the rest with GetWorkflowExecutionHistory. A small page size makes the
// official worker go through its paging on every task.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil, workflowsPath } from './helpers';
import { RawClient } from './raw-client';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const E = temporal.api.enums.v1;
const ET = E.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;
type PollResponse = temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;

const names = (events: Event[]) => events.map((e) => ET[e.eventType!].replace('EVENT_TYPE_', ''));
const ids = (events: Event[]) => events.map((e) => Number(e.eventId));

async function startManual(raw: RawClient, taskQueue: string): Promise<string> {
  const workflowId = uniqueId();
  await raw.wf('StartWorkflowExecution', {
    workflowId,
    workflowType: { name: 'Manual' },
    taskQueue: { name: taskQueue },
    requestId: uniqueId('req'),
  });
  return workflowId;
}

function pollWft(raw: RawClient, taskQueue: string): Promise<PollResponse> {
  return waitUntil(async () => {
    const r = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: taskQueue }, identity: 'manual' });
    return r.taskToken?.length ? (r as PollResponse) : undefined;
  });
}

/** Follows a poll's next_page_token to the end, as a worker does. */
async function remainingPages(raw: RawClient, workflowId: string, token: Uint8Array): Promise<Event[][]> {
  const pages: Event[][] = [];
  while (token.length > 0) {
    const r = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId }, nextPageToken: token });
    pages.push(r.history.events);
    token = r.nextPageToken;
  }
  return pages;
}

/** Writes `n` signals, each a batch of its own, after the first workflow task completes. */
async function longHistory(raw: RawClient, taskQueue: string, n: number): Promise<string> {
  const workflowId = await startManual(raw, taskQueue);
  const t = await pollWft(raw, taskQueue);
  await raw.wf('RespondWorkflowTaskCompleted', { taskToken: t.taskToken, commands: [], identity: 'manual' });
  for (let i = 0; i < n; i++) {
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 's', requestId: `r${i}` });
  }
  return workflowId;
}

describe('with the default page size (256 batches)', () => {
  let server: DevServer;
  let raw: RawClient;
  beforeAll(async () => {
    server = await startServer();
    raw = new RawClient(server.address);
  });
  afterAll(async () => {
    raw?.close();
    await server?.shutdown();
  });

  test('a poll carries the first 256 batches and a token; the pages it leads to end with the task started event', async () => {
    const tq = uniqueId('tq');
    // Batches: [1, 2], [3], [4], [5 signal, 6 scheduled], then one per signal (7 .. 305), and [306 started].
    const workflowId = await longHistory(raw, tq, 300);
    const t = await pollWft(raw, tq);
    expect(Number(t.startedEventId)).toBe(306);
    expect(ids(t.history!.events!)).toEqual(Array.from({ length: 258 }, (_, i) => i + 1));
    expect(t.nextPageToken.length).toBeGreaterThan(0);
    // A signal while the task runs waits in the buffer; the task's pages stop at its started event anyway.
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'late' });
    const pages = await remainingPages(raw, workflowId, t.nextPageToken);
    expect(pages).toHaveLength(1);
    expect(ids(pages[0])).toEqual(Array.from({ length: 48 }, (_, i) => i + 259));
    expect(names(pages[0]).at(-1)).toBe('WORKFLOW_TASK_STARTED');
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('a retried task gets its transient Scheduled and Started events on the last page, not on the first', async () => {
    const tq = uniqueId('tq');
    const workflowId = await longHistory(raw, tq, 300);
    const failed = await pollWft(raw, tq);
    await raw.wf('RespondWorkflowTaskFailed', { taskToken: failed.taskToken, cause: 1, identity: 'manual' });
    const t = await pollWft(raw, tq);
    expect(t.attempt).toBe(2);
    expect(names(t.history!.events!).at(-1)).toBe('WORKFLOW_EXECUTION_SIGNALED');
    const pages = await remainingPages(raw, workflowId, t.nextPageToken);
    expect(names(pages.at(-1)!).slice(-3)).toEqual([
      'WORKFLOW_TASK_FAILED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    expect(Number(pages.at(-1)!.at(-1)!.eventId)).toBe(Number(t.startedEventId));
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('a history that fits the first page goes out whole, with no token', async () => {
    const tq = uniqueId('tq');
    const workflowId = await longHistory(raw, tq, 20);
    const t = await pollWft(raw, tq);
    expect(t.history!.events).toHaveLength(Number(t.startedEventId));
    expect(t.nextPageToken).toHaveLength(0);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });
});

describe('with workflowTaskHistoryPageSize: 3', () => {
  let server: DevServer;
  let raw: RawClient;
  beforeAll(async () => {
    server = await startServer({ workflowTaskHistoryPageSize: 3 });
    raw = new RawClient(server.address);
  });
  afterAll(async () => {
    raw?.close();
    await server?.shutdown();
  });

  test('a poll carries only the first three batches', async () => {
    const tq = uniqueId('tq');
    const workflowId = await longHistory(raw, tq, 5);
    const t = await pollWft(raw, tq);
    expect(ids(t.history!.events!)).toEqual([1, 2, 3, 4]);
    const rest = (await remainingPages(raw, workflowId, t.nextPageToken)).flat();
    expect(ids(rest)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    // Sticky tasks carry the events since the last completed task, unpaged.
    await raw.wf('RespondWorkflowTaskCompleted', {
      taskToken: t.taskToken,
      commands: [],
      identity: 'manual',
      stickyAttributes: { workerTaskQueue: { name: `${tq}-sticky` }, scheduleToStartTimeout: { seconds: 10 } },
    });
    for (let i = 0; i < 5; i++) {
      await raw.wf('SignalWorkflowExecution', {
        workflowExecution: { workflowId },
        signalName: 's',
        requestId: `x${i}`,
      });
    }
    const sticky = await waitUntil(async () => {
      const r = await raw.wf('PollWorkflowTaskQueue', {
        taskQueue: { name: `${tq}-sticky`, kind: E.TaskQueueKind.TASK_QUEUE_KIND_STICKY },
        identity: 'manual',
      });
      return r.taskToken?.length ? (r as PollResponse) : undefined;
    });
    expect(ids(sticky.history!.events!)[0]).toBe(12);
    expect(names(sticky.history!.events!).at(-1)).toBe('WORKFLOW_TASK_STARTED');
    expect(sticky.nextPageToken).toHaveLength(0);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  });

  test('the official worker, without a workflow cache, pages through every task and completes a long workflow', async () => {
    const taskQueue = uniqueId('paging');
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    // No cache: every workflow task comes from the normal queue with the whole history, so in pages.
    const worker = await Worker.create({
      connection: nativeConnection,
      workflowBundle: bundle,
      activities,
      taskQueue,
      maxCachedWorkflows: 0,
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const workflowId = uniqueId();
      const result = await worker.runUntil(
        client.workflow.execute('manyTimers', { taskQueue, workflowId, args: [25] }),
      );
      expect(result).toBe('Hello, 25 timers!');
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      expect(names(history.events!).filter((n) => n === 'TIMER_FIRED')).toHaveLength(25);
      expect(names(history.events!).at(-1)).toBe('WORKFLOW_EXECUTION_COMPLETED');
      // Every task went to the normal queue, so it carried the whole history, paged (three batches a page, far
      // fewer than the history has), and none failed.
      const scheduled = history.events!.filter((e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
      expect(scheduled.length).toBeGreaterThan(25);
      for (const e of scheduled) {
        expect(e.workflowTaskScheduledEventAttributes!.taskQueue!.kind).toBe(E.TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
      }
      expect(names(history.events!)).not.toContain('WORKFLOW_TASK_FAILED');
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  }, 60_000);
});
