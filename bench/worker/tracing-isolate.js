#!/usr/bin/env node
// The workflow side of tracing, without a server: the hello-world workflow of workflows/kairos.ts (one activity)
// driven through the worker's isolate pool the way the worker drives it (off the main thread, a shared context,
// one isolate), with activations made here: the one that starts the run (with the trace header the client would
// send, for the tracing variant) and the one that resolves the activity, then the eviction. Variants:
//   - none:    the bundle without workflow interceptors;
//   - tracing: the bundle with @kairos/interceptors-otel's workflow interceptors, their spans handed to the
//              worker-side `exporter` sink (`makeWorkflowExporter`, a BatchSpanProcessor into a counting exporter).
// Both run in this one process, taking turns over the rounds (the order alternating), so the machine's drift hits
// both alike. Prints, per variant, the median and least CPU per workflow of the process (all threads: the isolate's,
// this one's copying and scheduling) and of the isolate alone (isolated-vm's `cpuTime`: the time the isolate ran,
// which includes time its thread waited for a CPU when the machine is busy), and tracing's paired difference (the
// median over the rounds of tracing minus none in the same round). A microbenchmark for changes to the workflow
// interceptors and the isolate path; bench/worker/observability.js measures the whole worker + client against a
// server.
//
// Usage: node bench/worker/tracing-isolate.js [--workflows 1000] [--rounds 9] [--concurrency 20] [--json]
// Needs `pnpm build` first (Kairos is loaded from packages/*/lib).
'use strict';
const path = require('node:path');
const { KAIROS_WORKER_DIR, INTERCEPTORS_OTEL_DIR } = require('./sdks');
const { arg, median, requireFrom } = require('./util');

const utf8 = (text) => new Uint8Array(Buffer.from(text, 'utf8'));
const jsonPayload = (value) => ({ metadata: { encoding: utf8('json/plain') }, data: utf8(JSON.stringify(value)) });

/** The isolate form of the activation that starts run `runId` (what the worker decodes from the core's). */
function startActivation(runId, withTraceHeader, now) {
  const headers = withTraceHeader
    ? { '_tracer-data': jsonPayload({ traceparent: '00-42f3a0de724b4be6726ca08563acbcc7-ee063921c39e20fa-01' }) }
    : {};
  return {
    runId,
    timestampMs: now,
    isReplaying: false,
    historyLength: 3,
    historySizeBytes: 446,
    continueAsNewSuggested: false,
    targetWorkerDeploymentVersionChanged: false,
    jobs: [
      {
        initializeWorkflow: {
          workflowType: 'oneActivity',
          workflowId: `wf-${runId}`,
          arguments: [jsonPayload('bench')],
          headers,
          identity: 'bench',
          workflowTaskTimeout: { seconds: 10 },
          firstExecutionRunId: runId,
          attempt: 1,
          startTime: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 },
          taskQueue: 'bench',
          namespace: 'default',
        },
        variant: 'initializeWorkflow',
        randomnessSeedBytes: [9, 27, 118, 179, 93, 219, 80, 107],
      },
    ],
  };
}

/** The activation that resolves the run's activity (sequence number 1) with the greeting. */
function resolveActivation(runId, now) {
  return {
    runId,
    timestampMs: now,
    isReplaying: false,
    historyLength: 9,
    historySizeBytes: 1230,
    continueAsNewSuggested: false,
    availableInternalFlags: [2],
    targetWorkerDeploymentVersionChanged: false,
    jobs: [
      {
        resolveActivity: {
          seq: 1,
          result: { completed: { result: jsonPayload('Hello, bench!') }, status: 'completed' },
        },
        variant: 'resolveActivity',
      },
    ],
  };
}

async function main() {
  const workflows = Number(arg('workflows', 1000));
  const rounds = Number(arg('rounds', 9));
  const concurrency = Number(arg('concurrency', 20));
  const lib = path.join(KAIROS_WORKER_DIR, 'lib');
  const { bundleWorkflowCode } = require(lib);
  const { IsolatePool } = require(path.join(lib, 'workflow', 'isolate-host'));
  const { makeWorkflowExporter } = require(path.join(INTERCEPTORS_OTEL_DIR, 'lib'));
  const { BatchSpanProcessor } = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = requireFrom(INTERCEPTORS_OTEL_DIR, '@opentelemetry/resources');
  let exported = 0;
  const spanProcessor = new BatchSpanProcessor({
    export(spans, done) {
      exported += spans.length;
      done({ code: 0 });
    },
    async shutdown() {},
    async forceFlush() {},
  });
  const exporter = makeWorkflowExporter(spanProcessor, resourceFromAttributes({ 'service.name': 'bench' }));
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

  const variants = {};
  for (const name of ['none', 'tracing']) {
    const bundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'workflows', 'kairos.ts'),
      workflowInterceptorModules:
        name === 'tracing' ? [path.join(INTERCEPTORS_OTEL_DIR, 'lib', 'workflow-interceptors.js')] : [],
      logger: quiet,
    });
    const pool = new IsolatePool({
      bundle: { code: bundle.code, sourceMap: JSON.stringify(bundle.sourceMap), filename: 'workflow-bundle.js' },
      runtimeOptions: {
        sdkVersion: 'bench',
        registeredActivityNames: ['greet'],
        workflowFailureErrorTypes: [],
        showStackTraceSources: false,
        stackTracesEnabled: true,
      },
      memoryLimitMb: 256,
      deadlockTimeoutMs: 2000,
      reuseContext: true,
      isolateCount: 1,
      offThread: true,
    });
    variants[name] = { pool, tracing: name === 'tracing', cpu: [], isolateCpu: [] };
  }

  let nextRun = 0;
  const runOne = async (variant) => {
    const runId = `run-${nextRun++}`;
    const { pool } = variant;
    for (const activation of [
      startActivation(runId, variant.tracing, Date.now()),
      resolveActivation(runId, Date.now()),
    ]) {
      const outcome = await pool.activateOffThread(activation);
      if (!('successful' in outcome.completion)) throw new Error(`${runId}: ${JSON.stringify(outcome.completion)}`);
      for (const call of outcome.sinkCalls) {
        if (call.ifaceName !== 'exporter') throw new Error(`unexpected sink call ${call.ifaceName}.${call.fnName}`);
        exporter.export.fn(call.workflowInfo, ...call.args);
      }
    }
    await pool.disposeConfigured(runId);
  };
  const batch = async (variant, count) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started++ < count) await runOne(variant);
      }),
    );
  };

  const names = Object.keys(variants);
  for (const name of names) await batch(variants[name], 2 * workflows); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const variant = variants[name];
      const isolate = variant.pool.isolates[0].isolate;
      const cpu = process.cpuUsage();
      const isolateCpu = isolate.cpuTime;
      await batch(variant, workflows);
      const { user, system } = process.cpuUsage(cpu);
      variant.cpu.push((user + system) / workflows);
      variant.isolateCpu.push(Number(isolate.cpuTime - isolateCpu) / 1e3 / workflows);
    }
  }
  await spanProcessor.forceFlush();
  // Two workflow spans per workflow (RunWorkflow, StartActivity): tracing really was on.
  const tracingRuns = (2 + rounds) * workflows;
  if (exported < 2 * tracingRuns) throw new Error(`${exported} spans exported for ${tracingRuns} traced workflows`);

  const none = variants.none;
  const report = names.map((name) => {
    const v = variants[name];
    return {
      variant: name,
      cpuUsPerWorkflow: median(v.cpu),
      leastCpuUsPerWorkflow: Math.min(...v.cpu),
      isolateCpuUsPerWorkflow: median(v.isolateCpu),
      pairedCpuUs: median(v.cpu.map((x, i) => x - none.cpu[i])),
      pairedIsolateCpuUs: median(v.isolateCpu.map((x, i) => x - none.isolateCpu[i])),
    };
  });
  for (const v of Object.values(variants)) v.pool.destroy();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ benchmark: 'tracing-isolate', workflows, rounds, report }, null, 2)}\n`);
    return;
  }
  const us = (x) => x.toFixed(0);
  const signed = (x) => (x >= 0 ? `+${us(x)}` : us(x));
  const out = [
    `Workflow side of tracing, no server: hello-world through the isolate pool (${workflows} workflows, ` +
      `${concurrency} in flight, ${rounds} rounds), CPU in µs per workflow`,
    '',
    '| variant | process (median) | process (least) | isolate (median) | paired vs none: process | paired: isolate |',
    '|---|---|---|---|---|---|',
    ...report.map(
      (r) =>
        `| ${r.variant} | ${us(r.cpuUsPerWorkflow)} | ${us(r.leastCpuUsPerWorkflow)} | ${us(r.isolateCpuUsPerWorkflow)} | ` +
        `${r.variant === 'none' ? '' : signed(r.pairedCpuUs)} | ${r.variant === 'none' ? '' : signed(r.pairedIsolateCpuUs)} |`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
