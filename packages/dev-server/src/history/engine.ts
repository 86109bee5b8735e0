import Long from 'long';
import { randomUUID } from 'node:crypto';
import { Matching } from '../matching/matching';
import { NamespaceRegistry } from '../namespaces/namespace-registry';
import { ChangeSet, KeyedRecord, NamespaceRecord, Persistence, ScheduleRecord } from '../persistence/persistence';
import { DeadlineQueue } from '../timers/deadline-queue';
import { TimeSource } from '../time/time-source';
import { invalidArgument, namespaceNotFound, notFound, workflowNotFound } from '../errors';
import { RequestLimits, validateRunId } from '../internal/validation';
import { DynamicConfig } from '../config/dynamic-config';
import { BlobLimits } from '../internal/blob-limits';
import { enums, history, IHistoryEvent, msDuration, msTimestamp, num, type temporal } from '../internal/proto';
import {
  BufferedEvent,
  Execution,
  ExecutionState,
  isRunning,
  newEvent,
  summaryExecution,
  summaryOf,
} from './mutable-state';
import { MAX_HISTORY_PAGE_SIZE } from './history-pages';
import { visibilityOrder } from '../visibility/visibility';
import type { Logger } from '../logger';
import type { VersioningHooks } from '../deployments/version-routing';
import type { EndpointRegistry } from '../nexus/endpoint-registry';

const HistoryEvent = history.HistoryEvent;
const ET = enums.EventType;

/** Attempts of a failing workflow task that keep the run's task timeout; later ones get a growing extension. */
const PLAIN_TIMEOUT_ATTEMPTS = 3;
const FIRST_TIMEOUT_EXTENSION_MS = 5_000;
const MAX_TIMEOUT_EXTENSION_MS = 10 * 60_000;

/**
 * The start-to-close timeout of a workflow task attempt. Retries are dispatched at once, but from the fourth
 * attempt on, the real server lets each one run longer: the task timeout plus 5 s doubling per attempt (at most
 * 10 min), less a random jitter of up to a fifth.
 */
export function workflowTaskTimeoutForAttempt(taskTimeoutMs: number, attempt: number): number {
  if (attempt <= PLAIN_TIMEOUT_ATTEMPTS) return taskTimeoutMs;
  const extension = Math.min(
    FIRST_TIMEOUT_EXTENSION_MS * 2 ** (attempt - PLAIN_TIMEOUT_ATTEMPTS - 1),
    MAX_TIMEOUT_EXTENSION_MS,
  );
  return taskTimeoutMs + Math.floor(extension * (1 - 0.2 * Math.random()));
}

/** Bytes a varint takes (for the length prefix of an event in an encoded History). */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size += 1;
  }
  return size;
}

/**
 * A copy of a message object without its scalar fields at their default ('' , 0, false, empty lists and bytes),
 * which is what a proto3 encoder that skips defaults (the real server's) would write; message fields stay, even
 * empty.
 */
function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || Long.isLong(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined || v === '' || v === 0 || v === false) continue;
    if ((Array.isArray(v) || v instanceof Uint8Array) && v.length === 0) continue;
    if (Long.isLong(v) && v.isZero()) continue;
    out[k] = withoutDefaults(v);
  }
  return out;
}

/**
 * Adds the events written since the last call to the run's history size: the bytes they take in an encoded
 * `History` (leaving out default values, as the real server's encoder does), which is how the real server counts
 * the history it stores. Events are measured once the change that wrote them is complete (some are finished after
 * they are appended).
 */
export function measureHistory(ex: Execution): number {
  const from = ex.sizedEvents ?? ex.events.length;
  for (let i = from; i < ex.events.length; i++) {
    const size = HistoryEvent.encode(withoutDefaults(ex.events[i]) as IHistoryEvent).finish().length;
    ex.state.historySizeBytes += 1 + varintSize(size) + size;
  }
  ex.sizedEvents = ex.events.length;
  return ex.state.historySizeBytes;
}

/** One state change in progress: what it touched, and what to do once it is durable. */
export class Transaction {
  readonly touched = new Set<Execution>();
  readonly namespaces: NamespaceRecord[] = [];
  readonly deletedNamespaces: string[] = [];
  readonly schedules = new Map<string, ScheduleRecord | { namespace: string; scheduleId: string; deleted: true }>();
  readonly afterCommit: Array<() => void> = [];
  readonly deletedRuns: string[] = [];
  readonly nexusEndpoints: ChangeSet['nexusEndpoints'] = [];
  /** Keyed records (of subsystems beside the runs) written or deleted, by kind and key: the last write wins. */
  readonly records = new Map<string, KeyedRecord>();
  /** Runs that have an open batch of events in this change (the events one change writes form one batch). */
  readonly openBatches = new Set<Execution>();
  constructor(readonly now: number) {}

  /** Runs this transaction makes a state transition of (counted once per transaction, as the real server does). */
  readonly transitions = new Set<Execution>();

  /** Writes (or with `null`, deletes) a keyed record in this change. */
  putRecord(kind: string, key: string, value: unknown): void {
    this.records.set(`${kind}\u0000${key}`, { kind, key, value });
  }

  /** Marks a run as changed by this transaction. */
  touch(ex: Execution): void {
    this.touched.add(ex);
    this.transitions.add(ex);
  }

  /**
   * Marks a run as changed in a way the real server keeps in memory only (an admitted update, a speculative
   * workflow task and its rejections): stored here all the same, but no state transition unless something else
   * in the transaction is one.
   */
  touchInMemory(ex: Execution): void {
    this.touched.add(ex);
  }

  /** Further transitions of runs within this transaction (see `separateTransition`). */
  readonly extraTransitions = new Map<Execution, number>();

  /**
   * Counts one more state transition of a run: for a change the real server makes in a transaction of its own
   * after the one that asked for it (recording a child's start, or the outcome of an external signal or cancel).
   */
  separateTransition(ex: Execution): void {
    this.touch(ex);
    this.extraTransitions.set(ex, (this.extraTransitions.get(ex) ?? 0) + 1);
  }
}

/** Hooks the engine calls after each change; the server wires matching, deadlines and waiters through them. */
export interface EngineHooks {
  /** Re-derives queued tasks and deadlines of an execution from its state. */
  reconcile(ex: Execution, tx: Transaction): void;
  /** A schedule changed. */
  scheduleChanged?(namespace: string, scheduleId: string): void;
  /** A run's history went past the real server's error limit (events or bytes): end it, within the change. */
  historyLimitExceeded?(ex: Execution, tx: Transaction, reason: string): void;
  /** Worker deployment versioning (routing of workflow tasks by version, versioning state of runs). */
  versioning?: VersioningHooks;
}

/** What the server sets up an engine with; each field has the default a bare engine uses. */
export interface HistoryEngineSettings {
  /** The dynamic config the server runs with (default: the real server's defaults). */
  config?: DynamicConfig;
  /** The cluster's Nexus endpoints, which Nexus operations are scheduled on (default: none). */
  nexusEndpoints?: EndpointRegistry;
  /** Batches of events in the first page of a workflow task's history (default: `MAX_HISTORY_PAGE_SIZE`). */
  workflowTaskHistoryPageSize?: number;
  /** What the server does on the engine's changes (default: nothing). */
  hooks?: EngineHooks;
  /** The queries that ride on workflow tasks (default: none). */
  queries?: WorkflowTaskQueries;
}

/**
 * The queries a workflow task carries to the worker and brings answers back for. The query dispatcher implements
 * it; it is an interface because the dispatcher itself needs the engine, so the engine cannot construct it.
 */
export interface WorkflowTaskQueries {
  /** Attaches the run's waiting queries to its workflow task `wftSeq`; returns them by query id. */
  attach(runId: string, wftSeq: number): Record<string, temporal.api.query.v1.IWorkflowQuery>;
  /** Resolves the queries a completed workflow task answered. */
  answer(results: Record<string, temporal.api.query.v1.IWorkflowQueryResult>): void;
  /** Puts the queries attached to workflow task `wftSeq` that it did not answer back to waiting. */
  release(runId: string, wftSeq: number): void;
}

/**
 * The history service: owns every execution's state and history and applies each change as one
 * transaction (persisted before anything observes it).
 */
export class HistoryEngine {
  readonly executions = new Map<string, Execution>();
  /** namespace + workflow id → run ids, oldest first (the last is the current run). */
  private readonly runsById = new Map<string, string | string[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private current: Transaction | undefined;
  /** Event task ids start where the real server's first block of ids starts (2^20), so they are as long on the wire. */
  private taskIdCounter = 1 << 20;
  readonly hooks: EngineHooks;
  /** The cluster's Nexus endpoints, which Nexus operations are scheduled on. */
  readonly nexusEndpoints: EndpointRegistry | undefined;
  /** The dynamic config the server runs with (limits), and the request limits it sets. */
  readonly config: DynamicConfig;
  readonly limits: RequestLimits;
  readonly blobs: BlobLimits;
  /** Batches of events in the first page of a workflow task's history (the rest is fetched with its token). */
  readonly workflowTaskHistoryPageSize: number;
  /** Queries riding on workflow tasks, when the server dispatches queries. */
  readonly queries: WorkflowTaskQueries | undefined;

  constructor(
    readonly namespaces: NamespaceRegistry,
    readonly matching: Matching,
    readonly time: TimeSource,
    readonly deadlines: DeadlineQueue,
    readonly store: Persistence,
    readonly log: Logger,
    settings: HistoryEngineSettings = {},
  ) {
    this.hooks = settings.hooks ?? { reconcile: () => {} };
    this.config = settings.config ?? new DynamicConfig();
    this.limits = new RequestLimits(this.config);
    this.blobs = new BlobLimits(this.config, log);
    this.nexusEndpoints = settings.nexusEndpoints;
    this.workflowTaskHistoryPageSize = settings.workflowTaskHistoryPageSize ?? MAX_HISTORY_PAGE_SIZE;
    this.queries = settings.queries;
  }

  // ---- transactions ----

  /**
   * Runs `fn` as one state change. Nested calls join the outer change. Handlers validate before they
   * mutate, so an error thrown here leaves nothing half-done in memory.
   */
  tx<T>(fn: (tx: Transaction) => T): T {
    if (this.current) return fn(this.current);
    const tx = new Transaction(this.time.now());
    this.current = tx;
    let result: T;
    try {
      result = fn(tx);
      for (const ex of tx.touched) measureHistory(ex);
      this.enforceHistoryLimits(tx);
      for (const ex of tx.transitions) ex.state.stateTransitions += 1 + (tx.extraTransitions.get(ex) ?? 0);
      const deleted = new Set(tx.deletedRuns);
      const changes: ChangeSet = {
        namespaces: tx.namespaces,
        deletedNamespaces: tx.deletedNamespaces,
        executions: [...tx.touched].filter((ex) => !deleted.has(ex.state.runId)),
        schedules: [],
        deletedSchedules: [],
        deletedRuns: tx.deletedRuns,
        nexusEndpoints: tx.nexusEndpoints,
        records: [...tx.records.values()],
      };
      for (const entry of tx.schedules.values()) {
        if ('deleted' in entry)
          changes.deletedSchedules.push({ namespace: entry.namespace, scheduleId: entry.scheduleId });
        else changes.schedules.push(entry);
      }
      this.store.commit(changes);
    } finally {
      this.current = undefined;
    }
    for (const ex of tx.touched) {
      if (tx.deletedRuns.includes(ex.state.runId)) continue;
      this.hooks.reconcile(ex, tx);
      this.notify(ex.state.runId);
      if (!isRunning(ex.state) && !ex.summary) this.keepClosed(ex);
      this.indexRun(ex);
    }
    for (const entry of tx.schedules.values()) {
      this.hooks.scheduleChanged?.(entry.namespace, entry.scheduleId);
    }
    for (const fn2 of tx.afterCommit) fn2();
    return result;
  }

  /** Runs whose history went past a warning limit, so that each is logged once. */
  private readonly warnedHistories = new Set<string>();

  /**
   * The real server's history limits: past `limit.history{Count,Size}.warn` a warning is logged; past the error
   * limit the run is terminated (`Workflow history count exceeds limit.` / `Workflow history size exceeds limit.`).
   */
  private enforceHistoryLimits(tx: Transaction): void {
    let terminated = false;
    for (const ex of [...tx.touched]) {
      const s = ex.state;
      if (!isRunning(s)) continue;
      const count = s.nextEventId - 1;
      const size = s.historySizeBytes;
      let reason: string | undefined;
      if (count > this.config.number('limit.historyCount.error')) reason = 'Workflow history count exceeds limit.';
      else if (size > this.config.number('limit.historySize.error')) reason = 'Workflow history size exceeds limit.';
      if (reason) {
        this.log.warn(`${reason} wf-namespace=${s.namespace} wf-id=${s.workflowId} wf-run-id=${s.runId}`);
        this.hooks.historyLimitExceeded?.(ex, tx, reason);
        terminated = true;
        continue;
      }
      const warn =
        count > this.config.number('limit.historyCount.warn')
          ? `history count ${count} exceeds the warning limit`
          : size > this.config.number('limit.historySize.warn')
            ? `history size ${size} exceeds the warning limit`
            : undefined;
      if (warn && !this.warnedHistories.has(s.runId)) {
        this.warnedHistories.add(s.runId);
        this.log.warn(`Workflow ${warn}. wf-namespace=${s.namespace} wf-id=${s.workflowId} wf-run-id=${s.runId}`);
      }
    }
    // Terminating wrote events (to the run, and to a parent it reports to).
    if (terminated) for (const ex of tx.touched) measureHistory(ex);
  }

  get inTransaction(): Transaction | undefined {
    return this.current;
  }

  // ---- lookup ----

  namespace(name: string): NamespaceRecord {
    if (!name) throw invalidArgument('Namespace is empty.');
    const ns = this.namespaces.get(name);
    if (!ns) throw namespaceNotFound(name);
    return ns;
  }

  /**
   * The namespace a task token was issued in, checked against the request's (when it names one): NOT_FOUND for an
   * unknown namespace id, INVALID_ARGUMENT for a token of another namespace, as the real server answers.
   */
  tokenNamespace(namespaceId: string, requestNamespace: string | null | undefined): NamespaceRecord {
    const ns = this.namespaces.getById(namespaceId);
    if (!ns) throw namespaceNotFound(namespaceId);
    if (requestNamespace && requestNamespace !== ns.name) {
      this.namespace(requestNamespace);
      throw invalidArgument('Operation requested with a token from a different namespace.');
    }
    return ns;
  }

  /** The run a workflow or activity task token names: NOT_FOUND with the real server's message when it is gone. */
  tokenRun(namespace: NamespaceRecord, workflowId: string, runId: string): Execution {
    const ex = this.executions.get(runId);
    if (!ex || ex.state.namespace !== namespace.name || ex.state.workflowId !== workflowId) {
      throw notFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId}"`);
    }
    return ex;
  }

  private idKey(namespace: string, workflowId: string): string {
    return `${namespace}\u0000${workflowId}`;
  }

  /** Registers a run (new or loaded) in the indexes. */
  addExecution(ex: Execution): void {
    this.indexRun(ex);
    // Task ids keep growing across restarts, so a loaded history's batches stay apart from new ones.
    const last = ex.events[ex.events.length - 1];
    if (last) this.taskIdCounter = Math.max(this.taskIdCounter, num(last.taskId) + 1);
    this.executions.set(ex.state.runId, ex);
    const key = this.idKey(ex.state.namespace, ex.state.workflowId);
    // Most workflow ids have one run: its id alone, rather than a list, saves memory with many closed runs.
    const runs = this.runsById.get(key);
    if (runs === undefined) this.runsById.set(key, ex.state.runId);
    else if (typeof runs === 'string') this.runsById.set(key, [runs, ex.state.runId]);
    else runs.push(ex.state.runId);
  }

  /** The run ids of a workflow id, oldest first. */
  private runIdsOf(namespace: string, workflowId: string): string[] {
    const runs = this.runsById.get(this.idKey(namespace, workflowId));
    return runs === undefined ? [] : typeof runs === 'string' ? [runs] : runs;
  }

  /** Sorts run lists by start time after a bulk load. */
  sortRuns(): void {
    for (const runs of this.runsById.values()) {
      if (typeof runs === 'string') continue;
      runs.sort((a, b) => {
        const sa = this.executions.get(a)!.state;
        const sb = this.executions.get(b)!.state;
        return sa.startTime - sb.startTime || (sa.nextRunId === b ? -1 : sb.nextRunId === a ? 1 : 0);
      });
    }
  }

  /** Removes a closed run from memory and from the store. */
  removeExecution(ex: Execution, tx: Transaction): void {
    const s = ex.state;
    this.executions.delete(s.runId);
    this.closedInMemory.delete(s.runId);
    this.openRuns.delete(s.runId);
    if (this.closedRuns.delete(s.runId)) this.closedOrderRemovals += 1;
    const key = this.idKey(s.namespace, s.workflowId);
    const rest = this.runIdsOf(s.namespace, s.workflowId).filter((id) => id !== s.runId);
    if (rest.length === 0) this.runsById.delete(key);
    else this.runsById.set(key, rest.length === 1 ? rest[0] : rest);
    tx.deletedRuns.push(s.runId);
    tx.afterCommit.push(() => this.deadlines.set(`run:${s.runId}`, undefined));
  }

  /** Deletes closed runs whose namespace retention has passed; returns how many. */
  enforceRetention(): number {
    if (this.time.skipping) return 0;
    const now = this.time.now();
    const expired = [...this.executions.values()].filter((ex) => {
      const s = ex.state;
      if (s.closeTime === undefined) return false;
      const retention = this.namespaces.get(s.namespace)?.retentionMs ?? 0;
      return retention > 0 && s.closeTime + retention < now;
    });
    if (expired.length > 0) this.tx((tx) => expired.forEach((ex) => this.removeExecution(ex, tx)));
    return expired.length;
  }

  currentRun(namespace: string, workflowId: string): Execution | undefined {
    const runs = this.runIdsOf(namespace, workflowId);
    return runs.length === 0 ? undefined : this.run(runs[runs.length - 1]);
  }

  runsOf(namespace: string, workflowId: string): Execution[] {
    return this.runIdsOf(namespace, workflowId).map((r) => this.run(r)!);
  }

  // ---- visibility order ----

  /** Open runs (their ids), for List to start with. */
  private readonly openRuns = new Set<string>();
  /** Closed runs' ids, oldest in visibility order first (see `closedNewestFirst`), and the same as a set. */
  private closedOrder: string[] = [];
  private readonly closedRuns = new Set<string>();
  private closedOrderSorted = true;
  private closedOrderRemovals = 0;

  /** Files a run under open or closed (a run that closes moves to the newest end of the closed order). */
  private indexRun(ex: Execution): void {
    const id = ex.state.runId;
    if (isRunning(ex.state)) {
      this.openRuns.add(id);
      return;
    }
    this.openRuns.delete(id);
    if (this.closedRuns.has(id)) return;
    this.closedRuns.add(id);
    const last = this.closedOrder[this.closedOrder.length - 1];
    const lastEx = last !== undefined ? this.executions.get(last) : undefined;
    // Kept oldest first: a run that is not the newest breaks the order (sorted again on the next list).
    if (lastEx && visibilityOrder(ex, lastEx) > 0) this.closedOrderSorted = false;
    this.closedOrder.push(id);
  }

  /** The open runs, in no particular order. */
  *openExecutions(): Generator<Execution> {
    for (const id of this.openRuns) {
      const ex = this.executions.get(id);
      if (ex) yield ex;
    }
  }

  /** The closed runs in visibility order (most recently closed first), without sorting them all for each list. */
  *closedNewestFirst(): Generator<Execution> {
    if (
      this.closedOrderRemovals > 0 &&
      (!this.closedOrderSorted || this.closedOrderRemovals * 2 > this.closedOrder.length)
    ) {
      this.closedOrder = this.closedOrder.filter((id) => this.closedRuns.has(id));
      this.closedOrderRemovals = 0;
    }
    if (!this.closedOrderSorted) {
      this.closedOrder.sort((a, b) => visibilityOrder(this.executions.get(b)!, this.executions.get(a)!));
      this.closedOrderSorted = true;
    }
    for (let i = this.closedOrder.length - 1; i >= 0; i--) {
      const id = this.closedOrder[i];
      if (!this.closedRuns.has(id)) continue;
      const ex = this.executions.get(id);
      if (ex) yield ex;
    }
  }

  // ---- closed runs on disk ----

  /** Closed runs kept whole in memory, least recently used first (the others are summaries; see `full`). */
  private readonly closedInMemory = new Set<string>();

  /** Closed runs kept whole in memory at most, when the store keeps closed runs on disk. */
  static readonly CLOSED_RUNS_IN_MEMORY = 1_000;

  /** A run in full (its state and history), reading it from the store if only its summary is in memory. */
  run(runId: string): Execution | undefined {
    const ex = this.executions.get(runId);
    if (!ex?.summary) return ex;
    const loaded = this.store.loadRun?.(runId);
    if (!loaded) return ex;
    loaded.sizedEvents = loaded.events.length;
    this.executions.set(runId, loaded);
    this.keepClosed(loaded);
    return loaded;
  }

  /** Notes a closed run as just used, leaving the least recently used ones on disk (as summaries). */
  private keepClosed(ex: Execution): void {
    if (!this.store.loadRun) return;
    const id = ex.state.runId;
    this.closedInMemory.delete(id);
    this.closedInMemory.add(id);
    while (this.closedInMemory.size > HistoryEngine.CLOSED_RUNS_IN_MEMORY) {
      const oldest = this.closedInMemory.values().next().value as string;
      this.closedInMemory.delete(oldest);
      const old = this.executions.get(oldest);
      if (old && !old.summary) this.executions.set(oldest, summaryExecution(summaryOf(old.state)));
    }
  }

  /** Finds a run by id, or the current run when `runId` is empty; NOT_FOUND otherwise. */
  getExecution(namespace: string, workflowId: string, runId?: string | null): Execution {
    validateRunId(runId);
    if (runId) {
      const ex = this.run(runId);
      if (!ex || ex.state.namespace !== namespace || ex.state.workflowId !== workflowId) {
        throw notFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId}"`);
      }
      return ex;
    }
    const ex = this.currentRun(namespace, workflowId);
    if (!ex) throw workflowNotFound(workflowId);
    return ex;
  }

  /** Like getExecution, but the run must be open. */
  getOpenExecution(namespace: string, workflowId: string, runId?: string | null): Execution {
    const ex = this.getExecution(namespace, workflowId, runId);
    if (!isRunning(ex.state)) throw notFound('workflow execution already completed');
    return ex;
  }

  // ---- waiting for changes ----

  /** Calls `listener` after every change to a run until it is removed. */
  watch(runId: string, listener: () => void): () => void {
    let set = this.waiters.get(runId);
    if (!set) {
      set = new Set();
      this.waiters.set(runId, set);
    }
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.waiters.delete(runId);
    };
  }

  notify(runId: string): void {
    const set = this.waiters.get(runId);
    if (!set) return;
    for (const l of [...set]) l();
  }

  // ---- history ----

  /**
   * The next event's task id. The events a change writes to a run form one batch, as on the real server: their
   * task ids follow each other, and a batch starts after a gap (history pages count batches; see history-pages).
   */
  private nextTaskId(ex: Execution, tx: Transaction): number {
    if (!tx.openBatches.has(ex)) {
      tx.openBatches.add(ex);
      this.taskIdCounter += 1;
    }
    return this.taskIdCounter++;
  }

  /** A task id for an event written in this change (for events copied rather than appended, as by a reset). */
  allocateTaskId(ex: Execution, tx: Transaction): number {
    return this.nextTaskId(ex, tx);
  }

  /** Makes the run's next event (in this change) start a new batch. */
  endBatch(ex: Execution, tx: Transaction): void {
    tx.openBatches.delete(ex);
  }

  /** Appends an event now (ids are contiguous per run). */
  append(ex: Execution, tx: Transaction, eventType: number, attributes: object): IHistoryEvent {
    const s = ex.state;
    const ev = newEvent(eventType, tx.now, attributes);
    ev.eventId = s.nextEventId++;
    ev.taskId = this.nextTaskId(ex, tx);
    ex.events.push(ev);
    tx.touch(ex);
    return ev;
  }

  private appendBuffered(ex: Execution, tx: Transaction, b: BufferedEvent): void {
    const previousId = ex.state.nextEventId - 1;
    const ev = b.event;
    if (b.linkPreviousAs) {
      const attrs = (ev as Record<string, Record<string, unknown>>)[
        Object.keys(ev).find((k) => k.endsWith('EventAttributes'))!
      ];
      attrs[b.linkPreviousAs] = previousId;
    }
    ev.eventId = ex.state.nextEventId++;
    ev.taskId = this.nextTaskId(ex, tx);
    ev.eventTime = ev.eventTime ?? msTimestamp(tx.now);
    ex.events.push(ev);
  }

  /**
   * Adds an event that comes from outside the workflow (signal, activity or timer outcome, ...). While a
   * workflow task is started it waits in the buffer; otherwise it is written now and a workflow task is
   * scheduled if none is pending. `eventTime` is the time the event happened (now, unless it is written late).
   */
  addExternalEvent(
    ex: Execution,
    tx: Transaction,
    eventType: number,
    attributes: object,
    linkPreviousAs?: string,
    scheduleTask = true,
    eventTime = tx.now,
  ): void {
    const s = ex.state;
    tx.touch(ex);
    if (s.wft?.startedEventId !== undefined) {
      s.buffered.push({ event: newEvent(eventType, eventTime, attributes), linkPreviousAs });
      return;
    }
    this.appendBuffered(ex, tx, { event: newEvent(eventType, eventTime, attributes), linkPreviousAs });
    if (scheduleTask) this.scheduleWorkflowTask(ex, tx);
  }

  /** Writes the buffered events (after a workflow task ends); returns how many there were. */
  flushBuffer(ex: Execution, tx: Transaction): number {
    const s = ex.state;
    const n = s.buffered.length;
    for (const b of s.buffered.splice(0)) this.appendBuffered(ex, tx, b);
    if (n > 0) tx.touch(ex);
    return n;
  }

  // ---- workflow tasks ----

  /**
   * Schedules a workflow task unless one is pending (or the first one is still in its backoff). A retried
   * (attempt > 1) or speculative task is transient: it expects to take the next event id, and writes nothing
   * until it completes or events arrive before it starts.
   */
  scheduleWorkflowTask(ex: Execution, tx: Transaction, attempt = 1, speculative = false): void {
    const s = ex.state;
    if (!isRunning(s) || s.wft) return;
    // During the first task's backoff (start delay, cron), events wait for it, as on the real server.
    if (s.firstWftAt !== undefined && tx.now < s.firstWftAt) return;
    s.firstWftAt = undefined;
    // A sticky queue belongs to one worker: not to be used once the run's tasks are routed to another version.
    const sticky = s.sticky && (this.hooks.versioning?.keepSticky(ex) ?? true) ? s.sticky : undefined;
    if (!sticky) s.sticky = undefined;
    const transient = attempt > 1 || speculative;
    s.wftSeq += 1;
    s.wft = {
      seq: s.wftSeq,
      attempt,
      taskQueue: sticky ? sticky.taskQueue : s.taskQueue,
      sticky: !!sticky,
      scheduledTime: tx.now,
      timeoutMs: workflowTaskTimeoutForAttempt(s.taskTimeoutMs, attempt),
      transient,
      speculative: speculative || undefined,
      scheduledEventId: s.nextEventId,
      stickyDeadline: sticky ? tx.now + sticky.scheduleToStartMs : undefined,
    };
    if (!transient) {
      s.wft.scheduledEventId = Number(
        this.append(ex, tx, ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, this.wftScheduledAttributes(s)).eventId,
      );
    }
    if (speculative) tx.touchInMemory(ex);
    else tx.touch(ex);
  }

  wftScheduledAttributes(s: ExecutionState): object {
    const wft = s.wft!;
    return {
      taskQueue: wft.sticky
        ? { name: wft.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: s.taskQueue }
        : { name: s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      startToCloseTimeout: msDuration(wft.timeoutMs),
      attempt: wft.attempt,
    };
  }

  newRunId(): string {
    return randomUUID();
  }
}
