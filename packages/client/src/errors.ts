/**
 * Errors thrown by the client.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import type { RetryState } from '@kairos/common';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';

/**
 * A call to the Temporal server failed, and no more specific error applies. The gRPC error, when there
 * is one, is the `cause`.
 */
export class ServiceError extends Error {
  /** The underlying error, usually a gRPC `ServiceError` (see {@link isGrpcServiceError}). */
  declare readonly cause?: Error;

  constructor(message: string, opts?: { cause: Error }) {
    super(message, opts);
  }
}
SymbolBasedInstanceOfError('ServiceError')(ServiceError);

/**
 * Thrown while waiting for a Workflow result when the execution ended without success: failed,
 * cancelled, terminated or timed out. `cause` is the converted failure, for example a
 * `CancelledFailure` for a cancelled Workflow or an `ApplicationFailure` thrown by Workflow code.
 */
export class WorkflowFailedError extends Error {
  constructor(
    message: string,
    /** The failure the execution ended with, converted by the client's failure converter. */
    public override readonly cause: Error | undefined,
    /** Whether the server will retry the execution, and why not if it won't. */
    public readonly retryState: RetryState,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('WorkflowFailedError')(WorkflowFailedError);

/**
 * Thrown while waiting for an Update result when the Update was rejected by its validator or its
 * handler failed; `cause` is the converted failure.
 */
export class WorkflowUpdateFailedError extends Error {
  constructor(
    message: string,
    /** The failure the Update ended with. */
    public override readonly cause: Error | undefined,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('WorkflowUpdateFailedError')(WorkflowUpdateFailedError);

/**
 * The Update RPC hit its deadline or was cancelled on the client. This says nothing about the Update
 * itself, which may still be admitted, accepted or completed on the server.
 */
export class WorkflowUpdateRPCTimeoutOrCancelledError extends Error {
  /** The gRPC error of the call. */
  declare readonly cause?: Error;

  constructor(message: string, opts?: { cause: Error }) {
    super(message, opts);
  }
}
SymbolBasedInstanceOfError('WorkflowUpdateRPCTimeoutOrCancelledError')(WorkflowUpdateRPCTimeoutOrCancelledError);

/**
 * Thrown while waiting for a Workflow result when the run continued as new and the caller asked not to
 * follow the chain of runs (`followRuns: false`).
 */
export class WorkflowContinuedAsNewError extends Error {
  constructor(
    message: string,
    /** Run id of the run that continues the Workflow. */
    public readonly newExecutionRunId: string,
  ) {
    super(message);
  }
}
// The marker (and so the error's `name`) is the one the official SDK uses for this class.
SymbolBasedInstanceOfError('WorkflowExecutionContinuedAsNewError')(WorkflowContinuedAsNewError);

/** The server does not know the Activity addressed by a task token or an id (it may already be done). */
export class ActivityNotFoundError extends Error {}
SymbolBasedInstanceOfError('ActivityNotFoundError')(ActivityNotFoundError);

/**
 * An async completion or heartbeat call failed for a reason other than {@link ActivityNotFoundError};
 * the gRPC error is the `cause`.
 */
export class ActivityCompletionError extends Error {}
SymbolBasedInstanceOfError('ActivityCompletionError')(ActivityCompletionError);

/** A heartbeat sent through the async completion client learned that cancellation of the Activity was requested. */
export class ActivityCancelledError extends Error {}
SymbolBasedInstanceOfError('ActivityCancelledError')(ActivityCancelledError);

/** A heartbeat sent through the async completion client learned that the Activity is paused. */
export class ActivityPausedError extends Error {}
SymbolBasedInstanceOfError('ActivityPausedError')(ActivityPausedError);

/** A heartbeat sent through the async completion client learned that the Activity was reset. */
export class ActivityResetError extends Error {}
SymbolBasedInstanceOfError('ActivityResetError')(ActivityResetError);

/**
 * Thrown while waiting for the result of a standalone Activity that ended without success; the
 * failure is the `cause`.
 */
export class ActivityExecutionFailedError extends Error {
  constructor(
    message: string,
    /** The failure the Activity ended with. */
    public override readonly cause: Error | undefined,
    /** Id of the Activity. */
    public readonly activityId: string,
    /** Run id of the Activity execution, when known. */
    public readonly runId?: string,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('ActivityExecutionFailedError')(ActivityExecutionFailedError);

/**
 * Starting a standalone Activity failed because an Activity with the same id exists and the id reuse
 * and conflict policies forbid another one.
 */
export class ActivityExecutionAlreadyStartedError extends Error {
  constructor(
    message: string,
    /** The Activity id the start asked for. */
    public readonly activityId: string,
    /** Run id of the Activity execution that already holds the id. */
    public readonly runId: string,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('ActivityExecutionAlreadyStartedError')(ActivityExecutionAlreadyStartedError);

/**
 * Returns true if `err` is an error produced by `@grpc/grpc-js` for a failed call: an `Error` with a
 * numeric `code`, a string `details` and a `metadata` object.
 */
export function isGrpcServiceError(err: unknown): err is GrpcServiceError {
  if (!(err instanceof Error)) return false;
  const candidate = err as Partial<GrpcServiceError>;
  return (
    typeof candidate.code === 'number' && typeof candidate.details === 'string' && candidate.metadata !== undefined
  );
}

function hasGrpcCode(err: unknown, code: grpc.status): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (isGrpcServiceError(current)) return current.code === code;
    seen.add(current);
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Returns true if `err`, or an error in its `cause` chain, is a gRPC error with code
 * `DEADLINE_EXCEEDED`, as produced by a call that outlived {@link Connection.withDeadline}.
 */
export function isGrpcDeadlineError(err: unknown): err is Error {
  return hasGrpcCode(err, grpc.status.DEADLINE_EXCEEDED);
}

/**
 * Returns true if `err`, or an error in its `cause` chain, is a gRPC error with code `CANCELLED`, as
 * produced by a call aborted through {@link Connection.withAbortSignal}.
 */
export function isGrpcCancelledError(err: unknown): err is Error {
  return hasGrpcCode(err, grpc.status.CANCELLED);
}

/**
 * Former name of {@link isGrpcServiceError}.
 *
 * @deprecated Use {@link isGrpcServiceError} instead.
 */
export const isServerErrorResponse: typeof isGrpcServiceError = isGrpcServiceError;
