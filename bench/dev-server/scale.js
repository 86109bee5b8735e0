#!/usr/bin/env node
// Benchmark: a long-lived SQLite file. Fills a database with N closed and M open workflows (started and, for the
// closed ones, terminated through the server's own RPCs), then restarts the server on it and prints the time to its
// first answered RPC, its RSS, and how long list and count take.
//
// Usage: node bench/dev-server/scale.js [--closed 20000,100000,200000] [--open 2000] [--kairos-cli PATH]
//                                      [--keep FILE] [--json]
//   --keep fills FILE (or reuses it when it exists, with the largest --closed count) and leaves it in place.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { temporal } = require('@kairos/proto');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const CLOSED = String(arg('closed', '20000,100000,200000')).split(',').map(Number);
const OPEN = Number(arg('open', 2000));
const JSON_OUT = process.argv.includes('--json');
const CLI = arg('kairos-cli', undefined) ?? require.resolve('@kairos/dev-server/lib/cli.js');
const wfs = temporal.api.workflowservice.v1;
const SERVICE = '/temporal.api.workflowservice.v1.WorkflowService/';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A minimal unary client for the few RPCs the bench makes. */
function client(address) {
  const c = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = (method, Req, Res, request) =>
    new Promise((resolve, reject) =>
      c.makeUnaryRequest(
        SERVICE + method,
        (m) => Buffer.from(Req.encode(m).finish()),
        (b) => Res.decode(b),
        request,
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
  return {
    close: () => c.close(),
    start: (workflowId) =>
      call('StartWorkflowExecution', wfs.StartWorkflowExecutionRequest, wfs.StartWorkflowExecutionResponse, {
        namespace: 'default',
        workflowId,
        workflowType: { name: 'ScaleWorkflow' },
        taskQueue: { name: 'scale' },
        requestId: workflowId,
      }),
    terminate: (workflowId) =>
      call(
        'TerminateWorkflowExecution',
        wfs.TerminateWorkflowExecutionRequest,
        wfs.TerminateWorkflowExecutionResponse,
        {
          namespace: 'default',
          workflowExecution: { workflowId },
          reason: 'scale bench',
        },
      ),
    systemInfo: () => call('GetSystemInfo', wfs.GetSystemInfoRequest, wfs.GetSystemInfoResponse, {}),
    list: (query) =>
      call('ListWorkflowExecutions', wfs.ListWorkflowExecutionsRequest, wfs.ListWorkflowExecutionsResponse, {
        namespace: 'default',
        pageSize: 100,
        query,
      }),
    count: (query) =>
      call('CountWorkflowExecutions', wfs.CountWorkflowExecutionsRequest, wfs.CountWorkflowExecutionsResponse, {
        namespace: 'default',
        query,
      }),
  };
}

/** Spawns the server on `db` and resolves once it answers, with the time that took. */
async function launch(db) {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, 'start-dev', '--port', String(port), '--db-filename', db], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const c = client(`127.0.0.1:${port}`);
  for (;;) {
    try {
      await c.systemInfo();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { child, c, readyMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

async function fill(c, from, to, close) {
  let next = from;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < to) {
        const id = `scale-${next++}`;
        await c.start(id);
        if (close) await c.terminate(id);
      }
    }),
  );
}

async function main() {
  const keep = arg('keep', undefined);
  const dir = keep ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-scale-'));
  const db = keep ?? path.join(dir, 'scale.db');
  const reuse = keep !== undefined && fs.existsSync(keep);
  const results = [];
  let closed = 0;
  try {
    if (!reuse) {
      const first = await launch(db);
      await fill(first.c, 0, OPEN, false);
      first.c.close();
      first.child.kill('SIGTERM');
      await new Promise((r) => first.child.once('exit', r));
    }
    for (const target of reuse ? CLOSED.slice(-1) : CLOSED) {
      if (!reuse) {
        const s = await launch(db);
        await fill(s.c, OPEN + closed, OPEN + target, true);
        closed = target;
        s.c.close();
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.once('exit', r));
      }
      const restarted = await launch(db);
      const rss = rssMb(restarted.child.pid);
      const list = await timed(() => restarted.c.list(''));
      const listFiltered = await timed(() => restarted.c.list('ExecutionStatus = "Terminated"'));
      const count = await timed(() => restarted.c.count(''));
      const countFiltered = await timed(() => restarted.c.count('WorkflowId = "scale-1"'));
      results.push({
        closed: target,
        open: OPEN,
        restartMs: Math.round(restarted.readyMs),
        rssMb: rss,
        listMs: Math.round(list.ms),
        listFilteredMs: Math.round(listFiltered.ms),
        countMs: Math.round(count.ms),
        countFilteredMs: Math.round(countFiltered.ms),
        counted: Number(count.r.count),
      });
      restarted.c.close();
      restarted.child.kill('SIGTERM');
      await new Promise((r) => restarted.child.once('exit', r));
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify({ results }, null, 2) + '\n');
  } else {
    process.stdout.write(`SQLite file with ${OPEN} open workflows and N closed ones, restarted (${CLI})\n\n`);
    process.stdout.write(
      '| closed | restart (ms) | RSS (MB) | list (ms) | list, filtered (ms) | count (ms) | count, filtered (ms) |\n' +
        '|---|---|---|---|---|---|---|\n',
    );
    for (const r of results) {
      process.stdout.write(
        `| ${r.closed} | ${r.restartMs} | ${r.rssMb} | ${r.listMs} | ${r.listFilteredMs} | ${r.countMs} | ${r.countFilteredMs} |\n`,
      );
    }
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
