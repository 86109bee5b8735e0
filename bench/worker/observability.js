#!/usr/bin/env node
// Observability overhead: hello-world throughput of a Kairos worker + client with
//   - none:    nothing (the baseline),
//   - tracing: OpenTelemetryPlugin (@kairos/interceptors-otel) on the connection, spans of every workflow (client,
//              workflow, activity) through a BatchSpanProcessor into an exporter that only counts them,
//   - metrics: the core's and custom metrics exported to Prometheus (`Runtime.install({ telemetryOptions:
//              { metrics: { prometheus } } })`), scraped once after the run to check the series are there,
// as ratios to the baseline (target: at most 10 % slower each); and, for comparison, the official SDK 1.24 worker +
// client without (official-none) and with (official-tracing) the OpenTelemetryPlugin of
// @temporalio/interceptors-opentelemetry 1.24 (on the OpenTelemetry 1.x SDK it depends on), set up the same way, as a
// ratio to official-none. Same workload as the throughput task of index.js (the one-activity workflow of
// workflows/kairos.ts and its twin official.ts, N workflows with C in flight after a warm-up), each variant in a child
// process of its own (the runtime is process-wide), on one Kairos dev server in this process. Variants take turns in
// --rounds rounds (the order rotating). Each variant reports its best throughput and its least CPU per workflow (worker
// + client process, all threads) over the rounds, the medians of both, and, paired, the median over the rounds of its
// ratio to the baseline's run of the same round. The target is judged on the paired median: the machine's load drifts
// between rounds by more than the effect measured, and a best-of-rounds figure compares each variant's luckiest round.
// Prints a table; --json everything.
// Never fails on timing: exits non-zero only if a measurement itself fails.
//
// The warm-up is long (as many workflows as are measured) because the overhead asked about is a running worker's:
// after a short one, V8 is still compiling hot code on its helper threads while the measured workflows run (0.6 ms
// of the baseline's CPU per workflow after 300 warm-up workflows, in a `perf` profile), and a variant with more code
// (the OpenTelemetry SDK, the tracing interceptors) pays more of that one-time cost inside the measurement.
//
// Usage: node bench/worker/observability.js [--workflows 1000] [--concurrency 50] [--warmup 1000] [--rounds 5]
//   [--only none,tracing,metrics,official-none,official-tracing] [--json]
// Needs `pnpm build` first (Kairos is loaded from packages/*/lib).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { KAIROS_WORKER_DIR, INTERCEPTORS_OTEL_DIR } = require('./sdks');
const { arg, median, requireFrom } = require('./util');

const VARIANTS = ['none', 'tracing', 'metrics', 'official-none', 'official-tracing'];
const OFFICIAL = 'official-';

/** The variant each one is compared with: the baseline of the same SDK. */
const baselineOf = (variant) => (variant.startsWith(OFFICIAL) ? `${OFFICIAL}none` : 'none');
const TARGET_OVERHEAD = 0.1;

const now = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------------------------------------------------------
// Child: one variant's measurement, printed as one JSON line.

/** Runs `count` tasks with at most `concurrency` in flight. */
async function pooled(count, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** The body of a GET of `url`. */
function scrape(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** A span exporter that drops spans after counting them: tracing's cost without an exporter's. */
class CountingExporter {
  constructor() {
    this.spans = 0;
  }
  export(spans, resultCallback) {
    this.spans += spans.length;
    resultCallback({ code: 0 });
  }
  async shutdown() {}
  async forceFlush() {}
}

/** What the official SDK's tracing variant sets up: @temporalio/interceptors-opentelemetry on OpenTelemetry 1.x. */
function setUpOfficialTracing() {
  const dir = path.dirname(require.resolve('@temporalio/interceptors-opentelemetry'));
  const otel = requireFrom(dir, '@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = requireFrom(dir, '@opentelemetry/core');
  const { Resource } = requireFrom(dir, '@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = requireFrom(dir, '@opentelemetry/sdk-trace-base');
  const { OpenTelemetryPlugin } = require('@temporalio/interceptors-opentelemetry');
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new CountingExporter();
  const resource = new Resource({ 'service.name': 'bench-observability' });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  otel.trace.setGlobalTracerProvider(provider);
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), provider, exporter };
}

/** Sets up the variant: plugins for the connections, and what to check and report after the run. */
async function setUp(variant, worker) {
  const { Runtime, DefaultLogger } = worker;
  const logger = new DefaultLogger('ERROR');
  if (variant === 'metrics') {
    Runtime.install({ logger, telemetryOptions: { metrics: { prometheus: { bindAddress: '127.0.0.1:0' } } } });
    return {
      plugins: [],
      async after() {
        // One scrape, as Prometheus would do every 15 s or so: the series must be there.
        const address = await Runtime.instance().prometheusAddress();
        const text = await scrape(`http://${address}/metrics`);
        const completed = /^temporal_workflow_completed(?:_total)?\{[^}]*\} (\d+)/m.exec(text);
        if (!completed) throw new Error('no temporal_workflow_completed series in the Prometheus scrape');
        return { scrapeBytes: text.length, series: text.split('\n').filter((l) => l && !l.startsWith('#')).length };
      },
    };
  }
  Runtime.install({ logger });
  if (variant === 'none' || variant === `${OFFICIAL}none`) return { plugins: [], async after() {} };
  if (variant === `${OFFICIAL}tracing`) {
    const { plugin, provider, exporter } = setUpOfficialTracing();
    return {
      plugins: [plugin],
      async after(workflows) {
        await provider.forceFlush();
        if (exporter.spans < 4 * workflows) throw new Error(`${exporter.spans} spans for ${workflows} workflows`);
        return { spans: exporter.spans, spansPerWorkflow: exporter.spans / workflows };
      },
    };
  }
  if (variant !== 'tracing') throw new Error(`unknown variant ${JSON.stringify(variant)}: ${VARIANTS.join(', ')}`);
  const otel = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/core');
  const { resourceFromAttributes } = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = requireFrom(
    INTERCEPTORS_OTEL_DIR,
    '@opentelemetry/sdk-trace-base',
  );
  const lib = path.join(INTERCEPTORS_OTEL_DIR, 'lib');
  if (!fs.existsSync(path.join(lib, 'workflow-interceptors.js'))) {
    throw new Error(`${lib} is not built: run \`pnpm build\` first`);
  }
  const { OpenTelemetryPlugin } = require(lib);
  // What the OpenTelemetry Node SDK sets up in an application.
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new CountingExporter();
  const resource = resourceFromAttributes({ 'service.name': 'bench-observability' });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  otel.trace.setGlobalTracerProvider(provider);
  return {
    plugins: [new OpenTelemetryPlugin({ resource, spanProcessor })],
    async after(workflows) {
      await provider.forceFlush();
      // StartWorkflow, RunWorkflow, StartActivity and RunActivity per workflow: tracing really was on.
      if (exporter.spans < 4 * workflows) throw new Error(`${exporter.spans} spans for ${workflows} workflows`);
      return { spans: exporter.spans, spansPerWorkflow: exporter.spans / workflows };
    },
  };
}

/** CPU time (ms) of this process's threads by thread name, where /proc has it (Linux); {} elsewhere. */
function threadCpuMs() {
  const byName = {};
  let tasks;
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return byName;
  }
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const tid of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // The thread ended.
    }
  }
  return byName;
}

/**
 * CPU time of the worker's workflow isolates so far, in ns: reaches into the worker's (TypeScript-private) isolate
 * pool, a diagnostic only; NaN if its shape changed.
 */
function isolateCpuNs(worker) {
  const isolates = worker.pool?.isolates;
  if (!Array.isArray(isolates)) return NaN;
  return isolates.reduce((sum, iso) => sum + Number(iso.isolate?.cpuTime ?? NaN), 0);
}

async function child(variant, { address, workflows, concurrency, warmup }) {
  const official = variant.startsWith(OFFICIAL);
  const worker = official ? require('@temporalio/worker') : require(path.join(KAIROS_WORKER_DIR, 'lib'));
  const { Client, Connection } = official
    ? require('@temporalio/client')
    : requireFrom(KAIROS_WORKER_DIR, '@kairos/client');
  const activities = require('./activities');
  const { plugins, after } = await setUp(variant, worker);
  const taskQueue = `bench-observability-${variant}-${process.pid}`;
  // Kairos takes the plugins on the connections (a worker picks them up from its connection); the official SDK
  // 1.24 on the worker and the client.
  const nativeConnection = await worker.NativeConnection.connect(official ? { address } : { address, plugins });
  const w = await worker.Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowsPath: path.join(__dirname, 'workflows', official ? 'official.ts' : 'kairos.ts'),
    activities,
    ...(official ? { plugins } : {}),
  });
  const running = w.run();
  const connection = await Connection.connect(official ? { address } : { address, plugins });
  const client = new Client({ connection, namespace: 'default', ...(official ? { plugins } : {}) });
  try {
    const runOne = async (id) => {
      const result = await client.workflow.execute('oneActivity', { taskQueue, workflowId: id, args: ['bench'] });
      if (result !== 'Hello, bench!') throw new Error(`unexpected result ${JSON.stringify(result)}`);
    };
    await pooled(warmup, concurrency, (i) => runOne(`${taskQueue}-warm-${i}`));
    const t = now();
    const cpu = process.cpuUsage();
    const isolateCpu = isolateCpuNs(w);
    const threadsBefore = threadCpuMs();
    await pooled(workflows, concurrency, (i) => runOne(`${taskQueue}-${i}`));
    const seconds = (now() - t) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const isolateCpuMs = (isolateCpuNs(w) - isolateCpu) / 1e6;
    const threadCpuMsPerWorkflow = {};
    for (const [name, ms] of Object.entries(threadCpuMs())) {
      const spent = (ms - (threadsBefore[name] ?? 0)) / workflows;
      if (spent > 0) threadCpuMsPerWorkflow[name] = Number(spent.toFixed(3));
    }
    const checks = await after(workflows + warmup);
    return {
      variant,
      workflows,
      concurrency,
      seconds,
      workflowsPerSecond: workflows / seconds,
      // CPU of this process (all threads: JS, the core, the isolates), which runs the worker and the client.
      cpuMsPerWorkflow: (user + system) / 1000 / workflows,
      // Of which the workflow isolates' threads (running workflow code and the workflow interceptors).
      isolateCpuMsPerWorkflow: isolateCpuMs / workflows,
      // By thread name (Linux): where the CPU went.
      threadCpuMsPerWorkflow,
      ...checks,
    };
  } finally {
    w.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: rounds of child processes, the best of each variant, ratios to the baseline.

function measure(variant, options) {
  return new Promise((resolve, reject) => {
    // Not a synchronous spawn: the dev server the child talks to runs on this process's event loop.
    const proc = spawn(process.execPath, [__filename, '--child', variant, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop();
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${variant} exited with ${code}: ${stdout}`));
    });
  });
}

/**
 * One row per variant: its best throughput and its least CPU per workflow over the rounds (each the round least
 * disturbed by the machine's other load, not necessarily the same round), the medians of both over the rounds
 * (less at the mercy of one lucky round), and their ratios to the baseline's; and paired, the median over the rounds
 * of the ratio to the baseline's run in the same round, on which the target is judged.
 */
function rows(all) {
  /** Per round, the variant's figure over its baseline's in the same round (runs minutes apart see different load). */
  const paired = (variant, field) => {
    const base = all[baselineOf(variant)] ?? [];
    const ratios = [];
    for (const r of all[variant] ?? []) {
      const b = base.find((x) => x.round === r.round);
      if (b !== undefined) ratios.push(r[field] / b[field]);
    }
    return ratios.length === 0 ? undefined : median(ratios);
  };
  const best = (variant) => {
    const rounds = all[variant] ?? [];
    if (rounds.length === 0) return undefined;
    return {
      workflowsPerSecond: Math.max(...rounds.map((r) => r.workflowsPerSecond)),
      cpuMsPerWorkflow: Math.min(...rounds.map((r) => r.cpuMsPerWorkflow)),
      serverCpuMsPerWorkflow: Math.min(...rounds.map((r) => r.serverCpuMsPerWorkflow)),
      medianWorkflowsPerSecond: median(rounds.map((r) => r.workflowsPerSecond)),
      medianCpuMsPerWorkflow: median(rounds.map((r) => r.cpuMsPerWorkflow)),
    };
  };
  return VARIANTS.filter((v) => best(v)).map((variant) => {
    const r = best(variant);
    const base = best(baselineOf(variant));
    const throughputRatio = base ? r.workflowsPerSecond / base.workflowsPerSecond : undefined;
    const cpuRatio = base ? r.cpuMsPerWorkflow / base.cpuMsPerWorkflow : undefined;
    const overhead = throughputRatio === undefined ? undefined : 1 - throughputRatio;
    const medianOverhead = base ? 1 - r.medianWorkflowsPerSecond / base.medianWorkflowsPerSecond : undefined;
    const medianCpuRatio = base ? r.medianCpuMsPerWorkflow / base.medianCpuMsPerWorkflow : undefined;
    const pairedThroughput = paired(variant, 'workflowsPerSecond');
    const pairedOverhead = pairedThroughput === undefined ? undefined : 1 - pairedThroughput;
    const pairedCpuRatio = paired(variant, 'cpuMsPerWorkflow');
    return {
      variant,
      ...r,
      throughputRatio,
      overhead,
      cpuRatio,
      medianOverhead,
      medianCpuRatio,
      pairedOverhead,
      pairedCpuRatio,
      // The target is Kairos's; the official SDK's rows are there for comparison.
      target: variant === 'none' || variant.startsWith(OFFICIAL) ? '' : `≤ ${TARGET_OVERHEAD * 100} % slower`,
      met:
        variant === 'none' || variant.startsWith(OFFICIAL) || pairedOverhead === undefined
          ? undefined
          : pairedOverhead <= TARGET_OVERHEAD,
    };
  });
}

function printTable(table, config) {
  const pct = (x) => (x === undefined ? '' : `${(x * 100).toFixed(1)} %`);
  const ratio = (x) => (x === undefined ? '' : x.toFixed(3));
  const out = [
    `Observability overhead on hello-world throughput, worker + client, on the Kairos dev server ` +
      `(${config.workflows} workflows, ${config.concurrency} in flight, ${config.rounds} rounds; official-* rows: ` +
      'the official SDK 1.24, as ratios to official-none).',
    'best: best wf/s and least CPU of each variant over the rounds; median: of each variant over the rounds; ' +
      'paired: median over the rounds of the ratio to the baseline run in the same round (the target is judged on it).',
    '',
    '| variant | best wf/s | slower by: best | median | paired | CPU ms/wf (worker + client) | CPU ratio: best | median | paired | server CPU ms/wf | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of table) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : 'no';
    const baseline = r.variant === baselineOf(r.variant);
    const slower = baseline ? ' | | ' : `${pct(r.overhead)} | ${pct(r.medianOverhead)} | ${pct(r.pairedOverhead)}`;
    const cpu = baseline ? ' | | ' : `${ratio(r.cpuRatio)} | ${ratio(r.medianCpuRatio)} | ${ratio(r.pairedCpuRatio)}`;
    out.push(
      `| ${r.variant} | ${r.workflowsPerSecond.toFixed(0)} | ${slower} | ${r.cpuMsPerWorkflow.toFixed(2)} | ${cpu} | ` +
        `${r.serverCpuMsPerWorkflow.toFixed(2)} | ${r.target} | ${met} |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function parent() {
  const { startDevServer } = require('@kairos/dev-server');
  const config = {
    workflows: Number(arg('workflows', 1000)),
    concurrency: Number(arg('concurrency', 50)),
    warmup: Number(arg('warmup', 1000)),
    rounds: Number(arg('rounds', 5)),
  };
  const variants = arg('only', VARIANTS.join(',')).split(',');
  const JSON_OUT = process.argv.includes('--json');
  const server = await startDevServer({ port: 0 });
  const options = { address: server.address, ...config };
  const all = {};
  const failed = [];
  try {
    for (let round = 0; round < config.rounds; round++) {
      // Rotate who goes first: the machine's load drifts, and the first run after a pause is often the fastest.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        if (!JSON_OUT) process.stderr.write(`${variant} (round ${round + 1}/${config.rounds})\n`);
        try {
          const cpu = process.cpuUsage();
          const result = await measure(variant, options);
          // Includes the warm-up workflows: an upper bound for the measured ones.
          const { user, system } = process.cpuUsage(cpu);
          result.serverCpuMsPerWorkflow = (user + system) / 1000 / (config.workflows + config.warmup);
          result.round = round;
          (all[variant] ??= []).push(result);
        } catch (err) {
          process.stderr.write(`${variant} failed: ${err.stack ?? err}\n`);
          failed.push(`${variant} (round ${round + 1})`);
        }
      }
    }
  } finally {
    await server.shutdown();
  }
  const table = rows(all);
  if (JSON_OUT) {
    const report = { benchmark: 'worker-observability', config, rounds: all, table, failed };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    printTable(table, config);
  }
  if (failed.length > 0) {
    process.stderr.write(`failed measurements: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

async function main() {
  const i = process.argv.indexOf('--child');
  if (i < 0) return await parent();
  const result = await child(process.argv[i + 1], JSON.parse(process.argv[i + 2]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Native threads of the core may keep the process alive after a run.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
