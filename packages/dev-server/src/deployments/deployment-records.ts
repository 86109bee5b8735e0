// Worker deployments as the server keeps them: a deployment (by namespace and name) has versions (by build id),
// created when a versioned worker first polls, and a routing config (current version, ramping version and
// percentage) that the deployment RPCs change. Also the versioning state of a run, and how Describe reports both.
import { temporal } from '../internal/proto';
import { enums, IPayload, msTimestamp } from '../internal/proto';

/** The kind of keyed record deployments are stored as (key: namespace and deployment name). */
export const DEPLOYMENT_RECORD = 'worker-deployment';

/** The version string the real server reports for "no version" (the unversioned workers). */
export const UNVERSIONED = '__unversioned__';

/** A deployment version: a deployment name and a build id. */
export interface VersionRef {
  deploymentName: string;
  buildId: string;
}

/** `<deployment>.<build id>`, as the version fields of the API spell a version. */
export function versionString(v: VersionRef | null | undefined): string {
  return v ? `${v.deploymentName}.${v.buildId}` : UNVERSIONED;
}

/** `<deployment>:<build id>`, as search attributes and some messages spell a version. */
export function versionKey(v: VersionRef): string {
  return `${v.deploymentName}:${v.buildId}`;
}

export function sameVersion(a: VersionRef | null | undefined, b: VersionRef | null | undefined): boolean {
  return (a?.deploymentName ?? '') === (b?.deploymentName ?? '') && (a?.buildId ?? '') === (b?.buildId ?? '');
}

/** The proto form of a version (null for unversioned). */
export function versionProto(
  v: VersionRef | null | undefined,
): temporal.api.deployment.v1.IWorkerDeploymentVersion | null {
  return v ? { deploymentName: v.deploymentName, buildId: v.buildId } : null;
}

/** A task queue of a version, by type (`temporal.api.enums.v1.TaskQueueType`). */
export interface VersionTaskQueue {
  name: string;
  type: number;
}

export interface VersionRecord {
  buildId: string;
  createTime: number;
  taskQueues: VersionTaskQueue[];
  metadata: Record<string, IPayload>;
  /** When it became current or ramping for the first time. */
  firstActivationTime?: number;
  currentSinceTime?: number;
  rampingSinceTime?: number;
  lastCurrentTime?: number;
  lastDeactivationTime?: number;
  routingUpdateTime?: number;
}

/** A deployment: its versions and its routing config. */
export interface DeploymentRecord {
  namespace: string;
  name: string;
  createTime: number;
  /** Build id of the current version; null routes to unversioned workers. */
  current: string | null;
  currentChangedTime?: number;
  /** The ramping version (build id, or null for unversioned workers) and share of new work; absent when none. */
  ramping?: { buildId: string | null; percentage: number };
  rampingChangedTime?: number;
  rampingPercentageChangedTime?: number;
  /** Counts routing changes (the real server's revision number). */
  revision: number;
  lastModifierIdentity: string;
  versions: Record<string, VersionRecord>;
}

/** A run's versioning state (beside its versioning override, which the run keeps in `versioningOverride`). */
export interface RunVersioning {
  /** `temporal.api.enums.v1.VersioningBehavior` the last workflow task completion declared (0: none). */
  behavior: number;
  /** The version of the versioned worker that completed the last workflow task, if it was versioned. */
  version?: VersionRef;
  /** Routing revision of the deployment when the run last moved to a version. */
  revision?: number;
  /** A version pinned by the run this one continues, applying until this run's first workflow task completes. */
  inheritedPinned?: VersionRef;
  /** Whether continue-as-new asked for the first task to go to the ramping version. */
  useRampingFirst?: boolean;
  /** The continue-as-new initial behavior the run started with (`ContinueAsNewVersioningBehavior`). */
  continueAsNewBehavior?: number;
}

/**
 * What the drainage of a version that is no longer current or ramping depends on: the runs still pinned to it, and
 * when its drainage is checked (as on the real server: first a grace period after it stopped being active, for
 * visibility to catch up, then every refresh interval).
 */
export interface Drainage {
  pinnedRuns: number;
  now: number;
  gracePeriodMs: number;
  refreshIntervalMs: number;
}

/** When the drainage of a version deactivated at `since` was last checked (undefined: not yet). */
function lastDrainageCheck(since: number, drainage: Drainage): number | undefined {
  const first = since + drainage.gracePeriodMs;
  if (drainage.now < first) return undefined;
  const interval = Math.max(drainage.refreshIntervalMs, 1);
  return first + Math.floor((drainage.now - first) / interval) * interval;
}

/**
 * The status of a version: current, ramping, never active, or draining until a drainage check finds no run pinned
 * to it, then drained.
 */
export function versionStatus(d: DeploymentRecord, v: VersionRecord, drainage: Drainage): number {
  const S = enums.WorkerDeploymentVersionStatus;
  if (d.current === v.buildId) return S.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT;
  if (d.ramping && d.ramping.buildId === v.buildId) return S.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING;
  if (v.firstActivationTime === undefined) return S.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE;
  const checked =
    v.lastDeactivationTime === undefined ? undefined : lastDrainageCheck(v.lastDeactivationTime, drainage);
  return checked === undefined || drainage.pinnedRuns > 0
    ? S.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING
    : S.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED;
}

const time = (ms: number | undefined) => (ms === undefined ? null : msTimestamp(ms));

/**
 * The drainage info of a version: its drainage status once it is no longer active; for the current version, as the
 * real server reports it, no status, checked when it became current. None for a ramping or never active version.
 */
function drainageInfo(
  v: VersionRecord,
  status: number,
  drainage: Drainage,
): temporal.api.deployment.v1.IVersionDrainageInfo | null {
  const S = enums.WorkerDeploymentVersionStatus;
  const D = enums.VersionDrainageStatus;
  if (status === S.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT) {
    return { lastChangedTime: time(v.currentSinceTime), lastCheckedTime: time(v.currentSinceTime) };
  }
  if (status !== S.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING && status !== S.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED)
    return null;
  return {
    status:
      status === S.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING
        ? D.VERSION_DRAINAGE_STATUS_DRAINING
        : D.VERSION_DRAINAGE_STATUS_DRAINED,
    lastChangedTime: time(v.lastDeactivationTime),
    lastCheckedTime: time(
      (v.lastDeactivationTime !== undefined && lastDrainageCheck(v.lastDeactivationTime, drainage)) ||
        v.lastDeactivationTime,
    ),
  };
}

export function versionSummary(
  d: DeploymentRecord,
  v: VersionRecord,
  drainage: Drainage,
): temporal.api.deployment.v1.WorkerDeploymentInfo.IWorkerDeploymentVersionSummary {
  const status = versionStatus(d, v, drainage);
  const ref = { deploymentName: d.name, buildId: v.buildId };
  return {
    version: versionString(ref),
    status,
    deploymentVersion: versionProto(ref),
    createTime: msTimestamp(v.createTime),
    drainageStatus: drainageInfo(v, status, drainage)?.status ?? 0,
    drainageInfo: drainageInfo(v, status, drainage),
    currentSinceTime: time(v.currentSinceTime),
    rampingSinceTime: time(v.rampingSinceTime),
    routingUpdateTime: time(v.routingUpdateTime),
    firstActivationTime: time(v.firstActivationTime),
    lastCurrentTime: time(v.lastCurrentTime),
    lastDeactivationTime: time(v.lastDeactivationTime),
  };
}

export function routingConfig(d: DeploymentRecord): temporal.api.deployment.v1.IRoutingConfig {
  const current = d.current === null ? null : { deploymentName: d.name, buildId: d.current };
  const ramping =
    d.ramping && d.ramping.buildId !== null ? { deploymentName: d.name, buildId: d.ramping.buildId } : null;
  return {
    currentDeploymentVersion: versionProto(current),
    currentVersion: versionString(current),
    rampingDeploymentVersion: versionProto(ramping),
    rampingVersion: d.ramping ? versionString(ramping) : '',
    rampingVersionPercentage: d.ramping?.percentage ?? 0,
    currentVersionChangedTime: time(d.currentChangedTime),
    rampingVersionChangedTime: time(d.rampingChangedTime),
    rampingVersionPercentageChangedTime: time(d.rampingPercentageChangedTime),
    revisionNumber: d.revision,
  };
}

export function versionInfo(
  d: DeploymentRecord,
  v: VersionRecord,
  drainage: Drainage,
): temporal.api.deployment.v1.IWorkerDeploymentVersionInfo {
  const status = versionStatus(d, v, drainage);
  const ref = { deploymentName: d.name, buildId: v.buildId };
  return {
    version: versionString(ref),
    status,
    deploymentVersion: versionProto(ref),
    deploymentName: d.name,
    createTime: msTimestamp(v.createTime),
    routingChangedTime: time(v.routingUpdateTime),
    currentSinceTime: time(v.currentSinceTime),
    rampingSinceTime: time(v.rampingSinceTime),
    firstActivationTime: time(v.firstActivationTime),
    lastCurrentTime: time(v.lastCurrentTime),
    lastDeactivationTime: time(v.lastDeactivationTime),
    rampPercentage: d.ramping?.buildId === v.buildId ? d.ramping.percentage : 0,
    taskQueueInfos: v.taskQueues.map((t) => ({ name: t.name, type: t.type })),
    // Describing the current version itself gives no drainage info (its summary in the deployment does).
    drainageInfo:
      status === enums.WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT
        ? null
        : drainageInfo(v, status, drainage),
    metadata: Object.keys(v.metadata).length > 0 ? { entries: v.metadata } : null,
  };
}

/**
 * A stable share in [0, 100) for an id: new work whose share is below the ramping percentage goes to the ramping
 * version, so one workflow keeps its side of the ramp across its tasks.
 */
export function rampShare(id: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 10_000) / 100;
}
