import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';
import { errorMessage, isError, isRecord, SymbolBasedInstanceOfError } from './type-helpers';
import type { Duration } from './time';

/** Value of the `source` field on every `Failure` this library encodes. */
export const FAILURE_SOURCE = 'TypeScriptSDK';

/** Plain-object form of the protobuf message `temporal.api.failure.v1.Failure`. */
export type ProtoFailure = temporal.api.failure.v1.IFailure;

/** Which timeout a {@link TimeoutFailure} is about. */
export const TimeoutType = {
  START_TO_CLOSE: 'START_TO_CLOSE',
  SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  HEARTBEAT: 'HEARTBEAT',

  /** @deprecated Spelled {@link TimeoutType.START_TO_CLOSE} now. */
  TIMEOUT_TYPE_START_TO_CLOSE: 'START_TO_CLOSE',
  /** @deprecated Spelled {@link TimeoutType.SCHEDULE_TO_START} now. */
  TIMEOUT_TYPE_SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  /** @deprecated Spelled {@link TimeoutType.SCHEDULE_TO_CLOSE} now. */
  TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  /** @deprecated Spelled {@link TimeoutType.HEARTBEAT} now. */
  TIMEOUT_TYPE_HEARTBEAT: 'HEARTBEAT',
  /** @deprecated Leave the value `undefined` instead. */
  TIMEOUT_TYPE_UNSPECIFIED: undefined,
} as const;
/** Which timeout a {@link TimeoutFailure} is about. */
export type TimeoutType = (typeof TimeoutType)[keyof typeof TimeoutType];

type ProtoTimeoutType = temporal.api.enums.v1.TimeoutType;
const TIMEOUT_TYPE_PREFIX = 'TIMEOUT_TYPE_';

/** Maps {@link TimeoutType} values to the numbers of `temporal.api.enums.v1.TimeoutType` and back. */
export const [encodeTimeoutType, decodeTimeoutType] = makeProtoEnumConverters<
  ProtoTimeoutType,
  typeof TimeoutType,
  typeof TIMEOUT_TYPE_PREFIX
>({ UNSPECIFIED: 0, START_TO_CLOSE: 1, SCHEDULE_TO_START: 2, SCHEDULE_TO_CLOSE: 3, HEARTBEAT: 4 }, TIMEOUT_TYPE_PREFIX);

/** The reason retries of an activity or child workflow came to an end. */
export const RetryState = {
  IN_PROGRESS: 'IN_PROGRESS',
  NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  TIMEOUT: 'TIMEOUT',
  MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  CANCEL_REQUESTED: 'CANCEL_REQUESTED',

  /** @deprecated Spelled {@link RetryState.IN_PROGRESS} now. */
  RETRY_STATE_IN_PROGRESS: 'IN_PROGRESS',
  /** @deprecated Spelled {@link RetryState.NON_RETRYABLE_FAILURE} now. */
  RETRY_STATE_NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  /** @deprecated Spelled {@link RetryState.TIMEOUT} now. */
  RETRY_STATE_TIMEOUT: 'TIMEOUT',
  /** @deprecated Spelled {@link RetryState.MAXIMUM_ATTEMPTS_REACHED} now. */
  RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  /** @deprecated Spelled {@link RetryState.RETRY_POLICY_NOT_SET} now. */
  RETRY_STATE_RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  /** @deprecated Spelled {@link RetryState.INTERNAL_SERVER_ERROR} now. */
  RETRY_STATE_INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** @deprecated Spelled {@link RetryState.CANCEL_REQUESTED} now. */
  RETRY_STATE_CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  /** @deprecated Leave the value `undefined` instead. */
  RETRY_STATE_UNSPECIFIED: undefined,
} as const;
/** The reason retries of an activity or child workflow came to an end. */
export type RetryState = (typeof RetryState)[keyof typeof RetryState];

type ProtoRetryState = temporal.api.enums.v1.RetryState;
const RETRY_STATE_PREFIX = 'RETRY_STATE_';

/** Maps {@link RetryState} values to the numbers of `temporal.api.enums.v1.RetryState` and back. */
export const [encodeRetryState, decodeRetryState] = makeProtoEnumConverters<
  ProtoRetryState,
  typeof RetryState,
  typeof RETRY_STATE_PREFIX
>(
  {
    UNSPECIFIED: 0,
    IN_PROGRESS: 1,
    NON_RETRYABLE_FAILURE: 2,
    TIMEOUT: 3,
    MAXIMUM_ATTEMPTS_REACHED: 4,
    RETRY_POLICY_NOT_SET: 5,
    INTERNAL_SERVER_ERROR: 6,
    CANCEL_REQUESTED: 7,
  },
  RETRY_STATE_PREFIX,
);

/**
 * How serious an {@link ApplicationFailure} is. Activity failures marked `BENIGN` are logged at DEBUG level and
 * left out of failure metrics.
 *
 * @experimental
 */
export const ApplicationFailureCategory = {
  BENIGN: 'BENIGN',
} as const;
/** How serious an {@link ApplicationFailure} is. */
export type ApplicationFailureCategory = (typeof ApplicationFailureCategory)[keyof typeof ApplicationFailureCategory];

type ProtoApplicationErrorCategory = temporal.api.enums.v1.ApplicationErrorCategory;
const APPLICATION_ERROR_CATEGORY_PREFIX = 'APPLICATION_ERROR_CATEGORY_';

/** Maps {@link ApplicationFailureCategory} values to `temporal.api.enums.v1.ApplicationErrorCategory` and back. */
export const [encodeApplicationFailureCategory, decodeApplicationFailureCategory] = makeProtoEnumConverters<
  ProtoApplicationErrorCategory,
  typeof ApplicationFailureCategory,
  typeof APPLICATION_ERROR_CATEGORY_PREFIX
>({ UNSPECIFIED: 0, BENIGN: 1 }, APPLICATION_ERROR_CATEGORY_PREFIX);

/** A workflow execution: workflow id and run id. */
export type WorkflowExecution = temporal.api.common.v1.IWorkflowExecution;

/**
 * Root of the failure hierarchy: every error that may travel between a workflow, its activities and the server
 * (as a `temporal.api.failure.v1.Failure`) derives from it. Application code should throw
 * {@link ApplicationFailure} rather than define its own subclasses.
 */
export class TemporalFailure extends Error {
  /** The error this one wraps, if any. */
  public override readonly cause?: Error;

  /**
   * Set when the error was built from a received `Failure`; the failure converter then hands that message back
   * as is instead of re-encoding the error.
   */
  public failure?: ProtoFailure;

  constructor(message?: string | undefined | null, cause?: Error) {
    // `Error` treats `undefined` as "no message"; a null message is folded into that.
    super(message === null ? undefined : message);
    this.cause = cause;
  }
}
SymbolBasedInstanceOfError('TemporalFailure')(TemporalFailure);

/** Raised by the server itself rather than by workflow or activity code. */
export class ServerFailure extends TemporalFailure {
  /** `true` when the server says another attempt would fail the same way. */
  public readonly nonRetryable: boolean;

  constructor(message: string | undefined, nonRetryable: boolean, cause?: Error) {
    super(message, cause);
    this.nonRetryable = nonRetryable;
  }
}
SymbolBasedInstanceOfError('ServerFailure')(ServerFailure);

/** Settings accepted by {@link ApplicationFailure.create}; every field is optional. */
export interface ApplicationFailureOptions {
  /** Human-readable description. */
  message?: string;
  /** Free-form error kind, compared with {@link RetryPolicy.nonRetryableErrorTypes}. */
  type?: string;
  /**
   * Stop retrying right away, regardless of the retry policy.
   *
   * @default false
   */
  nonRetryable?: boolean;
  /** Extra values carried with the failure; they go through the payload converter. */
  details?: unknown[];
  /**
   * Wait this long before the next attempt instead of the back-off the retry policy would compute. Maximum
   * attempts and timeouts still apply.
   */
  nextRetryDelay?: Duration;
  /** The underlying error. */
  cause?: Error;
  /** Classifies the failure for logging and metrics purposes. */
  category?: ApplicationFailureCategory;
}

/**
 * The failure user code is meant to throw. Retries are driven by two things: `nonRetryable`, which ends them
 * unconditionally, and `type`, which the retry policy may list as non-retryable.
 *
 * Throwing it from workflow code fails the whole execution, whereas any other error only fails the current
 * workflow task (which the worker then retries). Activities may throw anything: a plain error is wrapped into an
 * `ApplicationFailure` typed after the error's class, keeping message, stack and cause.
 */
export class ApplicationFailure extends TemporalFailure {
  /** Free-form error kind, compared with {@link RetryPolicy.nonRetryableErrorTypes}. */
  public readonly type?: string | undefined | null;
  /** `true` stops retries whatever the retry policy says. */
  public readonly nonRetryable?: boolean | undefined | null;
  /** Extra values carried with the failure. */
  public readonly details?: unknown[] | undefined | null;
  /** Delay to use before the next attempt, replacing the computed back-off. */
  public readonly nextRetryDelay?: Duration | undefined | null;
  /** Classifies the failure for logging and metrics purposes. */
  public readonly category?: ApplicationFailureCategory | undefined | null;

  /**
   * Positional constructor, kept for compatibility; {@link ApplicationFailure.create} and
   * {@link ApplicationFailure.fromError} read better.
   */
  constructor(
    message?: string | undefined | null,
    type?: string | undefined | null,
    nonRetryable?: boolean | undefined | null,
    details?: unknown[] | undefined | null,
    cause?: Error,
    nextRetryDelay?: Duration | undefined | null,
    category?: ApplicationFailureCategory | undefined | null,
  ) {
    super(message, cause);
    this.type = type;
    this.nonRetryable = nonRetryable;
    this.details = details;
    this.nextRetryDelay = nextRetryDelay;
    this.category = category;
  }

  /**
   * Turns `error` into an `ApplicationFailure` (see {@link ensureApplicationFailure}) and copies the given
   * `overrides` onto the result.
   */
  public static fromError(error: Error | unknown, overrides?: ApplicationFailureOptions): ApplicationFailure {
    return Object.assign(ensureApplicationFailure(error), overrides);
  }

  /** Builds a failure from named options. It may be retried unless `nonRetryable` is set. */
  public static create(options: ApplicationFailureOptions): ApplicationFailure {
    const nonRetryable = options.nonRetryable === undefined ? false : options.nonRetryable;
    return new this(
      options.message,
      options.type,
      nonRetryable,
      options.details,
      options.cause,
      options.nextRetryDelay,
      options.category,
    );
  }

  /**
   * Shorthand for a failure that may be retried (the retry policy can still exclude its `type`). The type is
   * `'Error'` when not given; remaining arguments become the details.
   */
  public static retryable(message?: string | null, type?: string | null, ...details: unknown[]): ApplicationFailure {
    return new this(message, orDefaultType(type), false, details);
  }

  /** Shorthand for a failure that ends retries. The type is `'Error'` when not given. */
  public static nonRetryable(message?: string | null, type?: string | null, ...details: unknown[]): ApplicationFailure {
    return new this(message, orDefaultType(type), true, details);
  }
}
SymbolBasedInstanceOfError('ApplicationFailure')(ApplicationFailure);

function orDefaultType(type: string | null | undefined): string {
  return type === null || type === undefined ? 'Error' : type;
}

/**
 * The error a payload converter or codec raises for a payload it recognises but refuses. It is never retried;
 * `details`, unless null or undefined, is attached as the only detail value.
 */
export function createPayloadValidationError(details: unknown): ApplicationFailure {
  const attached = details === null || details === undefined ? [] : [details];
  return new ApplicationFailure('Payload validation failed', 'PayloadValidationError', true, attached);
}

/**
 * Signals that cancellation was requested. Rethrowing it (or not catching it) lets the scope end as cancelled;
 * catching it lets the code go on, since a scope is only cancelled once. A cancelled workflow or activity reports
 * a failure whose cause is one of these.
 */
export class CancelledFailure extends TemporalFailure {
  /** Values supplied along with the cancellation request. */
  public readonly details: unknown[];

  constructor(message: string | undefined, details?: unknown[], cause?: Error) {
    super(message, cause);
    this.details = details ?? [];
  }
}
SymbolBasedInstanceOfError('CancelledFailure')(CancelledFailure);

/** Reported as the `cause` of the failure of a workflow that someone terminated. */
export class TerminatedFailure extends TemporalFailure {
  constructor(message: string | undefined, cause?: Error) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('TerminatedFailure')(TerminatedFailure);

/** Reports that a workflow or activity timed out; a heartbeat timeout also carries what was last heartbeated. */
export class TimeoutFailure extends TemporalFailure {
  /** What the activity reported in its last heartbeat, when there was one. */
  public readonly lastHeartbeatDetails: unknown;
  /** The timeout that expired. */
  public readonly timeoutType: TimeoutType;

  constructor(message: string | undefined, lastHeartbeatDetails: unknown, timeoutType: TimeoutType) {
    super(message);
    this.lastHeartbeatDetails = lastHeartbeatDetails;
    this.timeoutType = timeoutType;
  }
}
SymbolBasedInstanceOfError('TimeoutFailure')(TimeoutFailure);

/**
 * Raised by the SDK when an activity gives up; inspect `cause` for the reason (an {@link ApplicationFailure}, a
 * {@link TimeoutFailure}, ...). User code does not throw it.
 */
export class ActivityFailure extends TemporalFailure {
  /** Name of the activity type. */
  public readonly activityType: string;
  /** Id of the activity. */
  public readonly activityId: string | undefined;
  /** Why retries stopped. */
  public readonly retryState: RetryState;
  /** Identity of the worker that made the last attempt. */
  public readonly identity: string | undefined;

  constructor(
    message: string | undefined,
    activityType: string,
    activityId: string | undefined,
    retryState: RetryState,
    identity: string | undefined,
    cause?: Error,
  ) {
    super(message, cause);
    this.activityType = activityType;
    this.activityId = activityId;
    this.retryState = retryState;
    this.identity = identity;
  }
}
SymbolBasedInstanceOfError('ActivityFailure')(ActivityFailure);

const CHILD_WORKFLOW_FAILED = 'Child Workflow execution failed';

/**
 * Raised by the SDK when a child workflow ends unsuccessfully; `cause` explains how (for example a
 * {@link TerminatedFailure}). User code does not throw it.
 */
export class ChildWorkflowFailure extends TemporalFailure {
  /** Namespace the child ran in. */
  public readonly namespace: string | undefined;
  /** Workflow id and run id of the child. */
  public readonly execution: WorkflowExecution;
  /** Name of the child's workflow type. */
  public readonly workflowType: string;
  /** Why retries of the child stopped. */
  public readonly retryState: RetryState;

  constructor(
    namespace: string | undefined,
    execution: WorkflowExecution,
    workflowType: string,
    retryState: RetryState,
    cause?: Error,
  ) {
    super(CHILD_WORKFLOW_FAILED, cause);
    this.namespace = namespace;
    this.execution = execution;
    this.workflowType = workflowType;
    this.retryState = retryState;
  }
}
SymbolBasedInstanceOfError('ChildWorkflowFailure')(ChildWorkflowFailure);

/** Raised in a workflow when a Nexus operation it called did not succeed; `cause` explains how. */
export class NexusOperationFailure extends TemporalFailure {
  /** Event id of `NexusOperationScheduled` in the calling workflow's history. */
  public readonly scheduledEventId: number | undefined;
  /** Name of the Nexus endpoint. */
  public readonly endpoint: string;
  /** Name of the Nexus service. */
  public readonly service: string;
  /** Name of the operation. */
  public readonly operation: string;
  /** Token identifying the operation when it had been started asynchronously. */
  public readonly operationToken: string | undefined;

  constructor(
    message: string | undefined,
    scheduledEventId: number | undefined,
    endpoint: string,
    service: string,
    operation: string,
    operationToken: string | undefined,
    cause?: Error,
  ) {
    super(message, cause);
    this.scheduledEventId = scheduledEventId;
    this.endpoint = endpoint;
    this.service = service;
    this.operation = operation;
    this.operationToken = operationToken;
  }
}
SymbolBasedInstanceOfError('NexusOperationFailure')(NexusOperationFailure);

/**
 * Raised when a start request names a workflow id that cannot be used: either an execution with that id is still
 * open and the id conflict policy is `FAIL`, or a closed one exists and the id reuse policy forbids another.
 */
export class WorkflowExecutionAlreadyStartedError extends TemporalFailure {
  /** The id already in use. */
  public readonly workflowId: string;
  /** Type of the workflow the caller tried to start. */
  public readonly workflowType: string;

  constructor(message: string, workflowId: string, workflowType: string) {
    super(message);
    this.workflowId = workflowId;
    this.workflowType = workflowType;
  }
}
SymbolBasedInstanceOfError('WorkflowExecutionAlreadyStartedError')(WorkflowExecutionAlreadyStartedError);

/** What {@link ensureApplicationFailure} takes over from an arbitrary thrown value. */
interface ThrownSummary {
  message: string;
  type: string | undefined;
  cause: Error | undefined;
  stack: string;
}

function summarizeThrown(thrown: unknown): ThrownSummary {
  if (!isRecord(thrown)) {
    return { message: String(thrown), type: undefined, cause: undefined, stack: '' };
  }
  const ownMessage = String(thrown.message);
  // Prefer the class name (`TypeError`, a user subclass...) and fall back to a `name` property.
  const className = (thrown.constructor as { name?: unknown } | undefined)?.name;
  const typeName = className === null || className === undefined ? thrown.name : className;
  return {
    message: ownMessage !== '' ? ownMessage : String(thrown),
    type: typeName ? (typeName as string) : undefined,
    cause: isError(thrown.cause) ? thrown.cause : undefined,
    stack: String(thrown.stack),
  };
}

/**
 * Gives back `error` itself when it already is an {@link ApplicationFailure}. Anything else is wrapped into a new,
 * retryable one: message from the error (or its string form), type from its class name, plus its stack and, if it
 * is an `Error`, its cause.
 */
export function ensureApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const summary = summarizeThrown(error);
  const wrapped = new ApplicationFailure(summary.message, summary.type, false, undefined, summary.cause);
  wrapped.stack = summary.stack;
  return wrapped;
}

/** Leaves any {@link TemporalFailure} as is and wraps everything else with {@link ensureApplicationFailure}. */
export function ensureTemporalFailure(err: unknown): TemporalFailure {
  return err instanceof TemporalFailure ? err : ensureApplicationFailure(err);
}

/**
 * Walks down the `cause` links of nested {@link TemporalFailure}s and returns the message found at the bottom.
 * Causes of non-Temporal errors are not followed; a string is returned unchanged.
 */
export function rootCause(error: unknown): string | undefined {
  let innermost = error;
  while (innermost instanceof TemporalFailure && innermost.cause) {
    innermost = innermost.cause;
  }
  return innermost instanceof TemporalFailure ? innermost.message : errorMessage(innermost);
}
