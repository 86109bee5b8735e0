#!/usr/bin/env node
// One measurement of the testing benchmark, in a fresh process (so module loading is counted honestly).
// Prints one JSON line. Usage: node measure.js <kairos|official> <task> '<json options>'
//   tasks: ready (createLocal until ready), timeskip (createTimeSkipping → result of a 30-day workflow),
//          throughput (hello-world workflows per second through one environment)
'use strict';
const path = require('node:path');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const t0 = now();
const [sdkName, task, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}');

function load() {
  if (sdkName === 'kairos') {
    return {
      testing: require('@kairos/testing'),
      worker: require('@kairos/worker'),
      workflowsPath: path.join(__dirname, 'workflows', 'kairos.ts'),
    };
  }
  if (sdkName === 'official') {
    return {
      testing: require('@temporalio/testing'),
      worker: require('@temporalio/worker'),
      workflowsPath: path.join(__dirname, 'workflows', 'official.ts'),
    };
  }
  throw new Error(`unknown SDK ${JSON.stringify(sdkName)} (kairos or official)`);
}

const sdk = load();
const requireMs = now() - t0;
sdk.worker.Runtime.install({ logger: new sdk.worker.DefaultLogger('ERROR') });
const activities = { greet: async (name) => `Hello, ${name}!` };

async function ready() {
  const t = now();
  const env = await sdk.testing.TestWorkflowEnvironment.createLocal(options.env);
  const readyMs = now() - t;
  await env.teardown();
  return { requireMs, readyMs };
}

async function timeskip() {
  const t = now();
  const env = await sdk.testing.TestWorkflowEnvironment.createTimeSkipping(options.env);
  const envMs = now() - t;
  const worker = await sdk.worker.Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'bench',
    workflowsPath: sdk.workflowsPath,
    activities,
  });
  const workerMs = now() - t - envMs;
  const result = await worker.runUntil(
    env.client.workflow.execute('sleepFor30Days', { taskQueue: 'bench', workflowId: 'sleeper' }),
  );
  const totalMs = now() - t;
  if (result !== 'woke up') throw new Error(`unexpected result ${JSON.stringify(result)}`);
  await env.teardown();
  return { requireMs, envMs, workerMs, workflowMs: totalMs - envMs - workerMs, totalMs };
}

async function throughput() {
  const env = await sdk.testing.TestWorkflowEnvironment.createLocal(options.env);
  const worker = await sdk.worker.Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'bench',
    workflowsPath: sdk.workflowsPath,
    activities,
  });
  const { workflows, concurrency } = options;
  const run = async () => {
    let next = 0;
    const lane = async () => {
      while (next < workflows) {
        const i = next++;
        await env.client.workflow.execute('hello', { taskQueue: 'bench', workflowId: `wf-${i}`, args: ['bench'] });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };
  const running = worker.run();
  // Warm up the worker (isolate, caches) before timing.
  await env.client.workflow.execute('hello', { taskQueue: 'bench', workflowId: 'warm-up', args: ['bench'] });
  const t = now();
  await run();
  const seconds = (now() - t) / 1000;
  worker.shutdown();
  await running;
  await env.teardown();
  return { workflowsPerSecond: workflows / seconds };
}

const tasks = { ready, timeskip, throughput };
if (!tasks[task]) throw new Error(`unknown task ${JSON.stringify(task)}`);
tasks[task]().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  },
  (err) => {
    process.stdout.write(JSON.stringify({ error: String(err?.message ?? err).split('\n')[0] }) + '\n');
    process.exit(0);
  },
);
