/**
 * Programs written for the official SDK (`test/official-programs/<name>/`: `workflows.ts`, `activities.ts`,
 * `worker.ts`, `client.ts`, importing `@temporalio/*`) run on Kairos after the one-step migration: every
 * `@temporalio/` becomes `@kairos/`, nothing else changes. Each rewritten copy is written under
 * `official-programs/.generated/` (so `@kairos/*` resolves through this package's node_modules), type-checked
 * against the Kairos types, and run: its `worker.ts` against the Kairos `Worker`, its `client.ts` against the
 * Kairos client, on the Kairos dev server. The hello-world program also runs unchanged on the official SDK against
 * the same server, as a reference.
 *
 * `KAIROS_PROGRAMS_SDK=temporal` runs every program as written on the official SDK instead (with
 * `KAIROS_TEST_SERVER=temporal`, against the real Temporal dev server): that is how the expectations below were
 * checked to be the official behaviour. `KAIROS_KEEP_GENERATED=1` keeps the rewritten copies after the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import type { LogEntry } from '../src';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';

// `@kairos/worker` is this package; the programs get its sources, the same module instance the tests use.
jest.mock('@kairos/worker', () => jest.requireActual('../src'), { virtual: true });

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

const programsRoot = path.resolve(__dirname, 'official-programs');
const generatedRoot = path.join(programsRoot, '.generated', `run-${process.pid}`);
const PROGRAMS = fs
  .readdirSync(programsRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
  .map((entry) => entry.name)
  .sort();

/** The whole migration: the import scope changes, nothing else. */
function migrate(source: string): string {
  return source.replaceAll('@temporalio/', '@kairos/');
}

function copyMigrated(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyMigrated(source, target);
    else fs.writeFileSync(target, migrate(fs.readFileSync(source, 'utf8')));
  }
}

function programFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

/** TypeScript errors of `files`, formatted one per line. */
function typeErrors(files: string[], paths?: ts.MapLike<string[]>): string[] {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(programsRoot, d.file.fileName)}:${line + 1}: ${message}`;
  });
}

interface WorkerModule {
  runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R>;
}
interface ClientModule {
  run(address: string, taskQueue: string): Promise<unknown>;
}

/** `kairos` (default): run the migrated copies on Kairos. `temporal`: run the programs as written on the official SDK. */
const SDK = process.env.KAIROS_PROGRAMS_SDK === 'temporal' ? 'temporal' : 'kairos';

function programDir(name: string): string {
  return path.join(SDK === 'kairos' ? generatedRoot : programsRoot, name);
}

/** Log records of the official SDK's runtime, once it is installed. */
const officialLogs: LogEntry[] = [];
let officialRuntimeInstalled = false;
function installOfficialRuntime(): void {
  if (officialRuntimeInstalled) return;
  officialRuntimeInstalled = true;
  const official = require('@temporalio/worker') as typeof import('@temporalio/worker');
  official.Runtime.install({
    logger: new official.DefaultLogger('INFO', (entry) => void officialLogs.push(entry as LogEntry)),
  });
}

function logsOf(): LogEntry[] {
  return SDK === 'kairos' ? capturedLogs : officialLogs;
}

let env: TestEnv;
let printed: string[] = [];

beforeAll(async () => {
  fs.rmSync(generatedRoot, { recursive: true, force: true });
  for (const name of PROGRAMS) copyMigrated(path.join(programsRoot, name), path.join(generatedRoot, name));
  env = await TestEnv.start();
  if (SDK === 'temporal') installOfficialRuntime();
});

afterAll(async () => {
  await env?.teardown();
  if (!process.env.KAIROS_KEEP_GENERATED) fs.rmSync(generatedRoot, { recursive: true, force: true });
});

beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** Runs a program's worker until its client program finishes; returns what the client program returned. */
async function runProgram<R>(name: string, dir = programDir(name)): Promise<R> {
  const worker = require(path.join(dir, 'worker.ts')) as WorkerModule;
  const client = require(path.join(dir, 'client.ts')) as ClientModule;
  const taskQueue = taskQueueFor(name);
  return (await worker.runWorker(env.address, taskQueue, () => client.run(env.address, taskQueue))) as R;
}

describe('the programs', () => {
  it('are one per API area', () => {
    expect(PROGRAMS).toEqual([
      'activities',
      'cancellation',
      'child-workflows',
      'continue-as-new',
      'hello-world',
      'interceptors',
      'messages',
      'patching',
      'search-attributes',
      'sinks-logging',
      'timers',
      'workflow-info',
    ]);
  });

  it('type-check against the official SDK as written', () => {
    expect(typeErrors(PROGRAMS.flatMap((name) => programFiles(path.join(programsRoot, name))))).toEqual([]);
  });

  it('type-check against Kairos after the scope swap', () => {
    const workerSrc = path.resolve(__dirname, '../src');
    const paths = { '@kairos/worker': [path.join(workerSrc, 'index.ts')], '@kairos/worker/lib/*': [`${workerSrc}/*`] };
    expect(typeErrors(programFiles(generatedRoot), paths)).toEqual([]);
  });
});

describe('hello-world', () => {
  it('greets through an activity', async () => {
    expect(await runProgram('hello-world')).toBe('Hello, Temporal!');
    expect(printed).toContain('Hello, Temporal!');
  });

  it('runs unchanged on the official SDK against the same server (reference)', async () => {
    if (SDK === 'temporal') return; // every program runs on the official SDK in that mode
    installOfficialRuntime();
    expect(await runProgram('hello-world', path.join(programsRoot, 'hello-world'))).toBe('Hello, Temporal!');
  });
});

test('activities: retries, failures, heartbeats, local activities, executeWithOptions, cancellation', async () => {
  expect(await runProgram('activities')).toEqual({
    stock: 'sku-1: 12 in stock (attempt 3)',
    charge: ['chargeCard', 'OverLimit', 'amount 250 is over the limit', 'true', '[{"limit":100}]'],
    packed: 3,
    remote: { activityType: 'selfReport', isLocal: false, workflowType: 'processOrder' },
    local: { activityType: 'selfReport', isLocal: true, workflowType: 'processOrder' },
    localStock: 'sku-2: 12 in stock (attempt 3)',
    withOptions: 'charged 20',
    courier: 'cancelled (ActivityFailure)',
  });
});

test('timers: sleep, setTimeout/clearTimeout, condition with and without timeout, workflow time', async () => {
  expect(await runProgram('timers')).toEqual({
    report: {
      sleptAtLeast100ms: true,
      timeoutFired: true,
      clearedTimeoutFired: false,
      conditionTimedOut: true,
      conditionMet: true,
      dateIsWorkflowTime: true,
      wallClockNotBehind: true,
    },
    // sleep(100), setTimeout(30), sleep(30), condition(50ms), sleep(20), condition(1 minute); the cleared
    // setTimeout never reaches the server.
    timers: 6,
  });
});

test('messages: signals, queries, updates with validators, default handlers, metadata', async () => {
  const report = await runProgram<Record<string, unknown>>('messages');
  expect(report).toEqual({
    items: ['apple', 'pear', 'apple'],
    apples: 2,
    coupon: 'applyCoupon coupon-1: 4 items',
    rejection: 'WorkflowUpdateFailedError: invalid coupon code "bad code"',
    late: 'applyCoupon coupon-2: 5 items',
    unknownQuery: 'no query weight ["kg"]',
    unknownUpdate: 'update setQuantity handled by default',
    signalDefinitions: expect.arrayContaining([{ name: 'addItem', description: 'Adds one item' }]),
    queryDefinitions: expect.arrayContaining([{ name: 'items', description: 'Lists the items' }]),
    stackTraceIsText: true,
    result: {
      items: ['apple', 'pear', 'apple', 'coupon:SAVE10', 'coupon:LATE5'],
      unhandled: ['signal giftWrap [true]', 'update setQuantity [3]'],
    },
  });
});

test('cancellation: scopes, timeouts, shielding, and a workflow that cleans up when cancelled', async () => {
  expect(await runProgram('cancellation')).toEqual({
    scopes: [
      'withTimeout: cancelled',
      'cancel(): CancelledFailure',
      'nonCancellable: finished despite the outer cancel',
      'cancelRequested: rejected with CancelledFailure',
      'consideredCancelled: true',
      'current() inside cancellable: true',
    ],
    outcome: 'WorkflowFailedError caused by CancelledFailure',
    status: 'CANCELLED',
    cleanup: ['releaseReservation'],
  });
});

test('child workflows: execute, start, signal, external handles, cancellation, failures', async () => {
  const { workflowId, result } = await runProgram<{ workflowId: string; result: object }>('child-workflows');
  expect(result).toEqual({
    executed: `Ann, child of ${workflowId} (root ${workflowId})`,
    byName: `Bob, child of ${workflowId} (root ${workflowId})`,
    nudged: 'got a nudge from the parent',
    external: 'got an external nudge',
    cancelled: 'cancelled',
    failed: 'grumpy: Grumpy: not today',
    firstExecutionRunIdKnown: 'true',
  });
});

test('continue-as-new: same workflow id, new runs, another workflow type', async () => {
  expect(await runProgram('continue-as-new')).toEqual({
    result: { runs: 4, continued: true, sameWorkflowId: true, newRunId: true },
    firstRunStatus: 'CONTINUED_AS_NEW',
    latestRunStatus: 'COMPLETED',
    latestIsAnotherRun: true,
    handedOver: 'finish: a note, handed over by handOver',
  });
});

test('patching: patched and deprecatePatch, markers, replay of old and new histories', async () => {
  expect(await runProgram('patching')).toEqual({
    results: ['price 100', 'price 90 (discounted)', 'legacy price 5', 'legacy price 5'],
    markers: [0, 1, 0, 1],
    replayErrors: [null, null, null, null],
  });
});

test('search attributes and memo: set at start, read, upserted, described', async () => {
  expect(await runProgram('search-attributes')).toEqual({
    result: {
      before: { status: 'packed', legacyStatus: ['packed'], memo: { note: 'fragile', courier: 'bike' } },
      after: { status: 'shipped', priority: 7, legacyStatus: ['shipped'], memo: { note: 'left the warehouse' } },
    },
    described: { status: 'shipped', priority: 7, memo: { note: 'left the warehouse' } },
  });
});

test('sinks and logging: sink calls and log lines once each, even when every task replays', async () => {
  const dir = programDir('sinks-logging');
  expect(await runProgram('sinks-logging')).toBe('audited order-42');
  const { auditTrail } = require(path.join(dir, 'worker.ts')) as { auditTrail: string[] };
  expect(auditTrail).toEqual(['auditedOrder #1: received order-42', 'auditedOrder #2: notified order-42']);
  const logs = logsOf().filter((e) => (e.meta as { orderId?: string } | undefined)?.orderId === 'order-42');
  expect(logs.map((e) => [e.level, e.message])).toEqual([
    ['INFO', 'order received'],
    ['INFO', 'customer notified'],
    ['WARN', 'order complete'],
  ]);
  expect(logs[0].meta).toMatchObject({ sdkComponent: 'workflow', workflowType: 'auditedOrder', namespace: 'default' });
  expect(logs[1].meta).toMatchObject({ sdkComponent: 'activity', activityType: 'notifyCustomer', isLocal: false });
});

test('interceptors: workflow inbound and outbound interceptors from workflowModules, activity interceptors', async () => {
  expect(await runProgram('interceptors')).toEqual({
    queried: '[ADA]',
    renamed: 'grace!',
    rejected: 'rejected by the interceptor',
    nickname: 'grace a.k.a. forbidden!',
    result: { intercepted: true, result: 'Hello, world! (scheduled by interceptedGreeting)' },
  });
});

test('workflowInfo(): the fields a workflow sees, and deterministic randomness across replays', async () => {
  const { workflowId, queried, info } = await runProgram<{
    workflowId: string;
    queried: [number, string];
    info: Record<string, unknown>;
  }>('workflow-info');
  expect(info).toEqual({
    workflowId,
    workflowType: 'introspect',
    taskQueue: expect.stringContaining('workflowInfo'),
    namespace: 'default',
    runIdIsFirst: true,
    continuedFromExecutionRunId: null,
    attempt: 1,
    historyGrew: true,
    historySizeKnown: true,
    continueAsNewSuggested: false,
    startTimeIsDate: true,
    startedBeforeNow: true,
    executionTimeoutMs: 3_600_000,
    runTimeoutMs: 1_800_000,
    taskTimeoutMs: 5_000,
    expiresLater: true,
    retryMaximumAttempts: 2,
    memo: { purpose: 'introspection' },
    parent: null,
    cronSchedule: null,
    lastResult: null,
    isReplaying: false,
    inWorkflowContext: true,
    random: expect.any(Number),
    uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  });
  // The query ran on a replay of the run (the worker has no cache): the same seed gives the same values.
  expect(queried).toEqual([info.random, info.uuid]);
});
