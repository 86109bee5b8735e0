/**
 * The errors of Queries and how the Workflow client maps the errors of its gRPC calls.
 *
 * @module
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import { CancelledFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@kairos/common';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import type { temporal } from '@kairos/proto';
import { ServiceError, isGrpcServiceError } from './errors';
import { rethrowKnownErrorTypes } from './helpers';
import type { WorkflowExecution } from './types';

/**
 * The server refused a Query because of the client's query reject condition (for instance, the Workflow
 * has closed and the condition is `NOT_OPEN`).
 */
export class QueryRejectedError extends Error {
  constructor(
    /** Status of the Workflow execution that caused the rejection. */
    public readonly status: temporal.api.enums.v1.WorkflowExecutionStatus,
  ) {
    super('Query rejected');
  }
}
SymbolBasedInstanceOfError('QueryRejectedError')(QueryRejectedError);

/**
 * A Query failed in the Workflow: it has no handler for the Query, or the handler threw. The message is the
 * worker's.
 */
export class QueryNotRegisteredError extends Error {
  constructor(
    message: string,
    /** The gRPC status code of the call. */
    public readonly code: grpcStatus,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('QueryNotRegisteredError')(QueryNotRegisteredError);

/**
 * Maps a gRPC error to the client's errors: {@link NamespaceNotFoundError} from the details, NOT_FOUND to
 * {@link WorkflowNotFoundError}, anything else to {@link ServiceError} with `fallbackMessage`.
 */
export function rethrowAsWorkflowClientError(
  err: unknown,
  fallbackMessage: string,
  workflowExecution?: WorkflowExecution,
): never {
  if (!isGrpcServiceError(err)) {
    const passThrough = err instanceof Error && isClientSideError(err) && !(err instanceof ServiceError);
    if (passThrough) throw err;
    throw new ServiceError('Unexpected error while making gRPC request', { cause: asError(err) });
  }
  rethrowKnownErrorTypes(err);
  if (err.code !== grpcStatus.NOT_FOUND) throw new ServiceError(fallbackMessage, { cause: err });
  const workflowId = workflowExecution?.workflowId ?? '';
  throw new WorkflowNotFoundError(err.details || 'Workflow not found', workflowId, workflowExecution?.runId);
}

/**
 * The worker's explanation of a failed Query (no handler for it, or the handler threw) arrives as an
 * INVALID_ARGUMENT status; the message then reads best without the status prefix grpc-js adds.
 */
export function queryFailureReportedByWorker(err: GrpcServiceError): QueryNotRegisteredError | undefined {
  if (err.code !== grpcStatus.INVALID_ARGUMENT) return undefined;
  const prefix = `${err.code} ${grpcStatus[err.code]}: `;
  const text = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return new QueryNotRegisteredError(text, err.code);
}

/**
 * The text to report when an Update call ran out of time or was cancelled (possibly empty), or `undefined`
 * when `err` is some other error.
 */
export function describeInterruptedUpdateCall(err: unknown): string | undefined {
  if (isGrpcServiceError(err)) {
    const interrupted = err.code === grpcStatus.DEADLINE_EXCEEDED || err.code === grpcStatus.CANCELLED;
    if (interrupted) return err.details ?? '';
  }
  if (err instanceof CancelledFailure) return err.message ?? '';
  return undefined;
}

/**
 * Turns what an `ExecuteMultiOperation` call threw into the error to report: the failing operation's own
 * status replaces the combined one, and a start that found the Workflow running becomes
 * {@link WorkflowExecutionAlreadyStartedError}.
 */
export function classifyUpdateWithStartError(thrown: unknown, workflowId: string, workflowType: string): unknown {
  if (!isGrpcServiceError(thrown)) return thrown;
  let err: unknown;
  try {
    rethrowKnownErrorTypes(thrown);
    err = thrown;
  } catch (specific) {
    err = specific;
  }
  if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
    return new WorkflowExecutionAlreadyStartedError('Workflow execution already started', workflowId, workflowType);
  }
  return err;
}

/** Errors raised on the client before or instead of a call (conversion, validation), passed through as is. */
function isClientSideError(err: Error): boolean {
  return err instanceof TypeError || err.name === 'ValueError' || err.name === 'PayloadConverterError';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
