/**
 * Replay compatibility with the official SDK, both ways: histories written by the OFFICIAL
 * TypeScript SDK (worker, workflow runtime and core 1.24.0) are replayed through the Kairos core
 * with scripted twins of the workflow code (`official/scripts.ts`), and a history written by the
 * Kairos core replays in the official SDK's replayer. The wire facts both cores write (marker
 * names and details, `TemporalChangeVersion` upserts, timer and activity ids, `sdk_metadata`)
 * are compared event by event.
 */
import * as path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection as OfficialConnection,
  Runtime,
  Worker as OfficialWorker,
  WorkflowBundleWithSourceMap,
  bundleWorkflowCode,
} from '@temporalio/worker';
import { kairos, temporal } from '@kairos/proto';
import { NativeConnection, Worker } from '../src';
import { TestServer } from './helpers/server';
import { driveLive, ReplayResult, replayThroughCore } from './helpers/drive';
import { Outcome, Script } from './helpers/scripted';
import { history, startWorkflow, uniqueName } from './helpers/workflows';
import * as activities from './official/activities';
import * as scripts from './official/scripts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
const { EventType } = temporal.api.enums.v1;
const { EvictionReason } = kairos.core.activation;

Runtime.install({ logger: new DefaultLogger('ERROR') });

let server: TestServer;
let client: Client;
let clientConnection: Connection;
let officialWorker: OfficialWorker;
let workerDone: Promise<void>;
let bundle: WorkflowBundleWithSourceMap;
let kairosConnection: NativeConnection;
const taskQueue = uniqueName('official');

beforeAll(async () => {
  server = await TestServer.start({ searchAttributes: { CustomKeywordField: 'KeywordList' } });
  bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'official', 'workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const officialConnection = await OfficialConnection.connect({ address: server.address });
  officialWorker = await OfficialWorker.create({
    connection: officialConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  workerDone = officialWorker.run();
  clientConnection = await Connection.connect({ address: server.address });
  client = new Client({ connection: clientConnection });
  kairosConnection = await NativeConnection.connect({ address: server.address });
}, 120_000);

afterAll(async () => {
  officialWorker?.shutdown();
  await workerDone;
  kairosConnection?.close();
  await clientConnection?.close();
  await server?.stop();
});

/** Decodes a payload the way the official default converter wrote it (JSON, or null/undefined). */
function decodePayload(p: Payload | null | undefined): unknown {
  if (!p) return undefined;
  const encoding = Buffer.from(p.metadata?.encoding ?? []).toString();
  if (encoding === 'binary/null') return undefined;
  if (encoding !== 'json/plain') throw new Error(`unexpected payload encoding ${encoding}`);
  return JSON.parse(Buffer.from(p.data ?? []).toString());
}

interface OfficialRun {
  workflowId: string;
  runId: string;
  events: HistoryEvent[];
}

/** Runs `workflowType` on the official worker (calling `interact` meanwhile) and fetches its history. */
async function runOfficial(
  workflowType: string,
  args: unknown[] = [],
  interact?: (handle: ReturnType<Client['workflow']['getHandle']>, workflowId: string) => Promise<void>,
): Promise<OfficialRun> {
  const workflowId = uniqueName(workflowType);
  const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args });
  if (interact) await interact(handle, workflowId);
  await handle.result().catch((err: unknown) => {
    if (!(err instanceof WorkflowFailedError)) throw err;
  });
  const runId = handle.firstExecutionRunId;
  return { workflowId, runId, events: await history(server, workflowId, runId) };
}

async function eventsOf(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const described = await client.workflow.getHandle(workflowId, runId).describe();
  return history(server, workflowId, described.runId);
}

function ofType(events: HistoryEvent[], type: number): HistoryEvent[] {
  return events.filter((e) => e.eventType === type);
}

/** How history says the run ended, in the scripted runtime's terms. */
function recordedOutcome(events: HistoryEvent[]): Outcome {
  const last = events[events.length - 1];
  switch (last.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return {
        kind: 'completed',
        value: decodePayload(last.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]),
      };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return { kind: 'failed', message: last.workflowExecutionFailedEventAttributes?.failure?.message ?? '' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return {
        kind: 'continuedAsNew',
        args: (last.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? []).map(decodePayload),
      };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return { kind: 'cancelled' };
    default:
      throw new Error(`history ends with event type ${last.eventType}`);
  }
}

/** The `sdk_metadata` of every WorkflowTaskCompleted event. */
function sdkMetadata(events: HistoryEvent[]): temporal.api.sdk.v1.IWorkflowTaskCompletedMetadata[] {
  return ofType(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map(
    (e) => e.workflowTaskCompletedEventAttributes?.sdkMetadata ?? {},
  );
}

/**
 * Replays an official history through the Kairos core with its scripted twin and checks what is
 * common to every scenario: no non-determinism (the run ends with WORKFLOW_EXECUTION_ENDING),
 * every activation replaying, the twin ending the run as history says, the lang flags and SDK
 * version history recorded handed back, every patch marker announced and every local activity
 * resolved with its marker's result.
 */
async function replayOfficial(run: OfficialRun, script: Script): Promise<ReplayResult> {
  const result = await replayThroughCore(run.workflowId, run.events, script);
  expect(`${EvictionReason[result.eviction?.reason ?? 0]} ${result.eviction?.message}`).toBe(
    'EVICTION_REASON_WORKFLOW_EXECUTION_ENDING workflow execution is ending',
  );
  expect(result.allReplaying).toBe(true);
  expect(result.ctx.outcome).toEqual(recordedOutcome(run.events));

  const metadata = sdkMetadata(run.events);
  const langFlags = new Set(metadata.flatMap((m) => m.langUsedFlags ?? []));
  expect(new Set(result.langFlags)).toEqual(langFlags);
  const recordedVersion = metadata.map((m) => m.sdkVersion).find((v) => v) ?? '';
  expect(recordedVersion).toBe('1.24.0');
  // Every activation knows the version the official worker recorded (read ahead for the first).
  expect(new Set(result.lastSdkVersions)).toEqual(new Set([recordedVersion]));

  for (const marker of ofType(run.events, EventType.EVENT_TYPE_MARKER_RECORDED)) {
    const m = marker.markerRecordedEventAttributes!;
    if (m.markerName === 'core_patch') {
      const data = decodePayload(m.details?.['patch-data']?.payloads?.[0]) as { id: string };
      expect(result.jobs).toContain(`notifyHasPatch ${data.id}`);
    } else {
      expect(m.markerName).toBe('core_local_activity');
      expectResolvedFromMarker(result, m);
    }
  }
  return result;
}

/** The core resolved the local activity of a marker with exactly what the marker recorded. */
function expectResolvedFromMarker(
  result: ReplayResult,
  m: temporal.api.history.v1.IMarkerRecordedEventAttributes,
): void {
  const data = decodePayload(m.details?.data?.payloads?.[0]) as {
    seq: number;
    attempt: number;
    backoff: { seconds?: number; nanos?: number } | null;
  };
  const resolved = result.raw
    .flatMap((a) => a.jobs)
    .map((j) => j.resolveActivity)
    .find((r) => r?.isLocal && r.seq === data.seq);
  expect(resolved).toBeDefined();
  const status = resolved!.result!;
  if (data.backoff) {
    expect(status.backoff?.attempt).toBe(data.attempt + 1);
    const d = status.backoff?.backoffDuration;
    expect(Number(d?.seconds ?? 0) * 1e9 + (d?.nanos ?? 0)).toBe(
      (data.backoff.seconds ?? 0) * 1e9 + (data.backoff.nanos ?? 0),
    );
  } else if (m.failure) {
    expect(status.failed?.failure?.message ?? status.cancelled?.failure?.message).toBe(m.failure.message);
  } else {
    expect(Buffer.from(status.completed?.result?.data ?? [])).toEqual(
      Buffer.from(m.details?.result?.payloads?.[0]?.data ?? []),
    );
  }
}

describe('official SDK histories replay through the Kairos core', () => {
  it('activities, one retried by the server', async () => {
    const run = await runOfficial('activityWorkflow', ['Kairos']);
    const started = ofType(run.events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1, 2]);
    const result = await replayOfficial(run, scripts.activityWorkflow);
    expect(result.jobs).toEqual(['initializeWorkflow', 'resolveActivity 1 completed', 'resolveActivity 2 completed']);
  });

  it('timers', async () => {
    const run = await runOfficial('timerWorkflow');
    const result = await replayOfficial(run, scripts.timerWorkflow);
    expect(result.jobs).toEqual(['initializeWorkflow', 'fireTimer 1', 'fireTimer 2', 'fireTimer 3']);
  });

  it('local activities: retried in core, and backing off through a workflow timer', async () => {
    const run = await runOfficial('localActivityWorkflow');
    const result = await replayOfficial(run, scripts.localActivityWorkflow);
    expect(result.jobs).toEqual([
      'initializeWorkflow',
      'resolveActivity 1 local completed',
      'resolveActivity 2 local completed',
      'resolveActivity 3 local backoff',
      'fireTimer 1',
      'resolveActivity 4 local completed',
    ]);
  });

  it('patched() and deprecatePatch(), also after the deprecatePatch call was deleted', async () => {
    const run = await runOfficial('patchWorkflow');
    const result = await replayOfficial(run, scripts.patchWorkflow);
    const expected = [
      ['initializeWorkflow', 'notifyHasPatch zeta-fix'],
      ['notifyHasPatch alpha-fix', 'notifyHasPatch old-fix', 'fireTimer 1'],
      ['fireTimer 2'],
    ];
    expect(result.activations).toEqual(expected);
    const removed = await replayOfficial(run, scripts.patchWorkflowWithoutDeprecatedCall);
    expect(removed.activations).toEqual(expected);
  });

  it('child workflows, signal and cancel of external workflows', async () => {
    const run = await runOfficial('parentWorkflow');
    const result = await replayOfficial(run, scripts.parentWorkflow);
    expect(result.jobs).toEqual([
      'initializeWorkflow',
      'resolveChildWorkflowExecutionStart 1 succeeded',
      'resolveSignalExternalWorkflow 1',
      'resolveChildWorkflowExecution 1 completed',
      'resolveChildWorkflowExecutionStart 2 succeeded',
      'resolveRequestCancelExternalWorkflow 1',
      'resolveChildWorkflowExecution 2 cancelled',
    ]);
    // The child's id came from the workflow's seeded random (uuid4()), so the twin only matched
    // history's StartChildWorkflowExecutionInitiated because the seeds agree.
    const [childId] = (result.ctx.outcome as { value: string[] }).value;
    expect(childId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const child = await replayOfficial(
      { workflowId: childId, runId: '', events: await eventsOf(childId) },
      scripts.waitingChild,
    );
    expect(child.jobs).toEqual(['initializeWorkflow', 'signalWorkflow go']);
    const victimId = `${run.workflowId}-victim`;
    const victim = await replayOfficial(
      { workflowId: victimId, runId: '', events: await eventsOf(victimId) },
      scripts.sleepyChild,
    );
    expect(victim.jobs).toEqual(['initializeWorkflow', 'cancelWorkflow']);
  });

  it('signals, a query, an accepted and a rejected update, conditions with timeouts', async () => {
    const run = await runOfficial('interactionsWorkflow', [], async (handle, workflowId) => {
      // Let the first condition time out before anything else happens.
      await waitFor(async () =>
        (await history(server, workflowId, (await handle.describe()).runId)).some(
          (e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED,
        ),
      );
      await handle.signal('add', 2);
      expect(await handle.query<number>('total')).toBe(2);
      expect(await handle.executeUpdate<number, [number]>('setLimit', { args: [5] })).toBe(5);
      const rejected = await handle
        .executeUpdate<number, [number]>('setLimit', { args: [-1] })
        .catch((e: unknown) => e);
      expect((rejected as Error).cause).toMatchObject({ message: 'limit must not be negative' });
      await handle.signal('finish');
    });
    expect(recordedOutcome(run.events)).toEqual({
      kind: 'completed',
      value: { total: 2, limit: 5, early: false, ok: true },
    });
    const types = run.events.map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    expect(types).toContain(EventType.EVENT_TYPE_TIMER_CANCELED);
    const result = await replayOfficial(run, scripts.interactionsWorkflow);
    expect(result.jobs).toEqual([
      'initializeWorkflow',
      'fireTimer 1',
      'signalWorkflow add',
      'doUpdate setLimit',
      'signalWorkflow finish',
    ]);
  });

  it('Math.random() and uuid4() choose branches: the seeds agree', async () => {
    const run = await runOfficial('randomWorkflow');
    const result = await replayOfficial(run, scripts.randomWorkflow);
    // replayOfficial compared the twin's { r, id, branches } with the recorded result.
    const { r, id } = (result.ctx.outcome as { value: { r: number; id: string } }).value;
    expect(typeof r).toBe('number');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('continue-as-new: both runs, each with its own seed', async () => {
    const workflowId = uniqueName('continueAsNewWorkflow');
    const handle = await client.workflow.start('continueAsNewWorkflow', { taskQueue, workflowId, args: [1] });
    const lastValue = await handle.result();
    const first = {
      workflowId,
      runId: handle.firstExecutionRunId,
      events: await history(server, workflowId, handle.firstExecutionRunId),
    };
    const firstResult = await replayOfficial(first, scripts.continueAsNewWorkflow);
    expect(firstResult.jobs).toEqual(['initializeWorkflow', 'fireTimer 1']);
    const second = { workflowId, runId: '', events: await eventsOf(workflowId) };
    const secondResult = await replayOfficial(second, scripts.continueAsNewWorkflow);
    // Each run is seeded from its own original run id, so the two runs draw different numbers.
    const originalRunId = (events: HistoryEvent[]) =>
      events[0].workflowExecutionStartedEventAttributes?.originalExecutionRunId;
    expect(originalRunId(second.events)).not.toBe(originalRunId(first.events));
    expect(secondResult.jobs).toEqual(['initializeWorkflow']);
    expect(secondResult.ctx.outcome).toEqual({ kind: 'completed', value: lastValue });
  });

  it('cancelling an activity (TRY_CANCEL) and a timer', async () => {
    const run = await runOfficial('cancellationWorkflow');
    expect(recordedOutcome(run.events)).toEqual({ kind: 'completed', value: ['cancelled', 'cancelled'] });
    const result = await replayOfficial(run, scripts.cancellationWorkflow);
    expect(result.jobs).toEqual(['initializeWorkflow', 'fireTimer 1', 'resolveActivity 1 cancelled', 'fireTimer 3']);
  });

  it('workflow failure', async () => {
    const run = await runOfficial('failingWorkflow');
    expect(recordedOutcome(run.events)).toEqual({ kind: 'failed', message: 'boom' });
    const result = await replayOfficial(run, scripts.failingWorkflow);
    expect(result.jobs).toEqual(['initializeWorkflow', 'fireTimer 1']);
  });

  it('upserted search attributes', async () => {
    const run = await runOfficial('searchAttributesWorkflow');
    expect(ofType(run.events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toHaveLength(2);
    const result = await replayOfficial(run, scripts.searchAttributesWorkflow);
    expect(result.jobs).toEqual(['initializeWorkflow', 'fireTimer 1']);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The wire facts of a history that both cores must write alike. */
function wireFacts(events: HistoryEvent[]) {
  const json = (p: Payload | null | undefined) => JSON.parse(Buffer.from(p?.data ?? []).toString());
  return {
    timerIds: ofType(events, EventType.EVENT_TYPE_TIMER_STARTED).map((e) => e.timerStartedEventAttributes?.timerId),
    activityIds: ofType(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map(
      (e) => e.activityTaskScheduledEventAttributes?.activityId,
    ),
    markers: ofType(events, EventType.EVENT_TYPE_MARKER_RECORDED).map((e) => {
      const m = e.markerRecordedEventAttributes!;
      const details = m.details ?? {};
      const data =
        m.markerName === 'core_patch' ? json(details['patch-data']?.payloads?.[0]) : json(details.data?.payloads?.[0]);
      return {
        name: m.markerName,
        detailKeys: Object.keys(details).sort(),
        encodings: Object.keys(details)
          .sort()
          .map((k) => Buffer.from(details[k].payloads?.[0]?.metadata?.encoding ?? []).toString()),
        dataKeys: Object.keys(data).sort(),
        // Everything but the times, which differ from run to run.
        data: { ...data, complete_time: undefined, original_schedule_time: undefined },
        hasCompleteTime: m.markerName === 'core_patch' || data.complete_time !== null,
        hasOriginalScheduleTime: m.markerName === 'core_patch' || data.original_schedule_time !== null,
        failed: !!m.failure,
      };
    }),
    changeVersions: ofType(events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).map((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
      const p = fields.TemporalChangeVersion;
      return {
        keys: Object.keys(fields),
        data: Buffer.from(p?.data ?? []).toString(),
        metadata: Object.fromEntries(Object.entries(p?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString()])),
      };
    }),
    coreFlags: sdkMetadata(events).map((m) => [...(m.coreUsedFlags ?? [])].sort()),
    // Which completions name the SDK (only the first, as long as the SDK does not change).
    namesSdk: sdkMetadata(events).map((m) => [!!m.sdkName, !!m.sdkVersion]),
  };
}

describe('a history written by the Kairos core', () => {
  it('replays in the official SDK and carries the same wire facts as the official one', async () => {
    const kairosQueue = uniqueName('kairos-live');
    const worker = Worker.create(kairosConnection, {
      namespace: 'default',
      taskQueue: kairosQueue,
      identity: 'kairos-live',
    });
    const workflowId = uniqueName('kairosMixed');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'kairosMixed', taskQueue: kairosQueue });
    const ctx = await driveLive(worker, runId, scripts.kairosMixed);
    expect(ctx.outcome).toEqual({
      kind: 'completed',
      value: ['kairos-patch', 'Hello, kairos!', 'kairos-local ok on attempt 2'],
    });
    const ours = await history(server, workflowId, runId);
    const recorded = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    await OfficialWorker.runReplayHistory({ workflowBundle: bundle }, recorded, workflowId);

    const official = await runOfficial('kairosMixed');
    expect(recordedOutcome(official.events)).toEqual(recordedOutcome(ours));
    expect(wireFacts(ours)).toEqual(wireFacts(official.events));
    // And the official history replays through the Kairos core, of course.
    await replayOfficial(official, scripts.kairosMixed);
  });
});
