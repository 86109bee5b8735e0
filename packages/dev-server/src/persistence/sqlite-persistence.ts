import Database from 'better-sqlite3';
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

const HistoryEvent = temporal.api.history.v1.HistoryEvent;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, event BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nexus_endpoints (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
`;

/**
 * Columns added to `executions` since its first version: whether the run is closed and, for a closed run, the
 * summary that stays in memory (see `summaryOf`), so that a restart reads open runs only, and closed runs' summaries.
 */
const MIGRATIONS = [
  'ALTER TABLE executions ADD COLUMN closed INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE executions ADD COLUMN summary TEXT',
];

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
  private readonly putRecord: Database.Statement;
  private readonly deleteRecord: Database.Statement;
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
      'INSERT OR REPLACE INTO executions (run_id, namespace, workflow_id, state, closed, summary) VALUES (?, ?, ?, ?, ?, ?)',
    );
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
        this.putExecution.run(
          s.runId,
          s.namespace,
          s.workflowId,
          stateToJson(s),
          closed ? 1 : 0,
          closed ? stateToJson(summaryOf(s)) : null,
        );
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
      }
      for (const r of changes.records ?? []) {
        if (r.value === null) this.deleteRecord.run(r.kind, r.key);
        else this.putRecord.run(r.kind, r.key, stateToJson(r.value));
      }
    });
  }

  /** Adds the columns of later versions to a database written by an earlier one, and fills them in. */
  private migrate(): void {
    const columns = new Set(
      (this.db.prepare('PRAGMA table_info(executions)').all() as Array<{ name: string }>).map((c) => c.name),
    );
    if (columns.has('summary')) return;
    this.db.transaction(() => {
      for (const sql of MIGRATIONS) this.db.exec(sql);
      const update = this.db.prepare('UPDATE executions SET closed = ?, summary = ? WHERE run_id = ?');
      for (const row of this.db.prepare('SELECT run_id, state FROM executions').all() as Array<{
        run_id: string;
        state: string;
      }>) {
        const s = stateFromJson<ExecutionState>(row.state);
        const closed = s.closeTime !== undefined;
        update.run(closed ? 1 : 0, closed ? stateToJson(summaryOf(s)) : null, row.run_id);
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
    const closedSummaries: Execution[] = [];
    for (const row of this.db.prepare('SELECT summary FROM executions WHERE closed = 1').iterate() as Iterable<{
      summary: string;
    }>) {
      closedSummaries.push(summaryExecution(stateFromJson<RunSummary>(row.summary)));
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
