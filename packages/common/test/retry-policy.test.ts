import * as official from '@temporalio/common';
import { temporal } from '@kairos/proto';
import { compileRetryPolicy, decompileRetryPolicy, type RetryPolicy, ValueError } from '../src';

function retryPolicyBytes(policy: temporal.api.common.v1.IRetryPolicy): Buffer {
  return Buffer.from(temporal.api.common.v1.RetryPolicy.encode(policy).finish());
}

describe('compileRetryPolicy', () => {
  const validPolicies: [string, RetryPolicy][] = [
    ['an empty policy', {}],
    [
      'a full policy',
      {
        initialInterval: '2s',
        backoffCoefficient: 1.5,
        maximumInterval: '1 minute',
        maximumAttempts: 5,
        nonRetryableErrorTypes: ['Fatal', 'Invalid'],
      },
    ],
    ['numeric intervals', { initialInterval: 250, maximumInterval: 250 }],
    ['unlimited attempts', { maximumAttempts: Infinity }],
    ['a backoff coefficient of exactly 1', { backoffCoefficient: 1 }],
  ];

  test.each(validPolicies)('compiles %s to the same protobuf bytes as the official SDK', (_name, policy) => {
    const ours = compileRetryPolicy(policy);
    const theirs = official.compileRetryPolicy(policy) as temporal.api.common.v1.IRetryPolicy;
    expect(retryPolicyBytes(ours).equals(retryPolicyBytes(theirs))).toBe(true);
  });

  test('defaults the initial interval to one second and leaves the rest unset', () => {
    const compiled = compileRetryPolicy({});
    expect(compiled.initialInterval).toMatchObject({ nanos: 0 });
    expect(Number(compiled.initialInterval?.seconds)).toBe(1);
    expect(compiled.maximumInterval).toBeUndefined();
    expect(compiled.maximumAttempts).toBeUndefined();
    expect(compiled.backoffCoefficient).toBeUndefined();
  });

  test('drops maximumAttempts: Infinity and accepts 0 (unlimited on the server)', () => {
    expect(compileRetryPolicy({ maximumAttempts: Infinity }).maximumAttempts).toBeUndefined();
    expect(compileRetryPolicy({ maximumAttempts: 0 }).maximumAttempts).toBe(0);
  });

  const invalidPolicies: [string, RetryPolicy, RegExp][] = [
    ['a backoff coefficient below 1', { backoffCoefficient: 0.5 }, /RetryPolicy\.backoffCoefficient .*>= 1, got 0\.5/],
    ['a zero backoff coefficient', { backoffCoefficient: 0 }, /RetryPolicy\.backoffCoefficient .*got 0/],
    ['a NaN backoff coefficient', { backoffCoefficient: NaN }, /RetryPolicy\.backoffCoefficient .*got NaN/],
    [
      'negative maximum attempts',
      { maximumAttempts: -1 },
      /RetryPolicy\.maximumAttempts .*non-negative integer.*got -1/,
    ],
    ['fractional maximum attempts', { maximumAttempts: 2.5 }, /RetryPolicy\.maximumAttempts .*got 2\.5/],
    [
      'a zero initial interval',
      { initialInterval: 0 },
      /RetryPolicy\.initialInterval must be a positive duration, got 0 ms/,
    ],
    [
      'a negative initial interval',
      { initialInterval: '-1s' },
      /RetryPolicy\.initialInterval must be a positive duration, got '-1s' \(-1000 ms\)/,
    ],
    [
      'a zero maximum interval',
      { maximumInterval: 0 },
      /RetryPolicy\.maximumInterval must be a positive duration, got 0 ms/,
    ],
    [
      'a maximum interval below the initial interval',
      { initialInterval: '10s', maximumInterval: '5s' },
      /RetryPolicy\.maximumInterval \('5s' \(5000 ms\)\) cannot be less than its initialInterval \('10s' \(10000 ms\)\)/,
    ],
    [
      'a maximum interval below the default initial interval',
      { maximumInterval: 500 },
      /maximumInterval \(500 ms\) cannot be less than its initialInterval \(1000 ms\)/,
    ],
    ['an invalid duration string', { initialInterval: 'soon' as never }, /Invalid duration string: 'soon'/],
  ];

  test.each(invalidPolicies)('rejects %s with a ValueError naming the field and value', (_name, policy, message) => {
    expect(() => compileRetryPolicy(policy)).toThrow(ValueError);
    expect(() => compileRetryPolicy(policy)).toThrow(message);
  });
});

describe('decompileRetryPolicy', () => {
  test('returns undefined without a policy', () => {
    expect(decompileRetryPolicy(undefined)).toBeUndefined();
    expect(decompileRetryPolicy(null)).toBeUndefined();
  });

  test('turns a compiled policy back into milliseconds', () => {
    const policy: RetryPolicy = {
      initialInterval: '1.5s',
      backoffCoefficient: 3,
      maximumInterval: '2 minutes',
      maximumAttempts: 4,
      nonRetryableErrorTypes: ['X'],
    };
    expect(decompileRetryPolicy(compileRetryPolicy(policy))).toEqual({
      initialInterval: 1500,
      backoffCoefficient: 3,
      maximumInterval: 120_000,
      maximumAttempts: 4,
      nonRetryableErrorTypes: ['X'],
    });
  });

  test('decodes a policy received from the server like the official SDK', () => {
    const wire = temporal.api.common.v1.RetryPolicy.decode(
      temporal.api.common.v1.RetryPolicy.encode({
        initialInterval: { seconds: 2, nanos: 500_000_000 },
        backoffCoefficient: 2,
        maximumAttempts: 0,
      }).finish(),
    );
    expect(decompileRetryPolicy(wire)).toEqual(official.decompileRetryPolicy(wire as never));
  });
});
