/**
 * Conversions from raw service messages to the client's types, and decoding of gRPC error details.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import type { LoadedDataConverter } from '@kairos/common';
import { NamespaceNotFoundError, decodePriority } from '@kairos/common';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  searchAttributePayloadConverter,
} from '@kairos/common/lib/converter/payload-search-attributes';
import { decodeMapFromPayloads } from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { optionalTsToDate, requiredTsToDate } from '@kairos/common/lib/time';
import type { Replace } from '@kairos/common/lib/type-helpers';
import { google, temporal } from '@kairos/proto';
import type Long from 'long';
import type {
  CountWorkflowExecution,
  RawWorkflowExecutionInfo,
  WorkflowExecutionInfo,
  WorkflowExecutionStatusName,
} from './types';

/** Converts an int64 field (a `Long`, a number or a numeric string) to a number. */
export function int64ToNumber(value: Long | number | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

/** Names of the proto `WorkflowExecutionStatus` values, indexed by number (8 is the newer `PAUSED`). */
const STATUS_NAMES: readonly WorkflowExecutionStatusName[] = [
  'UNSPECIFIED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
  'PAUSED',
];

function statusName(
  code: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined,
): WorkflowExecutionStatusName {
  if (code == null) return 'UNSPECIFIED';
  return STATUS_NAMES[code] ?? 'UNKNOWN';
}

/** A parent or root execution reference, with missing ids as empty strings. */
function executionRef(
  execution: temporal.api.common.v1.IWorkflowExecution | null | undefined,
): { workflowId: string; runId: string } | undefined {
  return execution ? { workflowId: execution.workflowId ?? '', runId: execution.runId ?? '' } : undefined;
}

/**
 * Builds a {@link WorkflowExecutionInfo} from its raw form, decoding the memo with the data converter and
 * the search attributes, and embedding `rawDataToEmbed` as `raw`.
 */
export async function executionInfoFromRaw<T>(
  raw: RawWorkflowExecutionInfo,
  dataConverter: LoadedDataConverter,
  rawDataToEmbed: T,
  namespace: string,
): Promise<Replace<WorkflowExecutionInfo, { raw: T }>> {
  const { execution, searchAttributes } = raw;
  const workflowId = execution?.workflowId ?? '';
  const startTime = requiredTsToDate(raw.startTime, 'startTime');
  const memo = await decodeMapFromPayloads(dataConverter, raw.memo?.fields, {
    type: 'workflow',
    namespace,
    workflowId,
  });
  return {
    workflowId,
    runId: execution?.runId ?? '',
    type: raw.type?.name ?? '',
    taskQueue: raw.taskQueue ?? '',
    status: { code: raw.status ?? 0, name: statusName(raw.status) },
    startTime,
    executionTime: optionalTsToDate(raw.executionTime),
    closeTime: optionalTsToDate(raw.closeTime),
    historyLength: int64ToNumber(raw.historyLength),
    // Servers that do not track the size report 0; that means "unknown".
    historySize: int64ToNumber(raw.historySizeBytes) || undefined,
    memo,
    searchAttributes: decodeSearchAttributes(searchAttributes?.indexedFields),
    typedSearchAttributes: decodeTypedSearchAttributes(searchAttributes?.indexedFields),
    parentExecution: executionRef(raw.parentExecution),
    rootExecution: executionRef(raw.rootExecution),
    priority: decodePriority(raw.priority),
    raw: rawDataToEmbed,
  };
}

/** Decodes a `CountWorkflowExecutions` response; group values are decoded as search attribute values. */
export function decodeCountWorkflowExecutionsResponse(
  raw: temporal.api.workflowservice.v1.ICountWorkflowExecutionsResponse,
): CountWorkflowExecution {
  return {
    count: int64ToNumber(raw.count),
    groups: (raw.groups ?? []).map((group) => ({
      count: int64ToNumber(group.count),
      groupValues: (group.groupValues ?? []).map((value) => searchAttributePayloadConverter.fromPayload(value)),
    })),
  };
}

/** Fully qualified name of a message of `temporal.api.errordetails.v1`. */
export type ErrorDetailsName = `temporal.api.errordetails.v1.${keyof typeof temporal.api.errordetails.v1}`;
/** Fully qualified name of a message of `temporal.api.failure.v1`. */
export type FailureName =
  | `temporal.api.failure.v1.${keyof typeof temporal.api.failure.v1}`
  | 'temporal.api.failure.v1.MultiOperationExecutionAborted';

/**
 * Throws the specific error a gRPC error's status details call for, if any; returns otherwise, so the
 * caller can fall back to mapping by status code.
 *
 * - `NamespaceNotFoundFailure` becomes {@link NamespaceNotFoundError}.
 * - `MultiOperationExecutionFailure` (update-with-start): the status of the operation that caused the
 *   failure replaces the code and message of `err`, which is rethrown.
 */
export function rethrowKnownErrorTypes(err: GrpcServiceError): void {
  for (const { type_url, value } of getGrpcStatusDetails(err) ?? []) {
    if (!type_url || !value) continue;
    const react = detailReactions[trimGrpcTypeUrl(type_url) as ErrorDetailsName];
    react?.(value, err);
  }
}

type DetailReaction = (bytes: Uint8Array, err: GrpcServiceError) => void;

/** What {@link rethrowKnownErrorTypes} does with each kind of status detail it understands. */
const detailReactions: Partial<Record<ErrorDetailsName, DetailReaction>> = {
  'temporal.api.errordetails.v1.NamespaceNotFoundFailure': (bytes) => {
    throw new NamespaceNotFoundError(temporal.api.errordetails.v1.NamespaceNotFoundFailure.decode(bytes).namespace);
  },
  'temporal.api.errordetails.v1.MultiOperationExecutionFailure': (bytes, err) => {
    const { statuses } = temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(bytes);
    // The operations that did not fail themselves are reported as OK or as aborted; skip them.
    const culprit = statuses.find((status) => status.code !== grpc.status.OK && !wasAbortedWithOthers(status));
    if (culprit !== undefined) throw blameOperation(err, culprit);
  },
};

function wasAbortedWithOthers(status: google.rpc.IStatus): boolean {
  const detailType = trimGrpcTypeUrl(status.details?.[0]?.type_url) as FailureName;
  return detailType === 'temporal.api.failure.v1.MultiOperationExecutionAborted';
}

/**
 * Rewrites a multi-operation error in place so that it reads as the failing operation's own error: its
 * code and message, and (when it has one) its first detail, re-encoded in the status-details trailer so
 * that callers find it where they look for details.
 */
function blameOperation(err: GrpcServiceError, operation: google.rpc.IStatus): GrpcServiceError {
  type Writable = GrpcServiceError & { code: grpc.status; details: string; message: string; metadata: grpc.Metadata };
  const target = err as Writable;
  target.code = operation.code || err.code;
  target.details = operation.message || err.details;
  target.message = `${target.code} ${grpc.status[target.code]}: ${target.details}`;
  const detail = operation.details?.[0];
  if (detail?.type_url && detail.value) {
    const status = google.rpc.Status.encode({ code: operation.code, message: operation.message, details: [detail] });
    const trailer = new grpc.Metadata();
    trailer.set('grpc-status-details-bin', Buffer.from(status.finish()));
    target.metadata = trailer;
  }
  return target;
}

/** Decodes the `google.rpc.Status` details carried in the `grpc-status-details-bin` trailer of a gRPC error. */
export function getGrpcStatusDetails(err: GrpcServiceError): google.rpc.Status['details'] | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')?.[0];
  if (raw === undefined || typeof raw === 'string') return undefined;
  try {
    return google.rpc.Status.decode(raw).details;
  } catch {
    return undefined;
  }
}

/** Strips the `type.googleapis.com/` prefix of an `Any` type URL. */
export function trimGrpcTypeUrl(typeUrl: string | null | undefined): string {
  return typeUrl?.replace(/^type\.googleapis\.com\//, '') ?? '';
}

/** Returns the first status detail of type `typeName`, decoded, if the error carries one. */
export function findGrpcStatusDetail<T>(
  err: GrpcServiceError,
  typeName: ErrorDetailsName,
  decode: (bytes: Uint8Array) => T,
): T | undefined {
  for (const entry of getGrpcStatusDetails(err) ?? []) {
    if (entry.value && trimGrpcTypeUrl(entry.type_url) === typeName) {
      try {
        return decode(entry.value);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
