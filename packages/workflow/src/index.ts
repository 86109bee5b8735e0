/**
 * The workflow API of Kairos, source-compatible with `@temporalio/workflow`. Workflow code runs inside the
 * worker's isolate: this package is bundled into it and uses no Node API.
 *
 * @module
 */
export { type ActivityOptions, type LocalActivityOptions, ActivityCancellationType } from './activities';
export {
  ActivityFailure,
  type ActivityTypeInfoMap,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  defaultPayloadConverter,
  type PayloadConverter,
  type RetryPolicy,
  rootCause,
  type SearchAttributes,
  type SearchAttributeValue,
  ServerFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '@kairos/common';
export * from '@kairos/common/lib/errors';
export type {
  ActivityFunction,
  ActivityInterface,
  Payload,
  QueryDefinition,
  SignalDefinition,
  UntypedActivities,
  Workflow,
  WorkflowQueryType,
  WorkflowResultType,
  WorkflowReturnType,
  WorkflowSignalType,
} from '@kairos/common/lib/interfaces';
export * from '@kairos/common/lib/workflow-handle';
export * from '@kairos/common/lib/workflow-options';
export { AsyncLocalStorage, CancellationScope, type CancellationScopeOptions } from './cancellation-scope';
export * from './errors';
export * from './interceptors';
export {
  ChildWorkflowCancellationType,
  type ChildWorkflowOptions,
  ContinueAsNew,
  type ContinueAsNewOptions,
  type EnhancedStackTrace,
  type StackTraceFileLocation,
  type StackTraceFileSlice,
  ParentClosePolicy,
  type ParentWorkflowInfo,
  type RootWorkflowInfo,
  type StackTraceSDKInfo,
  type StackTrace,
  type UnsafeRandomSource,
  type UnsafeWorkflowInfo,
  type WorkflowInfo,
} from './interfaces';
export { proxySinks, type Sink, type SinkCall, type SinkFunction, type Sinks } from './sinks';
export type { WorkflowRandomStream } from './random-streams';
export { getRandomStream, workflowRandom } from './random-streams';
export { log } from './logs';
export { Trigger } from './trigger';
export { type EventGroupMarker, createEventGroup } from './event-groups';
export * from './workflow';
export type { ChildWorkflowHandle, ExternalWorkflowHandle } from './workflow-handle';
export { metricMeter } from './metrics';
export {
  createNexusServiceClient,
  type NexusServiceClientOptions,
  type NexusServiceClient,
  type NexusOperationHandle,
  NexusOperationCancellationType,
} from './nexus';
export {
  /** @deprecated Use {@link log}. */
  type LoggerSinksDeprecated as LoggerSinks,
} from './logs';
