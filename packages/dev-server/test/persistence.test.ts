// SQLite persistence across restarts: namespaces, search attributes, histories, pending timers, schedules and
// worker deployments come back, and deadlines carry on from the stored state.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporal } from '@kairos/proto';
import { DatabaseOpenError, DevServer } from '../src';
import { APPLICATION_ID, SCHEMA_VERSION } from '../src/persistence/sqlite-persistence';
import { startServer, uniqueId, waitUntil } from './helpers';
import { RawClient } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-db-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function withServer<T>(db: string, fn: (raw: RawClient, server: DevServer) => Promise<T>): Promise<T> {
  const server = await startServer({ dbFilename: db });
  const raw = new RawClient(server.address);
  try {
    return await fn(raw, server);
  } finally {
    raw.close();
    await server.shutdown();
  }
}

test('state written before a shutdown is all there after a restart on the same file', async () => {
  const db = path.join(dir, 'a.db');
  const workflowId = uniqueId();
  const tq = uniqueId('tq');
  const before = await withServer(db, async (raw) => {
    await raw.wf('RegisterNamespace', {
      namespace: 'persisted',
      description: 'kept',
      workflowExecutionRetentionPeriod: { seconds: 7200 },
    });
    await raw.call('OperatorService', 'AddSearchAttributes', {
      namespace: 'default',
      searchAttributes: { Kept: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
    await raw.wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'W' },
      taskQueue: { name: tq },
      requestId: workflowId,
    });
    const poll = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq } });
    await raw.wf('RespondWorkflowTaskCompleted', {
      taskToken: poll.taskToken,
      commands: [
        {
          commandType: E.CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't', startToFireTimeout: { nanos: 300e6 } },
        },
      ],
    });
    await raw.wf('CreateSchedule', {
      scheduleId: 'kept-schedule',
      schedule: {
        spec: { interval: [{ interval: { seconds: 3600 } }] },
        action: {
          startWorkflow: { workflowId: 'from-schedule', workflowType: { name: 'W' }, taskQueue: { name: tq } },
        },
      },
    });
    await raw.call('OperatorService', 'CreateNexusEndpoint', {
      spec: { name: 'kept-endpoint', target: { worker: { namespace: 'default', taskQueue: tq } } },
    });
    return (await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history.events.length;
  });

  await withServer(db, async (raw) => {
    expect((await raw.wf('DescribeNamespace', { namespace: 'persisted' })).namespaceInfo.description).toBe('kept');
    expect(
      (await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'default' })).customAttributes.Kept,
    ).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(
      (await raw.wf('DescribeSchedule', { scheduleId: 'kept-schedule' })).schedule.action.startWorkflow.workflowId,
    ).toBe('from-schedule');
    // The timer, started before the restart, fires after it.
    const events = await waitUntil(
      async () => {
        const h = (await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history.events;
        return h.some((e: { eventType: number }) => e.eventType === ET.EVENT_TYPE_TIMER_FIRED) ? h : undefined;
      },
      10_000,
      'timer fired after restart',
    );
    expect(events.length).toBeGreaterThan(before);
    expect(events.map((e: { eventId: number }) => Number(e.eventId))).toEqual(
      events.map((_: unknown, i: number) => i + 1),
    );
    const poll = await raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq } });
    expect(poll.workflowExecution.workflowId).toBe(workflowId);
  });
});

describe('the database file', () => {
  const sqlite = () => require('better-sqlite3') as typeof import('better-sqlite3');

  test('is marked as a Kairos database at the current schema version', async () => {
    const db = path.join(dir, 'marked.db');
    await withServer(db, async () => undefined);
    const file = new (sqlite())(db, { readonly: true });
    try {
      expect(file.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      expect(file.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      file.close();
    }
  });

  test('is held by one server: a second one on it fails naming the file, and the first loses nothing', async () => {
    const db = path.join(dir, 'shared.db');
    const workflowId = uniqueId();
    await withServer(db, async (raw) => {
      await raw.wf('StartWorkflowExecution', {
        workflowId,
        workflowType: { name: 'W' },
        taskQueue: { name: 'tq' },
        requestId: workflowId,
      });
      const second = startServer({ dbFilename: db });
      await expect(second).rejects.toThrow(DatabaseOpenError);
      await expect(second).rejects.toThrow(
        `cannot open database file ${db}: the file is in use by another dev server (or another program)`,
      );
      await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'after' });
    });
    await withServer(db, async (raw) => {
      const { events } = (await raw.wf('GetWorkflowExecutionHistory', { execution: { workflowId } })).history;
      expect(events.map((e: { eventType: number }) => e.eventType)).toContain(
        ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      );
    });
  });

  test.each([
    [
      'a file that is not SQLite',
      (file: string) => fs.writeFileSync(file, 'x'.repeat(4096)),
      'not a Kairos dev server database (not an SQLite file)',
    ],
    [
      'a SQLite file of another program',
      (file: string) => new (sqlite())(file).exec('CREATE TABLE notes (body TEXT)').close(),
      'not a Kairos dev server database (it has the tables notes)',
    ],
    [
      'a SQLite file with another application id',
      (file: string) => {
        const d = new (sqlite())(file);
        d.pragma('application_id = 1234');
        d.close();
      },
      'not a Kairos dev server database (its SQLite application_id is 0x4d2, Kairos writes 0x4b524453)',
    ],
    [
      'a database of a newer Kairos',
      (file: string) => {
        const d = new (sqlite())(file);
        d.pragma(`application_id = ${APPLICATION_ID}`);
        d.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
        d.close();
      },
      `written by a newer @kairos/dev-server (schema version ${SCHEMA_VERSION + 1}; this one reads up to ${SCHEMA_VERSION})`,
    ],
  ])('refuses %s with an error naming it, and leaves it as it was', async (_what, make, reason) => {
    const db = path.join(dir, `${uniqueId('refused')}.db`);
    make(db);
    const before = fs.readFileSync(db);
    await expect(startServer({ dbFilename: db })).rejects.toThrow(`cannot open database file ${db}: ${reason}`);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
  });
});

test('worker deployments, their routing and the version a run is pinned to survive a restart', async () => {
  const db = path.join(dir, 'deployments.db');
  const deploymentName = uniqueId('dep');
  const tq = uniqueId('tq');
  const workflowId = uniqueId();
  const versioned = (buildId: string) => ({
    deploymentName,
    buildId,
    workerVersioningMode: E.WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED,
  });
  const poll = (raw: RawClient, buildId: string, timeoutMs?: number) =>
    raw.wf('PollWorkflowTaskQueue', { taskQueue: { name: tq }, deploymentOptions: versioned(buildId) }, timeoutMs);
  await withServer(db, async (raw) => {
    await poll(raw, 'build-a', 2_500);
    await poll(raw, 'build-b', 2_500);
    await raw.wf('SetWorkerDeploymentCurrentVersion', { deploymentName, buildId: 'build-a' });
    await raw.wf('StartWorkflowExecution', {
      workflowId,
      workflowType: { name: 'W' },
      taskQueue: { name: tq },
      requestId: workflowId,
    });
    const task = await poll(raw, 'build-a');
    await raw.wf('RespondWorkflowTaskCompleted', {
      taskToken: task.taskToken,
      versioningBehavior: E.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
      deploymentOptions: versioned('build-a'),
    });
    await raw.wf('SetWorkerDeploymentCurrentVersion', { deploymentName, buildId: 'build-b' });
  });

  await withServer(db, async (raw) => {
    const d = await raw.wf('DescribeWorkerDeployment', { deploymentName });
    expect(d.workerDeploymentInfo.routingConfig.currentDeploymentVersion.buildId).toBe('build-b');
    expect(d.workerDeploymentInfo.versionSummaries.map((v: any) => v.deploymentVersion.buildId).sort()).toEqual([
      'build-a',
      'build-b',
    ]);
    await raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId }, signalName: 'go' });
    // The run is pinned to build-a: build-b's worker does not get its task, build-a's does.
    expect((await poll(raw, 'build-b', 2_500)).taskToken?.length ?? 0).toBe(0);
    expect((await poll(raw, 'build-a')).workflowExecution.workflowId).toBe(workflowId);
  });
});
