#!/usr/bin/env node
// Worker benchmark: Kairos (`@kairos/worker`) side by side with the official TypeScript SDK 1.24 in one run, on
// one Kairos dev server (`startDevServer({ port: 0 })` in this process). Each measurement of each SDK runs in a
// child process of its own (measure.js), so the SDKs share no heap, threads or caches. Measures:
//   - bundling the same ~200-line workflow file (workflows/official.ts and its twin workflows/kairos.ts): the
//     first call in a fresh process, a warm rebuild (options that miss any cache), a warm repeat (same options:
//     Kairos answers from its content-hash cache) and the size;
//   - hello-world throughput: one worker and one client per SDK, N one-activity workflows with C in flight;
//   - replay of a 10,000-event history (tools/gen-timer-history.js 2000) with Worker.runReplayHistory, best of R;
//   - replay of 500 copies of a short history (gen-timer-history.js 1) with Worker.runReplayHistories, best of R;
//   - memory per cached workflow: M workflows blocked on a signal in one worker's cache, process RSS and main
//     heap growth divided by M.
// Each timing is taken in --rounds rounds (the SDKs taking turns to go first) and each SDK's best round is kept.
// Prints one table with Kairos/official ratios (and the DESIGN.md budgets); --json prints everything as JSON.
// Never fails on timing: exits non-zero only if a measurement itself fails.
//
// Usage: node bench/worker/index.js [--workflows 500] [--concurrency 50] [--warmup 50] [--timers 2000]
//   [--runs 3] [--copies 500] [--cached 2000] [--rounds 3] [--only bundle,throughput,replay-long,replay-short,memory] [--json]
// Needs `pnpm build` first (Kairos is loaded from packages/worker/lib).
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { startDevServer } = require('@kairos/dev-server');
const { checkTwins } = require('./sdks');
const { arg } = require('./util');

const config = {
  workflows: Number(arg('workflows', 500)),
  concurrency: Number(arg('concurrency', 50)),
  warmup: Number(arg('warmup', 50)),
  timers: Number(arg('timers', 2000)),
  runs: Number(arg('runs', 3)),
  copies: Number(arg('copies', 500)),
  cached: Number(arg('cached', 2000)),
  rounds: Number(arg('rounds', 3)),
};
const TASKS = ['bundle', 'throughput', 'replay-long', 'replay-short', 'memory'];
const only = arg('only', TASKS.join(',')).split(',');
const JSON_OUT = process.argv.includes('--json');
/** Whether result `a` of a task is better than `b`. */
const BETTER = {
  bundle: (a, b) => a.coldMs < b.coldMs,
  throughput: (a, b) => a.workflowsPerSecond > b.workflowsPerSecond,
  'replay-long': (a, b) => a.bestEventsPerSecond > b.bestEventsPerSecond,
  'replay-short': (a, b) => a.bestWorkflowsPerSecond > b.bestWorkflowsPerSecond,
  memory: (a, b) => a.rssPerWorkflow < b.rssPerWorkflow,
};
const SDKS = ['official', 'kairos'];

/** Runs one measurement in a child process and returns its JSON result. */
function measure(sdk, task, options) {
  return new Promise((resolve, reject) => {
    // Not a synchronous spawn: the dev server the child talks to runs on this process's event loop.
    const child = spawn(
      process.execPath,
      ['--expose-gc', path.join(__dirname, 'measure.js'), sdk, task, JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop();
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${sdk} ${task} exited with ${code}: ${stdout}`));
    });
  });
}

const kib = (bytes) => bytes / 1024;

/** Table rows: each with the unit, which direction is better, both values, and the budget on the ratio. */
function rows(results) {
  const out = [];
  const row = (what, unit, better, pick, budget) => {
    const official = results.official[budget.task];
    const kairos = results.kairos[budget.task];
    if (!official || !kairos) return;
    const o = pick(official, 'official');
    const k = pick(kairos, 'kairos');
    const ratio = k / o;
    const met =
      budget.ratio === undefined
        ? undefined
        : better === 'higher'
          ? ratio >= budget.ratio && (budget.kairos === undefined || k >= budget.kairos)
          : ratio <= budget.ratio && (budget.kairos === undefined || k <= budget.kairos);
    out.push({ what, unit, better, official: o, kairos: k, ratio, budget: budget.text ?? '', met });
  };
  row('bundle ~200-line file: first call, fresh process', 'ms', 'lower', (r) => r.coldMs, {
    task: 'bundle',
    ratio: 0.1,
    kairos: 100,
    text: '≤ 0.1 (≥10× faster), ≤ 100 ms',
  });
  row('bundle: warm rebuild (cache missed)', 'ms', 'lower', (r) => r.warmRebuildMs, { task: 'bundle' });
  row('bundle: warm repeat (Kairos: cache hit)', 'ms', 'lower', (r) => r.warmRepeatMs, { task: 'bundle' });
  row('bundle size', 'KiB', 'lower', (r) => kib(r.bytes), { task: 'bundle' });
  row(
    'bundle size + workflow runtime (Kairos loads it once)',
    'KiB',
    'lower',
    (r) => kib(r.bytes + (r.runtimeBytes ?? 0)),
    {
      task: 'bundle',
    },
  );
  row(
    `hello-world throughput (${config.workflows} wf, ${config.concurrency} in flight)`,
    'wf/s',
    'higher',
    (r) => r.workflowsPerSecond,
    {
      task: 'throughput',
      ratio: 2,
      text: '≥ 2',
    },
  );
  row('hello-world: CPU of the worker + client process per workflow', 'ms', 'lower', (r) => r.cpuMsPerWorkflow, {
    task: 'throughput',
  });
  row('hello-world: CPU of the dev server per workflow', 'ms', 'lower', (r) => r.serverCpuMsPerWorkflow, {
    task: 'throughput',
  });
  row(
    `replay ${results.kairos['replay-long']?.events ?? ''}-event history, best of ${config.runs} runs × ${config.rounds} rounds`,
    'events/s',
    'higher',
    (r) => r.bestEventsPerSecond,
    {
      task: 'replay-long',
      ratio: 5,
      kairos: 17_000,
      text: '≥ 5, ≥ 17,000/s',
    },
  );
  row(
    `replay ${config.copies} short histories, best of ${config.runs} runs × ${config.rounds} rounds`,
    'wf/s',
    'higher',
    (r) => r.bestWorkflowsPerSecond,
    {
      task: 'replay-short',
      ratio: 4,
      kairos: 1000,
      text: '≥ 4, ≥ 1,000/s',
    },
  );
  row(`memory per cached workflow (${config.cached} cached): RSS`, 'KiB', 'lower', (r) => kib(r.rssPerWorkflow), {
    task: 'memory',
    ratio: 0.5,
    text: '≤ 0.5',
  });
  row('memory per cached workflow: main-thread JS heap', 'KiB', 'lower', (r) => kib(r.heapPerWorkflow), {
    task: 'memory',
  });
  return out;
}

function formatNumber(x) {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 1) return x.toFixed(1);
  return x.toFixed(2);
}

function printTable(table, lines) {
  const out = [
    `Kairos vs official TypeScript SDK 1.24, worker, on the Kairos dev server (workflow file: ${lines} lines)`,
    '',
    '| measurement | unit | better | official | kairos | kairos/official | budget | met |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of table) {
    const ratio = r.ratio >= 0.01 ? r.ratio.toFixed(2) : r.ratio.toExponential(1);
    const met = r.met === undefined ? '' : r.met ? 'yes' : 'no';
    out.push(
      `| ${r.what} | ${r.unit} | ${r.better} | ${formatNumber(r.official)} | ${formatNumber(r.kairos)} | ${ratio} | ${r.budget} | ${met} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main() {
  const lines = checkTwins();
  const server = await startDevServer({ port: 0 });
  const results = { official: {}, kairos: {} };
  const options = {
    bundle: { repeats: 5 },
    throughput: {
      address: server.address,
      workflows: config.workflows,
      concurrency: config.concurrency,
      warmup: config.warmup,
    },
    'replay-long': { timers: config.timers, runs: config.runs },
    'replay-short': { copies: config.copies, runs: config.runs },
    memory: { address: server.address, workflows: config.cached, concurrency: 100, timeoutMs: 300_000 },
  };
  const failed = [];
  try {
    for (const task of TASKS.filter((t) => only.includes(t))) {
      // Timings swing with the machine's load: measure in several rounds, the SDKs taking turns to go first, and
      // keep each SDK's best round (all rounds are in the JSON). Memory is measured once: it is slow and steady.
      const rounds = task === 'memory' ? 1 : config.rounds;
      for (let round = 0; round < rounds; round++) {
        for (const sdk of round % 2 === 0 ? SDKS : [...SDKS].reverse()) {
          if (!JSON_OUT)
            process.stderr.write(`${task}: ${sdk}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}\n`);
          try {
            const cpu = process.cpuUsage();
            const result = await measure(sdk, task, options[task]);
            if (task === 'throughput') {
              // Includes the warm-up workflows: an upper bound for the measured ones.
              const { user, system } = process.cpuUsage(cpu);
              result.serverCpuMsPerWorkflow = (user + system) / 1000 / (config.workflows + config.warmup);
            }
            const previous = results[sdk][task];
            const best = previous === undefined || BETTER[task](result, previous) ? result : previous;
            results[sdk][task] = { ...best, rounds: [...(previous?.rounds ?? []), result] };
          } catch (err) {
            // Report it and go on with the other measurements.
            process.stderr.write(`${sdk} ${task} failed: ${err.stack ?? err}\n`);
            failed.push(`${sdk} ${task}`);
          }
        }
      }
    }
  } finally {
    await server.shutdown();
  }
  const table = rows(results);
  if (JSON_OUT) {
    const report = { benchmark: 'worker', config, workflowFileLines: lines, results, table, failed };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    printTable(table, lines);
  }
  if (failed.length > 0) {
    process.stderr.write(`failed measurements: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
