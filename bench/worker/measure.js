#!/usr/bin/env node
// One measurement of the worker benchmark for one SDK, in a process of its own so that the two SDKs share no
// heap, native threads or warm caches. Prints its result as one JSON line on stdout.
// Usage: node measure.js <kairos|official> <task> '<json options>'
//   tasks: bundle, throughput, replay-long, replay-short, memory
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { loadSdk } = require('./sdks');
const activities = require('./activities');

const GEN_TIMER_HISTORY =
  process.env.KAIROS_GEN_TIMER_HISTORY ?? path.join(__dirname, '..', '..', 'tools', 'gen-timer-history.js');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bundle(sdk, { repeats }) {
  const { bundleWorkflowCode } = sdk.worker;
  const options = { workflowsPath: sdk.workflowsPath, logger: sdk.quietLogger };
  let t = now();
  const first = await bundleWorkflowCode(options);
  const coldMs = now() - t;
  // Same options again: Kairos answers from its content-hash cache, the official bundler builds again.
  const repeat = [];
  for (let i = 0; i < repeats; i++) {
    t = now();
    await bundleWorkflowCode(options);
    repeat.push(now() - t);
  }
  // Options that differ (an extra ignored module) miss any cache: a real rebuild in a warm process.
  const rebuild = [];
  for (let i = 0; i < repeats; i++) {
    t = now();
    await bundleWorkflowCode({ ...options, ignoreModules: [`bench-unused-module-${i}`] });
    rebuild.push(now() - t);
  }
  const result = { coldMs, warmRebuildMs: median(rebuild), warmRepeatMs: median(repeat), bytes: first.code.length };
  if (sdk.name === 'kairos') {
    // The workflow runtime is not part of a Kairos bundle: the worker loads it once for every isolate.
    const fs = require('node:fs');
    const runtime = path.join(require('./sdks').KAIROS_WORKER_DIR, 'lib', 'workflow', 'runtime-bundle.js');
    result.runtimeBytes = fs.statSync(runtime).size;
  }
  return result;
}

async function withWorker(sdk, address, workerOptions, fn) {
  const { Worker, NativeConnection, bundleWorkflowCode } = sdk.worker;
  const { Client, Connection } = sdk.client;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: sdk.workflowsPath, logger: sdk.quietLogger });
  const taskQueue = `bench-${sdk.name}-${process.pid}-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle,
    activities,
    ...workerOptions,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    return await fn({ worker, client, taskQueue });
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}

/** Runs `count` tasks with at most `concurrency` in flight. */
async function pooled(count, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function throughput(sdk, { address, workflows, concurrency, warmup }) {
  return withWorker(sdk, address, {}, async ({ client, taskQueue }) => {
    const runOne = async (id) => {
      const result = await client.workflow.execute('oneActivity', { taskQueue, workflowId: id, args: ['bench'] });
      if (result !== 'Hello, bench!') throw new Error(`unexpected result ${JSON.stringify(result)}`);
    };
    await pooled(warmup, concurrency, (i) => runOne(`${taskQueue}-warm-${i}`));
    const t = now();
    const cpu = process.cpuUsage();
    await pooled(workflows, concurrency, (i) => runOne(`${taskQueue}-${i}`));
    const seconds = (now() - t) / 1000;
    // CPU of this process (all threads: the JS thread, the core's runtime, the official SDK's workflow threads),
    // which also runs the client; steadier than the rate on a busy machine.
    const { user, system } = process.cpuUsage(cpu);
    const cpuMsPerWorkflow = (user + system) / 1000 / workflows;
    return { workflows, concurrency, seconds, workflowsPerSecond: workflows / seconds, cpuMsPerWorkflow };
  });
}

function timerHistory(sdk, timers) {
  const json = execFileSync(process.execPath, [GEN_TIMER_HISTORY, String(timers)], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  // Each SDK parses the JSON with its own proto3 JSON reader, outside the timed replay.
  return sdk.historyFromJSON(JSON.parse(json));
}

async function replayLong(sdk, { timers, runs }) {
  const { Worker, bundleWorkflowCode } = sdk.worker;
  const history = timerHistory(sdk, timers);
  const events = history.events.length;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: sdk.workflowsPath, logger: sdk.quietLogger });
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await Worker.runReplayHistory({ workflowBundle }, history, 'bench-timer-loop');
    seconds.push((now() - t) / 1000);
  }
  const best = Math.min(...seconds);
  return { events, runs, seconds, bestEventsPerSecond: events / best };
}

async function replayShort(sdk, { copies, runs }) {
  const { Worker, bundleWorkflowCode } = sdk.worker;
  const history = timerHistory(sdk, 1);
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: sdk.workflowsPath, logger: sdk.quietLogger });
  const histories = Array.from({ length: copies }, (_, i) => ({ workflowId: `bench-timer-loop-${i}`, history }));
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (result.error) throw result.error;
      replayed++;
    }
    if (replayed !== copies) throw new Error(`replayed ${replayed} of ${copies} histories`);
    seconds.push((now() - t) / 1000);
  }
  const best = Math.min(...seconds);
  return { copies, runs, seconds, bestWorkflowsPerSecond: copies / best };
}

async function waitUntil(check, timeoutMs, describe) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, 50));
  }
}

function settledMemory() {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

async function memory(sdk, { address, workflows, concurrency, timeoutMs }) {
  const maxCachedWorkflows = workflows + 100;
  return withWorker(sdk, address, { maxCachedWorkflows }, async ({ worker, client, taskQueue }) => {
    // Warm every code path (isolates, contexts, the signal handler) and let the caches fill before the baseline.
    const warm = Array.from({ length: 20 }, (_, i) => `${taskQueue}-warm-${i}`);
    await Promise.all(warm.map((workflowId) => client.workflow.start('waitForSignal', { taskQueue, workflowId })));
    await Promise.all(
      warm.map(async (workflowId) => {
        const handle = client.workflow.getHandle(workflowId);
        await handle.signal('finish');
        await handle.result();
      }),
    );
    // Completed runs leave the cache: wait until they have, so that the count below is of blocked ones only.
    const cached = () => worker.getStatus().numCachedWorkflows;
    await waitUntil(
      () => cached() === 0,
      10_000,
      () => `${cached()} finished workflows still cached`,
    );
    const before = settledMemory();
    await pooled(workflows, concurrency, (i) =>
      client.workflow.start('waitForSignal', { taskQueue, workflowId: `${taskQueue}-${i}` }),
    );
    await waitUntil(
      () => cached() >= workflows,
      timeoutMs,
      () => `only ${cached()} of ${workflows} workflows cached`,
    );
    const after = settledMemory();
    const per = (key) => (after[key] - before[key]) / workflows;
    return {
      workflows,
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPerWorkflow: per('rss'),
      heapPerWorkflow: per('heapUsed'),
      externalPerWorkflow: per('external'),
    };
  });
}

const TASKS = {
  bundle,
  throughput,
  'replay-long': replayLong,
  'replay-short': replayShort,
  memory,
};

async function main() {
  const [name, task, json] = process.argv.slice(2);
  const run = TASKS[task];
  if (!run) throw new Error(`unknown task ${JSON.stringify(task)}: ${Object.keys(TASKS).join(', ')}`);
  const sdk = loadSdk(name);
  const result = await run(sdk, JSON.parse(json ?? '{}'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Native threads of either core may keep the process alive after a run.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
