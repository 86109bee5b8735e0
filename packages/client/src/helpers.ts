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

function workflowStatusCodeToName(
  code: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined,
): WorkflowExecutionStatusName {
  const { WorkflowExecutionStatus } = temporal.api.enums.v1;
  switch (code) {
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED:
    case undefined:
    case null:
      return 'UNSPECIFIED';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
      return 'RUNNING';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'COMPLETED';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED:
      return 'FAILED';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'CANCELLED';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return 'TERMINATED';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
      return 'CONTINUED_AS_NEW';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return 'TIMED_OUT';
    default:
      return (code as number) === 8 ? 'PAUSED' : 'UNKNOWN';
  }
}

function requiredExecution(
  execution: temporal.api.common.v1.IWorkflowExecution | null | undefined,
): { workflowId: string; runId: string } | undefined {
  if (!execution) return undefined;
  return { workflowId: execution.workflowId ?? '', runId: execution.runId ?? '' };
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
  const workflowId = raw.execution?.workflowId ?? '';
  const historySize = int64ToNumber(raw.historySizeBytes);
  return {
    type: raw.type?.name ?? '',
    workflowId,
    runId: raw.execution?.runId ?? '',
    taskQueue: raw.taskQueue ?? '',
    status: {
      code: raw.status ?? temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED,
      name: workflowStatusCodeToName(raw.status),
    },
    historyLength: int64ToNumber(raw.historyLength),
    historySize: historySize || undefined,
    startTime: requiredTsToDate(raw.startTime, 'startTime'),
    executionTime: optionalTsToDate(raw.executionTime),
    closeTime: optionalTsToDate(raw.closeTime),
    memo: await decodeMapFromPayloads(dataConverter, raw.memo?.fields, { type: 'workflow', namespace, workflowId }),
    searchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields),
    typedSearchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
    parentExecution: requiredExecution(raw.parentExecution),
    rootExecution: requiredExecution(raw.rootExecution),
    raw: rawDataToEmbed,
    priority: decodePriority(raw.priority),
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
  for (const entry of getGrpcStatusDetails(err) ?? []) {
    if (!entry.type_url || !entry.value) continue;
    switch (trimGrpcTypeUrl(entry.type_url) as ErrorDetailsName) {
      case 'temporal.api.errordetails.v1.NamespaceNotFoundFailure': {
        const { namespace } = temporal.api.errordetails.v1.NamespaceNotFoundFailure.decode(entry.value);
        throw new NamespaceNotFoundError(namespace);
      }
      case 'temporal.api.errordetails.v1.MultiOperationExecutionFailure': {
        const { statuses } = temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(entry.value);
        for (const status of statuses) {
          const detail = status.details?.[0];
          const aborted =
            (trimGrpcTypeUrl(detail?.type_url) as FailureName) ===
            'temporal.api.failure.v1.MultiOperationExecutionAborted';
          if (aborted || status.code === grpc.status.OK) continue;
          const cause = err as GrpcServiceError & { code: grpc.status; details: string; message: string };
          cause.code = status.code || err.code;
          cause.details = status.message || err.details;
          cause.message = `${cause.code} ${grpc.status[cause.code]}: ${cause.details}`;
          if (detail?.type_url && detail.value) {
            // Let the caller see the failing operation's own details (e.g. WorkflowExecutionAlreadyStartedFailure).
            const md = new grpc.Metadata();
            md.set(
              'grpc-status-details-bin',
              Buffer.from(
                google.rpc.Status.encode({ code: status.code, message: status.message, details: [detail] }).finish(),
              ),
            );
            (cause as { metadata: grpc.Metadata }).metadata = md;
          }
          throw cause;
        }
      }
    }
  }
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
