import Long from 'long';
import { Execution } from '../history/mutable-state';
import type { EndpointRecord } from '../nexus/endpoint-registry';

/** Thrown when the database file cannot be opened or is not a Kairos dev-server database. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  constructor(filename: string, cause: unknown) {
    super(`cannot open database file ${filename}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** A namespace and its registered custom search attributes. */
export interface NamespaceRecord {
  name: string;
  id: string;
  description: string;
  ownerEmail: string;
  retentionMs: number;
  data: Record<string, string>;
  /** Custom search attribute name → temporal.api.enums.v1.IndexedValueType. */
  searchAttributes: Record<string, number>;
  /**
   * Custom search attribute name → the visibility field it is stored in (`Keyword01`, `Int01`, ...), reported as
   * the namespace's search attribute aliases. Absent in records written before it existed (then derived).
   */
  searchAttributeFields?: Record<string, string>;
  /** Created with RegisterNamespace (rather than at start): its replication state is NORMAL, as on the real server. */
  registered?: boolean;
  createdTime: number;
}

/** A schedule's whole state, opaque to the store. */
export interface ScheduleRecord {
  namespace: string;
  scheduleId: string;
  state: unknown;
}

/**
 * A record of a subsystem kept beside the runs (standalone activity executions, worker deployments): its kind,
 * its key within the kind, and a JSON-able value; a `null` value deletes the record.
 */
export interface KeyedRecord {
  kind: string;
  key: string;
  value: unknown;
}

/** Everything one state change touched; written as one transaction. */
export interface ChangeSet {
  namespaces: NamespaceRecord[];
  /** Names of namespaces deleted (DeleteNamespace); their runs and schedules are deleted in the same change. */
  deletedNamespaces: string[];
  executions: Execution[];
  schedules: ScheduleRecord[];
  deletedSchedules: Array<{ namespace: string; scheduleId: string }>;
  /** Runs removed (retention or DeleteWorkflowExecution): their state and history go. */
  deletedRuns: string[];
  /** Nexus endpoints written (a record) or deleted (an id). */
  nexusEndpoints: Array<EndpointRecord | { id: string; deleted: true }>;
  /** Keyed records written or (with a null value) deleted. */
  records?: KeyedRecord[];
}

export interface LoadedState {
  namespaces: NamespaceRecord[];
  /** Open runs, and closed runs in full for a store that does not keep them on disk only. */
  executions: Execution[];
  /** Closed runs the store keeps on disk, as summaries (`Execution.summary`). */
  closedSummaries?: Execution[];
  schedules: ScheduleRecord[];
  nexusEndpoints: EndpointRecord[];
  /** Keyed records (absent from a store that keeps none). */
  records?: KeyedRecord[];
}

/** Where the server keeps its state: nowhere (memory) or a SQLite file. */
export interface Persistence {
  load(): LoadedState;
  commit(changes: ChangeSet): void;
  close(): void;
  /**
   * For a store that keeps closed runs on disk (so that memory does not grow with them): reads one run in full.
   * Absent when every run stays in memory.
   */
  loadRun?(runId: string): Execution | undefined;
}

/** The in-memory store: the server's own maps are the state, so there is nothing to write. */
export class MemoryPersistence implements Persistence {
  load(): LoadedState {
    return { namespaces: [], executions: [], schedules: [], nexusEndpoints: [] };
  }
  commit(changes: ChangeSet): void {
    for (const e of changes.executions) e.persistedEvents = e.events.length;
  }
  close(): void {}
}

/** JSON that keeps bytes (as base64) and 64-bit integers (as numbers) of protobuf message objects. */
export function stateToJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof Uint8Array)
      return { $b: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
    if (Long.isLong(original)) return (original as Long).toNumber();
    return v;
  });
}

export function stateFromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$b === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$b, 'base64');
    }
    return v;
  }) as T;
}
