// The official Temporal TypeScript SDK (client + worker) runs unchanged against the Kairos dev server.
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  QueryNotRegisteredError,
  TerminatedFailure,
  WithStartWorkflowOperation,
  WorkflowContinuedAsNewError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil, workflowsPath } from './helpers';

Runtime.install({ logger: new DefaultLogger('ERROR') });

let server: DevServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let workerDone: Promise<void>;
const taskQueue = 'official-sdk';
const EventType = temporal.api.enums.v1.EventType;

beforeAll(async () => {
  server = await startServer({ searchAttributes: { CustomKeywordField: 'KeywordList', CustomIntField: 'Int' } });
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({ connection: nativeConnection, workflowBundle: bundle, activities, taskQueue });
  workerDone = worker.run();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await workerDone;
  await connection?.close();
  await server?.shutdown();
});

function eventNames(events: Array<{ eventType?: number | null }>): string[] {
  return events.map((e) => EventType[e.eventType!].replace('EVENT_TYPE_', ''));
}

test('runs a workflow with one activity and writes the canonical history', async () => {
  const workflowId = uniqueId();
  const result = await client.workflow.execute('helloActivity', { taskQueue, workflowId, args: ['Kairos'] });
  expect(result).toBe('Hello, Kairos!');
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  expect(eventNames(history.events!)).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'ACTIVITY_TASK_SCHEDULED',
    'ACTIVITY_TASK_STARTED',
    'ACTIVITY_TASK_COMPLETED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'WORKFLOW_EXECUTION_COMPLETED',
  ]);
  expect(history.events!.map((e) => Number(e.eventId))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('fires a timer', async () => {
  const workflowId = uniqueId();
  expect(await client.workflow.execute('sleeper', { taskQueue, workflowId, args: [50] })).toBe('slept');
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  expect(eventNames(history.events!)).toContain('TIMER_FIRED');
});

test('delivers signals and answers queries, also after the workflow closed', async () => {
  const handle = await client.workflow.start('accumulator', { taskQueue, workflowId: uniqueId() });
  await handle.signal('add', 2);
  await handle.signal('add', 3);
  await waitUntil(async () => (await handle.query<number>('total')) === 5, 10_000, 'query total = 5');
  await expect(handle.query('nope')).rejects.toBeInstanceOf(QueryNotRegisteredError);
  await handle.signal('done');
  expect(await handle.result()).toBe(5);
  expect(await handle.query<number>('total')).toBe(5);
});

test('signal-with-start starts a workflow and then signals the running one', async () => {
  const workflowId = uniqueId();
  const h1 = await client.workflow.signalWithStart('accumulator', {
    taskQueue,
    workflowId,
    signal: 'add',
    signalArgs: [4],
  });
  const h2 = await client.workflow.signalWithStart('accumulator', {
    taskQueue,
    workflowId,
    signal: 'add',
    signalArgs: [6],
  });
  expect(h2.signaledRunId).toBe(h1.signaledRunId);
  await h1.signal('done');
  expect(await h1.result()).toBe(10);
  const history = await h1.fetchHistory();
  expect(eventNames(history.events!).slice(0, 3)).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_EXECUTION_SIGNALED',
    'WORKFLOW_TASK_SCHEDULED',
  ]);
});

test('rejects a second start with the same id while the first runs', async () => {
  const workflowId = uniqueId();
  const handle = await client.workflow.start('accumulator', { taskQueue, workflowId });
  await expect(client.workflow.start('accumulator', { taskQueue, workflowId })).rejects.toBeInstanceOf(
    WorkflowExecutionAlreadyStartedError,
  );
  await handle.terminate('cleanup');
});

test('retries a failing activity with backoff until it succeeds, writing only the final attempt', async () => {
  const workflowId = uniqueId();
  expect(await client.workflow.execute('flakyActivity', { taskQueue, workflowId, args: [2] })).toBe(
    'succeeded on attempt 3',
  );
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events!.find((e) => e.eventType === (EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED as number))!;
  expect(started.activityTaskStartedEventAttributes!.attempt).toBe(3);
  expect(started.activityTaskStartedEventAttributes!.lastFailure!.message).toBe('failure on attempt 2');
});

test('does not retry a non-retryable application failure', async () => {
  const err = await client.workflow.execute('nonRetryable', { taskQueue, workflowId: uniqueId() }).catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(ActivityFailure);
  expect(err.cause.cause).toBeInstanceOf(ApplicationFailure);
  expect(err.cause.cause.type).toBe('Fatal');
  expect(err.cause.retryState).toBe('NON_RETRYABLE_FAILURE');
});

test('delivers an activity cancellation through the heartbeat response', async () => {
  const workflowId = uniqueId();
  expect(await client.workflow.execute('cancelHeartbeating', { taskQueue, workflowId })).toBe('cancelled');
  const names = eventNames((await client.workflow.getHandle(workflowId).fetchHistory()).events!);
  expect(names).toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
  expect(names).toContain('ACTIVITY_TASK_CANCELED');
});

test('cancels a workflow on request', async () => {
  const handle = await client.workflow.start('waitForCancel', { taskQueue, workflowId: uniqueId() });
  await waitUntil(async () => (await handle.fetchHistory()).events!.length >= 4, 10_000, 'first workflow task');
  await handle.cancel();
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
});

test('terminates a workflow', async () => {
  const handle = await client.workflow.start('accumulator', { taskQueue, workflowId: uniqueId() });
  await handle.terminate('enough');
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(TerminatedFailure);
  expect((await handle.describe()).status.name).toBe('TERMINATED');
});

test('reports a workflow failure', async () => {
  const err = await client.workflow
    .execute('failing', { taskQueue, workflowId: uniqueId(), args: ['boom'] })
    .catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(ApplicationFailure);
  expect(err.cause.message).toBe('boom');
  expect(err.cause.type).toBe('MyError');
});

test('a retried run reports its successor: result() without following runs is WorkflowContinuedAsNewError', async () => {
  const workflowId = uniqueId();
  const handle = await client.workflow.start('failingRetryable', {
    taskQueue,
    workflowId,
    args: ['retry me'],
    retry: { maximumAttempts: 2, initialInterval: '100ms' },
  });
  const firstRun = client.workflow.getHandle(workflowId, handle.firstExecutionRunId, { followRuns: false });
  const err = await firstRun.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowContinuedAsNewError);
  const followed = await handle.result().catch((e) => e);
  expect(followed).toBeInstanceOf(WorkflowFailedError);
  expect(followed.cause.message).toBe('retry me');
  expect((await handle.describe()).runId).toBe((err as WorkflowContinuedAsNewError).newExecutionRunId);
});

test('runs a child workflow', async () => {
  const workflowId = uniqueId();
  expect(await client.workflow.execute('childParent', { taskQueue, workflowId, args: ['child'] })).toBe(
    'parent(Hello, child!)',
  );
  const names = eventNames((await client.workflow.getHandle(workflowId).fetchHistory()).events!);
  expect(names).toEqual(
    expect.arrayContaining([
      'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
      'CHILD_WORKFLOW_EXECUTION_STARTED',
      'CHILD_WORKFLOW_EXECUTION_COMPLETED',
    ]),
  );
  const child = await client.workflow.getHandle(`${workflowId}-child`).describe();
  expect(child.parentExecution?.workflowId).toBe(workflowId);
});

test('terminates an open child when its parent closes (default parent close policy)', async () => {
  const workflowId = uniqueId();
  const childId = await client.workflow.execute('abandonedChildParent', { taskQueue, workflowId });
  const child = client.workflow.getHandle(childId);
  expect((await child.describe()).status.name).toBe('TERMINATED');
});

test('signals and cancels external workflows; a missing target fails the command', async () => {
  const workflowId = uniqueId();
  expect(await client.workflow.execute('externalToMissing', { taskQueue, workflowId })).toEqual([
    'signal failed',
    'cancel failed',
  ]);
  const names = eventNames((await client.workflow.getHandle(workflowId).fetchHistory()).events!);
  expect(names).toEqual(
    expect.arrayContaining([
      'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
    ]),
  );

  const target = await client.workflow.start('accumulator', { taskQueue, workflowId: uniqueId() });
  const signaller = uniqueId();
  await client.workflow.execute('signalOther', { taskQueue, workflowId: signaller, args: [target.workflowId] });
  expect(await target.result()).toBe(7);
  const signaled = (await target.fetchHistory()).events!.find((e) => e.workflowExecutionSignaledEventAttributes)!;
  expect(signaled.workflowExecutionSignaledEventAttributes!.externalWorkflowExecution?.workflowId).toBe(signaller);
  expect(eventNames((await client.workflow.getHandle(signaller).fetchHistory()).events!)).toContain(
    'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED',
  );
});

test('a child whose id is taken fails to start', async () => {
  const existing = await client.workflow.start('accumulator', { taskQueue, workflowId: uniqueId() });
  const parentId = uniqueId();
  expect(
    await client.workflow.execute('childAlreadyExists', {
      taskQueue,
      workflowId: parentId,
      args: [existing.workflowId],
    }),
  ).toBe('WorkflowExecutionAlreadyStartedError');
  expect(eventNames((await client.workflow.getHandle(parentId).fetchHistory()).events!)).toContain(
    'START_CHILD_WORKFLOW_EXECUTION_FAILED',
  );
  await existing.terminate();
});

test('the REQUEST_CANCEL parent close policy cancels the child', async () => {
  const childId = await client.workflow.execute('cancelChildOnClose', { taskQueue, workflowId: uniqueId() });
  const child = client.workflow.getHandle(childId);
  await expect(child.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect((await child.describe()).status.name).toBe('CANCELLED');
});

test('continues as new and follows the run chain', async () => {
  const workflowId = uniqueId();
  const handle = await client.workflow.start('counterCAN', { taskQueue, workflowId, args: [0] });
  expect(await handle.result()).toBe(3);
  const runs = await client.workflow.list({ query: `WorkflowId = '${workflowId}'` });
  const statuses: string[] = [];
  for await (const r of runs) statuses.push(r.status.name);
  expect(statuses.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
  const last = await client.workflow.getHandle(workflowId).describe();
  expect(last.raw.workflowExecutionInfo?.firstRunId).toBe(handle.firstExecutionRunId);
});

test('a continued run is its own original run in the workflow info (the SDK seeds randomness from it)', async () => {
  const handle = await client.workflow.start('runIdsAfterContinue', {
    taskQueue,
    workflowId: uniqueId(),
    args: [false],
  });
  const seen = await handle.result();
  expect(seen.runId).not.toBe(handle.firstExecutionRunId);
  expect(seen).toEqual({
    runId: seen.runId,
    originalExecutionRunId: seen.runId,
    firstExecutionRunId: handle.firstExecutionRunId,
    continuedFromExecutionRunId: handle.firstExecutionRunId,
  });
});

test('runs updates, rejecting one in the validator without writing an event', async () => {
  const handle = await client.workflow.start('updatable', { taskQueue, workflowId: uniqueId() });
  expect(await handle.executeUpdate('setValue', { args: ['one'] })).toBe('initial');
  const err: unknown = await handle.executeUpdate('setValue', { args: ['bad'] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((err as WorkflowUpdateFailedError).cause as Error).message).toBe('bad value rejected');
  expect(await handle.query('getValue')).toBe('one');
  const upd = await handle.startUpdate('setValue', { args: ['finish'], waitForStage: 'ACCEPTED' });
  expect(await upd.result()).toBe('one');
  expect(await handle.result()).toBe('finish');
  const names = eventNames((await handle.fetchHistory()).events!);
  expect(names.filter((n) => n === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toHaveLength(2);
  expect(names.filter((n) => n === 'WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
});

test('an update rejected while a timer runs leaves no events, as on the real server', async () => {
  const handle = await client.workflow.start('sleeper', { taskQueue, workflowId: uniqueId(), args: [60_000] });
  await waitUntil(async () => eventNames((await handle.fetchHistory()).events!).includes('TIMER_STARTED'));
  await expect(handle.executeUpdate('noSuchUpdate')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  expect(eventNames((await handle.fetchHistory()).events!)).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
  ]);
  await handle.terminate();
});

test('update-with-start starts the workflow and runs the update', async () => {
  const workflowId = uniqueId();
  const startOp = new WithStartWorkflowOperation('updatable', {
    taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  expect(
    await client.workflow.executeUpdateWithStart('setValue', { args: ['x'], startWorkflowOperation: startOp }),
  ).toBe('initial');
  const handle = await startOp.workflowHandle();
  await handle.executeUpdate('setValue', { args: ['finish'] });
  expect(await handle.result()).toBe('finish');
});

test('lists workflows by search attributes and memo, and counts them by status', async () => {
  const tag = uniqueId('tag');
  const workflowId = uniqueId();
  const handle = await client.workflow.start('accumulator', {
    taskQueue,
    workflowId,
    searchAttributes: { CustomKeywordField: [tag], CustomIntField: [7] },
    memo: { owner: 'tests' },
  });
  const found = [];
  for await (const wf of client.workflow.list({ query: `CustomKeywordField = '${tag}' AND CustomIntField > 5` }))
    found.push(wf);
  expect(found.map((w) => w.workflowId)).toEqual([workflowId]);
  expect(found[0].memo).toEqual({ owner: 'tests' });
  const described = await handle.describe();
  expect(described.searchAttributes.CustomKeywordField).toEqual([tag]);
  await handle.signal('done');
  await handle.result();
  const count = await client.workflow.count(`CustomKeywordField = '${tag}' GROUP BY ExecutionStatus`);
  expect(count.count).toBe(1);
  expect(count.groups).toEqual([{ count: 1, groupValues: [['Completed']] }]);
});

test('upserts search attributes from the workflow', async () => {
  const workflowId = uniqueId();
  await client.workflow.execute('upserter', { taskQueue, workflowId });
  const described = await client.workflow.getHandle(workflowId).describe();
  expect(described.searchAttributes.CustomKeywordField).toEqual(['updated']);
  const found = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowId = '${workflowId}' AND CustomKeywordField = 'updated'`,
  }))
    found.push(wf);
  expect(found).toHaveLength(1);
});

test("the worker's completions add unversioned and its build id to BuildIds, and list queries find them", async () => {
  const workflowId = uniqueId();
  const handle = await client.workflow.start('sleeper', { taskQueue, workflowId, args: [10] });
  await handle.result();
  const buildId = worker.options.buildId;
  expect((await handle.describe()).searchAttributes.BuildIds).toEqual(['unversioned', `unversioned:${buildId}`]);
  const history = await handle.fetchHistory();
  const started = history.events!.find((e) => e.workflowTaskStartedEventAttributes)!;
  expect(started.workflowTaskStartedEventAttributes!.workerVersion?.buildId).toBe(buildId);
  const found = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowId = '${workflowId}' AND BuildIds = 'unversioned:${buildId}'`,
  }))
    found.push(wf.workflowId);
  expect(found).toEqual([workflowId]);
});

describe('schedules', () => {
  test('create, describe with future times, trigger, backfill, pause, update, list and delete', async () => {
    const scheduleId = uniqueId('sched');
    const handle = await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: 12, minute: 30 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'helloActivity',
        args: ['schedule'],
        taskQueue,
        workflowId: `${scheduleId}-wf`,
      },
      memo: { purpose: 'test' },
    });
    let desc = await handle.describe();
    expect(desc.info.nextActionTimes.length).toBeGreaterThan(0);
    for (const t of desc.info.nextActionTimes) {
      expect([t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()]).toEqual([12, 30, 0]);
    }
    expect(desc.memo).toEqual({ purpose: 'test' });

    await handle.trigger();
    desc = await waitUntil(
      async () => {
        const d = await handle.describe();
        return d.info.recentActions.length === 1 ? d : undefined;
      },
      10_000,
      'triggered action',
    );
    const started = desc.info.recentActions[0].action;
    expect(started.type).toBe('startWorkflow');
    const wf = client.workflow.getHandle((started as { workflow: { workflowId: string } }).workflow.workflowId);
    expect(await wf.result()).toBe('Hello, schedule!');
    const wfDesc = await wf.describe();
    expect(wfDesc.searchAttributes.TemporalScheduledById).toEqual([scheduleId]);

    await handle.backfill({
      start: new Date('2026-01-01T00:00:00Z'),
      end: new Date('2026-01-03T00:00:00Z'),
      overlap: 'ALLOW_ALL',
    });
    desc = await handle.describe();
    expect(desc.info.recentActions.map((a) => a.scheduledAt.toISOString())).toEqual(
      expect.arrayContaining(['2026-01-01T12:30:00.000Z', '2026-01-02T12:30:00.000Z']),
    );

    await handle.pause('maintenance');
    desc = await handle.describe();
    expect(desc.state.paused).toBe(true);
    expect(desc.state.note).toBe('maintenance');
    await handle.unpause();

    await handle.update((prev) => ({ ...prev, spec: { intervals: [{ every: '1 hour' }] } }));
    desc = await handle.describe();
    expect(desc.spec.intervals?.map((i) => i.every)).toEqual([3600_000]);

    const listed: string[] = [];
    for await (const s of client.schedule.list()) listed.push(s.scheduleId);
    expect(listed).toContain(scheduleId);

    await handle.delete();
    await expect(handle.describe()).rejects.toThrow(/not found/);
  });

  test('runs an interval schedule on its own', async () => {
    const scheduleId = uniqueId('sched');
    const handle = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1s' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'helloActivity',
        args: ['tick'],
        taskQueue,
        workflowId: `${scheduleId}-wf`,
      },
    });
    const desc = await waitUntil(
      async () => {
        const d = await handle.describe();
        return d.info.recentActions.length >= 1 ? d : undefined;
      },
      10_000,
      'scheduled action',
    );
    expect(desc.info.recentActions[0].scheduledAt.getUTCMilliseconds()).toBe(0);
    await handle.delete();
  });
});
