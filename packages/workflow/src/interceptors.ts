/**
 * Workflow interceptors: a module listed in `WorkerOptions.interceptors.workflowModules` (or the bundle's
 * `workflowInterceptorModules`) exports `interceptors: WorkflowInterceptorsFactory`, called once per run.
 *
 * @module
 */
import type { Duration, Headers, MetricTags, Next, PayloadTypeInfo, TypeInfo, WorkflowExecution } from '@kairos/common';
import type { SignalTypeInfo } from '@kairos/common/lib/interfaces';
import type { Timestamp } from '@kairos/common/lib/time';
import type { kairos } from '@kairos/proto';
import type { ActivityOptions, LocalActivityOptions } from './activities';
import type { EventGroupMarker } from './event-groups';
import type { ChildWorkflowOptionsWithDefaults, ContinueAsNewOptions } from './interfaces';
import type { NexusOperationCancellationType } from './nexus';

export type { Next, Headers };

/** Builds the interceptors of one run. */
export type WorkflowInterceptorsFactory = () => WorkflowInterceptors;

/** The interceptors of one run. */
export interface WorkflowInterceptors {
  inbound?: WorkflowInboundCallsInterceptor[];
  outbound?: WorkflowOutboundCallsInterceptor[];
  internals?: WorkflowInternalsInterceptor[];
}

/** Intercepts calls into the workflow: its start, signals, queries and updates. */
export interface WorkflowInboundCallsInterceptor {
  execute?: (input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) => Promise<unknown>;
  handleUpdate?: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) => Promise<unknown>;
  validateUpdate?: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) => void;
  handleSignal?: (input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) => Promise<void>;
  handleQuery?: (input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>) => Promise<unknown>;
}

/** Input of the workflow function. */
export interface WorkflowExecuteInput {
  readonly args: unknown[];
  readonly headers: Headers;
}

/** Input of an update handler or validator. */
export interface UpdateInput {
  readonly updateId: string;
  readonly name: string;
  readonly args: unknown[];
  readonly headers: Headers;
}

/** Input of a signal handler. */
export interface SignalInput {
  readonly signalName: string;
  readonly args: unknown[];
  readonly headers: Headers;
}

/** Input of a query handler. */
export interface QueryInput {
  readonly queryId: string;
  readonly queryName: string;
  readonly args: unknown[];
  readonly headers: Headers;
}

/** Intercepts what the workflow asks of the outside world. */
export interface WorkflowOutboundCallsInterceptor {
  startTimer?: (input: TimerInput, next: Next<WorkflowOutboundCallsInterceptor, 'startTimer'>) => Promise<void>;
  scheduleActivity?: (
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) => Promise<unknown>;
  scheduleLocalActivity?: (
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) => Promise<unknown>;
  startNexusOperation?: (
    input: StartNexusOperationInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startNexusOperation'>,
  ) => Promise<StartNexusOperationOutput>;
  startChildWorkflowExecution?: (
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) => Promise<[Promise<string>, Promise<unknown>]>;
  signalWorkflow?: (
    input: SignalWorkflowInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ) => Promise<void>;
  continueAsNew?: (
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) => Promise<never>;
  getLogAttributes?: (
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
  getMetricTags?: (
    input: GetMetricTagsInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getMetricTags'>,
  ) => MetricTags;
}

/** Input of `startTimer`. */
export interface TimerInput {
  readonly durationMs: number;
  readonly seq: number;
  readonly options?: TimerOptions;
}

/** Options of `sleep` and of the timer of `condition`. */
export interface TimerOptions {
  /** Shown in the UI for the timer. */
  readonly summary?: string;
  readonly eventGroups?: EventGroupMarker[];
}

/** Input of `scheduleActivity`. */
export interface ActivityInput {
  readonly activityType: string;
  readonly args: unknown[];
  readonly options: ActivityOptions;
  readonly headers: Headers;
  readonly seq: number;
  readonly typeInfo?: PayloadTypeInfo;
}

/** Input of `scheduleLocalActivity`. */
export interface LocalActivityInput {
  readonly activityType: string;
  readonly args: unknown[];
  readonly options: LocalActivityOptions;
  readonly headers: Headers;
  readonly seq: number;
  readonly originalScheduleTime?: Timestamp;
  readonly attempt: number;
  readonly typeInfo?: PayloadTypeInfo;
}

/** Input of `startNexusOperation`. */
export interface StartNexusOperationInput {
  readonly input: unknown;
  readonly inputType?: TypeInfo;
  readonly outputType?: TypeInfo;
  readonly endpoint: string;
  readonly service: string;
  readonly options: StartNexusOperationOptions;
  readonly operation: string;
  readonly seq: number;
  readonly headers: Record<string, string>;
}

/** Options of a Nexus operation started from a workflow. */
export interface StartNexusOperationOptions {
  readonly scheduleToCloseTimeout?: Duration;
  readonly scheduleToStartTimeout?: Duration;
  readonly startToCloseTimeout?: Duration;
  readonly cancellationType?: NexusOperationCancellationType;
  readonly summary?: string;
  readonly eventGroups?: EventGroupMarker[];
}

/** Output of `startNexusOperation`. */
export interface StartNexusOperationOutput {
  readonly token?: string;
  readonly result: Promise<unknown>;
}

/** Input of `startChildWorkflowExecution`. */
export interface StartChildWorkflowExecutionInput {
  readonly workflowType: string;
  readonly options: ChildWorkflowOptionsWithDefaults;
  readonly headers: Headers;
  readonly seq: number;
}

/** Input of `signalWorkflow` (a signal to a child or to another workflow). */
export interface SignalWorkflowInput {
  readonly seq: number;
  readonly signalName: string;
  readonly args: unknown[];
  readonly typeInfo?: SignalTypeInfo;
  readonly headers: Headers;
  readonly target:
    | { readonly type: 'external'; readonly workflowExecution: WorkflowExecution }
    | { readonly type: 'child'; readonly childWorkflowId: string };
}

/** Input of `continueAsNew`. */
export interface ContinueAsNewInput {
  readonly args: unknown[];
  readonly headers: Headers;
  readonly options: ContinueAsNewInputOptions;
}

/** Continue-as-new options with the workflow type filled in. */
export type ContinueAsNewInputOptions = ContinueAsNewOptions & Required<Pick<ContinueAsNewOptions, 'workflowType'>>;

/** Input of `getLogAttributes`: the attributes so far. */
export type GetLogAttributesInput = Record<string, unknown>;

/** Input of `getMetricTags`: the tags so far. */
export type GetMetricTagsInput = MetricTags;

/** Intercepts the runtime's own steps: activation, conclusion, disposal. */
export interface WorkflowInternalsInterceptor {
  activate?(input: ActivateInput, next: Next<this, 'activate'>): void;
  concludeActivation?(input: ConcludeActivationInput, next: Next<this, 'concludeActivation'>): ConcludeActivationOutput;
  dispose?(input: DisposeInput, next: Next<this, 'dispose'>): void;
}

/** Input of `activate`. */
export interface ActivateInput {
  readonly activation: kairos.core.activation.IWorkflowActivation;
  readonly batchIndex: number;
}

/** Input of `dispose` (empty, as in the official SDK). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DisposeInput {}

/** Input of `concludeActivation`. */
export interface ConcludeActivationInput {
  readonly commands: kairos.core.commands.IWorkflowCommand[];
}

/** Output of `concludeActivation`. */
export type ConcludeActivationOutput = ConcludeActivationInput;
