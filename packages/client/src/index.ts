/**
 * `@kairos/client`: connect to a Temporal server and start, signal, query, update, list and schedule
 * Workflows. Compatible with `@temporalio/client`: code written for it works after changing the import
 * scope.
 *
 * @example
 * ```ts
 * import { Client, Connection } from '@kairos/client';
 *
 * const connection = await Connection.connect({ address: 'localhost:7233' });
 * const client = new Client({ connection });
 * const handle = await client.workflow.start(sleepForDays, { taskQueue: 'sleep-for-days', workflowId: 'sleeper-1' });
 * console.log(await handle.result());
 * ```
 *
 * @module
 */
export {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  type DataConverter,
  defaultPayloadConverter,
  type ProtoFailure,
  type RetryPolicy,
  ServerFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
} from '@kairos/common';
export type { TLSConfig } from '@kairos/common/lib/internal-non-workflow';
export * from '@kairos/common/lib/errors';
export * from '@kairos/common/lib/interfaces';
export * from '@kairos/common/lib/workflow-handle';
export * from './async-completion-client';
export * from './activity-client';
export * from './client';
export {
  Connection,
  type ConnectionOptions,
  type ConnectionOptionsWithDefaults,
  type ConnectionPlugin,
  LOCAL_TARGET,
} from './connection';
export * from './errors';
export * from './grpc-retry';
export { historyFromJSON, historyToJSON } from '@kairos/common/lib/proto-utils';
export * from './interceptors';
export { NotImplementedError } from './not-implemented';
export * from './types';
export * from './workflow-client';
export * from './workflow-options';
export * from './schedule-types';
export * from './schedule-client';
export * from './task-queue-client';
export * from './nexus-types';
export * from './nexus-client';
export { WorkflowUpdateStage } from './workflow-update-stage';
export type {
  WorkerBuildIdVersionSets,
  BuildIdVersionSet,
  BuildIdOperation,
  PromoteSetByBuildId,
  PromoteBuildIdWithinSet,
  MergeSets,
  AddNewIdInNewDefaultSet,
  AddNewCompatibleVersion,
} from './build-id-types';
