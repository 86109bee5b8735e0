import type Database from 'better-sqlite3';
import { temporal } from '../internal/proto';
import { Execution, ExecutionState, RunSummary, summaryExecution, summaryOf } from '../history/mutable-state';
import type { EndpointRecord } from '../nexus/endpoint-registry';
import {
  ChangeSet,
  DatabaseOpenError,
  KeyedRecord,
  LoadedState,
  NamespaceRecord,
  Persistence,
  ScheduleRecord,
  stateFromJson,
  stateToJson,
} from './persistence';
import { driverBinaryError, loadSqliteDriver } from './sqlite-driver';

const HistoryEvent = temporal.api.history.v1.HistoryEvent;

/** `PRAGMA application_id` of a Kairos dev-server database (the bytes of "KRDS"). */
export const APPLICATION_ID = 0x4b524453;

/**
 * The schema, as ordered migrations: entry `i` brings a database at `PRAGMA user_version` `i` to `i + 1`, so a new
 * file runs them all and an older one those it lacks. Never edit a released entry; add one.
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 1: the first layout.
  (db) =>
    db.exec(`
CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, event BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nexus_endpoints (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
`),
  // 2: closed runs kept apart: whether a run is closed (with an index of the open runs, which are all a restart reads
  // in full), and each closed run's summary in `closed_runs`.
  (db) => {
    db.exec(`
ALTER TABLE executions ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS executions_open ON executions (run_id) WHERE closed = 0;
CREATE TABLE IF NOT EXISTS closed_runs (close_time INTEGER NOT NULL, start_time INTEGER NOT NULL, run_id TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (close_time, start_time, run_id DESC)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS closed_runs_by_id ON closed_runs (run_id);
`);
    const close = db.prepare('UPDATE executions SET closed = 1 WHERE run_id = ?');
    const putSummary = db.prepare(
      'INSERT OR REPLACE INTO closed_runs (run_id, close_time, start_time, summary) VALUES (?, ?, ?, ?)',
    );
    for (const row of db.prepare('SELECT run_id, state FROM executions').all() as Array<{
      run_id: string;
      state: string;
    }>) {
      const s = stateFromJson<ExecutionState>(row.state);
      if (s.closeTime === undefined) continue;
      close.run(row.run_id);
      putSummary.run(row.run_id, s.closeTime, s.startTime, encodeSummary(summaryOf(s)));
    }
  },
  // 3: records of other kinds, keyed within their kind (worker deployments and their versions).
  (db) =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID',
    ),
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A closed run's summary as stored: its fields in a fixed order (quicker to read back than keyed JSON). */
const SUMMARY_FIELDS = [
  'namespace',
  'workflowId',
  'runId',
  'firstRunId',
  'workflowType',
  'taskQueue',
  'status',
  'startTime',
  'executionTime',
  'closeTime',
  'closeEventId',
  'nextEventId',
  'memo',
  'searchAttributes',
  'parent',
  'root',
  'priority',
  'stateTransitions',
  'historySizeBytes',
  'nextRunId',
] as const satisfies ReadonlyArray<keyof RunSummary>;

/** Fields left out when they repeat another (most runs are their chain's first and start at once). */
function encodeSummary(s: RunSummary): string {
  return stateToJson(
    SUMMARY_FIELDS.map((f) =>
      (f === 'firstRunId' && s.firstRunId === s.runId) || (f === 'executionTime' && s.executionTime === s.startTime)
        ? null
        : (s[f] ?? null),
    ),
  );
}

function decodeSummary(text: string): RunSummary {
  // Bytes (memo and search attribute payloads) need the reviving parser; most summaries have none.
  const values = (text.includes('"$b"') ? stateFromJson<unknown[]>(text) : JSON.parse(text)) as unknown[];
  const out: Record<string, unknown> = {};
  SUMMARY_FIELDS.forEach((f, i) => {
    if (values[i] !== null) out[f] = values[i];
  });
  out.firstRunId ??= out.runId;
  out.executionTime ??= out.startTime;
  return out as unknown as RunSummary;
}

/**
 * Opens `filename` for this server alone: SQLite's exclusive locking mode, so the lock taken by the first read is held
 * until the server closes the file and a second server on the same file fails (instead of both writing).
 */
function openExclusive(filename: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    const Driver = loadSqliteDriver() as typeof Database;
    db = new Driver(filename, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('schema_version', { simple: true }); // reads the header: takes the lock, or finds it taken
    return db;
  } catch (err) {
    db?.close();
    throw openError(filename, err);
  }
}

/**
 * Switches a checked file to WAL and takes the write lock for good. NORMAL in WAL mode: a commit is in the log
 * before the server answers, so a crash or kill of the process loses nothing; only an operating-system crash or
 * power loss can lose the last commits (the file stays consistent).
 */
function enterWal(filename: string, db: Database.Database): void {
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw openError(filename, err);
  }
}

/** The error of a file that cannot be opened, saying why in a user's words where SQLite's code tells. */
function openError(filename: string, err: unknown): DatabaseOpenError {
  if (err instanceof DatabaseOpenError) return err;
  const driverError = driverBinaryError(err);
  if (driverError) return new DatabaseOpenError(filename, driverError);
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DatabaseOpenError(
      filename,
      new Error('the file is in use by another dev server (or another program): each server needs a file of its own'),
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new DatabaseOpenError(filename, new Error('not a Kairos dev server database (not an SQLite file)'));
  }
  return new DatabaseOpenError(filename, err);
}

/**
 * SQLite store (WAL, exclusive to one server). Each change set is one transaction, written before the server
 * acknowledges the change, so a crash or kill of the server process at any moment loses nothing a client was told
 * about (an operating-system crash or power loss may lose the last changes: `synchronous = NORMAL`). Closed runs stay on disk: a restart
 * reads the open runs in full and only a summary of each closed one, and a closed run is read in full when needed.
 */
export class SqlitePersistence implements Persistence {
  private readonly db: Database.Database;
  private readonly putNamespace: Database.Statement;
  private readonly putExecution: Database.Statement;
  private readonly putEvent: Database.Statement;
  private readonly putSchedule: Database.Statement;
  private readonly deleteSchedule: Database.Statement;
  private readonly deleteNamespace: Database.Statement;
  private readonly deleteRun: Database.Statement;
  private readonly putEndpoint: Database.Statement;
  private readonly deleteEndpoint: Database.Statement;
  private readonly deleteHistory: Database.Statement;
  private readonly putSummary: Database.Statement;
  private readonly deleteSummary: Database.Statement;
  private readonly putRecord: Database.Statement;
  private readonly deleteRecord: Database.Statement;
  private readonly writeChanges: (changes: ChangeSet) => void;

  constructor(readonly filename: string) {
    this.db = openExclusive(filename);
    try {
      // Checked before anything is written: a file that is refused stays as it was.
      const version = this.schemaVersion();
      enterWal(filename, this.db);
      this.migrate(version);
    } catch (err) {
      this.db.close();
      throw openError(filename, err);
    }
    this.putNamespace = this.db.prepare('INSERT OR REPLACE INTO namespaces (name, record) VALUES (?, ?)');
    this.putExecution = this.db.prepare(
      'INSERT OR REPLACE INTO executions (run_id, namespace, workflow_id, state, closed) VALUES (?, ?, ?, ?, ?)',
    );
    this.putSummary = this.db.prepare(
      'INSERT OR REPLACE INTO closed_runs (run_id, close_time, start_time, summary) VALUES (?, ?, ?, ?)',
    );
    this.deleteSummary = this.db.prepare('DELETE FROM closed_runs WHERE run_id = ?');
    this.putEvent = this.db.prepare('INSERT OR REPLACE INTO history (run_id, event_id, event) VALUES (?, ?, ?)');
    this.putSchedule = this.db.prepare(
      'INSERT OR REPLACE INTO schedules (namespace, schedule_id, state) VALUES (?, ?, ?)',
    );
    this.deleteSchedule = this.db.prepare('DELETE FROM schedules WHERE namespace = ? AND schedule_id = ?');
    this.deleteNamespace = this.db.prepare('DELETE FROM namespaces WHERE name = ?');
    this.putEndpoint = this.db.prepare('INSERT OR REPLACE INTO nexus_endpoints (id, record) VALUES (?, ?)');
    this.deleteEndpoint = this.db.prepare('DELETE FROM nexus_endpoints WHERE id = ?');
    this.deleteRun = this.db.prepare('DELETE FROM executions WHERE run_id = ?');
    this.deleteHistory = this.db.prepare('DELETE FROM history WHERE run_id = ?');
    this.putRecord = this.db.prepare('INSERT OR REPLACE INTO records (kind, key, value) VALUES (?, ?, ?)');
    this.deleteRecord = this.db.prepare('DELETE FROM records WHERE kind = ? AND key = ?');
    this.writeChanges = this.db.transaction((changes: ChangeSet) => {
      for (const ns of changes.namespaces) this.putNamespace.run(ns.name, JSON.stringify(ns));
      for (const name of changes.deletedNamespaces) this.deleteNamespace.run(name);
      for (const ex of changes.executions) {
        // A closed run kept as a summary does not change (its whole state is on disk already).
        if (ex.summary) continue;
        const s = ex.state;
        const closed = s.closeTime !== undefined;
        this.putExecution.run(s.runId, s.namespace, s.workflowId, stateToJson(s), closed ? 1 : 0);
        if (closed) this.putSummary.run(s.runId, s.closeTime, s.startTime, encodeSummary(summaryOf(s)));
        for (let i = ex.persistedEvents; i < ex.events.length; i++) {
          const ev = ex.events[i];
          this.putEvent.run(s.runId, Number(ev.eventId), HistoryEvent.encode(ev).finish());
        }
      }
      for (const sc of changes.schedules) this.putSchedule.run(sc.namespace, sc.scheduleId, stateToJson(sc.state));
      for (const d of changes.deletedSchedules) this.deleteSchedule.run(d.namespace, d.scheduleId);
      for (const e of changes.nexusEndpoints) {
        if ('deleted' in e) this.deleteEndpoint.run(e.id);
        else this.putEndpoint.run(e.id, stateToJson(e));
      }
      for (const runId of changes.deletedRuns) {
        this.deleteRun.run(runId);
        this.deleteHistory.run(runId);
        this.deleteSummary.run(runId);
      }
      for (const r of changes.records ?? []) {
        if (r.value === null) this.deleteRecord.run(r.kind, r.key);
        else this.putRecord.run(r.kind, r.key, stateToJson(r.value));
      }
    });
  }

  /** The schema version of the file, once it is known to be a Kairos database this code can read. */
  private schemaVersion(): number {
    const fail = (reason: string) => new DatabaseOpenError(this.filename, new Error(reason));
    const applicationId = this.db.pragma('application_id', { simple: true }) as number;
    if (applicationId !== APPLICATION_ID && applicationId !== 0) {
      throw fail(
        `not a Kairos dev server database (its SQLite application_id is 0x${applicationId.toString(16)}, ` +
          `Kairos writes 0x${APPLICATION_ID.toString(16)})`,
      );
    }
    const version =
      applicationId === APPLICATION_ID
        ? (this.db.pragma('user_version', { simple: true }) as number)
        : this.unmarkedVersion();
    if (version > SCHEMA_VERSION) {
      throw fail(
        `written by a newer @kairos/dev-server (schema version ${version}; this one reads up to ${SCHEMA_VERSION})`,
      );
    }
    return version;
  }

  /** Runs the migrations a file at `version` lacks (all of them for a new file) and marks it, in one transaction. */
  private migrate(version: number): void {
    const marked = (this.db.pragma('application_id', { simple: true }) as number) === APPLICATION_ID;
    if (version === SCHEMA_VERSION && marked) return;
    this.db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) MIGRATIONS[v](this.db);
      this.db.pragma(`application_id = ${APPLICATION_ID}`);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  /**
   * The schema version of a file without the Kairos application id: an empty one (0), or one written before
   * Kairos marked its files, told apart by its tables; any other SQLite file is refused.
   */
  private unmarkedVersion(): number {
    const tables = (
      this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((t) => t.name);
    if (tables.length === 0) return 0;
    if (!tables.includes('executions') || !tables.includes('history')) {
      throw new DatabaseOpenError(
        this.filename,
        new Error(`not a Kairos dev server database (it has the tables ${tables.join(', ')})`),
      );
    }
    const columns = (this.db.prepare('PRAGMA table_info(executions)').all() as Array<{ name: string }>).map(
      (c) => c.name,
    );
    return columns.includes('closed') ? 2 : 1;
  }

  private readonly historyOf = (runId: string) =>
    (this.selectHistory.all(runId) as Array<{ event: Buffer }>).map((r) => HistoryEvent.decode(r.event));

  private get selectHistory(): Database.Statement {
    this.historyStatement ??= this.db.prepare('SELECT event FROM history WHERE run_id = ? ORDER BY event_id');
    return this.historyStatement;
  }

  private historyStatement: Database.Statement | undefined;
  private runStatement: Database.Statement | undefined;

  loadRun(runId: string): Execution | undefined {
    this.runStatement ??= this.db.prepare('SELECT state FROM executions WHERE run_id = ?');
    const row = this.runStatement.get(runId) as { state: string } | undefined;
    if (!row) return undefined;
    const events = this.historyOf(runId);
    return { state: stateFromJson<ExecutionState>(row.state), events, persistedEvents: events.length };
  }

  load(): LoadedState {
    const namespaces = (this.db.prepare('SELECT record FROM namespaces').all() as Array<{ record: string }>).map(
      (r) => JSON.parse(r.record) as NamespaceRecord,
    );
    const byRun = new Map<string, Execution>();
    for (const row of this.db.prepare('SELECT run_id, state FROM executions WHERE closed = 0').all() as Array<{
      run_id: string;
      state: string;
    }>) {
      const events = this.historyOf(row.run_id);
      byRun.set(row.run_id, {
        state: stateFromJson<ExecutionState>(row.state),
        events,
        persistedEvents: events.length,
      });
    }
    // Hundreds of thousands of summaries repeat a few namespaces, types and queues: one copy of each is kept.
    const strings = new Map<string, string>();
    const intern = (v: string) => {
      const known = strings.get(v);
      if (known !== undefined) return known;
      strings.set(v, v);
      return v;
    };
    const closedSummaries: Execution[] = [];
    // In visibility order, oldest first (most recently closed last), so that nothing sorts them again.
    const ordered = this.db.prepare('SELECT summary FROM closed_runs ORDER BY close_time, start_time, run_id DESC');
    for (const row of ordered.iterate() as Iterable<{ summary: string }>) {
      const summary = decodeSummary(row.summary);
      summary.namespace = intern(summary.namespace);
      summary.workflowType = intern(summary.workflowType);
      summary.taskQueue = intern(summary.taskQueue);
      closedSummaries.push(summaryExecution(summary));
    }
    const schedules = (
      this.db.prepare('SELECT namespace, schedule_id, state FROM schedules').all() as Array<{
        namespace: string;
        schedule_id: string;
        state: string;
      }>
    ).map((r): ScheduleRecord => ({
      namespace: r.namespace,
      scheduleId: r.schedule_id,
      state: stateFromJson(r.state),
    }));
    const nexusEndpoints = (
      this.db.prepare('SELECT record FROM nexus_endpoints').all() as Array<{ record: string }>
    ).map((r) => stateFromJson<EndpointRecord>(r.record));
    const records = (
      this.db.prepare('SELECT kind, key, value FROM records').all() as Array<{
        kind: string;
        key: string;
        value: string;
      }>
    ).map((r): KeyedRecord => ({ kind: r.kind, key: r.key, value: stateFromJson(r.value) }));
    return { namespaces, executions: [...byRun.values()], closedSummaries, schedules, nexusEndpoints, records };
  }

  commit(changes: ChangeSet): void {
    this.writeChanges(changes);
    for (const ex of changes.executions) ex.persistedEvents = ex.events.length;
  }

  close(): void {
    this.db.close();
  }
}
