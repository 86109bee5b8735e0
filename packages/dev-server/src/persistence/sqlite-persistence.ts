import Database from 'better-sqlite3';
import { temporal } from '../internal/proto';
import { Execution, ExecutionState, RunSummary, summaryExecution, summaryOf } from '../history/mutable-state';
import type { EndpointRecord } from '../nexus/endpoint-registry';
import {
  ChangeSet,
  DatabaseOpenError,
  LoadedState,
  NamespaceRecord,
  Persistence,
  ScheduleRecord,
  stateFromJson,
  stateToJson,
} from './persistence';

const HistoryEvent = temporal.api.history.v1.HistoryEvent;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS closed_runs (close_time INTEGER NOT NULL, start_time INTEGER NOT NULL, run_id TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (close_time, start_time, run_id DESC)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS closed_runs_by_id ON closed_runs (run_id);
CREATE TABLE IF NOT EXISTS history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, event BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nexus_endpoints (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
`;

/**
 * Added to `executions` since its first version: whether the run is closed (with an index of the open runs, which
 * are all a restart reads in full); closed runs also have their summary in `closed_runs`.
 */
const MIGRATIONS = [
  'ALTER TABLE executions ADD COLUMN closed INTEGER NOT NULL DEFAULT 0',
  'CREATE INDEX IF NOT EXISTS executions_open ON executions (run_id) WHERE closed = 0',
];

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
 * SQLite store (WAL). Each change set is one transaction, written before the server acknowledges the
 * change, so a crash at any moment loses nothing a client was told about. Closed runs stay on disk: a restart
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
  private readonly writeChanges: (changes: ChangeSet) => void;

  constructor(readonly filename: string) {
    try {
      this.db = new Database(filename);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.migrate();
    } catch (err) {
      throw new DatabaseOpenError(filename, err);
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
    });
  }

  /** Adds the columns of later versions to a database written by an earlier one, and fills them in. */
  private migrate(): void {
    const columns = new Set(
      (this.db.prepare('PRAGMA table_info(executions)').all() as Array<{ name: string }>).map((c) => c.name),
    );
    if (columns.has('closed')) return;
    this.db.transaction(() => {
      for (const sql of MIGRATIONS) this.db.exec(sql);
      const close = this.db.prepare('UPDATE executions SET closed = 1 WHERE run_id = ?');
      const putSummary = this.db.prepare(
        'INSERT OR REPLACE INTO closed_runs (run_id, close_time, start_time, summary) VALUES (?, ?, ?, ?)',
      );
      for (const row of this.db.prepare('SELECT run_id, state FROM executions').all() as Array<{
        run_id: string;
        state: string;
      }>) {
        const s = stateFromJson<ExecutionState>(row.state);
        if (s.closeTime === undefined) continue;
        close.run(row.run_id);
        putSummary.run(row.run_id, s.closeTime, s.startTime, encodeSummary(summaryOf(s)));
      }
    })();
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
    return { namespaces, executions: [...byRun.values()], closedSummaries, schedules, nexusEndpoints };
  }

  commit(changes: ChangeSet): void {
    this.writeChanges(changes);
    for (const ex of changes.executions) ex.persistedEvents = ex.events.length;
  }

  close(): void {
    this.db.close();
  }
}
