#!/usr/bin/env node
// Replay benchmark: replays a 10,000-event history (a workflow that sleeps 1 s 2,000 times, from
// tools/gen-timer-history.js) through the Kairos core with a scripted workflow that
// answers each activation with the next timer, and prints events per second.
// Usage: node replay/index.js [--timers N] [--runs R] [--json] [--history file.json]
// Never fails on timing; exits non-zero only if the replay itself fails.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { kairos, temporal, fromProto3JSON } = require('@kairos/proto');
const { Worker, ShutdownError } = require('@kairos/core-bridge');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function loadHistory() {
  const file = arg('--history');
  if (file) return fs.readFileSync(file, 'utf8');
  const timers = Number(arg('--timers', '2000'));
  const tool =
    process.env.KAIROS_GEN_TIMER_HISTORY ?? path.join(__dirname, '..', '..', 'tools', 'gen-timer-history.js');
  return execFileSync(process.execPath, [tool, String(timers)], { maxBuffer: 1 << 30, encoding: 'utf8' });
}

const { WorkflowActivation } = kairos.core.activation;
const { WorkflowActivationCompletion } = kairos.core.completion;
const jsonPayload = (v) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});

/** The workflow under test: timerLoop(n) sleeps 1 s n times, then returns n. */
function timerLoopCommands(state, activation) {
  for (const job of activation.jobs) {
    if (job.initializeWorkflow) {
      state.n = JSON.parse(Buffer.from(job.initializeWorkflow.arguments[0].data).toString());
      state.fired = 0;
    } else if (job.fireTimer) {
      state.fired += 1;
    }
  }
  if (state.fired < state.n) return [{ startTimer: { seq: state.fired + 1, startToFireTimeout: { seconds: 1 } } }];
  return [{ completeWorkflowExecution: { result: jsonPayload(state.n) } }];
}

async function replayOnce(historyBytes, eventCount) {
  const worker = Worker.createReplay({ namespace: 'default', taskQueue: 'bench', identity: 'bench-replayer' });
  const start = process.hrtime.bigint();
  const pushed = worker.pushHistory('bench-timer-loop', historyBytes).then(() => worker.closeHistoryStream());
  const state = {};
  let activations = 0;
  let failure;
  for (;;) {
    let bytes;
    try {
      bytes = await worker.pollWorkflowActivation();
    } catch (err) {
      if (err instanceof ShutdownError) break;
      throw err;
    }
    const activation = WorkflowActivation.decode(bytes);
    activations += 1;
    const evict = activation.jobs.find((j) => j.removeFromCache);
    let commands = [];
    if (evict) {
      const { EvictionReason } = kairos.core.activation;
      if (evict.removeFromCache.reason === EvictionReason.EVICTION_REASON_NONDETERMINISM)
        failure = evict.removeFromCache.message;
    } else {
      commands = timerLoopCommands(state, activation);
    }
    await worker.completeWorkflowActivation(
      WorkflowActivationCompletion.encode({ runId: activation.runId, successful: { commands } }).finish(),
    );
  }
  await pushed;
  await worker.finalizeShutdown();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (failure) throw new Error(`replay failed: ${failure}`);
  return {
    seconds,
    activations,
    eventsPerSecond: eventCount / seconds,
    msPerActivation: (seconds * 1000) / activations,
  };
}

async function main() {
  const json = loadHistory();
  const history = fromProto3JSON('temporal.api.history.v1.History', json);
  const eventCount = history.events.length;
  const bytes = temporal.api.history.v1.History.encode(history).finish();
  const runs = Number(arg('--runs', '3'));
  await replayOnce(bytes, eventCount); // warm-up
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await replayOnce(bytes, eventCount));
  const best = results.reduce((a, b) => (a.eventsPerSecond > b.eventsPerSecond ? a : b));
  const summary = {
    benchmark: 'replay',
    events: eventCount,
    activations: best.activations,
    runs,
    bestEventsPerSecond: Math.round(best.eventsPerSecond),
    medianEventsPerSecond: Math.round(
      results.map((r) => r.eventsPerSecond).sort((a, b) => a - b)[Math.floor(runs / 2)],
    ),
    bestMsPerActivation: Number(best.msPerActivation.toFixed(3)),
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log('replay of a timer-loop history through the Kairos core');
  console.log('| events | activations | runs | best events/s | median events/s | ms/activation |');
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| ${summary.events} | ${summary.activations} | ${runs} | ${summary.bestEventsPerSecond} | ${summary.medianEventsPerSecond} | ${summary.bestMsPerActivation} |`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
