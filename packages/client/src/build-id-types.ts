/**
 * Types of the legacy, build-id based Worker Versioning API.
 *
 * @module
 */

/** A change to the build-id compatibility of a task queue. */
export type BuildIdOperation =
  AddNewIdInNewDefaultSet | AddNewCompatibleVersion | PromoteSetByBuildId | PromoteBuildIdWithinSet | MergeSets;

/** Adds a build id in a new set, which becomes the default set. */
export interface AddNewIdInNewDefaultSet {
  /** Kind of operation. */
  operation: 'addNewIdInNewDefaultSet';
  /** The new build id. */
  buildId: string;
}

/** Adds a build id to the set of an existing compatible build id. */
export interface AddNewCompatibleVersion {
  /** Kind of operation. */
  operation: 'addNewCompatibleVersion';
  /** The new build id. */
  buildId: string;
  /** A build id of the set to add to. */
  existingCompatibleBuildId: string;
  /** Also make that set the default. */
  promoteSet?: boolean;
}

/** Makes the set containing a build id the default set. */
export interface PromoteSetByBuildId {
  /** Kind of operation. */
  operation: 'promoteSetByBuildId';
  /** A build id of the set. */
  buildId: string;
}

/** Makes a build id the default of its set. */
export interface PromoteBuildIdWithinSet {
  /** Kind of operation. */
  operation: 'promoteBuildIdWithinSet';
  /** The build id. */
  buildId: string;
}

/** Merges two sets. */
export interface MergeSets {
  /** Kind of operation. */
  operation: 'mergeSets';
  /** A build id of the set that absorbs the other. */
  primaryBuildId: string;
  /** A build id of the absorbed set. */
  secondaryBuildId: string;
}

/** The build-id version sets of a task queue. */
export interface WorkerBuildIdVersionSets {
  /** All sets, the default last. */
  readonly versionSets: BuildIdVersionSet[];
  /** The default set. */
  defaultSet: BuildIdVersionSet;
  /** The default build id of the default set. */
  defaultBuildId: string;
}

/** A set of mutually compatible build ids. */
export interface BuildIdVersionSet {
  /** The build ids, the default last. */
  readonly buildIds: string[];
  /** The default build id of the set. */
  readonly default: string;
}
