import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';
import { errorMessage, isError, isRecord, SymbolBasedInstanceOfError } from './type-helpers';
import type { Duration } from './time';

/** The `source` written into every failure this SDK produces. */
export const FAILURE_SOURCE = 'TypeScriptSDK';

/** The protobuf `temporal.api.failure.v1.Failure` message, as a plain object. */
export type ProtoFailure = temporal.api.failure.v1.IFailure;

/** The kind of timeout a {@link TimeoutFailure} reports. */
export const TimeoutType = {
  START_TO_CLOSE: 'START_TO_CLOSE',
  SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  HEARTBEAT: 'HEARTBEAT',

  /** @deprecated Use {@link TimeoutType.START_TO_CLOSE}. */
  TIMEOUT_TYPE_START_TO_CLOSE: 'START_TO_CLOSE',
  /** @deprecated Use {@link TimeoutType.SCHEDULE_TO_START}. */
  TIMEOUT_TYPE_SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  /** @deprecated Use {@link TimeoutType.SCHEDULE_TO_CLOSE}. */
  TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  /** @deprecated Use {@link TimeoutType.HEARTBEAT}. */
  TIMEOUT_TYPE_HEARTBEAT: 'HEARTBEAT',
  /** @deprecated Use `undefined`. */
  TIMEOUT_TYPE_UNSPECIFIED: undefined,
} as const;
/** The kind of timeout a {@link TimeoutFailure} reports. */
export type TimeoutType = (typeof TimeoutType)[keyof typeof TimeoutType];

/** Converts between {@link TimeoutType} and `temporal.api.enums.v1.TimeoutType`. */
export const [encodeTimeoutType, decodeTimeoutType] = makeProtoEnumConverters<
  temporal.api.enums.v1.TimeoutType,
  typeof TimeoutType,
  'TIMEOUT_TYPE_'
>(
  {
    START_TO_CLOSE: 1,
    SCHEDULE_TO_START: 2,
    SCHEDULE_TO_CLOSE: 3,
    HEARTBEAT: 4,
    UNSPECIFIED: 0,
  },
  'TIMEOUT_TYPE_',
);

/** Why an activity or child workflow stopped being retried. */
export const RetryState = {
  IN_PROGRESS: 'IN_PROGRESS',
  NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  TIMEOUT: 'TIMEOUT',
  MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  CANCEL_REQUESTED: 'CANCEL_REQUESTED',

  /** @deprecated Use {@link RetryState.IN_PROGRESS}. */
  RETRY_STATE_IN_PROGRESS: 'IN_PROGRESS',
  /** @deprecated Use {@link RetryState.NON_RETRYABLE_FAILURE}. */
  RETRY_STATE_NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  /** @deprecated Use {@link RetryState.TIMEOUT}. */
  RETRY_STATE_TIMEOUT: 'TIMEOUT',
  /** @deprecated Use {@link RetryState.MAXIMUM_ATTEMPTS_REACHED}. */
  RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  /** @deprecated Use {@link RetryState.RETRY_POLICY_NOT_SET}. */
  RETRY_STATE_RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  /** @deprecated Use {@link RetryState.INTERNAL_SERVER_ERROR}. */
  RETRY_STATE_INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** @deprecated Use {@link RetryState.CANCEL_REQUESTED}. */
  RETRY_STATE_CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  /** @deprecated Use `undefined`. */
  RETRY_STATE_UNSPECIFIED: undefined,
} as const;
/** Why an activity or child workflow stopped being retried. */
export type RetryState = (typeof RetryState)[keyof typeof RetryState];

/** Converts between {@link RetryState} and `temporal.api.enums.v1.RetryState`. */
export const [encodeRetryState, decodeRetryState] = makeProtoEnumConverters<
  temporal.api.enums.v1.RetryState,
  typeof RetryState,
  'RETRY_STATE_'
>(
  {
    IN_PROGRESS: 1,
    NON_RETRYABLE_FAILURE: 2,
    TIMEOUT: 3,
    MAXIMUM_ATTEMPTS_REACHED: 4,
    RETRY_POLICY_NOT_SET: 5,
    INTERNAL_SERVER_ERROR: 6,
    CANCEL_REQUESTED: 7,
    UNSPECIFIED: 0,
  },
  'RETRY_STATE_',
);

/**
 * The severity of an {@link ApplicationFailure}. An activity that fails with a `BENIGN` failure is logged at
 * DEBUG level and not counted in failure metrics.
 *
 * @experimental
 */
export const ApplicationFailureCategory = {
  BENIGN: 'BENIGN',
} as const;
/** The severity of an {@link ApplicationFailure}. */
export type ApplicationFailureCategory = (typeof ApplicationFailureCategory)[keyof typeof ApplicationFailureCategory];

/** Converts between {@link ApplicationFailureCategory} and `temporal.api.enums.v1.ApplicationErrorCategory`. */
export const [encodeApplicationFailureCategory, decodeApplicationFailureCategory] = makeProtoEnumConverters<
  temporal.api.enums.v1.ApplicationErrorCategory,
  typeof ApplicationFailureCategory,
  'APPLICATION_ERROR_CATEGORY_'
>(
  {
    BENIGN: 1,
    UNSPECIFIED: 0,
  },
  'APPLICATION_ERROR_CATEGORY_',
);

/** A workflow execution: workflow id and run id. */
export type WorkflowExecution = temporal.api.common.v1.IWorkflowExecution;

/**
 * The base class of every failure that can cross a workflow or activity boundary (it converts to and from a
 * `temporal.api.failure.v1.Failure`). Do not extend it or its subclasses: throw {@link ApplicationFailure}.
 */
export class TemporalFailure extends Error {
  /**
   * The `Failure` message this error was decoded from, when it came from the server or another worker; converting
   * the error back to a `Failure` returns it unchanged.
   */
  public failure?: ProtoFailure;

  constructor(
    message?: string | undefined | null,
    /** The failure that caused this one. */
    public override readonly cause?: Error,
  ) {
    super(message ?? undefined);
  }
}
SymbolBasedInstanceOfError('TemporalFailure')(TemporalFailure);

/** A failure that originated in the Temporal service. */
export class ServerFailure extends TemporalFailure {
  constructor(
    message: string | undefined,
    /** Whether retrying cannot help. */
    public readonly nonRetryable: boolean,
    cause?: Error,
  ) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('ServerFailure')(ServerFailure);

/** Options of {@link ApplicationFailure.create}. */
export interface ApplicationFailureOptions {
  /** The error message. */
  message?: string;
  /** The error type, matched against {@link RetryPolicy.nonRetryableErrorTypes}. */
  type?: string;
  /**
   * Whether the failing activity or workflow must not be retried, whatever its retry policy says.
   *
   * @default false
   */
  nonRetryable?: boolean;
  /** Details of the failure, converted with the worker's payload converter. */
  details?: unknown[];
  /**
   * Overrides the delay before the next retry attempt (still bounded by the retry policy's maximum attempts and
   * the overall timeouts).
   */
  nextRetryDelay?: Duration;
  /** The failure that caused this one. */
  cause?: Error;
  /** The severity of the failure, which changes how workers log and count it. */
  category?: ApplicationFailureCategory;
}

/**
 * An application-specific failure, the error to throw from workflows and activities. Its `type` is matched
 * against {@link RetryPolicy.nonRetryableErrorTypes}; `nonRetryable: true` stops retries whatever the policy.
 *
 * Thrown from a workflow, it fails the workflow execution (other errors fail only the workflow task, which is
 * retried). Any other error thrown from an activity is converted into an `ApplicationFailure` whose `type` is the
 * error's class name, with the same message, stack and cause.
 */
export class ApplicationFailure extends TemporalFailure {
  /** Prefer {@link ApplicationFailure.create} or {@link ApplicationFailure.fromError}. */
  constructor(
    message?: string | undefined | null,
    /** The error type, matched against {@link RetryPolicy.nonRetryableErrorTypes}. */
    public readonly type?: string | undefined | null,
    /** Whether the failing activity or workflow must not be retried. */
    public readonly nonRetryable?: boolean | undefined | null,
    /** Details of the failure, converted with the worker's payload converter. */
    public readonly details?: unknown[] | undefined | null,
    cause?: Error,
    /** Overrides the delay before the next retry attempt. */
    public readonly nextRetryDelay?: Duration | undefined | null,
    /** The severity of the failure. */
    public readonly category?: ApplicationFailureCategory | undefined | null,
  ) {
    super(message, cause);
  }

  /**
   * Converts any error into an `ApplicationFailure` with {@link ensureApplicationFailure}, then applies
   * `overrides` to it.
   */
  public static fromError(error: Error | unknown, overrides?: ApplicationFailureOptions): ApplicationFailure {
    const failure = ensureApplicationFailure(error);
    Object.assign(failure, overrides);
    return failure;
  }

  /** Creates an `ApplicationFailure`; retryable (`nonRetryable: false`) unless the options say otherwise. */
  public static create(options: ApplicationFailureOptions): ApplicationFailure {
    const { message, type, nonRetryable = false, details, nextRetryDelay, cause, category } = options;
    return new this(message, type, nonRetryable, details, cause, nextRetryDelay, category);
  }

  /**
   * Creates a retryable `ApplicationFailure` (still not retried if its `type` is in the retry policy's
   * `nonRetryableErrorTypes`). `type` defaults to `'Error'`.
   */
  public static retryable(message?: string | null, type?: string | null, ...details: unknown[]): ApplicationFailure {
    return new this(message, type ?? 'Error', false, details);
  }

  /** Creates an `ApplicationFailure` that is never retried. `type` defaults to `'Error'`. */
  public static nonRetryable(message?: string | null, type?: string | null, ...details: unknown[]): ApplicationFailure {
    return new this(message, type ?? 'Error', true, details);
  }
}
SymbolBasedInstanceOfError('ApplicationFailure')(ApplicationFailure);

/**
 * Creates the non-retryable {@link ApplicationFailure} that payload converters and codecs throw when they
 * understand a payload but reject it as invalid. A non-null `details` becomes the single detail.
 */
export function createPayloadValidationError(details: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message: 'Payload validation failed',
    type: 'PayloadValidationError',
    nonRetryable: true,
    details: details === null || details === undefined ? [] : [details],
  });
}

/**
 * Thrown when cancellation was requested. Let it propagate to be cancelled, or catch it to carry on (cancellation
 * is requested only once). It is also the `cause` of the failure reported for a cancelled workflow or activity.
 */
export class CancelledFailure extends TemporalFailure {
  constructor(
    message: string | undefined,
    /** Details sent with the cancellation. */
    public readonly details: unknown[] = [],
    cause?: Error,
  ) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('CancelledFailure')(CancelledFailure);

/** The `cause` of the failure reported for a terminated workflow. */
export class TerminatedFailure extends TemporalFailure {
  constructor(message: string | undefined, cause?: Error) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('TerminatedFailure')(TerminatedFailure);

/** A timeout of an activity or workflow; for heartbeat timeouts it carries the last heartbeat details. */
export class TimeoutFailure extends TemporalFailure {
  constructor(
    message: string | undefined,
    /** The details of the last heartbeat before the timeout, if any. */
    public readonly lastHeartbeatDetails: unknown,
    /** Which timeout fired. */
    public readonly timeoutType: TimeoutType,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('TimeoutFailure')(TimeoutFailure);

/**
 * An activity failed; its `cause` says why (an {@link ApplicationFailure}, a {@link TimeoutFailure}...).
 * Thrown by the SDK, not by user code.
 */
export class ActivityFailure extends TemporalFailure {
  constructor(
    message: string | undefined,
    /** The activity type name. */
    public readonly activityType: string,
    /** The activity id. */
    public readonly activityId: string | undefined,
    /** Why the activity is not retried any more. */
    public readonly retryState: RetryState,
    /** The identity of the worker that ran the last attempt. */
    public readonly identity: string | undefined,
    cause?: Error,
  ) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('ActivityFailure')(ActivityFailure);

/**
 * A child workflow failed; its `cause` says why (for example a {@link TerminatedFailure}). Thrown by the SDK,
 * not by user code.
 */
export class ChildWorkflowFailure extends TemporalFailure {
  constructor(
    /** The namespace of the child workflow. */
    public readonly namespace: string | undefined,
    /** The workflow id and run id of the child. */
    public readonly execution: WorkflowExecution,
    /** The workflow type name of the child. */
    public readonly workflowType: string,
    /** Why the child is not retried any more. */
    public readonly retryState: RetryState,
    cause?: Error,
  ) {
    super('Child Workflow execution failed', cause);
  }
}
SymbolBasedInstanceOfError('ChildWorkflowFailure')(ChildWorkflowFailure);

/** A Nexus operation started from a workflow failed; its `cause` says why. */
export class NexusOperationFailure extends TemporalFailure {
  constructor(
    message: string | undefined,
    /** The id of the `NexusOperationScheduled` event in the caller's history. */
    public readonly scheduledEventId: number | undefined,
    /** The Nexus endpoint name. */
    public readonly endpoint: string,
    /** The Nexus service name. */
    public readonly service: string,
    /** The Nexus operation name. */
    public readonly operation: string,
    /** The token of the asynchronous operation, if it had started. */
    public readonly operationToken: string | undefined,
    cause?: Error,
  ) {
    super(message, cause);
  }
}
SymbolBasedInstanceOfError('NexusOperationFailure')(NexusOperationFailure);

/**
 * Thrown when starting a workflow whose id is taken: a workflow with that id is running and the conflict policy
 * is `FAIL`, or a closed one exists and the reuse policy rejects it.
 */
export class WorkflowExecutionAlreadyStartedError extends TemporalFailure {
  constructor(
    message: string,
    /** The workflow id that is taken. */
    public readonly workflowId: string,
    /** The workflow type that was being started. */
    public readonly workflowType: string,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('WorkflowExecutionAlreadyStartedError')(WorkflowExecutionAlreadyStartedError);

/**
 * Returns `error` if it is an {@link ApplicationFailure}; otherwise a new retryable one with the error's message
 * (or `String(error)`), its class name as `type`, its stack, and its `cause` when that is an `Error`.
 */
export function ensureApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const record = isRecord(error) ? error : undefined;
  const message = (record && String(record.message)) || String(error);
  const constructorName = (record?.constructor as { name?: unknown } | undefined)?.name;
  const type = (record && ((constructorName ?? record.name) as string | undefined)) || undefined;
  const cause = record && isError(record.cause) ? record.cause : undefined;
  const failure = ApplicationFailure.create({ message, type, nonRetryable: false, cause });
  failure.stack = (record && String(record.stack)) || '';
  return failure;
}

/** Returns `err` if it is a {@link TemporalFailure}, otherwise {@link ensureApplicationFailure}`(err)`. */
export function ensureTemporalFailure(err: unknown): TemporalFailure {
  if (err instanceof TemporalFailure) return err;
  return ensureApplicationFailure(err);
}

/**
 * The message of the innermost cause of `error`: follows the `cause` chain of {@link TemporalFailure}s. For other
 * errors it is their own message (or the value itself if it is a string).
 */
export function rootCause(error: unknown): string | undefined {
  if (error instanceof TemporalFailure) {
    return error.cause ? rootCause(error.cause) : error.message;
  }
  return errorMessage(error);
}
