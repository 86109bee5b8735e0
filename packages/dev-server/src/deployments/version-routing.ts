// Worker deployment versioning: deployments and their versions (created by the polls of versioned workers), their
// routing configs (current and ramping versions, changed by the deployment RPCs), and the routing of tasks by
// version. A task of a run goes to the queue of one version (or to the unversioned queue): a pinned run's to the
// version it is pinned to (by its workflow code or a versioning override), any other run's to the current version
// of its task queue's deployment, or to the ramping version for the ramping share of workflow ids. Versioned
// workers poll their version's queue; unversioned workers poll the plain one. Routing changes move queued tasks.
import { temporal } from '../internal/proto';
import { enums, IPayload, jsonPayload } from '../internal/proto';
import { failedPrecondition, invalidArgument, notFound } from '../errors';
import type { Transaction } from '../history/engine';
import { ActivityInfo, Execution, ExecutionState, isRunning } from '../history/mutable-state';
import { Matching, QueueKind, TaskRef } from '../matching/matching';
import type { KeyedRecord } from '../persistence/persistence';
import type { ServerContext } from '../server-context';
import {
  DEPLOYMENT_RECORD,
  DeploymentRecord,
  Drainage,
  rampShare,
  RunVersioning,
  sameVersion,
  VersionRecord,
  VersionRef,
  versionKey,
  versionProto,
  versionString,
} from './deployment-records';

const VB = enums.VersioningBehavior;
export const TQT = enums.TaskQueueType;
const CANVB = enums.ContinueAsNewVersioningBehavior;
type Override = temporal.api.workflow.v1.IVersioningOverride;

/** The priority key of tasks without a priority (the middle of the default five levels). */
export const DEFAULT_PRIORITY_KEY = 3;

/** What a new run starts with for versioning: its override, its state, and fields of its started event. */
export interface NewRunVersioning {
  override?: Override | null;
  state?: RunVersioning;
  startedAttributes?: Record<string, unknown>;
}

/** The hooks the history engine calls for versioning (see EngineHooks.versioning). */
export interface VersioningHooks {
  /** Whether the run's next workflow task may go to its sticky queue (the worker it belongs to is still its target). */
  keepSticky(ex: Execution): boolean;
  /** WorkflowTaskStarted's `target_worker_deployment_version_changed` for the run. */
  targetChanged(ex: Execution): boolean;
  /** Records the version and behavior a workflow task completion declares. */
  workflowTaskCompleted(
    ex: Execution,
    tx: Transaction,
    req: temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
    completed: temporal.api.history.v1.IHistoryEvent,
  ): void;
  /** Checks a versioning override given to start or to UpdateWorkflowExecutionOptions. */
  validateOverride(namespace: string, taskQueue: string, override: Override | null | undefined): void;
  /** What the run a continue-as-new starts inherits. */
  continuedAsNew(
    ex: Execution,
    attrs: temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes,
  ): NewRunVersioning;
  /** `versioning_info` of Describe. */
  versioningInfo(s: ExecutionState): temporal.api.workflow.v1.IWorkflowExecutionVersioningInfo | null;
}

function refOf(v: temporal.api.deployment.v1.IWorkerDeploymentVersion | null | undefined): VersionRef | undefined {
  return v?.deploymentName && v.buildId ? { deploymentName: v.deploymentName, buildId: v.buildId } : undefined;
}

/** Parses `<deployment>.<build id>` (INVALID_ARGUMENT with the real server's message otherwise). */
export function parseVersionString(text: string): VersionRef {
  const i = text.indexOf('.');
  if (i <= 0 || i === text.length - 1) {
    throw invalidArgument(`invalid version string "${text}", expected format is "<deployment_name>.<build_id>"`);
  }
  return { deploymentName: text.slice(0, i), buildId: text.slice(i + 1) };
}

/** The version a request names, by message or by string. */
export function requestedVersion(req: {
  version?: string | null;
  deploymentVersion?: temporal.api.deployment.v1.IWorkerDeploymentVersion | null;
}): VersionRef {
  const v = req.deploymentVersion;
  if (v && (v.deploymentName || v.buildId)) {
    if (!v.deploymentName || !v.buildId) return parseVersionString(`${v.deploymentName ?? ''}.${v.buildId ?? ''}`);
    return { deploymentName: v.deploymentName, buildId: v.buildId };
  }
  if (req.version) return parseVersionString(req.version);
  throw invalidArgument('deployment version is not set');
}

/** The pinned version of an override, new style (`pinned.version`) or old (`pinned_version` string). */
function pinnedOf(override: Override | null | undefined): VersionRef | undefined {
  if (!override) return undefined;
  const pinned = refOf(override.pinned?.version);
  if (pinned) return pinned;
  if (override.behavior === VB.VERSIONING_BEHAVIOR_PINNED && override.pinnedVersion) {
    return parseVersionString(override.pinnedVersion);
  }
  return undefined;
}

function isAutoUpgradeOverride(override: Override | null | undefined): boolean {
  return !!override?.autoUpgrade || (override?.behavior === VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE && !override.pinned);
}

/**
 * An override as the server records it (in the run and its started event): the new-style field only, as the real
 * server writes it (clients also send the deprecated `behavior` and `pinned_version`).
 */
export function recordedOverride(override: Override | null | undefined): Override | null {
  if (!override) return null;
  const pinned = pinnedOf(override);
  if (pinned) {
    return {
      pinned: {
        behavior: temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED,
        version: versionProto(pinned),
      },
    };
  }
  return isAutoUpgradeOverride(override) ? { autoUpgrade: true } : null;
}

/** What a run started with a versioning override starts with. */
export function startVersioning(override: Override | null | undefined): NewRunVersioning | undefined {
  const recorded = recordedOverride(override);
  return recorded ? { override: recorded, startedAttributes: { versioningOverride: recorded } } : undefined;
}

/** An override as Describe reports it: the new-style field and the deprecated ones filled in. */
function describedOverride(override: Override): Override {
  const pinned = pinnedOf(override);
  if (pinned) {
    return {
      behavior: VB.VERSIONING_BEHAVIOR_PINNED,
      pinnedVersion: versionString(pinned),
      pinned: {
        behavior: temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED,
        version: versionProto(pinned),
      },
    };
  }
  return { behavior: VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE, autoUpgrade: true };
}

const BEHAVIOR_NAMES: Record<number, string> = {
  [VB.VERSIONING_BEHAVIOR_PINNED]: 'Pinned',
  [VB.VERSIONING_BEHAVIOR_AUTO_UPGRADE]: 'AutoUpgrade',
};

/**
 * The deployments of the server and the routing of tasks by deployment version. The deployment RPCs are in
 * `WorkerDeployments`, which extends this class.
 */
export class VersionRouting implements VersioningHooks {
  protected readonly deployments = new Map<string, DeploymentRecord>();
  /** Namespace, task queue type and name → the deployment whose versions poll that queue (the latest wins). */
  protected readonly queueOwners = new Map<string, string>();
  /** Namespace and version → when a worker of that version last polled (wall clock). */
  private readonly lastPolls = new Map<string, number>();

  constructor(protected readonly ctx: ServerContext) {}

  protected get engine() {
    return this.ctx.engine;
  }

  protected key(namespace: string, name: string): string {
    return `${namespace}\u0000${name}`;
  }

  private queueOwnerKey(namespace: string, type: number, taskQueue: string): string {
    return `${namespace}\u0000${type}\u0000${taskQueue}`;
  }

  load(records: KeyedRecord[]): void {
    for (const r of records) {
      if (r.kind !== DEPLOYMENT_RECORD) continue;
      const d = r.value as DeploymentRecord;
      this.deployments.set(this.key(d.namespace, d.name), d);
      this.indexQueues(d);
    }
  }

  protected indexQueues(d: DeploymentRecord): void {
    const versions = Object.values(d.versions).sort((a, b) => a.createTime - b.createTime);
    for (const v of versions) {
      for (const q of v.taskQueues) this.queueOwners.set(this.queueOwnerKey(d.namespace, q.type, q.name), d.name);
    }
  }

  protected save(tx: Transaction, d: DeploymentRecord): void {
    tx.putRecord(DEPLOYMENT_RECORD, this.key(d.namespace, d.name), d);
  }

  protected get(namespace: string, name: string): DeploymentRecord | undefined {
    return this.deployments.get(this.key(namespace, name));
  }

  // ---- polls ----

  /**
   * The queue a poll waits on, and the version it polls for: a versioned worker registers its version (and the
   * task queue, by type) in its deployment the first time, and polls its version's queue; others poll the plain
   * queue. A sticky queue belongs to one worker and is never divided.
   */
  pollQueue(
    namespace: string,
    kind: QueueKind,
    taskQueue: temporal.api.taskqueue.v1.ITaskQueue,
    options: temporal.api.deployment.v1.IWorkerDeploymentOptions | null | undefined,
  ): { key: string; version: VersionRef | null } {
    const base = Matching.queueKey(namespace, kind, taskQueue.name ?? '');
    const versioned =
      options?.workerVersioningMode === enums.WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED &&
      !!options.deploymentName &&
      !!options.buildId;
    if (!versioned || !this.engine.config.bool('system.enableDeploymentVersions')) return { key: base, version: null };
    const version = { deploymentName: options.deploymentName!, buildId: options.buildId! };
    const sticky = taskQueue.kind === enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY;
    const type = kind === 'workflow' ? TQT.TASK_QUEUE_TYPE_WORKFLOW : TQT.TASK_QUEUE_TYPE_ACTIVITY;
    this.register(namespace, version, sticky ? taskQueue.normalName || '' : (taskQueue.name ?? ''), type);
    return { key: sticky ? base : this.partition(base, version), version };
  }

  private register(namespace: string, version: VersionRef, taskQueue: string, type: number): void {
    this.lastPolls.set(this.key(namespace, versionKey(version)), Date.now());
    if (!taskQueue) return;
    const d = this.get(namespace, version.deploymentName);
    const v = d?.versions[version.buildId];
    if (v?.taskQueues.some((q) => q.name === taskQueue && q.type === type)) return;
    this.engine.tx((tx) => {
      const now = tx.now;
      const deployment: DeploymentRecord = d ?? {
        namespace,
        name: version.deploymentName,
        createTime: now,
        current: null,
        revision: 0,
        lastModifierIdentity: '',
        versions: {},
      };
      const record: VersionRecord = deployment.versions[version.buildId] ?? {
        buildId: version.buildId,
        createTime: now,
        taskQueues: [],
        metadata: {},
      };
      record.taskQueues.push({ name: taskQueue, type });
      deployment.versions[version.buildId] = record;
      this.deployments.set(this.key(namespace, deployment.name), deployment);
      this.queueOwners.set(this.queueOwnerKey(namespace, type, taskQueue), deployment.name);
      this.save(tx, deployment);
    });
    // Tasks waiting on the plain queue may now belong to this deployment's routing.
    this.reroute(namespace);
  }

  protected partition(base: string, version: VersionRef | null): string {
    return version ? `${base}\u0000v\u0000${versionKey(version)}` : base;
  }

  // ---- routing ----

  private deploymentOfQueue(namespace: string, type: number, taskQueue: string): DeploymentRecord | undefined {
    const name = this.queueOwners.get(this.queueOwnerKey(namespace, type, taskQueue));
    return name === undefined ? undefined : this.get(namespace, name);
  }

  /** Where new work of a queue goes: the ramping version for the ramping share of ids, else the current one. */
  private routeNew(
    namespace: string,
    type: number,
    taskQueue: string,
    id: string,
    forceRamping = false,
  ): { version: VersionRef | null; deployment?: DeploymentRecord } {
    const d = this.deploymentOfQueue(namespace, type, taskQueue);
    if (!d) return { version: null };
    const ref = (buildId: string | null) => (buildId === null ? null : { deploymentName: d.name, buildId });
    if (d.ramping && (forceRamping || rampShare(id) < d.ramping.percentage)) {
      return { version: ref(d.ramping.buildId), deployment: d };
    }
    return { version: ref(d.current), deployment: d };
  }

  /** The version a run's workflow tasks go to (null: unversioned workers). */
  workflowTarget(s: ExecutionState): VersionRef | null {
    const pinnedOverride = pinnedOf(s.versioningOverride);
    if (pinnedOverride) return pinnedOverride;
    const v = s.versioning;
    if (!isAutoUpgradeOverride(s.versioningOverride)) {
      if (v?.behavior === VB.VERSIONING_BEHAVIOR_PINNED && v.version) return v.version;
      if (v?.inheritedPinned) return v.inheritedPinned;
    }
    return this.routeNew(s.namespace, TQT.TASK_QUEUE_TYPE_WORKFLOW, s.taskQueue, s.workflowId, v?.useRampingFirst)
      .version;
  }

  /**
   * The version an activity of a run goes to: the run's own version when that version polls the activity's task
   * queue, else wherever new work of that queue goes.
   */
  activityTarget(s: ExecutionState, a: ActivityInfo): VersionRef | null {
    const own = this.workflowTarget(s);
    if (own && this.hasQueue(s.namespace, own, TQT.TASK_QUEUE_TYPE_ACTIVITY, a.taskQueue)) return own;
    return this.routeNew(s.namespace, TQT.TASK_QUEUE_TYPE_ACTIVITY, a.taskQueue, s.workflowId).version;
  }

  /** The version a standalone activity goes to: wherever new work of its task queue goes. */
  standaloneTarget(namespace: string, taskQueue: string, activityId: string): VersionRef | null {
    return this.routeNew(namespace, TQT.TASK_QUEUE_TYPE_ACTIVITY, taskQueue, activityId).version;
  }

  private hasQueue(namespace: string, version: VersionRef, type: number, taskQueue: string): boolean {
    const v = this.get(namespace, version.deploymentName)?.versions[version.buildId];
    return !!v?.taskQueues.some((q) => q.type === type && q.name === taskQueue);
  }

  /** The queue key of a run's workflow task (or legacy query) on `queueName` (its sticky queue is not divided). */
  workflowQueueKey(ex: Execution, queueName: string, sticky: boolean): string {
    const base = Matching.queueKey(ex.state.namespace, 'workflow', queueName);
    return sticky ? base : this.partition(base, this.workflowTarget(ex.state));
  }

  activityQueueKey(ex: Execution, a: ActivityInfo): string {
    return this.partition(
      Matching.queueKey(ex.state.namespace, 'activity', a.taskQueue),
      this.activityTarget(ex.state, a),
    );
  }

  standaloneQueueKey(namespace: string, taskQueue: string, activityId: string): string {
    return this.partition(
      Matching.queueKey(namespace, 'activity', taskQueue),
      this.standaloneTarget(namespace, taskQueue, activityId),
    );
  }

  /**
   * Whether a poller of `poller` (null: an unversioned one) may take `task`: the task must still be routed to that
   * version. A task whose routing moved is left for the pollers of its new queue (it was queued there too).
   */
  accepts(task: TaskRef, poller: VersionRef | null): boolean {
    let target: VersionRef | null | undefined;
    if (task.kind === 'workflow') {
      const ex = this.engine.executions.get(task.owner);
      if (ex && isRunning(ex.state)) target = this.workflowTarget(ex.state);
    } else if (task.kind === 'activity') {
      const ex = this.engine.executions.get(task.owner);
      const a = ex?.state.activities[task.key.split(':')[2]];
      if (ex && a) target = this.activityTarget(ex.state, a);
    } else if (task.kind === 'standalone-activity') {
      const s = this.ctx.standaloneActivities.peek(task.owner);
      if (s) target = this.standaloneTarget(s.namespace, s.taskQueue, s.activityId);
    }
    return target === undefined || sameVersion(target, poller);
  }

  // ---- engine hooks ----

  keepSticky(ex: Execution): boolean {
    return sameVersion(this.workflowTarget(ex.state), ex.state.versioning?.version ?? null);
  }

  targetChanged(ex: Execution): boolean {
    const s = ex.state;
    const v = s.versioning;
    if (v?.behavior !== VB.VERSIONING_BEHAVIOR_PINNED || !v.version || pinnedOf(s.versioningOverride)) return false;
    const target = this.routeNew(s.namespace, TQT.TASK_QUEUE_TYPE_WORKFLOW, s.taskQueue, s.workflowId).version;
    return !sameVersion(target, v.version);
  }

  workflowTaskCompleted(
    ex: Execution,
    tx: Transaction,
    req: temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
    completed: temporal.api.history.v1.IHistoryEvent,
  ): void {
    void tx;
    const s = ex.state;
    const options = req.deploymentOptions;
    const attrs = completed.workflowTaskCompletedEventAttributes as Record<string, unknown> | undefined;
    const fields = { ...(s.searchAttributes?.indexedFields ?? {}) };
    if (
      options?.workerVersioningMode === enums.WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED &&
      options.deploymentName &&
      options.buildId
    ) {
      const version = { deploymentName: options.deploymentName, buildId: options.buildId };
      const behavior = req.versioningBehavior ?? 0;
      const moved = !sameVersion(s.versioning?.version, version);
      const revision = this.get(s.namespace, version.deploymentName)?.revision ?? 0;
      s.versioning = { behavior, version, revision: moved ? revision : (s.versioning?.revision ?? revision) };
      if (attrs) {
        attrs.versioningBehavior = behavior;
        attrs.workerDeploymentName = version.deploymentName;
        attrs.deploymentVersion = versionProto(version);
      }
      fields.TemporalWorkerDeployment = jsonPayload(version.deploymentName, { type: 'Keyword' });
      fields.TemporalWorkerDeploymentVersion = jsonPayload(versionKey(version), { type: 'Keyword' });
      if (BEHAVIOR_NAMES[behavior]) {
        fields.TemporalWorkflowVersioningBehavior = jsonPayload(BEHAVIOR_NAMES[behavior], { type: 'Keyword' });
      } else delete fields.TemporalWorkflowVersioningBehavior;
      const used = (readList(fields.TemporalUsedWorkerDeploymentVersions) ?? []).filter(
        (u) => u !== versionKey(version),
      );
      fields.TemporalUsedWorkerDeploymentVersions = jsonPayload([...used, versionKey(version)], {
        type: 'KeywordList',
      });
    } else {
      if (!s.versioning && !fields.TemporalWorkerDeploymentVersion) return;
      s.versioning = { behavior: 0 };
      delete fields.TemporalWorkerDeployment;
      delete fields.TemporalWorkerDeploymentVersion;
      delete fields.TemporalWorkflowVersioningBehavior;
    }
    s.searchAttributes = { indexedFields: fields };
  }

  validateOverride(namespace: string, taskQueue: string, override: Override | null | undefined): void {
    if (!override) return;
    if (override.pinned) {
      if (!override.pinned.version) throw invalidArgument('must provide version if override is pinned.');
      if (!override.pinned.behavior) {
        throw invalidArgument('must specify pinned override behavior if override is pinned.');
      }
    }
    const pinned = pinnedOf(override);
    if (pinned && !this.hasQueue(namespace, pinned, TQT.TASK_QUEUE_TYPE_WORKFLOW, taskQueue)) {
      throw failedPrecondition(
        `Pinned version '${versionKey(pinned)}' is not present in task queue '${taskQueue}' of type 'Workflow'`,
      );
    }
  }

  continuedAsNew(
    ex: Execution,
    attrs: temporal.api.command.v1.IContinueAsNewWorkflowExecutionCommandAttributes,
  ): NewRunVersioning {
    const s = ex.state;
    const v = s.versioning;
    const out: NewRunVersioning = { override: s.versioningOverride ?? null, startedAttributes: {} };
    if (s.versioningOverride) out.startedAttributes!.versioningOverride = s.versioningOverride;
    const initial = attrs.initialVersioningBehavior ?? 0;
    const sameQueue = !attrs.taskQueue?.name || attrs.taskQueue.name === s.taskQueue;
    if (initial === CANVB.CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_AUTO_UPGRADE) {
      out.state = { behavior: 0, continueAsNewBehavior: initial };
    } else if (initial === CANVB.CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_USE_RAMPING_VERSION) {
      out.state = { behavior: 0, useRampingFirst: true, continueAsNewBehavior: initial };
    } else if (v?.behavior === VB.VERSIONING_BEHAVIOR_PINNED && v.version && sameQueue) {
      // A pinned run continues on its version, even if the deployment's target moved on (the upgrade it declined).
      out.state = { behavior: 0, inheritedPinned: v.version, revision: v.revision };
      out.startedAttributes!.inheritedPinnedVersion = versionProto(v.version);
      const target = this.routeNew(s.namespace, TQT.TASK_QUEUE_TYPE_WORKFLOW, s.taskQueue, s.workflowId);
      if (!sameVersion(target.version, v.version) && target.version) {
        out.startedAttributes!.declinedTargetVersionUpgrade = {
          deploymentVersion: versionProto(target.version),
          revisionNumber: target.deployment?.revision ?? 0,
        };
      }
      return out;
    }
    if (v?.version && v.behavior !== VB.VERSIONING_BEHAVIOR_PINNED) {
      out.startedAttributes!.inheritedAutoUpgradeInfo = {
        sourceDeploymentVersion: versionProto(v.version),
        sourceDeploymentRevisionNumber: v.revision ?? 0,
        continueAsNewInitialVersioningBehavior: initial,
      };
    } else if (v?.version && initial) {
      out.startedAttributes!.inheritedAutoUpgradeInfo = {
        sourceDeploymentVersion: versionProto(v.version),
        sourceDeploymentRevisionNumber: v.revision ?? 0,
        continueAsNewInitialVersioningBehavior: initial,
      };
    }
    return out;
  }

  versioningInfo(s: ExecutionState): temporal.api.workflow.v1.IWorkflowExecutionVersioningInfo | null {
    const v = s.versioning;
    const override = s.versioningOverride;
    if (!override && !v?.behavior && !v?.version && !v?.inheritedPinned) return null;
    const target = isRunning(s) ? this.workflowTarget(s) : (v?.version ?? null);
    // An auto-upgrading run whose target moved is in transition until a task of the new version completes.
    const moving =
      isRunning(s) && v?.version && !sameVersion(target, v.version) && !pinnedOf(override) ? target : undefined;
    return {
      behavior: v?.behavior ?? 0,
      version: v?.version ? versionString(v.version) : '',
      deploymentVersion: versionProto(v?.version),
      versioningOverride: override ? describedOverride(override) : null,
      versionTransition:
        moving !== undefined ? { version: versionString(moving), deploymentVersion: versionProto(moving) } : null,
      revisionNumber: v?.revision ?? 0,
      continueAsNewInitialVersioningBehavior: v?.continueAsNewBehavior ?? 0,
    };
  }

  // ---- routing changes ----

  /**
   * After a routing change in a namespace: runs whose next workflow task waits on a sticky queue of a worker that
   * is no longer their target go back to their normal queue, and every queued task is queued again where it now
   * belongs (pollers of the old queue skip it).
   */
  protected reroute(namespace: string): void {
    const running = [...this.engine.executions.values()].filter(
      (ex) => ex.state.namespace === namespace && isRunning(ex.state) && !ex.summary,
    );
    const unstick = running.filter(
      (ex) => ex.state.wft && ex.state.wft.startedEventId === undefined && ex.state.wft.sticky && !this.keepSticky(ex),
    );
    if (unstick.length > 0) {
      this.engine.tx((tx) => {
        for (const ex of unstick) {
          const s = ex.state;
          s.sticky = undefined;
          s.wftSeq += 1;
          s.wft = { ...s.wft!, seq: s.wftSeq, sticky: false, taskQueue: s.taskQueue, stickyDeadline: undefined };
          tx.touch(ex);
        }
      });
    }
    for (const ex of running) this.ctx.rederive(ex);
    this.ctx.standaloneActivities.rederive(namespace);
  }

  /** Runs open on a version: pinned to it by their code or by an override (they keep it from draining). */
  private runsOn(namespace: string, version: VersionRef): number {
    let n = 0;
    for (const ex of this.engine.executions.values()) {
      const s = ex.state;
      if (s.namespace !== namespace || !isRunning(s) || ex.summary) continue;
      const pinned =
        pinnedOf(s.versioningOverride) ??
        (s.versioning?.behavior === VB.VERSIONING_BEHAVIOR_PINNED
          ? s.versioning.version
          : s.versioning?.inheritedPinned);
      if (pinned && sameVersion(pinned, version)) n += 1;
    }
    return n;
  }

  protected hasActivePollers(namespace: string, version: VersionRef): boolean {
    const last = this.lastPolls.get(this.key(namespace, versionKey(version)));
    return last !== undefined && Date.now() - last < this.engine.config.durationMs('matching.PollerHistoryTTL');
  }

  /** What the drainage status of a version depends on now. */
  protected drainage(d: DeploymentRecord, v: VersionRecord): Drainage {
    const config = this.engine.config;
    return {
      pinnedRuns: this.runsOn(d.namespace, { deploymentName: d.name, buildId: v.buildId }),
      now: this.ctx.time.now(),
      gracePeriodMs: config.durationMs('matching.wv.VersionDrainageStatusVisibilityGracePeriod'),
      refreshIntervalMs: config.durationMs('matching.wv.VersionDrainageStatusRefreshInterval'),
    };
  }

  // ---- RPCs ----

  protected existing(namespace: string, name: string | null | undefined): DeploymentRecord {
    if (!name) throw invalidArgument('deployment name cannot be empty');
    const d = this.get(namespace, name);
    if (!d) throw notFound(`no Worker Deployment found with name '${name}'; does your Worker Deployment have pollers?`);
    return d;
  }

  protected conflictToken(d: DeploymentRecord): Buffer {
    return Buffer.from(`kairos-deployment:${d.revision}`);
  }

  protected checkConflictToken(d: DeploymentRecord, token: Uint8Array | null | undefined): void {
    if (token && token.length > 0 && !Buffer.from(token).equals(this.conflictToken(d))) {
      throw failedPrecondition('conflict token mismatch');
    }
  }
}

/** The list a KeywordList search attribute payload holds (undefined when it is not one). */
function readList(payload: IPayload | undefined): string[] | undefined {
  if (!payload?.data) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload.data).toString()) as unknown;
    return Array.isArray(v) ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}
