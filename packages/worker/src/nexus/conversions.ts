/**
 * Conversions of the Nexus worker: operation input payloads into values, and the errors a handler throws into the
 * failures the server expects.
 */
import * as nexus from 'nexus-rpc';
import { ActivityExecutionAlreadyStartedError, isGrpcServiceError, ServiceError } from '@kairos/client';
import {
  ApplicationFailure,
  CancelledFailure,
  fromPayloadWithTypeInfo,
  type LoadedDataConverter,
  type Payload,
  type ProtoFailure,
  type TypeInfo,
  WorkflowExecutionAlreadyStartedError,
} from '@kairos/common';
import { decodeOptionalSingle, encodeErrorToFailure } from '@kairos/common/lib/internal-non-workflow';

/**
 * The type of the non-retryable `ApplicationFailure` a payload converter or codec throws when the operation input
 * itself is invalid: the request then fails with a `BAD_REQUEST` handler error rather than `INTERNAL`.
 */
export const PAYLOAD_VALIDATION_ERROR_TYPE = 'PayloadValidationError';

function isPayloadValidationFailure(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.nonRetryable === true && err.type === PAYLOAD_VALIDATION_ERROR_TYPE;
}

/**
 * Decodes an operation's input (codecs, then the payload converter with `typeInfo`). A codec failure is an
 * `INTERNAL` handler error, a converter failure a `BAD_REQUEST` one; a payload validation failure is `BAD_REQUEST`
 * either way; `ApplicationFailure`s and handler errors pass through.
 */
export async function decodePayload(
  dataConverter: LoadedDataConverter,
  payload: Payload | null | undefined,
  typeInfo?: TypeInfo,
): Promise<unknown> {
  const rethrow = (err: unknown, fallback: nexus.HandlerErrorType, message: string): never => {
    if (isPayloadValidationFailure(err)) {
      throw new nexus.HandlerError('BAD_REQUEST', 'Invalid operation input', { cause: err });
    }
    if (err instanceof ApplicationFailure || err instanceof nexus.HandlerError) throw err;
    throw new nexus.HandlerError(fallback, message, { cause: err });
  };
  let decoded: Payload | null | undefined;
  try {
    decoded = await decodeOptionalSingle(dataConverter.payloadCodecs, payload);
  } catch (err) {
    return rethrow(err, 'INTERNAL', 'Payload codec failed to decode Nexus operation input');
  }
  if (decoded === null || decoded === undefined) return undefined;
  try {
    return fromPayloadWithTypeInfo(dataConverter.payloadConverter, decoded, undefined, typeInfo);
  } catch (err) {
    return rethrow(err, 'BAD_REQUEST', 'Payload converter failed to decode Nexus operation input');
  }
}

/**
 * The failure of an operation that ended unsuccessfully (`OperationError`): a `CancelledFailure` for a cancelled
 * operation, otherwise a non-retryable `ApplicationFailure` of type `OperationError`, with the error's cause.
 */
export async function operationErrorToProto(
  dataConverter: LoadedDataConverter,
  err: nexus.OperationError,
): Promise<ProtoFailure> {
  const converted =
    err.state === 'canceled'
      ? new CancelledFailure(err.message, undefined, err.cause)
      : ApplicationFailure.create({
          message: err.message,
          type: 'OperationError',
          nonRetryable: true,
          cause: err.cause,
        });
  converted.stack = err.stack;
  return await encodeErrorToFailure(dataConverter, converted);
}

/** The failure of a handler error (a `Failure` with `nexus_handler_failure_info`). */
export async function handlerErrorToProto(
  dataConverter: LoadedDataConverter,
  err: nexus.HandlerError,
): Promise<ProtoFailure> {
  return await encodeErrorToFailure(dataConverter, err);
}

/** gRPC status codes (numbers from the gRPC spec; the worker does not depend on a gRPC library). */
const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The handler error (type, and retryability when it is not the type's default) of each failed Temporal call. */
const HANDLER_ERROR_BY_GRPC_CODE: Record<number, [nexus.HandlerErrorType, boolean | undefined]> = {
  [GRPC.INVALID_ARGUMENT]: ['BAD_REQUEST', undefined],
  [GRPC.ALREADY_EXISTS]: ['INTERNAL', false],
  [GRPC.FAILED_PRECONDITION]: ['INTERNAL', false],
  [GRPC.OUT_OF_RANGE]: ['INTERNAL', false],
  [GRPC.ABORTED]: ['UNAVAILABLE', undefined],
  [GRPC.UNAVAILABLE]: ['UNAVAILABLE', undefined],
  // Failing to reach Temporal (even unauthenticated) is the handler's problem, not the caller's: retryable.
  [GRPC.CANCELLED]: ['INTERNAL', undefined],
  [GRPC.DATA_LOSS]: ['INTERNAL', undefined],
  [GRPC.INTERNAL]: ['INTERNAL', undefined],
  [GRPC.UNKNOWN]: ['INTERNAL', undefined],
  [GRPC.UNAUTHENTICATED]: ['INTERNAL', undefined],
  [GRPC.PERMISSION_DENIED]: ['INTERNAL', undefined],
  [GRPC.NOT_FOUND]: ['NOT_FOUND', undefined],
  [GRPC.RESOURCE_EXHAUSTED]: ['RESOURCE_EXHAUSTED', undefined],
  [GRPC.UNIMPLEMENTED]: ['NOT_IMPLEMENTED', undefined],
  [GRPC.DEADLINE_EXCEEDED]: ['UPSTREAM_TIMEOUT', undefined],
};

/**
 * The handler error a failed start or cancel stands for: a `HandlerError` as thrown; a workflow or activity that
 * already started, or a non-retryable `ApplicationFailure`, is a non-retryable `INTERNAL` error; a failed Temporal
 * call maps by its gRPC code; anything else is a retryable `INTERNAL` error.
 */
export function coerceToHandlerError(err: unknown): nexus.HandlerError {
  if (err instanceof nexus.HandlerError) return err;
  if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof ActivityExecutionAlreadyStartedError) {
    return new nexus.HandlerError('INTERNAL', undefined, { cause: err, retryableOverride: false });
  }
  if (err instanceof ApplicationFailure && err.nonRetryable) {
    return new nexus.HandlerError('INTERNAL', 'Handler failed with non-retryable application error', {
      cause: err,
      retryableOverride: false,
    });
  }
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) {
    const mapped = HANDLER_ERROR_BY_GRPC_CODE[err.cause.code];
    if (mapped) {
      const [type, retryableOverride] = mapped;
      return new nexus.HandlerError(type, undefined, { cause: err, retryableOverride });
    }
  }
  return new nexus.HandlerError('INTERNAL', undefined, { cause: err });
}
