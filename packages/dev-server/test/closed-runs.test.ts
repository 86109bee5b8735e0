// Closed runs stay on disk with a SQLite file: memory keeps a summary of each (and the most recently used whole),
// a restart reads only open runs and the summaries, and describe, history, list, count and id reuse still see
// every closed run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { HistoryEngine } from '../src/history/engine';
import { startServer, uniqueId, waitUntil, startRawServer, stopRawServer } from './helpers';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-closed-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts and terminates `n` workflows `prefix-0`, `prefix-1`, ... (the first gets a signal too). */
async function closedRuns(raw: RawClient, prefix: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const workflowId = `${prefix}-${next++}`;
        await raw.wf('StartWorkflowExecution', {
          workflowId,
          workflowType: { name: 'Closed' },
          taskQueue: { name: 'closed' },
          requestId: workflowId,
          memo: { fields: { note: { data: Buffer.from(`"${workflowId}"`) } } },
        });
        if (workflowId.endsWith('-0')) {
          await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'hello' });
        }
        await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId }, reason: 'done' });
      }
    }),
  );
}

/** What a client sees of a closed run: its status and history, and whether list finds it with its memo. */
async function seen(raw: RawClient, workflowId: string) {
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  const h = await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId } });
  const l = await raw.wf('ListWorkflowExecutions', { query: `WorkflowId = "${workflowId}"` });
  return {
    status: d.workflowExecutionInfo.status,
    events: h.history.events.map((e: temporal.api.history.v1.IHistoryEvent) => e.eventType),
    listed: l.executions.map((e: temporal.api.workflow.v1.IWorkflowExecutionInfo) =>
      Buffer.from(e.memo?.fields?.note?.data ?? []).toString(),
    ),
  };
}

test('closed runs beyond those kept in memory, and after a restart, are described, listed, counted and reused', async () => {
  const db = path.join(dir, 'closed.db');
  const total = HistoryEngine.CLOSED_RUNS_IN_MEMORY + 100;
  let server: DevServer = await startServer({ dbFilename: db });
  let raw = new RawClient(server.address);
  const expected = {
    status: E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
    events: [
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    ],
    listed: ['"old-0"'],
  };
  try {
    await closedRuns(raw, 'old', total);
    // The first run has left memory (more closed runs followed it) but is read back whole.
    expect(await seen(raw, 'old-0')).toEqual(expected);
  } finally {
    raw.close();
    await server.shutdown();
  }
  server = await startServer({ dbFilename: db });
  raw = new RawClient(server.address);
  try {
    expect(await seen(raw, 'old-0')).toEqual(expected);
    expect(Number((await raw.wf('CountWorkflowExecutions', { query: 'WorkflowType = "Closed"' })).count)).toBe(total);
    const page = await raw.wf('ListWorkflowExecutions', { query: 'WorkflowType = "Closed"', pageSize: 50 });
    expect(page.executions).toHaveLength(50);
    // The id reuse policy sees the closed run.
    const refused = await rejection(
      raw.wf('StartWorkflowExecution', {
        workflowId: 'old-1',
        workflowType: { name: 'Closed' },
        taskQueue: { name: 'closed' },
        requestId: 'again',
        workflowIdReusePolicy: E.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
      }),
    );
    expect(refused.code).toBe(grpc.status.ALREADY_EXISTS);
    const again = await raw.wf('StartWorkflowExecution', {
      workflowId: 'old-2',
      workflowType: { name: 'Closed' },
      taskQueue: { name: 'closed' },
      requestId: 'again',
    });
    expect(again.started).toBe(true);
  } finally {
    raw.close();
    await server.shutdown();
  }
}, 120_000);

test('a database written before closed runs were kept apart is read, its closed runs moved aside once', async () => {
  const db = path.join(dir, 'older.db');
  let server: DevServer = await startServer({ dbFilename: db });
  let raw = new RawClient(server.address);
  try {
    await closedRuns(raw, 'older', 3);
    await raw.wf('StartWorkflowExecution', {
      workflowId: 'still-open',
      workflowType: { name: 'Open' },
      taskQueue: { name: 'closed' },
      requestId: 'still-open',
    });
  } finally {
    raw.close();
    await server.shutdown();
  }
  // The layout of the earlier version: no `closed` column, no summaries.
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const file = new Database(db);
  file.exec('DROP INDEX executions_open; DROP TABLE closed_runs; ALTER TABLE executions DROP COLUMN closed;');
  // Nor the marks of later versions: no application id, no schema version.
  file.pragma('application_id = 0');
  file.pragma('user_version = 0');
  file.close();
  server = await startServer({ dbFilename: db });
  raw = new RawClient(server.address);
  try {
    expect((await seen(raw, 'older-0')).status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    expect(Number((await raw.wf('CountWorkflowExecutions', { query: 'WorkflowType = "Closed"' })).count)).toBe(3);
    const open = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: 'still-open' } });
    expect(open.workflowExecutionInfo.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  } finally {
    raw.close();
    await server.shutdown();
  }
});

describe('retention and deletion over raw gRPC', () => {
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

  describe('retention and deletion', () => {
    const startAndTerminate = async (namespace: string) => {
      const workflowId = uniqueId();
      await raw.call('WorkflowService', 'StartWorkflowExecution', {
        namespace,
        workflowId,
        workflowType: { name: 'W' },
        taskQueue: { name: 'none' },
        requestId: workflowId,
      });
      await raw.call('WorkflowService', 'TerminateWorkflowExecution', { namespace, workflowExecution: { workflowId } });
      return workflowId;
    };

    test('closed runs are deleted once the namespace retention has passed', async () => {
      const namespace = uniqueId('ns');
      await raw.wf('RegisterNamespace', { namespace, workflowExecutionRetentionPeriod: { nanos: 200e6 } });
      const workflowId = await startAndTerminate(namespace);
      await raw.call('WorkflowService', 'DescribeWorkflowExecution', { namespace, execution: { workflowId } });
      await waitUntil(
        async () => {
          const err = await raw
            .call('WorkflowService', 'DescribeWorkflowExecution', { namespace, execution: { workflowId } })
            .then(
              () => undefined,
              (e) => e,
            );
          return err?.code === grpc.status.NOT_FOUND;
        },
        10_000,
        'run deleted by retention',
      );
    });

    test('DeleteWorkflowExecution removes a run', async () => {
      const workflowId = await startAndTerminate('default');
      await raw.wf('DeleteWorkflowExecution', { workflowExecution: { workflowId } });
      expect((await rejection(raw.wf('DescribeWorkflowExecution', { execution: { workflowId } }))).code).toBe(
        grpc.status.NOT_FOUND,
      );
    });
  });
});
