import { durationMs, enums, IFailure, IRetryPolicy, msDuration } from '../internal/proto';
import { invalidArgument } from '../errors';

/** A retry policy with defaults applied, in milliseconds. */
export interface RetryPolicyData {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

const RS = enums.RetryState;

/** Validates a retry policy from a request or command, with the real server's messages. */
export function validateRetryPolicy(policy: IRetryPolicy | null | undefined): void {
  if (!policy) return;
  const initial = durationMs(policy.initialInterval);
  const max = durationMs(policy.maximumInterval);
  if (initial < 0) throw invalidArgument('invalid InitialInterval set on retry policy: negative duration');
  if (policy.backoffCoefficient && policy.backoffCoefficient < 1) {
    throw invalidArgument('BackoffCoefficient cannot be less than 1 on retry policy.');
  }
  if (max < 0) throw invalidArgument('invalid MaximumInterval set on retry policy: negative duration');
  if (max > 0 && max < initial)
    throw invalidArgument('MaximumInterval cannot be less than InitialInterval on retry policy.');
  if ((policy.maximumAttempts ?? 0) < 0) throw invalidArgument('MaximumAttempts cannot be negative on retry policy.');
}

/** Applies the server defaults: 1 s initial interval, coefficient 2, maximum 100 × initial, unlimited attempts. */
export function normalizeRetryPolicy(policy: IRetryPolicy | null | undefined): RetryPolicyData {
  const initialIntervalMs = durationMs(policy?.initialInterval) || 1000;
  return {
    initialIntervalMs,
    backoffCoefficient: policy?.backoffCoefficient || 2,
    maximumIntervalMs: durationMs(policy?.maximumInterval) || 100 * initialIntervalMs,
    maximumAttempts: policy?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: [...(policy?.nonRetryableErrorTypes ?? [])],
  };
}

export function retryPolicyProto(p: RetryPolicyData): IRetryPolicy {
  return {
    initialInterval: msDuration(p.initialIntervalMs),
    backoffCoefficient: p.backoffCoefficient,
    maximumInterval: msDuration(p.maximumIntervalMs),
    maximumAttempts: p.maximumAttempts,
    nonRetryableErrorTypes: p.nonRetryableErrorTypes,
  };
}

/** The timeout type of a failure, if it is a timeout. */
function timeoutTypeOf(failure: IFailure | null | undefined): number | undefined {
  return failure?.timeoutFailureInfo ? (failure.timeoutFailureInfo.timeoutType ?? 0) : undefined;
}

/** Whether the failure may be retried at all under the policy (ignoring attempts and deadlines). */
export function isRetryable(failure: IFailure | null | undefined, policy: RetryPolicyData): boolean {
  if (!failure) return true;
  if (failure.canceledFailureInfo || failure.terminatedFailureInfo) return false;
  if (failure.serverFailureInfo?.nonRetryable) return false;
  const TT = enums.TimeoutType;
  const timeoutType = timeoutTypeOf(failure);
  if (timeoutType !== undefined) {
    if (timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_START || timeoutType === TT.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE)
      return false;
    const name = timeoutType === TT.TIMEOUT_TYPE_HEARTBEAT ? 'HEARTBEAT' : 'START_TO_CLOSE';
    return !policy.nonRetryableErrorTypes.includes(`TemporalTimeout:${name}`);
  }
  const app = failure.applicationFailureInfo;
  if (app) {
    if (app.nonRetryable) return false;
    if (app.type && policy.nonRetryableErrorTypes.includes(app.type)) return false;
  }
  return true;
}

export interface RetryDecision {
  /** Milliseconds to wait before the next attempt, when retrying. */
  backoffMs?: number;
  retryState: number;
}

/**
 * Decides whether attempt `attempt` (1-based, the one that just failed) is retried: the failure must be
 * retryable, attempts must remain, and the next attempt must start before `deadline` (0 = none).
 */
export function decideRetry(
  failure: IFailure | null | undefined,
  policy: RetryPolicyData,
  attempt: number,
  now: number,
  deadline: number,
): RetryDecision {
  if (!isRetryable(failure, policy)) return { retryState: RS.RETRY_STATE_NON_RETRYABLE_FAILURE };
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
    return { retryState: RS.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
  }
  const explicit = durationMs(failure?.applicationFailureInfo?.nextRetryDelay);
  let backoffMs = explicit;
  if (!explicit) {
    backoffMs = policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, attempt - 1);
    if (policy.maximumIntervalMs > 0) backoffMs = Math.min(backoffMs, policy.maximumIntervalMs);
  }
  backoffMs = Math.round(backoffMs);
  if (deadline > 0 && now + backoffMs >= deadline) return { retryState: RS.RETRY_STATE_TIMEOUT };
  return { backoffMs, retryState: RS.RETRY_STATE_IN_PROGRESS };
}
