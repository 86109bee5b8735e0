import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';

/** A version of a worker deployment: the deployment name and the build id. */
export interface WorkerDeploymentVersion {
  /** The build id of the worker code. */
  readonly buildId: string;
  /** The name of the deployment. */
  readonly deploymentName: string;
}

/** The canonical string form of a deployment version: `deploymentName.buildId`. */
export function toCanonicalString(version: WorkerDeploymentVersion): string {
  return `${version.deploymentName}.${version.buildId}`;
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

/** Converts between {@link VersioningBehavior} and `temporal.api.enums.v1.VersioningBehavior`. */
export const [encodeVersioningBehavior, decodeVersioningBehavior] = makeProtoEnumConverters<
  temporal.api.enums.v1.VersioningBehavior,
  typeof VersioningBehavior,
  'VERSIONING_BEHAVIOR_'
>({ PINNED: 1, AUTO_UPGRADE: 2, UNSPECIFIED: 0 }, 'VERSIONING_BEHAVIOR_');

/** A versioning override, e.g. given when starting a workflow: pin it to a version, or let it auto-upgrade. */
export type VersioningOverride = PinnedVersioningOverride | 'AUTO_UPGRADE';

/** Pins the workflow to a deployment version. */
export interface PinnedVersioningOverride {
  /** The version to pin the workflow to. */
  pinnedTo: WorkerDeploymentVersion;
}

/** The workflow moves to the current deployment version at its next workflow task. */
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

/** Converts between {@link InitialVersioningBehavior} and `temporal.api.enums.v1.ContinueAsNewVersioningBehavior`. */
export const [encodeInitialVersioningBehavior, decodeInitialVersioningBehavior] = makeProtoEnumConverters<
  temporal.api.enums.v1.ContinueAsNewVersioningBehavior,
  typeof InitialVersioningBehavior,
  'CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_'
>({ AUTO_UPGRADE: 1, USE_RAMPING_VERSION: 2, UNSPECIFIED: 0 }, 'CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_');

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
