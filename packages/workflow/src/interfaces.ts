/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import type {
  CommonWorkflowOptions,
  HandlerUnfinishedPolicy,
  InitialVersioningBehavior,
  PayloadTypeInfo,
  Priority,
  RetryPolicy,
  SearchAttributePair,
  SearchAttributes,
  SuggestContinueAsNewReason,
  TypedSearchAttributes,
  VersioningBehavior,
  VersioningIntent,
  WorkerDeploymentVersion,
} from '@kairos/common';
import type { Duration } from '@kairos/common/lib/time';
import type { kairos } from '@kairos/proto';
import type { EventGroupMarker } from './event-groups';

export {
  ChildWorkflowCancellationType,
  encodeChildWorkflowCancellationType,
  decodeChildWorkflowCancellationType,
  ParentClosePolicy,
  encodeParentClosePolicy,
  decodeParentClosePolicy,
} from '@kairos/common';

/** What a workflow knows about its own execution; read it with `workflowInfo()`. */
export interface WorkflowInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  /** @deprecated Use {@link typedSearchAttributes}. */
  readonly searchAttributes: SearchAttributes;
  /** Search attributes as of the start plus the workflow's own upserts. */
  readonly typedSearchAttributes: TypedSearchAttributes;
  /** The memo as of the start plus the workflow's own upserts. */
  readonly memo?: Record<string, unknown>;
  /** The parent, for a child workflow. */
  readonly parent?: ParentWorkflowInfo;
  /** The first workflow of the chain of parents (absent when this is the root). */
  readonly root?: RootWorkflowInfo;
  /** Result of the previous run of a cron or retried chain. */
  readonly lastResult?: unknown;
  /** Failure of the previous run of a cron or retried chain. */
  readonly lastFailure?: Error;
  /** Events in history as of the current workflow task. */
  readonly historyLength: number;
  /** History size in bytes as of the current workflow task. */
  readonly historySize: number;
  /** Whether the server suggests continuing as new (history too long or too large). */
  readonly continueAsNewSuggested: boolean;
  /** Whether the target worker deployment version of this workflow changed. */
  readonly targetWorkerDeploymentVersionChanged: boolean;
  /** Why continuing as new is suggested. */
  readonly suggestedContinueAsNewReasons?: SuggestContinueAsNewReason[];
  readonly taskQueue: string;
  readonly namespace: string;
  /** Run id of the first run of this chain (continue-as-new, retries, cron). */
  readonly firstExecutionRunId: string;
  /** Run id of the run this one was reset from, or its own. */
  readonly originalExecutionRunId: string;
  /** Run id of the run this one continued from. */
  readonly continuedFromExecutionRunId?: string;
  /** When the first run of the chain started. */
  readonly startTime: Date;
  /** When this run started. */
  readonly runStartTime: Date;
  readonly executionTimeoutMs?: number;
  readonly executionExpirationTime?: Date;
  readonly runTimeoutMs?: number;
  readonly taskTimeoutMs: number;
  readonly retryPolicy?: RetryPolicy;
  /** Attempt of this run (1 unless the workflow is retried). */
  readonly attempt: number;
  readonly cronSchedule?: string;
  readonly cronScheduleToScheduleInterval?: number;
  /** @deprecated The build id of the worker that processes the current task. */
  readonly currentBuildId?: string;
  readonly currentDeploymentVersion?: WorkerDeploymentVersion;
  /** Non-deterministic values; use only where determinism does not matter (logging, metrics). */
  readonly unsafe: UnsafeWorkflowInfo;
  readonly priority?: Priority;
}

/** Values that differ between the original run and a replay. */
export interface UnsafeWorkflowInfo {
  /** Wall-clock time in milliseconds (not workflow time). */
  readonly now: () => number;
  /** Whether the current activation replays history. */
  readonly isReplaying: boolean;
  /** Whether history events are being replayed (false while answering a query). */
  readonly isReplayingHistoryEvents: boolean;
  /** A random source outside the workflow's deterministic stream. */
  readonly random: UnsafeRandomSource;
}

/** Randomness that does not advance the workflow's deterministic generator. */
export interface UnsafeRandomSource {
  random(): number;
  uuid4(): string;
  fillRandom(bytes: Uint8Array): Uint8Array;
}

/** The update being handled (see `currentUpdateInfo`). */
export interface UpdateInfo {
  readonly id: string;
  readonly name: string;
}

/** The parent of a child workflow. */
export interface ParentWorkflowInfo {
  workflowId: string;
  runId: string;
  namespace: string;
}

/** The root of a chain of child workflows. */
export interface RootWorkflowInfo {
  workflowId: string;
  runId: string;
}

/** Thrown (by `continueAsNew`) to end the run and start a new one; it carries the command. */
export class ContinueAsNew extends Error {
  constructor(
    public readonly command: kairos.core.commands.IContinueAsNewWorkflowExecution,
    public readonly eventGroupMarkers?: EventGroupMarker[],
  ) {
    super('Workflow continued as new');
    this.name = 'ContinueAsNew';
  }
}

/** Options of `continueAsNew`/`makeContinueAsNewFunc`; unset fields are copied from the current run. */
export interface ContinueAsNewOptions {
  /** Default: this workflow's type. */
  workflowType?: string;
  /** Default: this workflow's task queue. */
  taskQueue?: string;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  /** Delay before the new run's first workflow task. */
  backoffStartInterval?: Duration;
  memo?: Record<string, unknown>;
  /** @deprecated Use {@link typedSearchAttributes}. */
  searchAttributes?: SearchAttributes;
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** @deprecated Worker versioning with build ids. */
  versioningIntent?: VersioningIntent;
  initialVersioningBehavior?: InitialVersioningBehavior;
  typeInfo?: Pick<PayloadTypeInfo, 'inputTypes'>;
  eventGroups?: EventGroupMarker[];
}

/** Options of `startChild`/`executeChild`. */
export interface ChildWorkflowOptions extends Omit<CommonWorkflowOptions, 'workflowIdConflictPolicy'> {
  typeInfo?: PayloadTypeInfo;
  /** Default: a deterministic random UUID. */
  workflowId?: string;
  /** Default: the parent's task queue. */
  taskQueue?: string;
  /** What cancelling the child from the parent does. Default `WAIT_CANCELLATION_COMPLETED`. */
  cancellationType?: import('@kairos/common').ChildWorkflowCancellationType;
  /** What happens to the child when the parent closes. Default `TERMINATE` (the server's default). */
  parentClosePolicy?: import('@kairos/common').ParentClosePolicy;
  /** @deprecated Worker versioning with build ids. */
  versioningIntent?: VersioningIntent;
  eventGroups?: EventGroupMarker[];
}

/** The child options that always have a value once defaults are applied. */
export type RequiredChildWorkflowOptions = Required<Pick<ChildWorkflowOptions, 'workflowId' | 'cancellationType'>> & {
  args: unknown[];
};

/** Child workflow options with defaults applied. */
export type ChildWorkflowOptionsWithDefaults = ChildWorkflowOptions & RequiredChildWorkflowOptions;

/** Which SDK produced an enhanced stack trace. */
export interface StackTraceSDKInfo {
  name: string;
  version: string;
}

/** Part of a source file, for the enhanced stack trace. */
export interface StackTraceFileSlice {
  /** Line number of the first line of `content` (0-based). */
  line_offset: number;
  content: string;
}

/** One frame of an enhanced stack trace. */
export interface StackTraceFileLocation {
  file_path?: string;
  line?: number;
  column?: number;
  function_name?: string;
  /** Whether the frame is in SDK code rather than user code. */
  internal_code: boolean;
}

/** One stack of an enhanced stack trace. */
export interface StackTrace {
  locations: StackTraceFileLocation[];
}

/** The answer of the `__enhanced_stack_trace` query. */
export interface EnhancedStackTrace {
  sdk: StackTraceSDKInfo;
  sources: Record<string, StackTraceFileSlice[]>;
  stacks: StackTrace[];
}

/** What the worker tells the runtime when it creates a run. */
export interface WorkflowCreateOptions {
  info: WorkflowInfo;
  randomnessSeed: number[];
  now: number;
  showStackTraceSources: boolean;
  /** Class names of errors that fail the workflow instead of the task (`workflowFailureErrorTypes`). */
  failureExceptionTypeNames?: string[];
}

/** The runtime-only part of the creation options. */
export interface WorkflowCreateOptionsInternal extends WorkflowCreateOptions {
  registeredActivityNames: Set<string>;
  stackTracesEnabled: boolean;
}

/** The handler function type of a signal, query or update definition. */
export type Handler<
  Ret,
  Args extends any[],
  T extends
    | import('@kairos/common').UpdateDefinition<Ret, Args>
    | import('@kairos/common').SignalDefinition<Args>
    | import('@kairos/common').QueryDefinition<Ret, Args>,
> = T extends import('@kairos/common').UpdateDefinition<infer R, infer A extends any[]>
  ? (...args: A) => R | Promise<R>
  : T extends import('@kairos/common').SignalDefinition<infer A extends any[]>
    ? (...args: A) => void | Promise<void>
    : T extends import('@kairos/common').QueryDefinition<infer R, infer A extends any[]>
      ? (...args: A) => R
      : never;

/** Handles signals that have no handler of their own. */
export type DefaultSignalHandler = (signalName: string, ...args: unknown[]) => void | Promise<void>;
/** Handles updates that have no handler of their own. */
export type DefaultUpdateHandler = (updateName: string, ...args: unknown[]) => Promise<unknown> | unknown;
/** Answers queries that have no handler of their own. */
export type DefaultQueryHandler = (queryName: string, ...args: unknown[]) => unknown;

/** Checks an update's arguments before it is accepted; throwing rejects the update. */
export type UpdateValidator<Args extends any[]> = (...args: Args) => void;

/** Options of a query handler. */
export type QueryHandlerOptions = { description?: string };

/** Options of a signal handler. */
export type SignalHandlerOptions = { description?: string; unfinishedPolicy?: HandlerUnfinishedPolicy };

/** Options of an update handler. */
export type UpdateHandlerOptions<Args extends any[]> = {
  validator?: UpdateValidator<Args>;
  description?: string;
  unfinishedPolicy?: HandlerUnfinishedPolicy;
};

/** What an activation produced. */
export interface ActivationCompletion {
  commands: kairos.core.commands.IWorkflowCommand[];
  usedInternalFlags: number[];
  versioningBehavior?: VersioningBehavior;
}
