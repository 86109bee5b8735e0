import type { temporal } from '@kairos/proto';
import { ValueError } from './errors';
import { type Duration, msOptionalToNumber, msOptionalToTs, msToNumber, msToTs, optionalTsToMs } from './time';

/** How a failed workflow or activity is retried. */
export interface RetryPolicy {
  /**
   * Multiplier applied to the retry interval after each attempt. Must be at least 1.
   *
   * @default 2
   */
  backoffCoefficient?: number;
  /**
   * Delay before the first retry; with a coefficient of 1, the delay between all retries. Must be positive.
   *
   * @default 1 second
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  initialInterval?: Duration;
  /**
   * Total number of attempts, the first one included; retries stop when it is reached even if the timeouts allow
   * more. A non-negative integer; `0` and `Infinity` mean no limit.
   *
   * @default Infinity
   */
  maximumAttempts?: number;
  /**
   * Upper bound of the retry interval as it grows with the backoff coefficient. Must be at least `initialInterval`.
   *
   * @default 100 × `initialInterval`
   * @format number of milliseconds or a duration string such as `'30s'`
   */
  maximumInterval?: Duration;
  /** Application failure types that are never retried. */
  nonRetryableErrorTypes?: string[];
}

function describeDuration(value: Duration | undefined, millis: number): string {
  return typeof value === 'string' ? `'${value}' (${millis} ms)` : `${millis} ms`;
}

/**
 * Validates a {@link RetryPolicy} and turns it into its protobuf form. `initialInterval` defaults to 1 second;
 * `maximumAttempts: Infinity` is left out (the server's default is unlimited).
 *
 * @throws {@link ValueError} naming the field and the value when the policy is invalid.
 */
export function compileRetryPolicy(retryPolicy: RetryPolicy): temporal.api.common.v1.IRetryPolicy {
  const { backoffCoefficient, maximumAttempts, nonRetryableErrorTypes } = retryPolicy;
  if (backoffCoefficient !== undefined && backoffCoefficient !== null) {
    if (typeof backoffCoefficient !== 'number' || !(backoffCoefficient >= 1) || !Number.isFinite(backoffCoefficient)) {
      throw new ValueError(`RetryPolicy.backoffCoefficient must be a finite number >= 1, got ${backoffCoefficient}`);
    }
  }
  let attempts = maximumAttempts ?? undefined;
  if (attempts === Number.POSITIVE_INFINITY) {
    attempts = undefined;
  } else if (attempts !== undefined) {
    if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) {
      throw new ValueError(
        `RetryPolicy.maximumAttempts must be a non-negative integer (or Infinity), got ${maximumAttempts}`,
      );
    }
  }

  const initialInterval = msToNumber(retryPolicy.initialInterval ?? 1000);
  if (!(initialInterval > 0)) {
    throw new ValueError(
      `RetryPolicy.initialInterval must be a positive duration, got ${describeDuration(retryPolicy.initialInterval, initialInterval)}`,
    );
  }
  const maximumInterval = msOptionalToNumber(retryPolicy.maximumInterval ?? undefined);
  if (maximumInterval !== undefined) {
    if (!(maximumInterval > 0)) {
      throw new ValueError(
        `RetryPolicy.maximumInterval must be a positive duration, got ${describeDuration(retryPolicy.maximumInterval, maximumInterval)}`,
      );
    }
    if (maximumInterval < initialInterval) {
      throw new ValueError(
        `RetryPolicy.maximumInterval (${describeDuration(retryPolicy.maximumInterval, maximumInterval)}) cannot be less than its initialInterval (${describeDuration(retryPolicy.initialInterval, initialInterval)})`,
      );
    }
  }

  return {
    maximumAttempts: attempts,
    initialInterval: msToTs(initialInterval),
    maximumInterval: msOptionalToTs(maximumInterval),
    backoffCoefficient,
    nonRetryableErrorTypes,
  };
}

/** Reads a protobuf retry policy back into a {@link RetryPolicy}; `undefined` when none is set. */
export function decompileRetryPolicy(
  retryPolicy?: temporal.api.common.v1.IRetryPolicy | null,
): RetryPolicy | undefined {
  if (!retryPolicy) return undefined;
  const { backoffCoefficient, maximumAttempts, nonRetryableErrorTypes } = retryPolicy;
  const decoded: RetryPolicy = {};
  decoded.backoffCoefficient = backoffCoefficient === null ? undefined : backoffCoefficient;
  decoded.maximumAttempts = maximumAttempts === null ? undefined : maximumAttempts;
  decoded.maximumInterval = optionalTsToMs(retryPolicy.maximumInterval);
  decoded.initialInterval = optionalTsToMs(retryPolicy.initialInterval);
  decoded.nonRetryableErrorTypes = nonRetryableErrorTypes === null ? undefined : nonRetryableErrorTypes;
  return decoded;
}
