import * as grpc from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, isRetryableError } from '../src/grpc-retry';

const status = (code: grpc.status, details = ''): grpc.StatusObject => ({
  code,
  details,
  metadata: new grpc.Metadata(),
});

describe('isRetryableError', () => {
  it.each([
    [grpc.status.UNKNOWN, true],
    [grpc.status.RESOURCE_EXHAUSTED, true],
    [grpc.status.UNAVAILABLE, true],
    [grpc.status.ABORTED, true],
    [grpc.status.DATA_LOSS, true],
    [grpc.status.OUT_OF_RANGE, true],
    [grpc.status.CANCELLED, false],
    [grpc.status.DEADLINE_EXCEEDED, false],
    [grpc.status.NOT_FOUND, false],
    [grpc.status.ALREADY_EXISTS, false],
    [grpc.status.INVALID_ARGUMENT, false],
    [grpc.status.PERMISSION_DENIED, false],
    [grpc.status.UNAUTHENTICATED, false],
    [grpc.status.FAILED_PRECONDITION, false],
    [grpc.status.UNIMPLEMENTED, false],
  ])('code %s retryable: %s', (code, expected) => {
    expect(isRetryableError(status(code))).toBe(expected);
  });

  it('retries INTERNAL only for transient stream resets and missing statuses, never for TLS alerts', () => {
    expect(isRetryableError(status(grpc.status.INTERNAL, 'Received RST_STREAM with code 0'))).toBe(true);
    expect(isRetryableError(status(grpc.status.INTERNAL, 'Call ended without gRPC status'))).toBe(true);
    expect(
      isRetryableError(
        status(grpc.status.INTERNAL, 'Received RST_STREAM with code 2 triggered by internal client error'),
      ),
    ).toBe(true);
    expect(
      isRetryableError(status(grpc.status.INTERNAL, 'Received RST_STREAM with code 2 (SSL alert number 42)')),
    ).toBe(false);
    expect(isRetryableError(status(grpc.status.INTERNAL, 'Request message serialization failure'))).toBe(false);
  });
});

describe('defaultGrpcRetryOptions', () => {
  it('allows 10 attempts by default and only for retryable codes', () => {
    const { retryableDecider } = defaultGrpcRetryOptions();
    expect(retryableDecider(9, status(grpc.status.UNAVAILABLE))).toBe(true);
    expect(retryableDecider(10, status(grpc.status.UNAVAILABLE))).toBe(false);
    expect(retryableDecider(1, status(grpc.status.NOT_FOUND))).toBe(false);
    expect(defaultGrpcRetryOptions({ maxAttempts: 2 }).retryableDecider(2, status(grpc.status.UNAVAILABLE))).toBe(
      false,
    );
  });

  it('backs off by factor^attempt from 100 ms (1 s for RESOURCE_EXHAUSTED), capped at 5 s', () => {
    const { delayFunction } = defaultGrpcRetryOptions({ maxJitter: 0 });
    expect(delayFunction(1, status(grpc.status.UNAVAILABLE))).toBeCloseTo(170);
    expect(delayFunction(2, status(grpc.status.UNAVAILABLE))).toBeCloseTo(289);
    expect(delayFunction(1, status(grpc.status.RESOURCE_EXHAUSTED))).toBeCloseTo(1700);
    expect(delayFunction(9, status(grpc.status.UNAVAILABLE))).toBe(5000);
  });

  it('applies jitter within ±maxJitter', () => {
    const { delayFunction } = defaultGrpcRetryOptions({ factor: 1, maxJitter: 0.2 });
    const delays = Array.from({ length: 200 }, () => delayFunction(1, status(grpc.status.UNAVAILABLE)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...delays)).toBeLessThan(120);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('accepts custom interval functions', () => {
    const { delayFunction } = defaultGrpcRetryOptions({
      factor: 2,
      maxJitter: 0,
      initialIntervalMs: () => 10,
      maxIntervalMs: () => 30,
    });
    expect(delayFunction(1, status(grpc.status.UNAVAILABLE))).toBe(20);
    expect(delayFunction(3, status(grpc.status.UNAVAILABLE))).toBe(30);
  });
});
