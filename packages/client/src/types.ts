/**
 * Types shared by the client classes: raw service types, execution descriptions, call context and
 * the connection interface clients are built on.
 *
 * @module
 */
import type * as grpc from '@grpc/grpc-js';
import type {
  Priority,
  RetryPolicy,
  SearchAttributes,
  SearchAttributeValue,
  TypedSearchAttributes,
  WorkerDeploymentVersion,
} from '@kairos/common';
import type { Replace } from '@kairos/common/lib/type-helpers';
import { grpc as grpcProto, temporal } from '@kairos/proto';
import type { ConnectionPlugin } from './connection';
import { convertersInProtoOrder } from './proto-enum-order';

/** Identifies a Workflow execution: its id, and optionally one run of it. */
export interface WorkflowExecution {
  /** Workflow id. */
  workflowId: string;
  /** Run id; without it, the latest run with that Workflow id. */
  runId?: string;
}

/** Raw `StartWorkflowExecution` request. */
export type StartWorkflowExecutionRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;
/** Raw `GetWorkflowExecutionHistory` request. */
export type GetWorkflowExecutionHistoryRequest = temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest;
/** Raw `DescribeWorkflowExecution` response. */
export type DescribeWorkflowExecutionResponse = temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;
/** Raw Workflow execution info as listed and described by the server. */
export type RawWorkflowExecutionInfo = temporal.api.workflow.v1.IWorkflowExecutionInfo;
/** Raw `TerminateWorkflowExecution` response. */
export type TerminateWorkflowExecutionResponse = temporal.api.workflowservice.v1.ITerminateWorkflowExecutionResponse;
/** Raw `RequestCancelWorkflowExecution` response. */
export type RequestCancelWorkflowExecutionResponse =
  temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionResponse;

/** Name of a Workflow execution status, without the `WORKFLOW_EXECUTION_STATUS_` prefix. */
export type WorkflowExecutionStatusName =
  | 'UNSPECIFIED'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN';

/** A Workflow execution as returned by {@link WorkflowClient.list}, with memo and search attributes decoded. */
export interface WorkflowExecutionInfo {
  /** Workflow type name. */
  type: string;
  /** Workflow id. */
  workflowId: string;
  /** Run id. */
  runId: string;
  /** Task queue the Workflow runs on. */
  taskQueue: string;
  /** Execution status, as the proto enum value and its short name. */
  status: { code: temporal.api.enums.v1.WorkflowExecutionStatus; name: WorkflowExecutionStatusName };
  /** Number of events in the history. */
  historyLength: number;
  /** Size of the history in bytes (servers 1.20 and later). */
  historySize?: number;
  /** When the run started. */
  startTime: Date;
  /** When the first Workflow task was (or will be) scheduled; later than `startTime` with a start delay or cron. */
  executionTime?: Date;
  /** When the run closed, if it did. */
  closeTime?: Date;
  /** Decoded memo. */
  memo?: Record<string, unknown>;
  /**
   * Decoded search attributes.
   *
   * @deprecated Use {@link typedSearchAttributes} instead.
   */
  searchAttributes: SearchAttributes;
  /** Decoded search attributes with their types. */
  typedSearchAttributes: TypedSearchAttributes;
  /** The parent Workflow execution, for a child Workflow. */
  parentExecution?: { workflowId: string; runId: string };
  /** The root Workflow execution of the tree this one belongs to. */
  rootExecution?: { workflowId: string; runId: string };
  /** The message as received from the server. */
  raw: RawWorkflowExecutionInfo;
  /** Priority of the execution. */
  priority?: Priority;
}

/** Result of {@link WorkflowClient.count}. */
export interface CountWorkflowExecution {
  /** Number of matching executions. */
  count: number;
  /** Per-group counts when the query has a `GROUP BY` clause. */
  groups: { count: number; groupValues: SearchAttributeValue[] }[];
}

/** Result of {@link WorkflowHandle.describe}. */
export type WorkflowExecutionDescription = Replace<
  WorkflowExecutionInfo,
  {
    /** The `DescribeWorkflowExecution` response as received from the server. */
    raw: DescribeWorkflowExecutionResponse;
  }
> & {
  /** The static details given at start (Temporal markdown, possibly several lines), decoded on demand. */
  staticDetails: () => Promise<string | undefined>;
  /** The static single-line summary given at start, decoded on demand. */
  staticSummary: () => Promise<string | undefined>;
};

/** The Temporal `WorkflowService`, as a protobufjs service object. */
export type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
/** The protobufjs class of the Temporal `WorkflowService`. */
export const WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
/** The Temporal `OperatorService`, as a protobufjs service object. */
export type OperatorService = temporal.api.operatorservice.v1.OperatorService;
/** The protobufjs class of the Temporal `OperatorService`. */
export const OperatorService = temporal.api.operatorservice.v1.OperatorService;
/** The Temporal `TestService` (time skipping), as a protobufjs service object. */
export type TestService = temporal.api.testservice.v1.TestService;
/** The protobufjs class of the Temporal `TestService`. */
export const TestService = temporal.api.testservice.v1.TestService;
/** The standard gRPC health service, as a protobufjs service object. */
export type HealthService = grpcProto.health.v1.Health;
/** The protobufjs class of the standard gRPC health service. */
export const HealthService = grpcProto.health.v1.Health;

/** gRPC metadata (HTTP/2 headers) as a plain object; keys ending in `-bin` take `Buffer` values. */
export type Metadata = Record<string, grpc.MetadataValue>;

/** Per-call settings that {@link Connection.withDeadline} and friends apply to the calls made in their scope. */
export interface CallContext {
  /** Point in time after which calls fail with `DEADLINE_EXCEEDED`: a `Date` or milliseconds since the epoch. */
  deadline?: number | Date;
  /** Metadata added to each call. */
  metadata?: Metadata;
  /** Signal that cancels the calls when aborted. */
  abortSignal?: AbortSignal;
}

/**
 * What the high-level clients need from a connection. {@link Connection} implements it; so can other
 * transports, such as a worker's native connection.
 */
export interface ConnectionLike {
  /** Raw access to the `WorkflowService`. */
  workflowService: WorkflowService;
  /** Raw access to the `OperatorService`. */
  operatorService: OperatorService;
  /** Plugins registered on the connection; clients built on it apply them too. */
  plugins: ConnectionPlugin[];
  /** Releases the connection's resources. */
  close(): Promise<void>;
  /** Resolves once the server has been reached. */
  ensureConnected(): Promise<void>;
  /**
   * Runs `fn` with a deadline applied to the calls it makes; past the deadline they fail with
   * `DEADLINE_EXCEEDED` (see {@link isGrpcDeadlineError}).
   */
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
  /** Runs `fn` with `metadata` added to the calls it makes. */
  withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R>;
  /**
   * Runs `fn` so that aborting `abortSignal` cancels the calls it makes; they fail with `CANCELLED`
   * (see {@link isGrpcCancelledError}).
   */
  withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R>;
}

/** Key of SDK-internal capabilities attached to a {@link ConnectionLike}. */
export const InternalConnectionLikeSymbol = Symbol.for('__temporal_internal_connection_like');

/** A {@link ConnectionLike} with SDK-internal capabilities. */
export type InternalConnectionLike = ConnectionLike & {
  [InternalConnectionLikeSymbol]?: {
    /** Whether the connection can carry an eagerly started Workflow task to a local worker. */
    readonly supportsEagerStart?: boolean;
  };
};

/** Whether a query may run against a closed Workflow execution. */
export const QueryRejectCondition = {
  /** Queries are never rejected. */
  NONE: 'NONE',
  /** Queries are rejected once the Workflow has closed. */
  NOT_OPEN: 'NOT_OPEN',
  /** Queries are rejected if the Workflow closed without completing successfully. */
  NOT_COMPLETED_CLEANLY: 'NOT_COMPLETED_CLEANLY',
  /** @deprecated Use {@link NONE} instead. */
  QUERY_REJECT_CONDITION_NONE: 'NONE',
  /** @deprecated Use {@link NOT_OPEN} instead. */
  QUERY_REJECT_CONDITION_NOT_OPEN: 'NOT_OPEN',
  /** @deprecated Use {@link NOT_COMPLETED_CLEANLY} instead. */
  QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY: 'NOT_COMPLETED_CLEANLY',
  /** @deprecated Use `undefined` instead. */
  QUERY_REJECT_CONDITION_UNSPECIFIED: undefined,
} as const;
/** Whether a query may run against a closed Workflow execution. */
export type QueryRejectCondition = (typeof QueryRejectCondition)[keyof typeof QueryRejectCondition];

/** Converts a {@link QueryRejectCondition} to and from its proto enum value. */
export const [encodeQueryRejectCondition, decodeQueryRejectCondition] = convertersInProtoOrder<
  temporal.api.enums.v1.QueryRejectCondition,
  typeof QueryRejectCondition,
  'QUERY_REJECT_CONDITION_'
>('QUERY_REJECT_CONDITION_', ['NONE', 'NOT_OPEN', 'NOT_COMPLETED_CLEANLY']);

/** Result of {@link ActivityClient.count}. */
export interface CountActivityExecutions {
  /** Number of matching Activity executions. */
  readonly count: number;
  /** Per-group counts when the query has a `GROUP BY` clause. */
  readonly groups?: { readonly count: number; readonly groupValues?: SearchAttributeValue[] }[];
}

/** Id reuse policy of standalone Activities: whether a closed Activity's id may be used again. */
export const ActivityIdReusePolicy = {
  /** A new Activity may reuse the id of any closed one. */
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  /** A new Activity may reuse the id only if the previous one did not complete successfully. */
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  /** Ids are never reused. */
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
} as const;
/** Id reuse policy of standalone Activities. */
export type ActivityIdReusePolicy = (typeof ActivityIdReusePolicy)[keyof typeof ActivityIdReusePolicy];

/**
 * Converts an {@link ActivityIdReusePolicy} to and from the number of the proto enum
 * `temporal.api.enums.v1.ActivityIdReusePolicy`.
 */
export const [encodeActivityIdReusePolicy, decodeActivityIdReusePolicy] = convertersInProtoOrder<
  number,
  typeof ActivityIdReusePolicy,
  'ACTIVITY_ID_REUSE_POLICY_'
>('ACTIVITY_ID_REUSE_POLICY_', ['ALLOW_DUPLICATE', 'ALLOW_DUPLICATE_FAILED_ONLY', 'REJECT_DUPLICATE']);

/** Id conflict policy of standalone Activities: what happens when the id belongs to a running Activity. */
export const ActivityIdConflictPolicy = {
  /** Starting fails. */
  FAIL: 'FAIL',
  /** The running Activity is returned instead. */
  USE_EXISTING: 'USE_EXISTING',
} as const;
/** Id conflict policy of standalone Activities. */
export type ActivityIdConflictPolicy = (typeof ActivityIdConflictPolicy)[keyof typeof ActivityIdConflictPolicy];

/**
 * Converts an {@link ActivityIdConflictPolicy} to and from the number of the proto enum
 * `temporal.api.enums.v1.ActivityIdConflictPolicy`.
 */
export const [encodeActivityIdConflictPolicy, decodeActivityIdConflictPolicy] = convertersInProtoOrder<
  number,
  typeof ActivityIdConflictPolicy,
  'ACTIVITY_ID_CONFLICT_POLICY_'
>('ACTIVITY_ID_CONFLICT_POLICY_', ['FAIL', 'USE_EXISTING']);

/** Status of a standalone Activity execution. */
export const ActivityExecutionStatus = {
  /** Scheduled or running. */
  RUNNING: 'RUNNING',
  /** Completed successfully. */
  COMPLETED: 'COMPLETED',
  /** Failed after its last attempt. */
  FAILED: 'FAILED',
  /** Cancelled. */
  CANCELED: 'CANCELED',
  /** Terminated. */
  TERMINATED: 'TERMINATED',
  /** Timed out. */
  TIMED_OUT: 'TIMED_OUT',
  /** Paused. */
  PAUSED: 'PAUSED',
} as const;
/** Status of a standalone Activity execution. */
export type ActivityExecutionStatus = (typeof ActivityExecutionStatus)[keyof typeof ActivityExecutionStatus];

/**
 * Converts an {@link ActivityExecutionStatus} to and from the number of the proto enum
 * `temporal.api.enums.v1.ActivityExecutionStatus`.
 */
export const [encodeActivityExecutionStatus, decodeActivityExecutionStatus] = convertersInProtoOrder<
  number,
  typeof ActivityExecutionStatus,
  'ACTIVITY_EXECUTION_STATUS_'
>('ACTIVITY_EXECUTION_STATUS_', ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'TIMED_OUT', 'PAUSED']);

/** State of a pending Activity. */
export const PendingActivityState = {
  /** Waiting for a worker. */
  SCHEDULED: 'SCHEDULED',
  /** A worker is running it. */
  STARTED: 'STARTED',
  /** Cancellation was requested. */
  CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  /** Paused. */
  PAUSED: 'PAUSED',
  /** A pause was requested. */
  PAUSE_REQUESTED: 'PAUSE_REQUESTED',
} as const;
/** State of a pending Activity. */
export type PendingActivityState = (typeof PendingActivityState)[keyof typeof PendingActivityState];

/** Converts a {@link PendingActivityState} to and from its proto enum value. */
export const [encodePendingActivityState, decodePendingActivityState] = convertersInProtoOrder<
  temporal.api.enums.v1.PendingActivityState,
  typeof PendingActivityState,
  'PENDING_ACTIVITY_STATE_'
>('PENDING_ACTIVITY_STATE_', ['SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'PAUSED', 'PAUSE_REQUESTED']);

/** Raw `ActivityExecutionInfo` of `DescribeActivityExecution`. */
export type RawActivityExecutionInfo = temporal.api.activity.v1.IActivityExecutionInfo;
/** Raw `ActivityExecutionListInfo` of `ListActivityExecutions`. */
export type RawActivityExecutionListInfo = temporal.api.activity.v1.IActivityExecutionListInfo;
/** Raw completion callbacks of a standalone Activity execution. */
export type RawActivityExecutionCallbacks = temporal.api.activity.v1.ICallbackInfo[];

/** Describes a standalone Activity execution (see {@link ActivityClient}). */
export interface ActivityExecutionInfo {
  /** The raw list entry, when the info comes from {@link ActivityClient.list}. */
  rawListInfo?: RawActivityExecutionListInfo;
  /** Activity id. */
  activityId: string;
  /** Run id of the Activity execution. */
  activityRunId: string;
  /** Activity type name. */
  activityType: string;
  /** When it was scheduled. */
  scheduleTime?: Date;
  /** When it closed. */
  closeTime?: Date;
  /** Execution status. */
  status: ActivityExecutionStatus;
  /** Decoded search attributes. */
  typedSearchAttributes: TypedSearchAttributes;
  /** Task queue. */
  taskQueue: string;
  /** How long it ran, in milliseconds. */
  executionDurationMs?: number;
  /** When the execution started. */
  executionTime?: Date;
}

/** Describes a standalone Activity execution in detail (see {@link ActivityHandle.describe}). */
export interface ActivityExecutionDescription extends ActivityExecutionInfo {
  /** The raw completion callbacks. */
  rawCallbacks: RawActivityExecutionCallbacks;
  /** The raw info. */
  rawInfo: RawActivityExecutionInfo;
  /** Run state of the current attempt. */
  runState?: PendingActivityState;
  /** Schedule-to-close timeout in milliseconds. */
  scheduleToCloseTimeoutMs?: number;
  /** Schedule-to-start timeout in milliseconds. */
  scheduleToStartTimeoutMs?: number;
  /** Start-to-close timeout in milliseconds. */
  startToCloseTimeoutMs?: number;
  /** Heartbeat timeout in milliseconds. */
  heartbeatTimeoutMs?: number;
  /** Retry policy. */
  retryPolicy: RetryPolicy;
  /** Last heartbeat time. */
  lastHeartbeatTime?: Date;
  /** When the last attempt started. */
  lastStartedTime?: Date;
  /** Current attempt number. */
  attempt: number;
  /** When the Activity times out. */
  expirationTime?: Date;
  /** Identity of the worker that ran the last attempt. */
  lastWorkerIdentity?: string;
  /** Delay before the next attempt, in milliseconds. */
  currentRetryIntervalMs?: number;
  /** When the last attempt finished. */
  lastAttemptCompleteTime?: Date;
  /** Time the server plans the next attempt for. */
  nextAttemptScheduleTime?: Date;
  /** Deployment version of the worker that ran the last attempt. */
  lastDeploymentVersion?: WorkerDeploymentVersion;
  /** Priority. */
  priority: Priority;
  /** Reason given with a cancellation request. */
  canceledReason?: string;
  /** Start delay in milliseconds. */
  startDelayMs?: number;
  /** Number of heartbeats recorded. */
  totalHeartbeatCount?: number;
  /** Whether heartbeat details were returned. */
  hasHeartbeatDetails: boolean;
  /** Whether the last failure was returned. */
  hasLastFailure: boolean;
  /** Whether the input was returned. */
  hasInput: boolean;
  /** Whether a result was returned. */
  hasResult: boolean;
  /** Whether a closing failure was returned. */
  hasOutcomeFailure: boolean;
  /** Decodes the heartbeat details. */
  getHeartbeatDetails<T = unknown>(): Promise<T | undefined>;
  /** Decodes the last failure. */
  getLastFailure(): Promise<Error | undefined>;
  /** Decodes the input. */
  getInput<T extends unknown[] = unknown[]>(): Promise<T | undefined>;
  /** Decodes the result. */
  getResult<T = unknown>(): Promise<T | undefined>;
  /** Decodes the closing failure. */
  getOutcomeFailure(): Promise<Error | undefined>;
}
