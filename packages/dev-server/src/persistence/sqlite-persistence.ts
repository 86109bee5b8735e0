import Database from 'better-sqlite3';
import { temporal } from '../internal/proto';
import { Execution, ExecutionState } from '../history/mutable-state';
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
CREATE TABLE IF NOT EXISTS history (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, event BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nexus_endpoints (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (namespace, schedule_id));
`;

/**
 * SQLite store (WAL). Each change set is one transaction, written before the server acknowledges the
 * change, so a crash at any moment loses nothing a client was told about.
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
  private readonly writeChanges: (changes: ChangeSet) => void;

  constructor(readonly filename: string) {
    try {
      this.db = new Database(filename);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new DatabaseOpenError(filename, err);
    }
    this.putNamespace = this.db.prepare('INSERT OR REPLACE INTO namespaces (name, record) VALUES (?, ?)');
    this.putExecution = this.db.prepare(
      'INSERT OR REPLACE INTO executions (run_id, namespace, workflow_id, state) VALUES (?, ?, ?, ?)',
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
    this.writeChanges = this.db.transaction((changes: ChangeSet) => {
      for (const ns of changes.namespaces) this.putNamespace.run(ns.name, JSON.stringify(ns));
      for (const name of changes.deletedNamespaces) this.deleteNamespace.run(name);
      for (const ex of changes.executions) {
        const s = ex.state;
        this.putExecution.run(s.runId, s.namespace, s.workflowId, stateToJson(s));
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
    });
  }

  load(): LoadedState {
    const namespaces = (this.db.prepare('SELECT record FROM namespaces').all() as Array<{ record: string }>).map(
      (r) => JSON.parse(r.record) as NamespaceRecord,
    );
    const byRun = new Map<string, Execution>();
    for (const row of this.db.prepare('SELECT run_id, state FROM executions').all() as Array<{
      run_id: string;
      state: string;
    }>) {
      byRun.set(row.run_id, { state: stateFromJson<ExecutionState>(row.state), events: [], persistedEvents: 0 });
    }
    for (const row of this.db
      .prepare('SELECT run_id, event FROM history ORDER BY run_id, event_id')
      .iterate() as Iterable<{ run_id: string; event: Buffer }>) {
      const ex = byRun.get(row.run_id);
      if (ex) ex.events.push(HistoryEvent.decode(row.event));
    }
    for (const ex of byRun.values()) ex.persistedEvents = ex.events.length;
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
    return { namespaces, executions: [...byRun.values()], schedules, nexusEndpoints };
  }

  commit(changes: ChangeSet): void {
    this.writeChanges(changes);
    for (const ex of changes.executions) ex.persistedEvents = ex.events.length;
  }

  close(): void {
    this.db.close();
  }
}
