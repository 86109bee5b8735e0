#!/usr/bin/env node
// Benchmark: the two SQLite drivers the dev server could run on, better-sqlite3 and Node's built-in node:sqlite
// (Node 22.5 and later), on the workload of its SQLite store: the same schema, the same pragmas (exclusive locking,
// WAL, synchronous = NORMAL), one transaction per change set (an execution's state upserted, its new history events
// inserted, a summary written when the run closes), then a restart's reads (open runs with their history; every
// closed run's summary, iterated in visibility order) and point reads of single runs. Both drivers run in this process, one after the other, for
// several rounds; the median of each, per second of wall-clock time and per second of CPU time, is printed with the
// ratio node:sqlite / better-sqlite3 (above 1: node:sqlite is faster). A kill test then checks that each driver keeps every commit it acknowledged when its process is killed.
//
// Usage: node bench/dev-server/sqlite-drivers.js [--changes 4000] [--rounds 3] [--better-sqlite3 DIR] [--json]
//   --better-sqlite3 names a better-sqlite3 folder built for the running Node (the workspace's copy is built for the
//   Node the workspace was installed with: its native addon does not load in another major version).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const CHANGES = Number(arg('changes', 4000));
const ROUNDS = Number(arg('rounds', 3));
const BETTER_SQLITE3 = arg('better-sqlite3', 'better-sqlite3');
const JSON_OUT = process.argv.includes('--json');

/** Loads better-sqlite3 from `where` (a package name or a folder), resolved from the dev server's folder. */
function loadBetterSqlite3(where) {
  const from = path.dirname(require.resolve('@kairos/dev-server/package.json'));
  return require(require.resolve(where, { paths: [from] }));
}

/** node:sqlite where this Node has it, without the experimental warning some versions print on first load. */
function loadNodeSqlite() {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes('SQLite')) emit.call(process, warning, ...rest);
  };
  try {
    return process.getBuiltinModule?.('node:sqlite') ?? require('node:sqlite');
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emit;
  }
}

/** The few calls the store makes, the same on both drivers: exec, prepare, a pragma's value, a transaction. */
const DRIVERS = {
  'better-sqlite3': (file) => {
    const Database = loadBetterSqlite3(BETTER_SQLITE3);
    const db = new Database(file, { timeout: 0 });
    return {
      exec: (sql) => db.exec(sql),
      prepare: (sql) => db.prepare(sql),
      pragma: (text) => db.pragma(text, { simple: true }),
      transaction: (fn) => db.transaction(fn),
      version: () => db.prepare('SELECT sqlite_version() AS v').get().v,
      close: () => db.close(),
    };
  },
  'node:sqlite': (file) => {
    const { DatabaseSync } = loadNodeSqlite();
    const db = new DatabaseSync(file, { timeout: 0 });
    return {
      exec: (sql) => db.exec(sql),
      prepare: (sql) => db.prepare(sql),
      pragma: (text) => {
        const row = db.prepare(`PRAGMA ${text}`).get();
        return row === undefined ? undefined : Object.values(row)[0];
      },
      transaction:
        (fn) =>
        (...args) => {
          db.exec('BEGIN');
          try {
            const result = fn(...args);
            db.exec('COMMIT');
            return result;
          } catch (err) {
            if (db.isTransaction !== false) db.exec('ROLLBACK');
            throw err;
          }
        },
      version: () => db.prepare('SELECT sqlite_version() AS v').get().v,
      close: () => db.close(),
    };
  },
};

/** Opens a store the way the dev server does and creates its tables. */
function openStore(driver, file) {
  const db = DRIVERS[driver](file);
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('schema_version');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('BEGIN EXCLUSIVE; COMMIT');
  db.pragma('busy_timeout = 5000');
  db.transaction(() => {
    db.exec(`
CREATE TABLE IF NOT EXISTS executions (run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS executions_open ON executions (run_id) WHERE closed = 0;
CREATE TABLE IF NOT EXISTS history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, event BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closed_runs (close_time INTEGER NOT NULL, start_time INTEGER NOT NULL, run_id TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (close_time, start_time, run_id DESC)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS closed_runs_by_id ON closed_runs (run_id);
`);
    db.pragma('application_id = 1263682643');
    db.pragma('user_version = 3');
  })();
  return db;
}

/** What one workflow looks like to the store: a JSON state of a few kilobytes and history events of a few hundred bytes. */
function workload(changes) {
  const state = (i, step) =>
    JSON.stringify({
      runId: `run-${i >> 2}`,
      namespace: 'default',
      workflowId: `wf-${i >> 2}`,
      step,
      startTime: 1_700_000_000_000 + i,
      pending: Array.from({ length: 8 }, (_, k) => ({ activityId: `a${k}`, attempt: 1, input: 'x'.repeat(120) })),
    });
  const event = (i, k) => Buffer.alloc(180 + ((i * 7 + k) % 200), (i + k) & 0xff);
  // Each workflow takes four change sets (start, two tasks, close), each adding three events.
  return Array.from({ length: changes }, (_, i) => ({
    runId: `run-${i >> 2}`,
    step: i & 3,
    state: state(i, i & 3),
    events: [0, 1, 2].map((k) => ({ id: (i & 3) * 3 + k + 1, bytes: event(i, k) })),
    // One run in four is still open at the end (a restart reads those in full).
    closes: (i & 3) === 3 && (i >> 2) % 4 !== 0,
  }));
}

/**
 * Operations per second of wall-clock time and per second of this process's CPU time (user and system): on a machine
 * shared with other work the second moves much less from run to run.
 */
function timed(fn) {
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const count = fn();
  const cpu = process.cpuUsage(cpuStarted);
  return {
    wall: count / (Number(process.hrtime.bigint() - started) / 1e9),
    cpu: count / ((cpu.user + cpu.system) / 1e6),
  };
}

/** One round of one driver on a fresh file: ops/s of each part. */
function round(driver, changes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-sqlite-bench-'));
  const file = path.join(dir, 'bench.db');
  try {
    let db = openStore(driver, file);
    const putExecution = db.prepare(
      'INSERT OR REPLACE INTO executions (run_id, namespace, workflow_id, state, closed) VALUES (?, ?, ?, ?, ?)',
    );
    const putEvent = db.prepare('INSERT OR REPLACE INTO history (run_id, event_id, event) VALUES (?, ?, ?)');
    const putSummary = db.prepare(
      'INSERT OR REPLACE INTO closed_runs (run_id, close_time, start_time, summary) VALUES (?, ?, ?, ?)',
    );
    const commit = db.transaction((c, i) => {
      putExecution.run(c.runId, 'default', c.runId, c.state, c.closes ? 1 : 0);
      if (c.closes) putSummary.run(c.runId, i, i - 3, c.state.slice(0, 400));
      for (const e of c.events) putEvent.run(c.runId, e.id, e.bytes);
    });
    const result = {};
    result.commit = timed(() => {
      changes.forEach((c, i) => commit(c, i));
      return changes.length;
    });
    db.close();

    // A restart: open the file again, read every open run with its history and every closed run's summary.
    db = openStore(driver, file);
    const history = db.prepare('SELECT event FROM history WHERE run_id = ? ORDER BY event_id');
    // Each read five times over: one pass over a few thousand rows is too short to time.
    result.restartOpen = timed(() => {
      let rows = 0;
      for (let pass = 0; pass < 5; pass++) {
        for (const row of db.prepare('SELECT run_id, state FROM executions WHERE closed = 0').all()) {
          JSON.parse(row.state);
          rows += 1 + history.all(row.run_id).length;
        }
      }
      return rows;
    });
    result.restartClosed = timed(() => {
      let rows = 0;
      for (let pass = 0; pass < 5; pass++) {
        const ordered = db.prepare('SELECT summary FROM closed_runs ORDER BY close_time, start_time, run_id DESC');
        for (const row of ordered.iterate()) rows += row.summary.length > 0 ? 1 : 0;
      }
      return rows;
    });
    const one = db.prepare('SELECT state FROM executions WHERE run_id = ?');
    const runs = changes.length >> 2;
    result.loadRun = timed(() => {
      for (let i = 0; i < runs; i++) {
        const id = `run-${(i * 7919) % runs}`;
        JSON.parse(one.get(id).state);
        history.all(id);
      }
      return runs;
    });
    result.settings = {
      sqlite: db.version(),
      journal_mode: db.pragma('journal_mode'),
      synchronous: db.pragma('synchronous'),
      locking_mode: db.pragma('locking_mode'),
      user_version: db.pragma('user_version'),
    };
    db.close();
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A child process commits change sets and reports each one after its commit returns; it is killed with SIGKILL
 * mid-run. Every change set it reported must be in the file when it is opened again.
 */
function killTest(driver) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-sqlite-kill-'));
  const file = path.join(dir, 'kill.db');
  const child = spawn(
    process.execPath,
    [__filename, '--kill-child', driver, file, '--better-sqlite3', BETTER_SQLITE3],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let acknowledged = 0;
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
      if (acknowledged >= 1500 && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const db = openStore(driver, file);
        const found = db.prepare('SELECT count(*) AS n FROM executions').get().n;
        db.close();
        resolve({ acknowledged, found, kept: found >= acknowledged });
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function killChild(driver, file) {
  const db = openStore(driver, file);
  const put = db.prepare('INSERT INTO executions (run_id, namespace, workflow_id, state) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((i) => put.run(`run-${i}`, 'default', `wf-${i}`, 'x'.repeat(2000)));
  for (let i = 1; i <= 100_000; i++) {
    commit(i);
    fs.writeSync(1, `${i}\n`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  if (process.argv[2] === '--kill-child') return killChild(process.argv[3], process.argv[4]);
  const available = ['better-sqlite3'];
  if (loadNodeSqlite()) available.push('node:sqlite');
  const changes = workload(CHANGES);
  const rounds = Object.fromEntries(available.map((d) => [d, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating the order spreads the machine's own noise over both drivers.
    const order = r % 2 === 0 ? available : [...available].reverse();
    for (const driver of order) rounds[driver].push(round(driver, changes));
  }
  const parts = {
    commit: 'change sets committed / s',
    restartOpen: 'restart: open-run rows / s',
    restartClosed: 'restart: closed summaries / s',
    loadRun: 'runs read / s',
  };
  const results = {};
  for (const driver of available) {
    results[driver] = { settings: rounds[driver][0].settings };
    for (const part of Object.keys(parts)) {
      results[driver][part] = {
        wall: median(rounds[driver].map((x) => x[part].wall)),
        cpu: median(rounds[driver].map((x) => x[part].cpu)),
      };
    }
    results[driver].killTest = await killTest(driver);
  }
  const report = { node: process.version, changes: CHANGES, rounds: ROUNDS, results };
  if (JSON_OUT) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`Node ${process.version}, ${CHANGES} change sets, median of ${ROUNDS} rounds`);
  for (const driver of available) {
    const s = results[driver].settings;
    console.log(
      `${driver.padEnd(15)} SQLite ${s.sqlite}, journal_mode ${s.journal_mode}, synchronous ${s.synchronous}, ` +
        `locking_mode ${s.locking_mode}, user_version ${s.user_version}`,
    );
  }
  if (!results['node:sqlite']) console.log('node:sqlite: not in this Node (it came in 22.5)');
  if (available.length === 2) console.log('ratio: node:sqlite / better-sqlite3 (above 1: node:sqlite is faster)');
  const header = ['', ...available, ...(available.length === 2 ? ['ratio'] : [])];
  console.log(
    `\n${header[0].padEnd(36)}${header
      .slice(1)
      .map((h) => h.padStart(16))
      .join('')}`,
  );
  for (const [part, label] of Object.entries(parts)) {
    for (const clock of ['wall', 'cpu']) {
      const values = available.map((d) => results[d][part][clock]);
      const cells = values.map((v) => v.toFixed(0).padStart(16));
      if (values.length === 2) cells.push((values[1] / values[0]).toFixed(2).padStart(16));
      console.log(`${`${label} (${clock === 'wall' ? 'wall' : 'CPU'})`.padEnd(36)}${cells.join('')}`);
    }
  }
  for (const driver of available) {
    const k = results[driver].killTest;
    console.log(
      `kill test, ${driver}: ${k.acknowledged} commits acknowledged before SIGKILL, ${k.found} in the file ` +
        `(${k.kept ? 'none lost' : 'LOST COMMITS'})`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
