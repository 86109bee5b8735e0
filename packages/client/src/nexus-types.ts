/**
 * Types of standalone Nexus operations (operations started by a client, without a Workflow).
 *
 * See {@link NexusClient}; the `raw` fields carry the server's messages as they came.
 *
 * @module
 */
import type {
  Duration,
  PayloadTypeInfo,
  SearchAttributePair,
  SearchAttributeValue,
  TypedSearchAttributes,
} from '@kairos/common';
import type { Replace } from '@kairos/common/lib/type-helpers';
import type { temporal } from '@kairos/proto';
import { convertersInProtoOrder } from './proto-enum-order';

/** Id reuse policy of standalone Nexus operations. */
export const NexusOperationIdReusePolicy = {
  /** A new operation may reuse the id of any closed one. */
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  /** Only if the previous one did not complete successfully. */
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  /** Ids are never reused. */
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
} as const;
/** Id reuse policy of standalone Nexus operations. */
export type NexusOperationIdReusePolicy =
  (typeof NexusOperationIdReusePolicy)[keyof typeof NexusOperationIdReusePolicy];

/** Converts a {@link NexusOperationIdReusePolicy} to and from its proto enum number. */
export const [encodeNexusOperationIdReusePolicy, decodeNexusOperationIdReusePolicy] = convertersInProtoOrder<
  number,
  typeof NexusOperationIdReusePolicy,
  'NEXUS_OPERATION_ID_REUSE_POLICY_'
>('NEXUS_OPERATION_ID_REUSE_POLICY_', ['ALLOW_DUPLICATE', 'ALLOW_DUPLICATE_FAILED_ONLY', 'REJECT_DUPLICATE']);

/** Id conflict policy of standalone Nexus operations. */
export const NexusOperationIdConflictPolicy = {
  /** Starting fails if an operation with the id runs. */
  FAIL: 'FAIL',
  /** The running operation is returned. */
  USE_EXISTING: 'USE_EXISTING',
} as const;
/** Id conflict policy of standalone Nexus operations. */
export type NexusOperationIdConflictPolicy =
  (typeof NexusOperationIdConflictPolicy)[keyof typeof NexusOperationIdConflictPolicy];

/** Converts a {@link NexusOperationIdConflictPolicy} to and from its proto enum number. */
export const [encodeNexusOperationIdConflictPolicy, decodeNexusOperationIdConflictPolicy] = convertersInProtoOrder<
  number,
  typeof NexusOperationIdConflictPolicy,
  'NEXUS_OPERATION_ID_CONFLICT_POLICY_'
>('NEXUS_OPERATION_ID_CONFLICT_POLICY_', ['FAIL', 'USE_EXISTING']);

/** Status of a standalone Nexus operation. */
export const NexusOperationExecutionStatus = {
  /** Running. */
  RUNNING: 'RUNNING',
  /** Completed successfully. */
  COMPLETED: 'COMPLETED',
  /** Failed. */
  FAILED: 'FAILED',
  /** Cancelled. */
  CANCELED: 'CANCELED',
  /** Terminated. */
  TERMINATED: 'TERMINATED',
  /** Timed out. */
  TIMED_OUT: 'TIMED_OUT',
} as const;
/** Status of a standalone Nexus operation. */
export type NexusOperationExecutionStatus =
  (typeof NexusOperationExecutionStatus)[keyof typeof NexusOperationExecutionStatus];

/** Converts a {@link NexusOperationExecutionStatus} to and from its proto enum number. */
export const [encodeNexusOperationExecutionStatus, decodeNexusOperationExecutionStatus] = convertersInProtoOrder<
  number,
  typeof NexusOperationExecutionStatus,
  'NEXUS_OPERATION_EXECUTION_STATUS_'
>('NEXUS_OPERATION_EXECUTION_STATUS_', ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT']);

/** State of a pending Nexus operation. */
export const PendingNexusOperationState = {
  /** Waiting to be started. */
  SCHEDULED: 'SCHEDULED',
  /** Waiting before a retry. */
  BACKING_OFF: 'BACKING_OFF',
  /** Started, asynchronously. */
  STARTED: 'STARTED',
  /** Blocked, see the blocked reason. */
  BLOCKED: 'BLOCKED',
} as const;
/** State of a pending Nexus operation. */
export type PendingNexusOperationState = (typeof PendingNexusOperationState)[keyof typeof PendingNexusOperationState];

/** Converts a {@link PendingNexusOperationState} to and from its proto enum number. */
export const [encodePendingNexusOperationState, decodePendingNexusOperationState] = convertersInProtoOrder<
  number,
  typeof PendingNexusOperationState,
  'PENDING_NEXUS_OPERATION_STATE_'
>('PENDING_NEXUS_OPERATION_STATE_', ['SCHEDULED', 'BACKING_OFF', 'STARTED', 'BLOCKED']);

/** State of the cancellation of a Nexus operation. */
export const NexusOperationCancellationState = {
  /** Waiting to be sent. */
  SCHEDULED: 'SCHEDULED',
  /** Waiting before a retry. */
  BACKING_OFF: 'BACKING_OFF',
  /** Delivered. */
  SUCCEEDED: 'SUCCEEDED',
  /** Failed. */
  FAILED: 'FAILED',
  /** Timed out. */
  TIMED_OUT: 'TIMED_OUT',
  /** Blocked. */
  BLOCKED: 'BLOCKED',
} as const;
/** State of the cancellation of a Nexus operation. */
export type NexusOperationCancellationState =
  (typeof NexusOperationCancellationState)[keyof typeof NexusOperationCancellationState];

/** Converts a {@link NexusOperationCancellationState} to and from its proto enum number. */
export const [encodeNexusOperationCancellationState, decodeNexusOperationCancellationState] = convertersInProtoOrder<
  number,
  typeof NexusOperationCancellationState,
  'NEXUS_OPERATION_CANCELLATION_STATE_'
>('NEXUS_OPERATION_CANCELLATION_STATE_', ['SCHEDULED', 'BACKING_OFF', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'BLOCKED']);

/** Raw description of a Nexus operation as sent by the server. */
export type RawNexusOperationExecutionInfo = temporal.api.nexus.v1.INexusOperationExecutionInfo;
/** Raw listing of a Nexus operation as sent by the server. */
export type RawNexusOperationExecutionListInfo = temporal.api.nexus.v1.INexusOperationExecutionListInfo;
/** Raw cancellation info of a Nexus operation as sent by the server. */
export type RawNexusOperationExecutionCancellationInfo = temporal.api.nexus.v1.INexusOperationExecutionCancellationInfo;

/** Cancellation state of a Nexus operation. */
export interface NexusOperationExecutionCancellationInfo {
  /** When cancellation was requested. */
  readonly requestedTime: Date | undefined;
  /** State of the cancellation. */
  readonly state: NexusOperationCancellationState | undefined;
  /** Attempt number. */
  readonly attempt: number;
  /** When the last attempt finished. */
  readonly lastAttemptCompleteTime: Date | undefined;
  /** When the next attempt is due. */
  readonly nextAttemptScheduleTime: Date | undefined;
  /** Failure of the last attempt. */
  readonly lastAttemptFailure: Error | undefined;
  /** Why it is blocked. */
  readonly blockedReason: string | undefined;
  /** Reason given. */
  readonly reason: string;
  /** Raw message. */
  readonly raw: RawNexusOperationExecutionCancellationInfo;
}

/** A listed standalone Nexus operation. */
export interface NexusOperationExecution {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId: string;
  /** Endpoint name. */
  readonly endpoint: string;
  /** Service name. */
  readonly service: string;
  /** Operation name. */
  readonly operation: string;
  /** When it was scheduled. */
  readonly scheduleTime: Date | undefined;
  /** When it closed. */
  readonly closeTime: Date | undefined;
  /** Status. */
  readonly status: NexusOperationExecutionStatus | undefined;
  /** Search attributes. */
  readonly searchAttributes: TypedSearchAttributes;
  /** Number of state transitions. */
  readonly stateTransitionCount: number;
  /** How long it ran, in milliseconds. */
  readonly executionDuration: number | undefined;
  /** Raw message. */
  readonly raw: RawNexusOperationExecutionListInfo;
}

/** A described standalone Nexus operation. */
export type NexusOperationExecutionDescription = Replace<
  NexusOperationExecution,
  { raw: RawNexusOperationExecutionInfo }
> & {
  /** Pending state. */
  readonly state: PendingNexusOperationState | undefined;
  /** Schedule-to-close timeout in milliseconds. */
  readonly scheduleToCloseTimeout: number | undefined;
  /** Schedule-to-start timeout in milliseconds. */
  readonly scheduleToStartTimeout: number | undefined;
  /** Start-to-close timeout in milliseconds. */
  readonly startToCloseTimeout: number | undefined;
  /** Attempt number. */
  readonly attempt: number;
  /** When it times out. */
  readonly expirationTime: Date | undefined;
  /** When the last attempt finished. */
  readonly lastAttemptCompleteTime: Date | undefined;
  /** When the next attempt is due. */
  readonly nextAttemptScheduleTime: Date | undefined;
  /** Failure of the last attempt. */
  readonly lastAttemptFailure: Error | undefined;
  /** Why it is blocked. */
  readonly blockedReason: string | undefined;
  /** Request id. */
  readonly requestId: string;
  /** Operation token of an asynchronous operation. */
  readonly operationToken: string | undefined;
  /** Identity of the starter. */
  readonly identity: string;
  /** Cancellation state. */
  readonly cancellationInfo: NexusOperationExecutionCancellationInfo | undefined;
  /** Decodes the static summary. */
  staticSummary: () => Promise<string | undefined>;
  /** Decodes the static details. */
  staticDetails: () => Promise<string | undefined>;
};

/** Result of {@link NexusClient.count}. */
export interface NexusOperationExecutionCount {
  /** Number of matching operations. */
  readonly count: number;
  /** Per-group counts. */
  readonly groups: readonly NexusOperationExecutionCountGroup[];
}

/** A group of {@link NexusOperationExecutionCount}. */
export interface NexusOperationExecutionCountGroup {
  /** Number of operations in the group. */
  readonly count: number;
  /** Values of the grouping attributes. */
  readonly groupValues: readonly SearchAttributeValue[];
}

/** Options for starting a standalone Nexus operation. */
export interface StartNexusOperationOptions {
  /** Operation id. */
  id: string;
  /** Schedule-to-close timeout. */
  scheduleToCloseTimeout?: Duration;
  /** Schedule-to-start timeout. */
  scheduleToStartTimeout?: Duration;
  /** Start-to-close timeout. */
  startToCloseTimeout?: Duration;
  /** Summary shown in UIs. */
  summary?: string;
  /** Id reuse policy. */
  idReusePolicy?: NexusOperationIdReusePolicy;
  /** Id conflict policy. */
  idConflictPolicy?: NexusOperationIdConflictPolicy;
  /** Search attributes. */
  searchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Nexus headers. */
  headers?: Record<string, string>;
}

/** Options of {@link NexusClient.list}. */
export interface ListNexusOperationsOptions {
  /** Visibility query. */
  query?: string;
  /** Page size. */
  pageSize?: number;
}

/** Options of {@link NexusClient.getHandle}. */
export interface GetNexusOperationHandleOptions {
  /** Run id. */
  runId?: string;
  /**
   * Type information for the result.
   *
   * @experimental
   */
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

/** Options of {@link NexusOperationHandle.describe}; none yet. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DescribeNexusOperationOptions {}
