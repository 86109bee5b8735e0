/**
 * Replay compatibility with the official TypeScript SDK 1.24, both ways, through the whole worker (bundler,
 * isolates, workflow runtime and Rust core):
 *
 * - histories written by the OFFICIAL worker (`replay/official/workflows.ts`, started with the official client)
 *   replay in `Worker.runReplayHistories` / `runReplayHistory` of Kairos with the twin file
 *   (`replay/kairos/workflows.ts`, the same code under the `@kairos/` scope);
 * - histories written by the Kairos worker replay in the official `Worker.runReplayHistories`;
 * - a changed workflow fails replay with a `DeterminismViolationError` that names the event and the commands.
 *
 * Runs against the Kairos dev server, or the Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client as OfficialClient, Connection as OfficialClientConnection } from '@temporalio/client';
import {
  DefaultLogger as OfficialLogger,
  NativeConnection as OfficialNativeConnection,
  Runtime as OfficialRuntime,
  Worker as OfficialWorker,
  bundleWorkflowCode as officialBundleWorkflowCode,
  type WorkflowBundleWithSourceMap as OfficialBundle,
} from '@temporalio/worker';
import { historyToJSON } from '@kairos/common/lib/proto-utils';
import { temporal } from '@kairos/proto';
import { DeterminismViolationError } from '@kairos/workflow';
import { bundleWorkflowCode, ReplayError, type ReplayResult, Worker, type WorkflowBundleWithSourceMap } from '../src';
import { taskQueueFor, TestEnv } from './helpers/env';
import * as kairosActivities from './replay/kairos/activities';
import * as officialActivities from './replay/official/activities';

const { kairosTwin, TWIN_FILES } = require('./replay/sync-twins.js') as {
  kairosTwin: (source: string) => string;
  TWIN_FILES: string[];
};

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

const REPLAY_DIR = path.join(__dirname, 'replay');
const OFFICIAL_WORKFLOWS = path.join(REPLAY_DIR, 'official', 'workflows.ts');
const KAIROS_WORKFLOWS = path.join(REPLAY_DIR, 'kairos', 'workflows.ts');
const CHANGED_WORKFLOWS = path.join(REPLAY_DIR, 'changed-workflows.ts');
const GEN_TIMER_HISTORY = path.resolve(__dirname, '../../../tools/gen-timer-history.js');

/** The part of a workflow handle both SDKs' clients share that the scenarios use. */
interface Handle {
  readonly workflowId: string;
  /** Set by `start`. */
  readonly firstExecutionRunId?: string;
  /** Set by `signalWithStart`. */
  readonly signaledRunId?: string;
  signal(name: string, ...args: unknown[]): Promise<void>;
  query<R>(name: string, ...args: unknown[]): Promise<R>;
  executeUpdate<R>(name: string, options: { args: unknown[] }): Promise<R>;
  cancel(): Promise<unknown>;
  result(): Promise<unknown>;
  fetchHistory(): Promise<History>;
}

/** An error of either SDK's client with its cause. */
type FailedWith = Error & { cause?: Error };

interface StartOptions {
  workflowId: string;
  args: unknown[];
  memo?: Record<string, unknown>;
  signal?: string;
  signalArgs?: unknown[];
}

/** The part of both SDKs' `client.workflow` that starts workflows. */
interface WorkflowClientLike {
  start(workflowType: string, options: object): Promise<unknown>;
  signalWithStart(workflowType: string, options: object): Promise<unknown>;
}

/** Starts workflows on `taskQueue` with either SDK's client (with signalWithStart when a signal is given). */
function startFunction(workflow: WorkflowClientLike, taskQueue: string): Side['start'] {
  return async (workflowType, { signal, signalArgs, ...options }) => {
    const handle =
      signal === undefined
        ? await workflow.start(workflowType, { taskQueue, ...options })
        : await workflow.signalWithStart(workflowType, { taskQueue, ...options, signal, signalArgs });
    return handle as Handle;
  };
}

/** One SDK's side of the suite: a running worker on its own task queue and a client to drive it. */
interface Side {
  readonly sdk: 'official' | 'kairos';
  readonly taskQueue: string;
  start(workflowType: string, options: StartOptions): Promise<Handle>;
  getHandle(workflowId: string, runId?: string): Handle;
}

interface Scenario {
  /** What the test name says the workflow covers. */
  readonly covers: string;
  readonly workflowType: string;
  readonly args?: unknown[];
  readonly memo?: Record<string, unknown>;
  /** Start with signalWithStart, sending this signal. */
  readonly signalWithStart?: { signal: string; args: unknown[] };
  /** What the client does while the workflow runs. */
  readonly interact?: (handle: Handle) => Promise<void>;
  /** The workflow's result, or a check of the error its result() rejects with. */
  readonly expected: { result: unknown } | { error: (err: FailedWith) => void };
  /** Event types the first run's history must hold, so the scenario covers what it says. */
  readonly events: number[];
  /** How many executions (runs, children) the scenario writes. */
  readonly executions: number;
}

/** Resolves once the run's history holds an event of `type`. */
async function waitForEvent(handle: Handle, type: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await handle.fetchHistory()).events?.some((e) => e.eventType === type)) {
    if (Date.now() > deadline) throw new Error(`no event of type ${EventType[type]} in ${handle.workflowId}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const scenarios: Scenario[] = [
  {
    covers: 'activities, one retried by the server, one failing',
    workflowType: 'activityWorkflow',
    args: ['Replay'],
    expected: {
      result: [
        'Hello, Replay!',
        'remote ok on attempt 2',
        'Hello, a!',
        'Hello, b!',
        'ActivityFailure: ApplicationFailure: remote',
      ],
    },
    events: [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED],
    executions: 1,
  },
  {
    covers: 'local activities, retried in the worker, backing off on a timer, failing',
    workflowType: 'localActivityWorkflow',
    expected: {
      result: [
        'Hello, local!',
        'local ok on attempt 3',
        'backoff ok on attempt 2',
        // As in the official SDK, a local activity's failure reaches the workflow without an ActivityFailure.
        'ApplicationFailure: local',
      ],
    },
    events: [EventType.EVENT_TYPE_MARKER_RECORDED, EventType.EVENT_TYPE_TIMER_FIRED],
    executions: 1,
  },
  {
    covers: 'timers',
    workflowType: 'timerWorkflow',
    expected: { result: 1 },
    events: [EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_FIRED],
    executions: 1,
  },
  {
    covers: 'setTimeout and clearTimeout',
    workflowType: 'setTimeoutWorkflow',
    expected: { result: ['first', 'second'] },
    events: [EventType.EVENT_TYPE_TIMER_FIRED],
    executions: 1,
  },
  {
    covers: 'condition timing out and met before its timeout',
    workflowType: 'conditionWorkflow',
    expected: { result: [false, true] },
    events: [EventType.EVENT_TYPE_TIMER_FIRED, EventType.EVENT_TYPE_TIMER_CANCELED],
    executions: 1,
  },
  {
    covers: 'signals, a query, accepted and rejected updates',
    workflowType: 'interactionsWorkflow',
    interact: async (handle) => {
      await handle.signal('add', 2);
      expect(await handle.query<number>('total')).toBe(2);
      expect(await handle.executeUpdate<number>('setLimit', { args: [5] })).toBe(5);
      const rejected = (await handle.executeUpdate('setLimit', { args: [-1] }).catch((e: unknown) => e)) as FailedWith;
      expect(rejected.name).toBe('WorkflowUpdateFailedError');
      expect(rejected.cause?.message).toBe('limit must not be negative');
      expect(await handle.executeUpdate<number>('slowAdd', { args: [3] })).toBe(5);
      await handle.signal('finish');
    },
    expected: { result: { total: 5, limit: 5, ok: true } },
    events: [
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    ],
    executions: 1,
  },
  {
    covers: 'child workflows (one failing), signal and cancel of external workflows',
    workflowType: 'parentWorkflow',
    expected: {
      result: ['go!', 'echo from the parent', 'cancelled', 'ChildWorkflowFailure: ApplicationFailure: boom'],
    },
    events: [
      EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
      EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
      EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
    ],
    executions: 5,
  },
  {
    covers: 'signalWithStart, a signal buffered until its (default) handler exists',
    workflowType: 'signalWithStartWorkflow',
    signalWithStart: { signal: 'first', args: [1] },
    interact: async (handle) => {
      await handle.signal('second', 'x');
    },
    expected: { result: ['first:[1]', 'second:["x"]'] },
    events: [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED],
    executions: 1,
  },
  {
    covers: 'continue-as-new, every run',
    workflowType: 'continueAsNewWorkflow',
    args: [2],
    expected: { result: 'continued' },
    events: [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW],
    executions: 3,
  },
  {
    covers: 'cancellation scopes: an activity, a timer, withTimeout and nonCancellable',
    workflowType: 'cancellationWorkflow',
    expected: { result: ['activity cancelled', 'timer cancelled', 'timed out', 'Hello, shielded!'] },
    events: [EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, EventType.EVENT_TYPE_TIMER_CANCELED],
    executions: 1,
  },
  {
    covers: 'a workflow cancelled by the client that cleans up',
    workflowType: 'cancelledWorkflow',
    interact: async (handle) => {
      await waitForEvent(handle, EventType.EVENT_TYPE_TIMER_STARTED);
      await handle.cancel();
    },
    expected: {
      error: (err) => {
        expect(err.name).toBe('WorkflowFailedError');
        expect(err.cause?.name).toBe('CancelledFailure');
      },
    },
    events: [
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    ],
    executions: 1,
  },
  {
    covers: 'patched() and deprecatePatch()',
    workflowType: 'patchWorkflow',
    expected: { result: ['zeta-fix', 'alpha-fix'] },
    events: [EventType.EVENT_TYPE_MARKER_RECORDED, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES],
    executions: 1,
  },
  {
    covers: 'Math.random() and uuid4() choosing branches',
    workflowType: 'randomWorkflow',
    expected: {
      result: {
        r: expect.any(Number),
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        branches: [
          expect.stringMatching(/^(timer|Hello, random!)$/),
          expect.stringMatching(/^(timer|Hello, local!)$/),
          'Hello, drawn!',
        ],
      },
    },
    events: [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED],
    executions: 1,
  },
  {
    covers: 'search attribute and memo upserts',
    workflowType: 'upsertWorkflow',
    memo: { gone: 'soon' },
    expected: { result: ['two', { note: 'hello', count: 2 }] },
    events: [EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED],
    executions: 1,
  },
  {
    covers: 'a failing workflow',
    workflowType: 'failingWorkflow',
    expected: {
      error: (err) => {
        expect(err.name).toBe('WorkflowFailedError');
        expect(err.cause?.message).toBe('boom');
      },
    },
    events: [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED],
    executions: 1,
  },
];

/** A recorded execution: its ids and its history as the side's client fetched it. */
interface Execution {
  readonly workflowId: string;
  readonly runId: string;
  readonly history: History;
}

function eventsOf(history: History): HistoryEvent[] {
  return history.events ?? [];
}

/** The executions a history leads to: its children and the run it continued as. */
function relatedExecutions(workflowId: string, history: History): { workflowId: string; runId: string }[] {
  const related: { workflowId: string; runId: string }[] = [];
  for (const e of eventsOf(history)) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED && child?.workflowId && child.runId) {
      related.push({ workflowId: child.workflowId, runId: child.runId });
    }
    const next = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW && next) {
      related.push({ workflowId, runId: next });
    }
  }
  return related;
}

/** Runs a scenario on one side, checks its outcome, and fetches the histories of every execution it wrote. */
async function runScenario(side: Side, scenario: Scenario): Promise<Execution[]> {
  const workflowId = `${scenario.workflowType}-${side.sdk}-${randomUUID()}`;
  const handle = await side.start(scenario.workflowType, {
    workflowId,
    args: scenario.args ?? [],
    memo: scenario.memo,
    signal: scenario.signalWithStart?.signal,
    signalArgs: scenario.signalWithStart?.args,
  });
  if (scenario.interact) await scenario.interact(handle);
  if ('result' in scenario.expected) {
    expect(await handle.result()).toEqual(scenario.expected.result);
  } else {
    const err = await handle.result().then(
      () => new Error('expected the workflow to fail') as FailedWith,
      (e: unknown) => e as FailedWith,
    );
    scenario.expected.error(err);
  }
  const executions: Execution[] = [];
  const runId = handle.firstExecutionRunId ?? handle.signaledRunId;
  if (runId === undefined) throw new Error(`no run id for ${workflowId}`);
  const pending = [{ workflowId, runId }];
  for (let next = pending.shift(); next; next = pending.shift()) {
    const history = await side.getHandle(next.workflowId, next.runId).fetchHistory();
    executions.push({ ...next, history });
    pending.push(...relatedExecutions(next.workflowId, history));
  }
  const types = new Set(eventsOf(executions[0].history).map((e) => e.eventType));
  for (const type of scenario.events) expect([...types].map((t) => EventType[t ?? 0])).toContain(EventType[type]);
  expect(executions).toHaveLength(scenario.executions);
  return executions;
}

/** Describes the replay failures among `results` (empty when every history replayed). */
function failures(results: { workflowId: string; error?: Error }[]): string[] {
  return results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.name}: ${r.error?.message}`);
}

async function replayInKairos(options: { workflowBundle: WorkflowBundleWithSourceMap }, executions: Execution[]) {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(options, executions)) results.push(result);
  return results;
}

async function replayInOfficial(executions: Execution[]) {
  const results: { workflowId: string; error?: Error }[] = [];
  const histories = executions.map(({ workflowId, history }) => ({
    workflowId,
    history: history as Parameters<typeof OfficialWorker.runReplayHistory>[1],
  }));
  for await (const result of OfficialWorker.runReplayHistories({ workflowBundle: officialBundle }, histories)) {
    results.push(result);
  }
  return results;
}

let env: TestEnv;
let officialBundle: OfficialBundle;
let kairosBundle: WorkflowBundleWithSourceMap;
let officialSide: Side;
let kairosSide: Side;
let officialWorker: OfficialWorker;
let officialWorkerDone: Promise<void>;
let officialNativeConnection: OfficialNativeConnection;
let officialClientConnection: OfficialClientConnection;
let kairosWorker: Worker;
let kairosWorkerDone: Promise<void>;

beforeAll(async () => {
  env = await TestEnv.start();
  OfficialRuntime.install({ logger: new OfficialLogger('ERROR') });
  // The official bundler (webpack) takes about a second: bundle once, for the official worker and replayer.
  [officialBundle, kairosBundle] = await Promise.all([
    officialBundleWorkflowCode({ workflowsPath: OFFICIAL_WORKFLOWS, logger: new OfficialLogger('WARN') }),
    bundleWorkflowCode({ workflowsPath: KAIROS_WORKFLOWS }),
  ]);

  officialNativeConnection = await OfficialNativeConnection.connect({ address: env.address });
  const officialQueue = taskQueueFor('replay-official');
  officialWorker = await OfficialWorker.create({
    connection: officialNativeConnection,
    namespace: 'default',
    taskQueue: officialQueue,
    workflowBundle: officialBundle,
    activities: officialActivities,
  });
  officialWorkerDone = officialWorker.run();
  officialClientConnection = await OfficialClientConnection.connect({ address: env.address });
  const officialClient = new OfficialClient({ connection: officialClientConnection });
  officialSide = {
    sdk: 'official',
    taskQueue: officialQueue,
    start: startFunction(officialClient.workflow as unknown as WorkflowClientLike, officialQueue),
    getHandle: (workflowId, runId) => officialClient.workflow.getHandle(workflowId, runId) as unknown as Handle,
  };

  const kairosQueue = taskQueueFor('replay-kairos');
  kairosWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: kairosQueue,
    workflowBundle: kairosBundle,
    activities: kairosActivities,
  });
  kairosWorkerDone = kairosWorker.run();
  kairosSide = {
    sdk: 'kairos',
    taskQueue: kairosQueue,
    start: startFunction(env.client.workflow as unknown as WorkflowClientLike, kairosQueue),
    getHandle: (workflowId, runId) => env.client.workflow.getHandle(workflowId, runId) as unknown as Handle,
  };
}, 120_000);

afterAll(async () => {
  officialWorker?.shutdown();
  kairosWorker?.shutdown();
  await Promise.all([officialWorkerDone, kairosWorkerDone]);
  await officialNativeConnection?.close();
  await officialClientConnection?.close();
  await env?.teardown();
});

test('the Kairos workflow and activity files are the official ones with the import scope changed', () => {
  for (const file of TWIN_FILES) {
    const official = fs.readFileSync(path.join(REPLAY_DIR, 'official', file), 'utf8');
    const kairos = fs.readFileSync(path.join(REPLAY_DIR, 'kairos', file), 'utf8');
    expect(official).toMatch(/from '@temporalio\//);
    // Run `node test/replay/sync-twins.js` after editing the official file.
    expect(kairos).toBe(kairosTwin(official));
  }
});

describe('histories written by the official SDK replay in Kairos', () => {
  const recorded: Execution[] = [];

  test.each(scenarios)('$covers ($workflowType)', async (scenario) => {
    const executions = await runScenario(officialSide, scenario);
    recorded.push(...executions);
    const results = await replayInKairos({ workflowBundle: kairosBundle }, executions);
    expect(results.map((r) => r.workflowId)).toEqual(executions.map((e) => e.workflowId));
    expect(results.map((r) => r.runId)).toEqual(executions.map((e) => e.runId));
    expect(failures(results)).toEqual([]);
  });

  test('every recorded history replays in one runReplayHistories call', async () => {
    expect(recorded.length).toBeGreaterThanOrEqual(scenarios.length);
    const results = await replayInKairos({ workflowBundle: kairosBundle }, recorded);
    expect(results).toHaveLength(recorded.length);
    expect(failures(results)).toEqual([]);
  });

  test('a history exported as proto3 JSON replays through runReplayHistory', async () => {
    const [execution] = await runScenario(
      officialSide,
      scenarios.find((s) => s.workflowType === 'parentWorkflow')!,
    );
    const json = historyToJSON(execution.history);
    expect(JSON.parse(json).events[0]).toMatchObject({
      eventId: '1',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
    });
    await Worker.runReplayHistory({ workflowBundle: kairosBundle }, JSON.parse(json), execution.workflowId);
  });

  test('the history tools/gen-timer-history.js writes (the CLI and UI export format) replays', async () => {
    const json = execFileSync(process.execPath, [GEN_TIMER_HISTORY, '20'], { encoding: 'utf8' });
    await Worker.runReplayHistory({ workflowBundle: kairosBundle }, JSON.parse(json), 'bench-timer-loop');
  });

  const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';
  const haveCli = spawnSync(temporalCli, ['--version']).status === 0;
  (haveCli ? test : test.skip)('a history printed by `temporal workflow show --output json` replays', async () => {
    const [execution] = await runScenario(
      officialSide,
      scenarios.find((s) => s.workflowType === 'activityWorkflow')!,
    );
    // Not execFileSync: the Kairos dev server answers the CLI from this process's event loop.
    const { stdout } = await promisify(execFile)(
      temporalCli,
      ['workflow', 'show', '--address', env.address, '--workflow-id', execution.workflowId, '--output', 'json'],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const json = stdout;
    expect(JSON.parse(json).events).toHaveLength(eventsOf(execution.history).length);
    await Worker.runReplayHistory({ workflowBundle: kairosBundle }, JSON.parse(json), execution.workflowId);
  });
});

describe('histories written by Kairos replay in the official SDK', () => {
  test.each(scenarios)('$covers ($workflowType)', async (scenario) => {
    const executions = await runScenario(kairosSide, scenario);
    const results = await replayInOfficial(executions);
    expect(results.map((r) => r.workflowId)).toEqual(executions.map((e) => e.workflowId));
    expect(failures(results)).toEqual([]);
    // And in Kairos, of course.
    expect(failures(await replayInKairos({ workflowBundle: kairosBundle }, executions))).toEqual([]);
  });
});

describe('a changed workflow fails replay', () => {
  let changedBundle: WorkflowBundleWithSourceMap;
  let timerRun: Execution;
  let activityRun: Execution;
  let setTimeoutRun: Execution;
  let patchRun: Execution;

  beforeAll(async () => {
    changedBundle = await bundleWorkflowCode({ workflowsPath: CHANGED_WORKFLOWS });
    const byType = (type: string) => scenarios.find((s) => s.workflowType === type)!;
    [[timerRun], [activityRun], [setTimeoutRun], [patchRun]] = await Promise.all([
      runScenario(officialSide, byType('timerWorkflow')),
      runScenario(officialSide, byType('activityWorkflow')),
      runScenario(officialSide, byType('setTimeoutWorkflow')),
      runScenario(officialSide, byType('patchWorkflow')),
    ]);
  });

  test('runReplayHistory throws DeterminismViolationError naming the event and both commands', async () => {
    const err = await Worker.runReplayHistory({ workflowBundle: changedBundle }, timerRun.history, timerRun.workflowId)
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    console.log(`timer replaced by an activity:\n${err?.message}`);
    // History: 1 started, 2-4 the first workflow task, 5 TimerStarted, where the changed code schedules an activity.
    expect(err?.name).toBe('DeterminismViolationError');
    expect(err?.message).toContain('[TMPRL1100]');
    expect(err?.message).toMatch(/\bevent 5\b/);
    expect(err?.message).toContain('TIMER_STARTED');
    expect(err?.message).toContain('SCHEDULE_ACTIVITY_TASK');
  });

  test('runReplayHistory names the activity types when an activity changed', async () => {
    const err = await Worker.runReplayHistory(
      { workflowBundle: changedBundle },
      activityRun.history,
      activityRun.workflowId,
    )
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    console.log(`activity type changed:\n${err?.message}`);
    expect(err?.message).toMatch(/\bevent 5\b/);
    expect(err?.message).toContain('type greet');
    expect(err?.message).toContain('type flaky');
  });

  test('randomness is checked: a history whose seed was edited fails replay', async () => {
    const [run] = await runScenario(
      officialSide,
      scenarios.find((s) => s.workflowType === 'randomWorkflow')!,
    );
    await Worker.runReplayHistory({ workflowBundle: kairosBundle }, run.history, run.workflowId);
    // The workflow's random numbers are seeded from the original run id, and the last activity's id is drawn
    // from them: with another seed it differs from the id history recorded (if no branch differed before).
    const edited = temporal.api.history.v1.History.decode(temporal.api.history.v1.History.encode(run.history).finish());
    edited.events[0].workflowExecutionStartedEventAttributes!.originalExecutionRunId = randomUUID();
    const err = await Worker.runReplayHistory({ workflowBundle: kairosBundle }, edited, run.workflowId)
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    console.log(`random seed changed:\n${err?.message}`);
    expect(err).toBeInstanceOf(DeterminismViolationError);
  });

  test('a workflow type missing from the bundle is a ReplayError naming the type', async () => {
    const json = execFileSync(process.execPath, [GEN_TIMER_HISTORY, '1'], { encoding: 'utf8' });
    const err = await Worker.runReplayHistory({ workflowBundle: changedBundle }, JSON.parse(json), 'bench-timer-loop')
      .then(() => undefined)
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ReplayError);
    expect(err?.message).toContain("'timerLoop'");
  });

  test('runReplayHistories reports each failure as the error of its result and goes on', async () => {
    const runs = [timerRun, setTimeoutRun, activityRun, patchRun];
    const results = await replayInKairos({ workflowBundle: changedBundle }, runs);
    expect(results.map((r) => r.workflowId)).toEqual(runs.map((r) => r.workflowId));
    expect(results.map((r) => r.error?.name)).toEqual([
      'DeterminismViolationError',
      undefined,
      'DeterminismViolationError',
      // Deleting a deprecatePatch call is an allowed change.
      undefined,
    ]);
    expect(results[0].error).toBeInstanceOf(DeterminismViolationError);
    expect(results[2].error).toBeInstanceOf(DeterminismViolationError);
  });
});
