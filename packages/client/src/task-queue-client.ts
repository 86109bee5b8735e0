/**
 * {@link TaskQueueClient}: the legacy, build-id based Worker Versioning API.
 *
 * Not implemented by Kairos: its methods throw a {@link NotImplementedError}. These server APIs are
 * deprecated in favour of Worker Deployments.
 *
 * @module
 */
import type { RequireAtLeastOne } from '@kairos/common/lib/type-helpers';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import type { BuildIdOperation, WorkerBuildIdVersionSets } from './build-id-types';
import { NotImplementedError } from './not-implemented';
import { convertersInProtoOrder } from './proto-enum-order';
import type { WorkflowService } from './types';

const LEGACY_VERSIONING = 'legacy build-id Worker Versioning (TaskQueueClient)';

/** Options of a {@link TaskQueueClient}. */
export type TaskQueueClientOptions = BaseClientOptions;

/** {@link TaskQueueClientOptions} with defaults applied. */
export type LoadedTaskQueueClientOptions = LoadedWithDefaults<TaskQueueClientOptions>;

/** Stands for "no build id" (unversioned workers) in reachability queries and results. */
export const UnversionedBuildId: unique symbol = Symbol.for('__temporal_unversionedBuildId');
/** Type of {@link UnversionedBuildId}. */
export type UnversionedBuildIdType = typeof UnversionedBuildId;

/**
 * Client for the legacy build-id based Worker Versioning API. Usually reached as {@link Client.taskQueue}.
 *
 * @experimental
 */
export class TaskQueueClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedTaskQueueClientOptions;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: TaskQueueClientOptions) {
    super(options);
    this.options = settleClientOptions<LoadedTaskQueueClientOptions>(options, this.dataConverter);
  }

  /** Raw access to the `WorkflowService`. */
  get workflowService(): WorkflowService {
    return this.connection.workflowService;
  }

  /**
   * Changes the build-id compatibility of a task queue.
   *
   * @throws {@link NotImplementedError} always.
   */
  async updateBuildIdCompatibility(_taskQueue: string, _operation: BuildIdOperation): Promise<void> {
    throw new NotImplementedError(LEGACY_VERSIONING);
  }

  /**
   * Returns the build-id version sets of a task queue (the name's spelling is the official API's).
   *
   * @throws {@link NotImplementedError} always.
   */
  async getBuildIdCompatability(_taskQueue: string): Promise<WorkerBuildIdVersionSets | undefined> {
    throw new NotImplementedError(LEGACY_VERSIONING);
  }

  /**
   * Returns which task queues can still receive tasks for given build ids.
   *
   * @throws {@link NotImplementedError} always.
   */
  async getReachability(_options: ReachabilityOptions): Promise<ReachabilityResponse> {
    throw new NotImplementedError(LEGACY_VERSIONING);
  }
}

/** Options of {@link TaskQueueClient.getReachability}: build ids, task queues, or both. */
export type ReachabilityOptions = RequireAtLeastOne<BaseReachabilityOptions, 'buildIds' | 'taskQueues'>;

/** Kinds of reachability of a build id. */
export const ReachabilityType = {
  /** New Workflows may run on it. */
  NEW_WORKFLOWS: 'NEW_WORKFLOWS',
  /** Existing (open or closed) Workflows may run on it. */
  EXISTING_WORKFLOWS: 'EXISTING_WORKFLOWS',
  /** Open Workflows may run on it. */
  OPEN_WORKFLOWS: 'OPEN_WORKFLOWS',
  /** Closed Workflows may be queried on it. */
  CLOSED_WORKFLOWS: 'CLOSED_WORKFLOWS',
} as const;
/** A kind of reachability of a build id. */
export type ReachabilityType = (typeof ReachabilityType)[keyof typeof ReachabilityType];

/** Converts a {@link ReachabilityType} to and from the number of the proto enum `temporal.api.enums.v1.TaskReachability`. */
export const [encodeTaskReachability, decodeTaskReachability] = convertersInProtoOrder<
  number,
  typeof ReachabilityType,
  'TASK_REACHABILITY_'
>('TASK_REACHABILITY_', ['NEW_WORKFLOWS', 'EXISTING_WORKFLOWS', 'OPEN_WORKFLOWS', 'CLOSED_WORKFLOWS']);

/** Parameters of a reachability query. */
export interface BaseReachabilityOptions {
  /** Build ids to check. */
  buildIds: (string | UnversionedBuildIdType)[];
  /** Task queues to check. */
  taskQueues?: string[];
  /** Which reachability to compute. */
  reachability?: ReachabilityType;
}

/** Result of {@link TaskQueueClient.getReachability}. */
export interface ReachabilityResponse {
  /** Reachability per build id. */
  buildIdReachability: Record<string | UnversionedBuildIdType, BuildIdReachability>;
}

/** A reachability, or `NOT_FETCHED` when the server did not compute it. */
export type ReachabilityTypeResponse = ReachabilityType | 'NOT_FETCHED';

/** Reachability of one build id, per task queue. */
export interface BuildIdReachability {
  /** Reachability per task queue. */
  taskQueueReachability: Record<string, ReachabilityTypeResponse[]>;
}

/** The server does not know the build id. */
export class BuildIdNotFoundError extends Error {}
SymbolBasedInstanceOfError('BuildIdNotFoundError')(BuildIdNotFoundError);

/**
 * The shape of the `GetWorkerTaskReachability` response (its proto message is not part of
 * `@kairos/proto` yet).
 */
export interface GetWorkerTaskReachabilityResponse {
  /** Reachability per build id. */
  buildIdReachability: Array<{
    /** The build id; empty for unversioned workers. */
    buildId?: string | null;
    /** Reachability per task queue. */
    taskQueueReachability?: Array<{
      /** Task queue name. */
      taskQueue?: string | null;
      /** Proto `TaskReachability` values. */
      reachability?: number[] | null;
    }> | null;
  }>;
}

/**
 * Converts a `GetWorkerTaskReachability` response: an empty build id becomes {@link UnversionedBuildId},
 * and reachability values the client does not know become `'NOT_FETCHED'`.
 */
export function reachabilityResponseFromProto(resp: GetWorkerTaskReachabilityResponse): ReachabilityResponse {
  const named = (value: number): ReachabilityTypeResponse =>
    (decodeTaskReachability(value) as ReachabilityType | undefined) ?? 'NOT_FETCHED';
  const buildIdReachability = {} as Record<string | UnversionedBuildIdType, BuildIdReachability>;
  for (const { buildId, taskQueueReachability: perQueue } of resp.buildIdReachability) {
    const taskQueueReachability: Record<string, ReachabilityTypeResponse[]> = {};
    for (const { taskQueue, reachability } of perQueue ?? []) {
      if (taskQueue != null) taskQueueReachability[taskQueue] = (reachability ?? []).map(named);
    }
    buildIdReachability[buildId || UnversionedBuildId] = { taskQueueReachability };
  }
  return { buildIdReachability };
}
