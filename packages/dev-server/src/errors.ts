import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { google, temporal } from './internal/proto';

const ed = temporal.api.errordetails.v1;

/** An error detail message: its type name under `temporal.api.errordetails.v1` (or a full name) and encoded bytes. */
export interface ErrorDetail {
  typeName: string;
  value: Uint8Array;
}

/**
 * An RPC failure the server reports to the client: a gRPC status code, a message and optional
 * `temporal.api.errordetails.v1` details sent in the `grpc-status-details-bin` trailer.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The trailer metadata carrying a `google.rpc.Status` with the details (empty when there are none). */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.details.length > 0) {
      const status = google.rpc.Status.encode({
        code: this.code,
        message: this.message,
        details: this.details.map((d) => ({
          type_url: `type.googleapis.com/${d.typeName.includes('.') ? d.typeName : `temporal.api.errordetails.v1.${d.typeName}`}`,
          value: d.value,
        })),
      }).finish();
      md.set('grpc-status-details-bin', Buffer.from(status));
    }
    return md;
  }
}

export function invalidArgument(message: string): ServiceError {
  return new ServiceError(grpc.status.INVALID_ARGUMENT, message);
}

export function unimplemented(message: string): ServiceError {
  return new ServiceError(grpc.status.UNIMPLEMENTED, message);
}

/** NOT_FOUND with a `NotFoundFailure` whose cluster names are empty, as the real (single-cluster) server sends it. */
export function notFound(message: string): ServiceError {
  return new ServiceError(grpc.status.NOT_FOUND, message, [
    { typeName: 'NotFoundFailure', value: ed.NotFoundFailure.encode({}).finish() },
  ]);
}

/** The real server's NOT_FOUND for a workflow id with no run (when no run id was given). */
export function workflowNotFound(workflowId: string): ServiceError {
  return notFound(`workflow not found for ID: ${workflowId}`);
}

export function resourceExhausted(message: string, cause: number, scope: number): ServiceError {
  return new ServiceError(grpc.status.RESOURCE_EXHAUSTED, message, [
    { typeName: 'ResourceExhaustedFailure', value: ed.ResourceExhaustedFailure.encode({ cause, scope }).finish() },
  ]);
}

export function namespaceNotFound(namespace: string): ServiceError {
  return new ServiceError(grpc.status.NOT_FOUND, `Namespace ${namespace} is not found.`, [
    { typeName: 'NamespaceNotFoundFailure', value: ed.NamespaceNotFoundFailure.encode({ namespace }).finish() },
  ]);
}

export function namespaceAlreadyExists(namespace: string): ServiceError {
  return new ServiceError(grpc.status.ALREADY_EXISTS, `Namespace "${namespace}" already exists`, [
    { typeName: 'NamespaceAlreadyExistsFailure', value: ed.NamespaceAlreadyExistsFailure.encode({}).finish() },
  ]);
}

export function workflowAlreadyStarted(
  message: string,
  startRequestId: string,
  runId: string,
  firstRunId?: string,
): ServiceError {
  return new ServiceError(grpc.status.ALREADY_EXISTS, message, [
    {
      typeName: 'WorkflowExecutionAlreadyStartedFailure',
      value: ed.WorkflowExecutionAlreadyStartedFailure.encode({
        startRequestId,
        runId,
        firstExecutionRunId: firstRunId ?? '',
      }).finish(),
    },
  ]);
}

export function queryFailed(
  message: string,
  failure: temporal.api.failure.v1.IFailure | null | undefined,
): ServiceError {
  return new ServiceError(grpc.status.INVALID_ARGUMENT, message, [
    { typeName: 'QueryFailedFailure', value: ed.QueryFailedFailure.encode({ failure: failure ?? null }).finish() },
  ]);
}

export function workflowNotReady(message: string): ServiceError {
  return new ServiceError(grpc.status.FAILED_PRECONDITION, message, [
    { typeName: 'WorkflowNotReadyFailure', value: ed.WorkflowNotReadyFailure.encode({}).finish() },
  ]);
}

export function failedPrecondition(message: string): ServiceError {
  return new ServiceError(grpc.status.FAILED_PRECONDITION, message);
}

/**
 * UNKNOWN as the real server answers for an internal error it does not explain (a page token it did not issue,
 * say): `something went wrong, please retry (<8 hex digits>)`, where the digits identify the cause.
 */
export function unexplainedError(cause: string): ServiceError {
  const digest = createHash('sha256').update(cause).digest('hex').slice(0, 8);
  return new ServiceError(grpc.status.UNKNOWN, `something went wrong, please retry (${digest})`);
}

/** PERMISSION_DENIED with a `PermissionDeniedFailure` (no reason), as the real server sends it. */
export function permissionDenied(message: string): ServiceError {
  return new ServiceError(grpc.status.PERMISSION_DENIED, message, [
    { typeName: 'PermissionDeniedFailure', value: ed.PermissionDeniedFailure.encode({}).finish() },
  ]);
}
