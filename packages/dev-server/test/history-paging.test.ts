// A workflow task's history goes out in pages, as on the real server: the poll carries the first page and a
// next_page_token, and the worker fetches the rest with GetWorkflowExecutionHistory. A small page size makes the
// official worker go through its paging on every task.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil, workflowsPath, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows } from './manual-workflows';
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

describe('reading history over raw gRPC', () => {
  let server: DevServer;
  let raw: RawClient;

  beforeAll(async () => {
    ({ server, raw } = await startRawServer({
      namespaces: ['extra'],
      historyLongPollMs: 300,
      // Lets the retention test register a namespace that keeps closed runs for 200 ms.
      dynamicConfig: { 'system.namespaceMinRetentionLocal': '100ms' },
    }));
  });
  afterAll(() => stopRawServer(server, raw));

  const { start } = manualWorkflows(() => raw);

  describe('history', () => {
    test('pages with a token and reads backwards', async () => {
      const id = uniqueId();
      await start(id);
      for (let i = 0; i < 5; i++)
        await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: `s${i}` });
      const ids: number[] = [];
      let token: Uint8Array | undefined;
      do {
        const r = await raw.wf('GetWorkflowExecutionHistory', {
          execution: { workflowId: id },
          maximumPageSize: 3,
          nextPageToken: token,
        });
        ids.push(...r.history.events.map((e: { eventId: number }) => Number(e.eventId)));
        token = r.nextPageToken.length ? r.nextPageToken : undefined;
      } while (token);
      expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const rev = await raw.wf('GetWorkflowExecutionHistoryReverse', {
        execution: { workflowId: id },
        maximumPageSize: 100,
      });
      expect(rev.history.events.map((e: { eventId: number }) => Number(e.eventId))).toEqual([7, 6, 5, 4, 3, 2, 1]);
    });

    test('pages hold whole batches of events, so a page can hold more events than its size; at most 256 batches', async () => {
      const tq = uniqueId('tq');
      const id = uniqueId();
      await start(id, { taskQueue: { name: tq } });
      const t = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq }, identity: 'me' });
      const timers = Array.from({ length: 5 }, (_, i) => ({
        commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER,
        startTimerCommandAttributes: { timerId: `t${i}`, startToFireTimeout: { seconds: 3600 } },
      }));
      await raw.wf('RespondWorkflowTaskCompleted', { taskToken: t.taskToken, commands: timers });
      for (let i = 0; i < 300; i++)
        await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: `s${i}` });
      const eventIds = (r: { history: { events: Array<{ eventId: number }> } }) =>
        r.history.events.map((e) => Number(e.eventId));
      // Batches: [1 started, 2 scheduled], [3 started], [4 completed, 5-9 timers], [10 signal, 11 scheduled],
      // then one per signal. Each page takes whole batches.
      const page = (maximumPageSize: number, nextPageToken?: Uint8Array) =>
        raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id }, maximumPageSize, nextPageToken });
      const first = await page(3);
      expect(eventIds(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(eventIds(await page(3, first.nextPageToken))).toEqual([10, 11, 12, 13]);
      // Larger sizes (and 0) mean the real server's 256 batches: 263 events here.
      for (const size of [0, 1000]) {
        const big = await page(size);
        expect(eventIds(big)).toHaveLength(263);
        expect(eventIds(await page(size, big.nextPageToken))).toEqual(
          Array.from({ length: 310 - 263 }, (_, i) => 264 + i),
        );
      }
      // Reverse pages take whole batches too.
      const reverse = await raw.wf('GetWorkflowExecutionHistoryReverse', {
        execution: { workflowId: id },
        maximumPageSize: 1000,
      });
      expect(eventIds(reverse)).toHaveLength(256);
      let token = reverse.nextPageToken;
      const pages: number[][] = [];
      while (token.length) {
        const r = await raw.wf('GetWorkflowExecutionHistoryReverse', {
          execution: { workflowId: id },
          maximumPageSize: 2,
          nextPageToken: token,
        });
        pages.push(eventIds(r));
        token = r.nextPageToken;
      }
      expect(pages.slice(-2)).toEqual([
        [9, 8, 7, 6, 5, 4, 3],
        [2, 1],
      ]);
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    });

    test('wait_new_event blocks until a new event and returns it', async () => {
      const id = uniqueId();
      await start(id);
      const first = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId: id }, waitNewEvent: true });
      expect(first.history.events).toHaveLength(2);
      expect(first.nextPageToken.length).toBeGreaterThan(0);
      const waiting = raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId: id },
        waitNewEvent: true,
        nextPageToken: first.nextPageToken,
      });
      await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 'wake' });
      const next = await waiting;
      expect(next.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
        ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      ]);
    });

    test('the close-event filter returns only the close event, and an empty page with a token on timeout', async () => {
      const id = uniqueId();
      await start(id);
      const filter = E.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
      const timedOut = await raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId: id },
        waitNewEvent: true,
        historyEventFilterType: filter,
      });
      expect(timedOut.history.events).toHaveLength(0);
      expect(timedOut.nextPageToken.length).toBeGreaterThan(0);
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'done' });
      const closed = await raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId: id },
        waitNewEvent: true,
        historyEventFilterType: filter,
        nextPageToken: timedOut.nextPageToken,
      });
      expect(closed.history.events.map((e: { eventType: number }) => e.eventType)).toEqual([
        ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      ]);
      expect(closed.nextPageToken.length).toBe(0);
    });
  });
});
