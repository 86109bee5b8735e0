import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';

/** A version of a worker deployment: the deployment name and the build id. */
export interface WorkerDeploymentVersion {
  /** The build id of the worker code. */
  readonly buildId: string;
  /** The name of the deployment. */
  readonly deploymentName: string;
}

/** Formats a deployment version the way the server prints it: `<deploymentName>.<buildId>`. */
export function toCanonicalString(version: WorkerDeploymentVersion): string {
  const { deploymentName, buildId } = version;
  return `${deploymentName}.${buildId}`;
}

/**
 * When a workflow may move from the workers of one build id to another.
 *
 * - `PINNED`: it stays on its build id unless moved by hand.
 * - `AUTO_UPGRADE`: it moves to the task queue's current version at its next workflow task.
 */
export const VersioningBehavior = {
  PINNED: 'PINNED',
  AUTO_UPGRADE: 'AUTO_UPGRADE',
} as const;
/** When a workflow may move from the workers of one build id to another. */
export type VersioningBehavior = (typeof VersioningBehavior)[keyof typeof VersioningBehavior];

type ProtoVersioningBehavior = temporal.api.enums.v1.VersioningBehavior;
const VERSIONING_BEHAVIOR_PREFIX = 'VERSIONING_BEHAVIOR_';

/** Maps {@link VersioningBehavior} to `temporal.api.enums.v1.VersioningBehavior` numbers and back. */
export const [encodeVersioningBehavior, decodeVersioningBehavior] = makeProtoEnumConverters<
  ProtoVersioningBehavior,
  typeof VersioningBehavior,
  typeof VERSIONING_BEHAVIOR_PREFIX
>({ UNSPECIFIED: 0, PINNED: 1, AUTO_UPGRADE: 2 }, VERSIONING_BEHAVIOR_PREFIX);

/** A versioning override, e.g. given when starting a workflow: pin it to a version, or let it auto-upgrade. */
export type VersioningOverride = PinnedVersioningOverride | 'AUTO_UPGRADE';

/** Pins the workflow to a deployment version. */
export interface PinnedVersioningOverride {
  /** The deployment version the workflow must stay on. */
  pinnedTo: WorkerDeploymentVersion;
}

/** Let the workflow follow the current deployment version, switching at its next workflow task. */
export type AutoUpgradeVersioningOverride = 'AUTO_UPGRADE';

/**
 * The versioning behavior of the first workflow task of a run started by continue-as-new.
 *
 * - `AUTO_UPGRADE`: start on the task queue's target version, then follow the workflow's own behavior.
 * - `USE_RAMPING_VERSION`: start on the ramping version (or the current one if nothing is ramping), then follow
 *   the workflow's own behavior.
 *
 * A pinned override of the previous run is inherited whatever this says.
 *
 * @experimental
 */
export const InitialVersioningBehavior = {
  AUTO_UPGRADE: 'AUTO_UPGRADE',
  USE_RAMPING_VERSION: 'USE_RAMPING_VERSION',
} as const;
/** The versioning behavior of the first workflow task of a run started by continue-as-new. */
export type InitialVersioningBehavior = (typeof InitialVersioningBehavior)[keyof typeof InitialVersioningBehavior];

type ProtoContinueAsNewVersioningBehavior = temporal.api.enums.v1.ContinueAsNewVersioningBehavior;
const CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_PREFIX = 'CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_';

/**
 * Maps {@link InitialVersioningBehavior} to `temporal.api.enums.v1.ContinueAsNewVersioningBehavior` numbers and
 * back.
 */
export const [encodeInitialVersioningBehavior, decodeInitialVersioningBehavior] = makeProtoEnumConverters<
  ProtoContinueAsNewVersioningBehavior,
  typeof InitialVersioningBehavior,
  typeof CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_PREFIX
>({ UNSPECIFIED: 0, AUTO_UPGRADE: 1, USE_RAMPING_VERSION: 2 }, CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_PREFIX);

/** The protobuf form of a deployment version (from the server or the core). */
export interface ProtoWorkerDeploymentVersion {
  /** The build id. */
  buildId?: string | null;
  /** The deployment name. */
  deploymentName?: string | null;
}

/**
 * Turns the protobuf form of a deployment version into a {@link WorkerDeploymentVersion}; `undefined` when it has
 * no build id.
 *
 * @internal
 */
export function convertDeploymentVersion(
  v: ProtoWorkerDeploymentVersion | null | undefined,
): WorkerDeploymentVersion | undefined {
  if (!v || !v.buildId) return undefined;
  return { buildId: v.buildId, deploymentName: v.deploymentName ?? '' };
}
