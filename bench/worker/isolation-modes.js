#!/usr/bin/env node
// How to keep workflow runs apart in isolated-vm, measured: the cost of starting a run and the memory a cached
// run holds, for the three layouts the worker could use:
//   - shared: one context per isolate serves every run (the runtime instantiates the user's modules per run and
//     swaps each run's globals) — the worker's default (reuseV8Context: true);
//   - context: a fresh context per run in one isolate (reuseV8Context: false);
//   - snapshot: a fresh isolate per run, created from a snapshot holding the runtime and the bundle.
// Each run is started with a one-timer workflow (initializeWorkflow) and completed (fireTimer); "cached" runs are
// started and kept. Prints a table; --json prints JSON. Needs `pnpm build` first. Never fails on timing.
//
// Usage: node bench/worker/isolation-modes.js [--runs 500] [--cached 500]
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const workerLib = path.resolve(__dirname, '../../packages/worker/lib');
const ivm = require(require.resolve('isolated-vm', { paths: [path.resolve(__dirname, '../../packages/worker')] }));
const { IsolatePool } = require(path.join(workerLib, 'workflow/isolate-host'));
const { bundleWorkflowCode } = require(workerLib);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = arg('runs', 500);
const CACHED = arg('cached', 500);
const { TextEncoder } = require('node:util');
const encoder = new TextEncoder();
const payload = { metadata: { encoding: encoder.encode('json/plain') }, data: encoder.encode('1') };
const base = {
  timestampMs: 1,
  isReplaying: false,
  historyLength: 3,
  historySizeBytes: 100,
  continueAsNewSuggested: false,
};
const init = (runId) => ({
  ...base,
  runId,
  jobs: [
    {
      initializeWorkflow: {
        workflowType: 'timerLoop',
        workflowId: runId,
        arguments: [payload],
        taskQueue: 'bench',
        namespace: 'default',
        firstExecutionRunId: runId,
        attempt: 1,
      },
      randomnessSeedBytes: [0, 0, 0, 0, 0, 0, 0, 7],
    },
  ],
});
const fire = (runId) => ({ ...base, runId, timestampMs: 1001, jobs: [{ fireTimer: { seq: 1 } }] });
const runtimeOptions = {
  sdkVersion: 'bench',
  registeredActivityNames: [],
  workflowFailureErrorTypes: {},
  showStackTraceSources: false,
  stackTracesEnabled: true,
};

function ms(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function measurePool(bundle, reuseContext) {
  const pool = new IsolatePool({
    bundle,
    runtimeOptions,
    memoryLimitMb: 4096,
    deadlockTimeoutMs: 10_000,
    reuseContext,
    isolateCount: 1,
  });
  pool.activate(init('warm'));
  pool.dispose('warm');
  let start = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) {
    pool.activate(init(`r${i}`));
    pool.activate(fire(`r${i}`));
    pool.dispose(`r${i}`);
  }
  const perRunMs = ms(start) / RUNS;
  const heapBefore = pool.heapStatistics()[0].used_heap_size;
  start = process.hrtime.bigint();
  for (let i = 0; i < CACHED; i++) pool.activate(init(`c${i}`));
  const startMs = ms(start) / CACHED;
  const heapPerRun = (pool.heapStatistics()[0].used_heap_size - heapBefore) / CACHED;
  pool.destroy();
  return { perRunMs, startMs, heapPerRunKiB: heapPerRun / 1024 };
}

function measureSnapshot(bundle) {
  const runtime = {
    code: fs.readFileSync(path.join(workerLib, 'workflow/runtime-bundle.js'), 'utf8'),
  };
  const start0 = process.hrtime.bigint();
  const snapshot = ivm.Isolate.createSnapshot([{ code: runtime.code }, { code: bundle.code }]);
  const snapshotMs = ms(start0);
  const isolates = [];
  const start = process.hrtime.bigint();
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < CACHED; i++) {
    const isolate = new ivm.Isolate({ snapshot, memoryLimit: 128 });
    const context = isolate.createContextSync();
    const api = (name) => context.evalSync(`globalThis.__KAIROS__.api.${name}`, { reference: true });
    api('initRuntime').applySync(undefined, [{ ...runtimeOptions, sourceMaps: [] }], { arguments: { copy: true } });
    api('activate').applySync(undefined, [init(`s${i}`)], { arguments: { copy: true } });
    api('conclude').applySync(undefined, [`s${i}`], { arguments: { copy: true }, result: { copy: true } });
    isolates.push({ isolate, context });
  }
  const startMs = ms(start) / CACHED;
  const rssPerRun = (process.memoryUsage().rss - rssBefore) / CACHED;
  const heapPerRun =
    isolates.reduce((sum, { isolate }) => sum + isolate.getHeapStatisticsSync().used_heap_size, 0) / CACHED;
  for (const { isolate } of isolates) isolate.dispose();
  return { snapshotMs, startMs, heapPerRunKiB: heapPerRun / 1024, rssPerRunKiB: rssPerRun / 1024 };
}

(async () => {
  const built = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../packages/worker/test/workflows/timer-loop.ts'),
  });
  const bundle = {
    code: built.code,
    sourceMap: JSON.stringify(built.sourceMap),
    filename: 'kairos-workflow-bundle.js',
  };
  const shared = measurePool(bundle, true);
  const context = measurePool(bundle, false);
  let snapshot;
  try {
    snapshot = measureSnapshot(bundle);
  } catch (err) {
    // isolated-vm 5.0.4 restores the runtime's module getters incorrectly from a snapshot: report it.
    snapshot = { error: String(err.message ?? err).split('\n')[0] };
  }
  const result = { runs: RUNS, cached: CACHED, shared, context, snapshot };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const f = (n) => (n === undefined ? '-' : n.toFixed(n < 10 ? 3 : 1));
  console.log(`isolation layouts (${RUNS} short runs, ${CACHED} cached runs)`);
  console.log('layout    start+finish+dispose ms/run   start ms/run   isolate heap KiB/cached run');
  console.log(
    `shared    ${f(shared.perRunMs).padStart(28)}   ${f(shared.startMs).padStart(12)}   ${f(shared.heapPerRunKiB).padStart(27)}`,
  );
  console.log(
    `context   ${f(context.perRunMs).padStart(28)}   ${f(context.startMs).padStart(12)}   ${f(context.heapPerRunKiB).padStart(27)}`,
  );
  if (snapshot.error) {
    console.log(`snapshot  fails: ${snapshot.error}`);
  } else {
    console.log(
      `snapshot  ${'-'.padStart(28)}   ${f(snapshot.startMs).padStart(12)}   ${f(snapshot.heapPerRunKiB).padStart(27)}` +
        `   (RSS ${f(snapshot.rssPerRunKiB)} KiB/run, snapshot built in ${f(snapshot.snapshotMs)} ms)`,
    );
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
