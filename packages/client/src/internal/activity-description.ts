/**
 * Conversions of the standalone Activity execution messages (`DescribeActivityExecution`,
 * `ListActivityExecutions`) to the client's {@link ActivityExecutionInfo} and
 * {@link ActivityExecutionDescription}.
 *
 * @module
 */
import type { ActivitySerializationContext, LoadedDataConverter } from '@kairos/common';
import { convertDeploymentVersion, decodePriority, decompileRetryPolicy } from '@kairos/common';
import { decodeTypedSearchAttributes } from '@kairos/common/lib/converter/payload-search-attributes';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { optionalTsToDate, optionalTsToMs } from '@kairos/common/lib/time';
import type { temporal } from '@kairos/proto';
import { int64ToNumber } from '../helpers';
import {
  type ActivityExecutionDescription,
  type ActivityExecutionInfo,
  type ActivityExecutionStatus,
  decodeActivityExecutionStatus,
  decodePendingActivityState,
} from '../types';

type RawInfo = temporal.api.activity.v1.IActivityExecutionInfo | temporal.api.activity.v1.IActivityExecutionListInfo;

/** `undefined` for an unset or zero duration, its milliseconds otherwise. */
function positiveMs(d: temporal.api.activity.v1.IActivityExecutionInfo['heartbeatTimeout']): number | undefined {
  const ms = optionalTsToMs(d);
  return ms ? ms : undefined;
}

/** The fields a list entry and a description share. */
function commonInfo(raw: RawInfo): Omit<ActivityExecutionInfo, 'rawListInfo'> {
  return {
    activityId: raw.activityId ?? '',
    activityRunId: raw.runId ?? '',
    activityType: raw.activityType?.name ?? '',
    scheduleTime: optionalTsToDate(raw.scheduleTime),
    closeTime: optionalTsToDate(raw.closeTime),
    // A status this client does not know yet reads as running (the execution is not known to be closed).
    status: (decodeActivityExecutionStatus(raw.status) ?? 'RUNNING') as ActivityExecutionStatus,
    typedSearchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
    taskQueue: raw.taskQueue ?? '',
    executionDurationMs: optionalTsToMs(raw.executionDuration),
    executionTime: optionalTsToDate(raw.executionTime),
  };
}

/** An entry of {@link ActivityClient.list}. */
export function activityListInfo(raw: temporal.api.activity.v1.IActivityExecutionListInfo): ActivityExecutionInfo {
  return { ...commonInfo(raw), rawListInfo: raw };
}

/** The result of {@link ActivityHandle.describe}, with lazy decoders of the payloads the response carries. */
export function activityDescription(
  response: temporal.api.workflowservice.v1.IDescribeActivityExecutionResponse,
  info: temporal.api.activity.v1.IActivityExecutionInfo,
  dataConverter: LoadedDataConverter,
  context: ActivitySerializationContext,
): ActivityExecutionDescription {
  const heartbeat = info.heartbeatDetails?.payloads ?? [];
  const input = response.input?.payloads;
  const outcome = response.outcome;
  return {
    ...commonInfo(info),
    rawInfo: info,
    rawCallbacks: response.callbacks ?? [],
    runState: decodePendingActivityState(info.runState),
    scheduleToCloseTimeoutMs: positiveMs(info.scheduleToCloseTimeout),
    scheduleToStartTimeoutMs: positiveMs(info.scheduleToStartTimeout),
    startToCloseTimeoutMs: positiveMs(info.startToCloseTimeout),
    heartbeatTimeoutMs: positiveMs(info.heartbeatTimeout),
    retryPolicy: decompileRetryPolicy(info.retryPolicy) ?? {},
    lastHeartbeatTime: optionalTsToDate(info.lastHeartbeatTime),
    lastStartedTime: optionalTsToDate(info.lastStartedTime),
    attempt: info.attempt ?? 0,
    expirationTime: optionalTsToDate(info.expirationTime),
    lastWorkerIdentity: info.lastWorkerIdentity || undefined,
    currentRetryIntervalMs: optionalTsToMs(info.currentRetryInterval),
    lastAttemptCompleteTime: optionalTsToDate(info.lastAttemptCompleteTime),
    nextAttemptScheduleTime: optionalTsToDate(info.nextAttemptScheduleTime),
    lastDeploymentVersion: convertDeploymentVersion(info.lastDeploymentVersion),
    priority: decodePriority(info.priority),
    canceledReason: info.canceledReason || undefined,
    startDelayMs: optionalTsToMs(info.startDelay),
    totalHeartbeatCount: info.totalHeartbeatCount == null ? undefined : int64ToNumber(info.totalHeartbeatCount),
    hasHeartbeatDetails: heartbeat.length > 0,
    hasLastFailure: !!info.lastFailure,
    hasInput: input != null,
    hasResult: !!outcome?.result,
    hasOutcomeFailure: !!outcome?.failure,
    async getHeartbeatDetails<T>() {
      if (heartbeat.length === 0) return undefined;
      return await decodeFromPayloadsAtIndex<T>(dataConverter, 0, heartbeat, context);
    },
    async getLastFailure() {
      return await decodeOptionalFailureToOptionalError(dataConverter, info.lastFailure, context);
    },
    async getInput<T extends unknown[]>() {
      if (input == null) return undefined;
      return (await decodeArrayFromPayloads(dataConverter, input, context)) as T;
    },
    async getResult<T>() {
      if (!outcome?.result) return undefined;
      return await decodeFromPayloadsAtIndex<T>(dataConverter, 0, outcome.result.payloads, context);
    },
    async getOutcomeFailure() {
      return await decodeOptionalFailureToOptionalError(dataConverter, outcome?.failure, context);
    },
  };
}
