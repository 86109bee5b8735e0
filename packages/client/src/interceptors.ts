/**
 * Client interceptors: hooks around each outbound call of the Workflow, Schedule, Activity and Nexus
 * clients. Each hook receives the call's input (with `headers` to fill for the other side) and `next`,
 * which continues the chain.
 *
 * @module
 */
import type {
  Duration,
  PayloadTypeInfo,
  SearchAttributePair,
  SignalTypeInfo,
  TypeInfo,
  TypedSearchAttributes,
} from '@kairos/common';
import type { Headers, Next } from '@kairos/common/lib/interceptors';
import type { temporal } from '@kairos/proto';
import type {
  ActivityDescribeOptions,
  ActivityHandle,
  ActivityOptions,
  ActivityOptionsUpdate,
  ActivityOptionsUpdateResult,
  ActivityPauseOptions,
  ActivityUnpauseOptions,
} from './activity-client';
import type { NexusOperationHandle } from './nexus-client';
import type {
  NexusOperationExecution,
  NexusOperationExecutionCount,
  NexusOperationExecutionDescription,
  NexusOperationIdConflictPolicy,
  NexusOperationIdReusePolicy,
} from './nexus-types';
import type { CompiledScheduleOptions } from './schedule-types';
import type {
  ActivityExecutionDescription,
  ActivityExecutionInfo,
  CountActivityExecutions,
  DescribeWorkflowExecutionResponse,
  RequestCancelWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponse,
  WorkflowExecution,
} from './types';
import type { CompiledWorkflowOptions, WorkflowUpdateOptions } from './workflow-options';

export type { Headers, Next };

/** Input of {@link WorkflowClientInterceptor.start} and {@link WorkflowClientInterceptor.startWithDetails}. */
export interface WorkflowStartInput {
  /** Name of the Workflow type to start. */
  readonly workflowType: string;
  /** Headers sent with the start; interceptors may add to them. */
  readonly headers: Headers;
  /** Start options, compiled. */
  readonly options: CompiledWorkflowOptions;
}

/** Input of {@link WorkflowClientInterceptor.startUpdate}. */
export interface WorkflowStartUpdateInput {
  /** Name of the Update. */
  readonly updateName: string;
  /** Arguments of the Update. */
  readonly args: unknown[];
  /** Type information for the arguments and result. */
  readonly typeInfo?: PayloadTypeInfo;
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
  /** Run id the chain must have started with, if the handle knows it. */
  readonly firstExecutionRunId?: string;
  /** Headers sent with the Update. */
  readonly headers: Headers;
  /** Update options. */
  readonly options: WorkflowUpdateOptions;
}

/** Output of {@link WorkflowClientInterceptor.startWithDetails}. */
export interface WorkflowStartOutput {
  /** Run id of the started execution. */
  readonly runId: string;
  /** Whether the first Workflow task was handed to a local worker. */
  readonly eagerlyStarted: boolean;
}

/** Output of {@link WorkflowClientInterceptor.startUpdate}. */
export interface WorkflowStartUpdateOutput {
  /** Id of the Update. */
  readonly updateId: string;
  /** Run id of the Workflow execution the Update was sent to. */
  readonly workflowRunId: string;
  /** Outcome, if the Update already completed. */
  readonly outcome?: temporal.api.update.v1.IOutcome;
  /** Type information for decoding the result. */
  readonly outputTypeInfo?: TypeInfo;
}

/** Input of {@link WorkflowClientInterceptor.startUpdateWithStart}. */
export interface WorkflowStartUpdateWithStartInput {
  /** Name of the Workflow type. */
  readonly workflowType: string;
  /** Start options, compiled. */
  readonly workflowStartOptions: CompiledWorkflowOptions;
  /** Headers sent with the start. */
  readonly workflowStartHeaders: Headers;
  /** Name of the Update. */
  readonly updateName: string;
  /** Arguments of the Update. */
  readonly updateArgs: unknown[];
  /** Type information for the Update arguments and result. */
  readonly updateTypeInfo?: PayloadTypeInfo;
  /** Update options. */
  readonly updateOptions: WorkflowUpdateOptions;
  /** Headers sent with the Update. */
  readonly updateHeaders: Headers;
}

/** Output of {@link WorkflowClientInterceptor.startUpdateWithStart}. */
export interface WorkflowStartUpdateWithStartOutput {
  /** The Workflow execution the Update was sent to. */
  readonly workflowExecution: WorkflowExecution;
  /** Id of the Update. */
  readonly updateId: string;
  /** Outcome, if the Update already completed. */
  readonly updateOutcome?: temporal.api.update.v1.IOutcome;
  /** Type information for decoding the result. */
  readonly updateOutputTypeInfo?: TypeInfo;
}

/** Input of {@link WorkflowClientInterceptor.signal}. */
export interface WorkflowSignalInput {
  /** Name of the Signal. */
  readonly signalName: string;
  /** Arguments of the Signal. */
  readonly args: unknown[];
  /** Type information for the arguments. */
  readonly typeInfo?: SignalTypeInfo;
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
  /** Headers sent with the Signal. */
  readonly headers: Headers;
}

/** Input of {@link WorkflowClientInterceptor.signalWithStart}. */
export interface WorkflowSignalWithStartInput {
  /** Name of the Workflow type. */
  readonly workflowType: string;
  /** Name of the Signal. */
  readonly signalName: string;
  /** Arguments of the Signal. */
  readonly signalArgs: unknown[];
  /** Type information for the Signal arguments. */
  readonly signalTypeInfo?: SignalTypeInfo;
  /** Headers sent with the call. */
  readonly headers: Headers;
  /** Start options, compiled. */
  readonly options: CompiledWorkflowOptions;
}

/** Input of {@link WorkflowClientInterceptor.query}. */
export interface WorkflowQueryInput {
  /** Name of the Query. */
  readonly queryType: string;
  /** Arguments of the Query. */
  readonly args: unknown[];
  /** Type information for the arguments and result. */
  readonly typeInfo?: PayloadTypeInfo;
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
  /** When the server should refuse to run the Query against a closed execution. */
  readonly queryRejectCondition?: temporal.api.enums.v1.QueryRejectCondition;
  /** Headers sent with the Query. */
  readonly headers: Headers;
}

/** Input of {@link WorkflowClientInterceptor.terminate}. */
export interface WorkflowTerminateInput {
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
  /** Reason recorded in history. */
  readonly reason?: string;
  /** Details recorded in history. */
  readonly details?: unknown[];
  /** Run id the chain must have started with. */
  readonly firstExecutionRunId?: string;
}

/** Input of {@link WorkflowClientInterceptor.cancel}. */
export interface WorkflowCancelInput {
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
  /** Run id the chain must have started with. */
  readonly firstExecutionRunId?: string;
}

/** Input of {@link WorkflowClientInterceptor.describe}. */
export interface WorkflowDescribeInput {
  /** The targeted Workflow execution. */
  readonly workflowExecution: WorkflowExecution;
}

/** Hooks around the outbound calls of the {@link WorkflowClient}; implement any subset. */
export interface WorkflowClientInterceptor {
  /**
   * Intercepts `StartWorkflowExecution`, returning the run id.
   *
   * @deprecated Implement {@link startWithDetails} instead.
   */
  start?: (input: WorkflowStartInput, next: Next<this, 'start'>) => Promise<string>;
  /** Intercepts `StartWorkflowExecution`. Signal-with-start goes through {@link signalWithStart} instead. */
  startWithDetails?: (input: WorkflowStartInput, next: Next<this, 'startWithDetails'>) => Promise<WorkflowStartOutput>;
  /** Intercepts `UpdateWorkflowExecution`. */
  startUpdate?: (
    input: WorkflowStartUpdateInput,
    next: Next<this, 'startUpdate'>,
  ) => Promise<WorkflowStartUpdateOutput>;
  /** Intercepts update-with-start (`ExecuteMultiOperation`). */
  startUpdateWithStart?: (
    input: WorkflowStartUpdateWithStartInput,
    next: Next<this, 'startUpdateWithStart'>,
  ) => Promise<WorkflowStartUpdateWithStartOutput>;
  /** Intercepts `SignalWorkflowExecution`. */
  signal?: (input: WorkflowSignalInput, next: Next<this, 'signal'>) => Promise<void>;
  /** Intercepts `SignalWithStartWorkflowExecution`, returning the run id. */
  signalWithStart?: (input: WorkflowSignalWithStartInput, next: Next<this, 'signalWithStart'>) => Promise<string>;
  /** Intercepts `QueryWorkflow`, returning the decoded result. */
  query?: (input: WorkflowQueryInput, next: Next<this, 'query'>) => Promise<unknown>;
  /** Intercepts `TerminateWorkflowExecution`. */
  terminate?: (
    input: WorkflowTerminateInput,
    next: Next<this, 'terminate'>,
  ) => Promise<TerminateWorkflowExecutionResponse>;
  /** Intercepts `RequestCancelWorkflowExecution`. */
  cancel?: (input: WorkflowCancelInput, next: Next<this, 'cancel'>) => Promise<RequestCancelWorkflowExecutionResponse>;
  /** Intercepts `DescribeWorkflowExecution`. */
  describe?: (input: WorkflowDescribeInput, next: Next<this, 'describe'>) => Promise<DescribeWorkflowExecutionResponse>;
}

/**
 * Former name of {@link WorkflowClientInterceptor}.
 *
 * @deprecated Use {@link WorkflowClientInterceptor} instead.
 */
export type WorkflowClientCallsInterceptor = WorkflowClientInterceptor;

/**
 * Input of a {@link WorkflowClientCallsInterceptorFactory}.
 *
 * @deprecated Define interceptors directly instead of factories.
 */
export interface WorkflowClientCallsInterceptorFactoryInput {
  /** Workflow id of the handle the interceptor is made for. */
  workflowId: string;
  /** Run id of the handle, if any. */
  runId?: string;
}

/**
 * Makes an interceptor for one Workflow handle.
 *
 * @deprecated Define interceptors directly instead of factories.
 */
export interface WorkflowClientCallsInterceptorFactory {
  (input: WorkflowClientCallsInterceptorFactoryInput): WorkflowClientCallsInterceptor;
}

/**
 * Factories of per-handle interceptors.
 *
 * @deprecated Pass a list of {@link WorkflowClientInterceptor} instead.
 */
export interface WorkflowClientInterceptors {
  /** @deprecated */
  calls?: WorkflowClientCallsInterceptorFactory[];
}

/** Hooks around the outbound calls of the {@link ScheduleClient}. */
export interface ScheduleClientInterceptor {
  /** Intercepts `CreateSchedule`. */
  create?: (input: CreateScheduleInput, next: Next<this, 'create'>) => Promise<CreateScheduleOutput>;
}

/** Input of {@link ScheduleClientInterceptor.create}. */
export interface CreateScheduleInput {
  /** Headers sent with the Workflows the Schedule starts. */
  readonly headers: Headers;
  /** Schedule options, with the action compiled. */
  readonly options: CompiledScheduleOptions;
}

/** Output of {@link ScheduleClientInterceptor.create}. */
export type CreateScheduleOutput = {
  /** Conflict token of the new Schedule. */
  readonly conflictToken: Uint8Array;
};

/** Hooks around the outbound calls of the {@link NexusClient}. */
export interface NexusClientInterceptor {
  /** Intercepts starting a Nexus operation. */
  startOperation?: (
    input: StartNexusOperationInput,
    next: Next<this, 'startOperation'>,
  ) => Promise<NexusOperationHandle>;
  /** Intercepts {@link NexusOperationHandle.result}. */
  getResult?: (input: GetNexusOperationResultInput, next: Next<this, 'getResult'>) => Promise<unknown>;
  /** Intercepts {@link NexusOperationHandle.describe}. */
  describe?: (
    input: DescribeNexusOperationInput,
    next: Next<this, 'describe'>,
  ) => Promise<NexusOperationExecutionDescription>;
  /** Intercepts {@link NexusOperationHandle.cancel}. */
  cancel?: (input: CancelNexusOperationInput, next: Next<this, 'cancel'>) => Promise<void>;
  /** Intercepts {@link NexusOperationHandle.terminate}. */
  terminate?: (input: TerminateNexusOperationInput, next: Next<this, 'terminate'>) => Promise<void>;
  /** Intercepts {@link NexusClient.list}. */
  list?: (input: ListNexusOperationsInput, next: Next<this, 'list'>) => AsyncIterable<NexusOperationExecution>;
  /** Intercepts {@link NexusClient.count}. */
  count?: (input: CountNexusOperationsInput, next: Next<this, 'count'>) => Promise<NexusOperationExecutionCount>;
}

/** Input of {@link NexusClientInterceptor.startOperation}. */
export interface StartNexusOperationInput {
  /** Endpoint name. */
  readonly endpoint: string;
  /** Service name. */
  readonly service: string;
  /** Operation name. */
  readonly operation: string;
  /** Operation id. */
  readonly id: string;
  /** Operation input. */
  readonly arg: unknown;
  /** Schedule-to-close timeout. */
  readonly scheduleToCloseTimeout?: Duration;
  /** Schedule-to-start timeout. */
  readonly scheduleToStartTimeout?: Duration;
  /** Start-to-close timeout. */
  readonly startToCloseTimeout?: Duration;
  /** Summary shown in UIs. */
  readonly summary?: string;
  /** Id reuse policy. */
  readonly idReusePolicy?: NexusOperationIdReusePolicy;
  /** Id conflict policy. */
  readonly idConflictPolicy?: NexusOperationIdConflictPolicy;
  /** Search attributes. */
  readonly searchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Nexus headers. */
  readonly headers?: Record<string, string>;
  /** Type information for the input. */
  readonly inputType?: TypeInfo;
  /** Type information for the output. */
  readonly outputType?: TypeInfo;
}

/** Input of {@link NexusClientInterceptor.getResult}. */
export interface GetNexusOperationResultInput {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId?: string;
  /** Type information for the output. */
  readonly outputType?: TypeInfo;
}

/** Input of {@link NexusClientInterceptor.describe}. */
export interface DescribeNexusOperationInput {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId?: string;
}

/** Input of {@link NexusClientInterceptor.cancel}. */
export interface CancelNexusOperationInput {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId?: string;
  /** Reason. */
  readonly reason?: string;
}

/** Input of {@link NexusClientInterceptor.terminate}. */
export interface TerminateNexusOperationInput {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId?: string;
  /** Reason. */
  readonly reason?: string;
}

/** Input of {@link NexusClientInterceptor.list}. */
export interface ListNexusOperationsInput {
  /** Visibility query. */
  readonly query?: string;
  /** Page size. */
  readonly pageSize?: number;
}

/** Input of {@link NexusClientInterceptor.count}. */
export interface CountNexusOperationsInput {
  /** Visibility query. */
  readonly query?: string;
}

/** Interceptors of every sub-client of a {@link Client}. */
export interface ClientInterceptors {
  /** Workflow client interceptors (a list; the factory form is deprecated). */
  workflow?: WorkflowClientInterceptors | WorkflowClientInterceptor[];
  /** Schedule client interceptors. */
  schedule?: ScheduleClientInterceptor[];
  /** Nexus client interceptors. */
  nexus?: NexusClientInterceptor[];
  /** Activity client interceptors. */
  activity?: ActivityClientInterceptor[];
}

/** Hooks around the outbound calls of the {@link ActivityClient} for standalone Activities. */
export interface ActivityClientInterceptor {
  /** Intercepts starting an Activity. */
  start?: (input: ActivityStartInput, next: Next<this, 'start'>) => Promise<ActivityHandle>;
  /** Intercepts waiting for an Activity result. */
  getResult?: (input: ActivityGetResultInput, next: Next<this, 'getResult'>) => Promise<unknown>;
  /** Intercepts describing an Activity. */
  describe?: (input: ActivityDescribeInput, next: Next<this, 'describe'>) => Promise<ActivityExecutionDescription>;
  /** Intercepts cancelling an Activity. */
  cancel?: (input: ActivityCancelInput, next: Next<this, 'cancel'>) => Promise<void>;
  /** Intercepts terminating an Activity. */
  terminate?: (input: ActivityTerminateInput, next: Next<this, 'terminate'>) => Promise<void>;
  /** Intercepts listing Activities. */
  list?: (input: ActivityListInput, next: Next<this, 'list'>) => AsyncIterable<ActivityExecutionInfo>;
  /** Intercepts counting Activities. */
  count?: (input: ActivityCountInput, next: Next<this, 'count'>) => Promise<CountActivityExecutions>;
  /**
   * Intercepts pausing an Activity.
   *
   * @experimental
   */
  pause?: (input: ActivityPauseInput, next: Next<this, 'pause'>) => Promise<void>;
  /**
   * Intercepts unpausing an Activity.
   *
   * @experimental
   */
  unpause?: (input: ActivityUnpauseInput, next: Next<this, 'unpause'>) => Promise<void>;
  /**
   * Intercepts updating an Activity's options.
   *
   * @experimental
   */
  updateOptions?: (
    input: ActivityUpdateOptionsInput,
    next: Next<this, 'updateOptions'>,
  ) => Promise<ActivityOptionsUpdateResult>;
  /**
   * Intercepts restoring an Activity's original options.
   *
   * @experimental
   */
  restoreOriginalOptions?: (
    input: ActivityRestoreOriginalOptionsInput,
    next: Next<this, 'restoreOriginalOptions'>,
  ) => Promise<ActivityOptionsUpdate>;
}

/** Input of {@link ActivityClientInterceptor.start}. */
export interface ActivityStartInput {
  /** Activity type name. */
  readonly activityType: string;
  /** Start options. */
  readonly options: ActivityOptions;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.getResult}. */
export interface ActivityGetResultInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Type information for the result. */
  readonly outputType?: TypeInfo;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.describe}. */
export interface ActivityDescribeInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Headers. */
  readonly headers: Headers;
  /** What to include. */
  readonly options: Required<ActivityDescribeOptions>;
}

/** Input of {@link ActivityClientInterceptor.cancel}. */
export interface ActivityCancelInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Reason. */
  readonly reason: string;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.terminate}. */
export interface ActivityTerminateInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Reason. */
  readonly reason: string;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.list}. */
export interface ActivityListInput {
  /** Visibility query. */
  readonly query: string;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.count}. */
export interface ActivityCountInput {
  /** Visibility query. */
  readonly query: string;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.pause}. */
export interface ActivityPauseInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Pause options. */
  readonly options: ActivityPauseOptions;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.unpause}. */
export interface ActivityUnpauseInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Unpause options. */
  readonly options: ActivityUnpauseOptions;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.updateOptions}. */
export interface ActivityUpdateOptionsInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** New options. */
  readonly options: ActivityOptionsUpdate;
  /** Headers. */
  readonly headers: Headers;
}

/** Input of {@link ActivityClientInterceptor.restoreOriginalOptions}. */
export interface ActivityRestoreOriginalOptionsInput {
  /** Activity id. */
  readonly activityId: string;
  /** Activity run id. */
  readonly activityRunId: string;
  /** Headers. */
  readonly headers: Headers;
}
