import { randomUUID } from 'node:crypto';
import { temporal } from './internal/proto';
import { HistoryEngine, Transaction } from './history/engine';
import { Execution, isRunning } from './history/mutable-state';
import { QueryDispatcher } from './history/queries';
import { HISTORY_SERVICE_IDENTITY, startWorkflowTask } from './history/workflow-tasks';
import { terminateRun } from './history/workflow-lifecycle';
import { startActivityTask } from './history/activities';
import { executionDeadline, processDeadlines } from './history/deadlines';
import { Matching, TaskRef } from './matching/matching';
import { WorkerHeartbeats } from './matching/worker-heartbeats';
import {
  NamespaceRegistry,
  DEFAULT_RETENTION_MS,
  SYSTEM_NAMESPACE,
  searchAttributeFields,
} from './namespaces/namespace-registry';
import { NamespaceRecord, Persistence } from './persistence/persistence';
import { DeadlineQueue } from './timers/deadline-queue';
import { TimeSource } from './time/time-source';
import { Logger } from './logger';
import { Scheduler } from './schedules/scheduler';
import { EndpointRegistry } from './nexus/endpoint-registry';
import { nexusBusy, nexusTasks, startNexusTask } from './nexus/nexus-tasks';
import { BatchOperations } from './batch/batch-operations';
import { DynamicConfig } from './config/dynamic-config';
import { STANDALONE_DEADLINE, STANDALONE_TASK_KIND, StandaloneActivities } from './activities/standalone-activities';
import { WorkerDeployments } from './deployments/worker-deployments';
import type { VersionRef } from './deployments/deployment-records';

/** Tunables the server runs with (tests lower the long-poll intervals). */
export interface ServerOptions {
  dbFilename?: string;
  /** How long task-queue polls wait before an empty answer (real server: 60 s). */
  longPollTimeoutMs: number;
  /** How long history long polls wait (real server: 20 s). */
  historyLongPollMs: number;
  /** How long QueryWorkflow waits for a worker. */
  queryTimeoutMs: number;
  /** How long UpdateWorkflowExecution waits for the requested stage before reporting the stage reached. */
  updateWaitMs: number;
  /** Batches of events in the first page of a workflow task's history. */
  workflowTaskHistoryPageSize: number;
  /** Custom search attributes registered at start on every namespace created at start (not `temporal-system`). */
  searchAttributes: Record<string, number>;
  /** The real server's dynamic config, with the values the server was started with. */
  config: DynamicConfig;
}

/**
 * The parts of a running server and the glue between them: after each change, an execution's queued
 * tasks and next deadline are derived again from its state (so nothing but that state is persisted).
 */
export class ServerContext {
  readonly engine: HistoryEngine;
  readonly queries: QueryDispatcher;
  readonly matching = new Matching();
  readonly workerHeartbeats = new WorkerHeartbeats();
  readonly namespaces = new NamespaceRegistry();
  readonly deadlines: DeadlineQueue;
  readonly clusterId = randomUUID();
  /** The address the frontend listens on (set once it is bound). */
  frontendAddress = '';
  readonly scheduler: Scheduler;
  readonly endpoints: EndpointRegistry;
  readonly batches: BatchOperations;
  readonly standaloneActivities: StandaloneActivities;
  readonly deployments: WorkerDeployments;
  private readonly busyRuns = new Set<string>();
  /** Extra owners of deadlines (schedules, test-service sleeps). */
  readonly deadlineHandlers = new Map<string, (owner: string) => void>();

  constructor(
    readonly options: ServerOptions,
    readonly time: TimeSource,
    readonly store: Persistence,
    readonly log: Logger,
  ) {
    this.deadlines = new DeadlineQueue(time, (owner) => this.onDeadline(owner));
    this.endpoints = new EndpointRegistry(this.namespaces);
    this.deployments = new WorkerDeployments(this);
    this.engine = new HistoryEngine(this.namespaces, this.matching, time, this.deadlines, store, log, {
      config: options.config,
      nexusEndpoints: this.endpoints,
      workflowTaskHistoryPageSize: options.workflowTaskHistoryPageSize,
      hooks: {
        reconcile: (ex, tx) => this.reconcile(ex, tx),
        historyLimitExceeded: (ex, tx, reason) => {
          ex.state.buffered = [];
          terminateRun(this.engine, tx, ex, reason, null, HISTORY_SERVICE_IDENTITY);
        },
        versioning: this.deployments,
      },
      // The dispatcher needs the engine, so the engine reaches it through the context once both exist.
      queries: {
        attach: (runId, wftSeq) => this.queries.attach(runId, wftSeq),
        answer: (results) => this.queries.answer(results),
        release: (runId, wftSeq) => this.queries.release(runId, wftSeq),
      },
    });
    this.queries = new QueryDispatcher(this.engine, (ex) => this.dispatchQueries(ex));
    this.scheduler = new Scheduler(this.engine, this.deadlines);
    this.batches = new BatchOperations(this.engine);
    this.deadlineHandlers.set('schedule', (owner) => this.scheduler.onDeadline(owner));
    this.deadlineHandlers.set('retention', () => this.sweepRetention());
    this.standaloneActivities = new StandaloneActivities(this);
    this.deadlineHandlers.set(STANDALONE_DEADLINE, (owner) =>
      this.standaloneActivities.onDeadline(owner.slice(STANDALONE_DEADLINE.length + 1)),
    );
    time.setBusyProbe(() => this.busyRuns.size > 0 || this.queries.outstanding > 0 || this.standaloneActivities.busy());
  }

  /** Open runs by namespace (for metrics). */
  openWorkflowCounts(): Array<{ labels: Record<string, string>; value: number }> {
    const counts = new Map<string, number>();
    for (const ns of this.namespaces.list()) counts.set(ns.name, 0);
    for (const ex of this.engine.executions.values()) {
      if (isRunning(ex.state)) counts.set(ex.state.namespace, (counts.get(ex.state.namespace) ?? 0) + 1);
    }
    return [...counts].map(([namespace, value]) => ({ labels: { namespace }, value }));
  }

  /** Loads persisted state and re-derives queues and deadlines from it. */
  load(): void {
    const loaded = this.store.load();
    for (const ns of loaded.namespaces) this.namespaces.put(ns);
    for (const ex of loaded.executions) this.engine.addExecution(ex);
    // Closed runs the store keeps on disk are known by their summaries until something needs them whole.
    for (const ex of loaded.closedSummaries ?? []) this.engine.addExecution(ex);
    this.engine.sortRuns();
    this.scheduler.load(loaded.schedules);
    this.endpoints.load(loaded.nexusEndpoints);
    this.deployments.load(loaded.records ?? []);
    this.standaloneActivities.load(loaded.records ?? []);
    for (const ex of loaded.executions) {
      // A task that was started when the server stopped times out as it would have.
      this.reconcile(ex, undefined);
    }
  }

  ensureNamespace(name: string): void {
    const existing = this.namespaces.get(name);
    if (existing) {
      const missing = Object.keys(this.options.searchAttributes).some(
        (k) => existing.searchAttributes[k] === undefined,
      );
      if (missing)
        this.saveNamespace({
          ...existing,
          searchAttributes: { ...existing.searchAttributes, ...this.options.searchAttributes },
        });
      return;
    }
    this.registerNamespace(name, {});
  }

  registerNamespace(
    name: string,
    fields: Partial<Pick<NamespaceRecord, 'description' | 'ownerEmail' | 'data' | 'retentionMs' | 'registered'>>,
  ): void {
    // As on the real dev server, the server's custom search attributes go to the namespaces created at start only.
    const record = NamespaceRegistry.newRecord(
      name,
      this.time.now(),
      fields.registered ? {} : this.options.searchAttributes,
    );
    record.description = fields.description ?? '';
    record.ownerEmail = fields.ownerEmail ?? '';
    record.data = fields.data ?? {};
    record.retentionMs = fields.retentionMs ?? DEFAULT_RETENTION_MS;
    if (fields.registered) record.registered = true;
    this.saveNamespace(record);
  }

  /**
   * Deletes a namespace with its runs and schedules in one change. Answers the name the real server gives the
   * namespace it deletes (`<name>-deleted-<first five characters of its id>`).
   */
  deleteNamespace(record: NamespaceRecord): string {
    this.engine.tx((tx) => {
      for (const ex of [...this.engine.executions.values()]) {
        if (ex.state.namespace === record.name) this.engine.removeExecution(ex, tx);
      }
      for (const st of this.scheduler.list(record.name)) this.scheduler.delete(tx, st);
      this.namespaces.delete(record.name);
      tx.deletedNamespaces.push(record.name);
    });
    return `${record.name}-deleted-${record.id.slice(0, 5)}`;
  }

  /** Creates the real server's `temporal-system` namespace if it does not exist (it has no custom attributes). */
  ensureSystemNamespace(): void {
    if (this.namespaces.get(SYSTEM_NAMESPACE.name)) return;
    this.saveNamespace({
      ...NamespaceRegistry.newRecord(SYSTEM_NAMESPACE.name, this.time.now()),
      ...SYSTEM_NAMESPACE,
    });
  }

  saveNamespace(record: NamespaceRecord): void {
    // Fields are assigned when attributes are added, and kept, so that removing one does not move the others.
    const saved = { ...record, searchAttributeFields: searchAttributeFields(record) };
    this.engine.tx((tx) => {
      this.namespaces.put(saved);
      tx.namespaces.push(saved);
    });
  }

  /** Deletes closed runs past retention and arms the deadline of the next expiry. */
  sweepRetention(): void {
    this.engine.enforceRetention();
    let next: number | undefined;
    for (const ex of this.engine.executions.values()) {
      const t = this.retentionExpiry(ex);
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    this.deadlines.set('retention:sweep', next);
  }

  private retentionExpiry(ex: Execution): number | undefined {
    const s = ex.state;
    // Like the Temporal test server, time skipping keeps closed runs: a skipped clock would otherwise
    // delete a test's workflows right after they complete.
    if (s.closeTime === undefined || this.time.skipping) return undefined;
    const retention = this.namespaces.get(s.namespace)?.retentionMs ?? 0;
    return retention > 0 ? s.closeTime + retention + 1 : undefined;
  }

  /**
   * Turns a queued task into a poll response (or undefined when it is stale, or no longer routed to the deployment
   * version the poller runs: `deploymentVersion`, null for an unversioned worker).
   */
  startTask(
    task: TaskRef,
    identity: string,
    workerVersion?: temporal.api.common.v1.IWorkerVersionStamp,
    deploymentVersion: VersionRef | null = null,
  ): object | undefined {
    if (!this.deployments.accepts(task, deploymentVersion)) return undefined;
    if (task.kind === 'query') return this.queries.startQueryTask(task.owner);
    if (task.kind === STANDALONE_TASK_KIND) return this.standaloneActivities.startTask(task, identity);
    const ex = this.engine.executions.get(task.owner);
    if (!ex) return undefined;
    if (task.kind === 'nexus') return startNexusTask(this.engine, ex, task.key);
    const parts = task.key.split(':');
    if (task.kind === 'workflow') {
      return startWorkflowTask(this.engine, ex, Number(parts[2]), identity, randomUUID(), workerVersion);
    }
    return startActivityTask(
      this.engine,
      ex,
      Number(parts[2]),
      Number(parts[3]),
      identity,
      workerVersion,
      deploymentVersion,
    );
  }

  /** A worker with a sticky queue shut down: its runs go back to their normal queues. */
  releaseStickyQueue(namespace: string, stickyQueue: string): void {
    const affected: Execution[] = [];
    for (const ex of this.engine.executions.values()) {
      if (ex.state.namespace === namespace && ex.state.sticky?.taskQueue === stickyQueue && isRunning(ex.state))
        affected.push(ex);
    }
    if (affected.length > 0) {
      this.engine.tx((tx) => {
        for (const ex of affected) {
          const s = ex.state;
          s.sticky = undefined;
          if (s.wft && s.wft.startedEventId === undefined && s.wft.sticky) {
            s.wft.sticky = false;
            s.wft.taskQueue = s.taskQueue;
            s.wft.stickyDeadline = undefined;
            s.wftSeq += 1;
            s.wft.seq = s.wftSeq;
          }
          tx.touch(ex);
        }
      });
    }
    this.matching.releasePollers(Matching.queueKey(namespace, 'workflow', stickyQueue));
  }

  /** Queues a run's tasks again, where they are routed now (after the routing of its task queues changed). */
  rederive(ex: Execution): void {
    this.reconcile(ex, undefined);
  }

  private reconcile(ex: Execution, tx: Transaction | undefined): void {
    void tx;
    const s = ex.state;
    const runId = s.runId;
    let busy = false;
    if (isRunning(s)) {
      const wft = s.wft;
      if (wft) {
        busy = true;
        if (wft.startedEventId === undefined) {
          this.matching.add(this.deployments.workflowQueueKey(ex, wft.taskQueue, wft.sticky), {
            key: `w:${runId}:${wft.seq}`,
            owner: runId,
            kind: 'workflow',
          });
        }
      }
      for (const a of Object.values(s.activities)) {
        if (a.state !== 'backoff') busy = true;
        // A paused activity waits (not queued) until it is unpaused.
        if (a.state === 'scheduled' && !a.paused) {
          this.matching.add(this.deployments.activityQueueKey(ex, a), {
            key: `a:${runId}:${a.scheduledEventId}:${a.seq}`,
            owner: runId,
            kind: 'activity',
          });
        }
      }
      if (nexusBusy(ex)) busy = true;
      for (const t of nexusTasks(this.endpoints, ex)) {
        this.matching.add(Matching.queueKey(t.namespace, 'nexus', t.taskQueue), {
          key: t.key,
          owner: runId,
          kind: 'nexus',
        });
      }
    }
    const expiry = this.retentionExpiry(ex);
    if (expiry !== undefined) {
      const current = this.deadlines.get('retention:sweep');
      if (current === undefined || expiry < current) this.deadlines.set('retention:sweep', expiry);
    }
    if (!isRunning(s) && s.searchAttributes?.indexedFields?.TemporalScheduledById) {
      setImmediate(() => this.scheduler.onWorkflowClosed(ex));
    }
    if (busy) this.busyRuns.add(runId);
    else if (this.busyRuns.delete(runId)) this.deadlines.poke();
    this.dispatchQueries(ex);
    this.deadlines.set(`run:${runId}`, executionDeadline(ex));
  }

  private dispatchQueries(ex: Execution): void {
    const s = ex.state;
    if (isRunning(s) && s.wft) return;
    for (const q of this.queries.waitingFor(s.runId)) {
      const queue = this.queries.queueFor(ex);
      this.matching.add(this.deployments.workflowQueueKey(ex, queue, queue !== s.taskQueue), {
        key: `q:${q.id}`,
        owner: q.id,
        kind: 'query',
      });
    }
  }

  private onDeadline(owner: string): void {
    const i = owner.indexOf(':');
    const kind = owner.slice(0, i);
    const id = owner.slice(i + 1);
    if (kind === 'run') {
      const ex = this.engine.executions.get(id);
      if (ex) processDeadlines(this.engine, ex);
      return;
    }
    this.deadlineHandlers.get(kind)?.(owner);
  }
}
