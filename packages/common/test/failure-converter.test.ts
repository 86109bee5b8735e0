import * as official from '@temporalio/common';
import { temporal } from '@kairos/proto';
import * as nexus from 'nexus-rpc';
import * as ours from '../src';
import { cutoffStackTrace, DefaultFailureConverter, type ProtoFailure } from '../src';
import { failureBytes, failureObject } from './helpers';

type Lib = typeof ours | typeof official;

const STACK = 'Error: boom\n    at userCode (/app/src/activities.ts:10:11)\n    at more (/app/src/activities.ts:20:5)';

function withStack<E extends Error>(
  error: E,
  stack = `${error.name}: ${error.message}\n${STACK.split('\n').slice(1).join('\n')}`,
): E {
  error.stack = stack;
  return error;
}

/** The same errors built with either library's classes, with fixed stacks so outputs can be compared. */
function sampleErrors(lib: Lib): [string, unknown][] {
  const L = lib as typeof ours; // both libraries have the same constructors
  const rootCause = withStack(new TypeError('root cause'));
  return [
    ['a plain Error', withStack(new Error('plain'))],
    [
      'an Error with a cause chain',
      withStack(new Error('outer', { cause: withStack(new RangeError('inner', { cause: rootCause })) })),
    ],
    ['an Error with a string cause', withStack(new Error('with string cause', { cause: 'just a string' }))],
    [
      'a custom Error subclass',
      withStack(Object.assign(new (class CustomError extends Error {})('custom'), { name: 'CustomError' })),
    ],
    [
      'an ApplicationFailure with every field',
      withStack(
        L.ApplicationFailure.create({
          message: 'app failed ✗',
          type: 'PaymentDeclined',
          nonRetryable: true,
          details: [1, 'two', { three: [3] }, null],
          nextRetryDelay: '1.5s',
          category: 'BENIGN',
          cause: withStack(new Error('card expired')),
        }),
      ),
    ],
    [
      'a retryable ApplicationFailure',
      withStack(L.ApplicationFailure.retryable('try again', undefined, { attempt: 2 })),
    ],
    ['a non-retryable ApplicationFailure', withStack(L.ApplicationFailure.nonRetryable('give up', 'Fatal'))],
    ['an ApplicationFailure without details', withStack(new L.ApplicationFailure('bare'))],
    ['a CancelledFailure with details', withStack(new L.CancelledFailure('cancelled', ['why', 42]))],
    ['a TerminatedFailure', withStack(new L.TerminatedFailure('terminated'))],
    [
      'a heartbeat TimeoutFailure with details',
      withStack(new L.TimeoutFailure('heartbeat timeout', { progress: 50 }, 'HEARTBEAT')),
    ],
    [
      'a TimeoutFailure without details',
      withStack(new L.TimeoutFailure('start to close', undefined, 'START_TO_CLOSE')),
    ],
    ['a ServerFailure', withStack(new L.ServerFailure('server says no', true))],
    [
      'an ActivityFailure caused by a timeout',
      withStack(
        new L.ActivityFailure(
          'Activity task timed out',
          'chargeCard',
          'activity-1',
          'TIMEOUT',
          'worker-1@host',
          withStack(new L.TimeoutFailure('timeout', undefined, 'SCHEDULE_TO_CLOSE')),
        ),
      ),
    ],
    [
      'a ChildWorkflowFailure caused by an ApplicationFailure',
      withStack(
        new L.ChildWorkflowFailure(
          'default',
          { workflowId: 'child-1', runId: 'run-1' },
          'childWorkflow',
          'NON_RETRYABLE_FAILURE',
          withStack(L.ApplicationFailure.nonRetryable('child broke', 'ChildError', 'detail')),
        ),
      ),
    ],
    [
      'a NexusOperationFailure',
      withStack(
        new L.NexusOperationFailure(
          'nexus op failed',
          12,
          'my-endpoint',
          'my-service',
          'my-operation',
          'op-token',
          withStack(new Error('handler error')),
        ),
      ),
    ],
    ['a bare TemporalFailure', withStack(new L.TemporalFailure('temporal'))],
    [
      'a nexus HandlerError marked retryable',
      withStack(new nexus.HandlerError('INTERNAL', 'handler exploded', { retryableOverride: true })),
    ],
    [
      'a nexus HandlerError marked non-retryable with a cause',
      withStack(
        new nexus.HandlerError('BAD_REQUEST', 'bad input', {
          retryableOverride: false,
          cause: withStack(new Error('validation')),
        }),
      ),
    ],
    ['a nexus HandlerError with default retry behavior', withStack(new nexus.HandlerError('UNAVAILABLE', 'later'))],
    [
      'a nexus HandlerError wrapping a non-Temporal Nexus failure',
      withStack(
        new nexus.HandlerError('INTERNAL', 'wrapped', {
          originalFailure: { message: 'from another SDK', stackTrace: 'trace', metadata: { type: 'x.Other' } },
        }),
      ),
    ],
    ['a thrown string', 'just a string'],
    ['a thrown object', { code: 42, reason: 'object' }],
    ['a thrown number', 7],
  ];
}

const oursConverter = new ours.DefaultFailureConverter();
const theirsConverter = new official.DefaultFailureConverter();
const oursEncoding = new ours.DefaultFailureConverter({ encodeCommonAttributes: true });
const theirsEncoding = new official.DefaultFailureConverter({ encodeCommonAttributes: true });
const oursErrors = sampleErrors(ours);
const theirsErrors = sampleErrors(official);
const cases = oursErrors.map(([name, error], i) => [name, error, theirsErrors[i]![1]] as const);

function toFailure(
  converter: DefaultFailureConverter | official.DefaultFailureConverter,
  error: unknown,
): ProtoFailure {
  return converter instanceof DefaultFailureConverter
    ? converter.errorToFailure(error, ours.defaultPayloadConverter)
    : (converter.errorToFailure(error, official.defaultPayloadConverter) as ProtoFailure);
}

/** The observable shape of an error and its causes, for comparing ours with the official one. */
function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const fields: Record<string, unknown> = {};
  for (const key of [
    'type',
    'nonRetryable',
    'details',
    'nextRetryDelay',
    'category',
    'retryState',
    'activityType',
    'activityId',
    'identity',
    'namespace',
    'execution',
    'workflowType',
    'timeoutType',
    'lastHeartbeatDetails',
    'scheduledEventId',
    'endpoint',
    'service',
    'operation',
    'operationToken',
    'retryable',
    'retryableOverride',
    'rawErrorType',
  ]) {
    if (key in error) fields[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
    cause: describeError(error.cause),
  };
}

describe('DefaultFailureConverter.errorToFailure', () => {
  test.each(cases)('converts %s to the same Failure bytes as the official SDK', (_name, ourError, theirError) => {
    const oursFailure = toFailure(oursConverter, ourError);
    const theirsFailure = toFailure(theirsConverter, theirError);
    expect(failureObject(oursFailure)).toEqual(failureObject(theirsFailure));
    expect(failureBytes(oursFailure).equals(failureBytes(theirsFailure))).toBe(true);
  });

  test.each(cases)(
    'converts %s with encodeCommonAttributes to the same Failure bytes as the official SDK',
    (_name, ourError, theirError) => {
      const oursFailure = toFailure(oursEncoding, ourError);
      const theirsFailure = toFailure(theirsEncoding, theirError);
      expect(failureObject(oursFailure)).toEqual(failureObject(theirsFailure));
      expect(failureBytes(oursFailure).equals(failureBytes(theirsFailure))).toBe(true);
    },
  );

  test('writes the cause chain, source, details and next retry delay', () => {
    const error = ours.ApplicationFailure.create({
      message: 'outer',
      type: 'Outer',
      details: ['d'],
      nextRetryDelay: '2 minutes',
      cause: new ours.ApplicationFailure('inner', 'Inner'),
    });
    const failure = failureObject(oursConverter.errorToFailure(error, ours.defaultPayloadConverter));
    expect(failure).toMatchObject({
      message: 'outer',
      source: 'TypeScriptSDK',
      applicationFailureInfo: {
        type: 'Outer',
        nextRetryDelay: { seconds: '120' },
      },
      cause: { message: 'inner', source: 'TypeScriptSDK', applicationFailureInfo: { type: 'Inner' } },
    });
    const details = (failure.applicationFailureInfo as { details: { payloads: { data: string }[] } }).details;
    expect(Buffer.from(details.payloads[0]!.data, 'base64').toString()).toBe('"d"');
  });

  test('moves message and stack trace into encoded attributes when asked to', () => {
    const failure = oursEncoding.errorToFailure(withStack(new Error('secret')), ours.defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(ours.defaultPayloadConverter.fromPayload(failure.encodedAttributes!)).toEqual({
      message: 'secret',
      stack_trace: withStack(new Error('secret')).stack,
    });
  });

  test('returns the original Failure of an error that came from one', () => {
    const original: ProtoFailure = { message: 'from server', applicationFailureInfo: { type: 'X' }, source: 'GoSDK' };
    const error = oursConverter.failureToError(original, ours.defaultPayloadConverter);
    expect(oursConverter.errorToFailure(error, ours.defaultPayloadConverter)).toBe(original);
  });

  test('does not modify the original Failure when re-encoding common attributes', () => {
    const error = oursConverter.failureToError({ message: 'keep me', stackTrace: 'st' }, ours.defaultPayloadConverter);
    oursEncoding.errorToFailure(error, ours.defaultPayloadConverter);
    const again = oursEncoding.errorToFailure(error, ours.defaultPayloadConverter);
    expect(ours.defaultPayloadConverter.fromPayload(again.encodedAttributes!)).toEqual({
      message: 'keep me',
      stack_trace: 'st',
    });
  });
});

describe('DefaultFailureConverter.failureToError', () => {
  test.each(cases)('decodes the official Failure of %s like the official SDK', (_name, _ourError, theirError) => {
    const failure = toFailure(theirsConverter, theirError);
    const oursError = oursConverter.failureToError(failure, ours.defaultPayloadConverter);
    const theirsError = theirsConverter.failureToError(
      failure as official.ProtoFailure,
      official.defaultPayloadConverter,
    );
    expect(describeError(oursError)).toEqual(describeError(theirsError));
  });

  test.each(cases)(
    'decodes the official encoded-attributes Failure of %s like the official SDK',
    (_name, _ourError, theirError) => {
      const failure = toFailure(theirsEncoding, theirError);
      const oursError = oursEncoding.failureToError(failure, ours.defaultPayloadConverter);
      const theirsError = theirsEncoding.failureToError(
        failure as official.ProtoFailure,
        official.defaultPayloadConverter,
      );
      expect(describeError(oursError)).toEqual(describeError(theirsError));
    },
  );

  test('round trips an ActivityFailure chain into instances of our classes', () => {
    const original = sampleErrors(ours).find(([name]) => name === 'an ActivityFailure caused by a timeout')![1];
    const failure = oursConverter.errorToFailure(original, ours.defaultPayloadConverter);
    const error = oursConverter.failureToError(failure, ours.defaultPayloadConverter);
    expect(error).toBeInstanceOf(ours.ActivityFailure);
    expect(error).toBeInstanceOf(ours.TemporalFailure);
    expect(error.name).toBe('ActivityFailure');
    const activityFailure = error as ours.ActivityFailure;
    expect(activityFailure).toMatchObject({
      activityType: 'chargeCard',
      activityId: 'activity-1',
      retryState: 'TIMEOUT',
      identity: 'worker-1@host',
    });
    expect(activityFailure.cause).toBeInstanceOf(ours.TimeoutFailure);
    expect((activityFailure.cause as ours.TimeoutFailure).timeoutType).toBe('SCHEDULE_TO_CLOSE');
    expect(activityFailure.failure).toBe(failure);
    expect(activityFailure.stack).toBe(failure.stackTrace);
  });

  test('round trips application failure details and heartbeat details', () => {
    const app = ours.ApplicationFailure.create({ message: 'm', details: [{ a: 1 }, [2], 'three'] });
    const decodedApp = oursConverter.failureToError(
      oursConverter.errorToFailure(app, ours.defaultPayloadConverter),
      ours.defaultPayloadConverter,
    ) as ours.ApplicationFailure;
    expect(decodedApp.details).toEqual([{ a: 1 }, [2], 'three']);
    const timeout = new ours.TimeoutFailure('t', { progress: 99 }, 'HEARTBEAT');
    const decodedTimeout = oursConverter.failureToError(
      oursConverter.errorToFailure(timeout, ours.defaultPayloadConverter),
      ours.defaultPayloadConverter,
    ) as ours.TimeoutFailure;
    expect(decodedTimeout.lastHeartbeatDetails).toEqual({ progress: 99 });
    const cancelled = new ours.CancelledFailure('c', ['x', 1]);
    const decodedCancelled = oursConverter.failureToError(
      oursConverter.errorToFailure(cancelled, ours.defaultPayloadConverter),
      ours.defaultPayloadConverter,
    ) as ours.CancelledFailure;
    expect(decodedCancelled.details).toEqual(['x', 1]);
  });

  test('decodes a plain Error chain into TemporalFailures keeping messages and stacks', () => {
    const original = withStack(new Error('outer', { cause: withStack(new Error('inner')) }));
    const error = oursConverter.failureToError(
      oursConverter.errorToFailure(original, ours.defaultPayloadConverter),
      ours.defaultPayloadConverter,
    );
    expect(error).toBeInstanceOf(ours.TemporalFailure);
    expect(error.message).toBe('outer');
    expect(error.stack).toBe(original.stack);
    expect((error.cause as Error).message).toBe('inner');
    expect(ours.rootCause(error)).toBe('inner');
  });

  test('decodes a reset workflow failure into an ApplicationFailure of type ResetWorkflow', () => {
    const error = oursConverter.failureToError(
      { message: 'reset', resetWorkflowFailureInfo: {} },
      ours.defaultPayloadConverter,
    );
    expect(error).toBeInstanceOf(ours.ApplicationFailure);
    expect((error as ours.ApplicationFailure).type).toBe('ResetWorkflow');
  });

  test('decodes a Nexus handler failure into a nexus-rpc HandlerError', () => {
    const failure: ProtoFailure = {
      message: 'nope',
      nexusHandlerFailureInfo: {
        type: 'NOT_FOUND',
        retryBehavior:
          temporal.api.enums.v1.NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE,
      },
    };
    const error = oursConverter.failureToError(failure, ours.defaultPayloadConverter);
    expect(error).toBeInstanceOf(nexus.HandlerError);
    expect(error).toMatchObject({ type: 'NOT_FOUND', retryable: false, message: 'nope' });
    // Converting back gives the original failure, wrapped and unwrapped losslessly.
    expect(failureObject(oursConverter.errorToFailure(error, ours.defaultPayloadConverter))).toEqual(
      failureObject(failure),
    );
  });

  test('rejects child workflow and activity failures missing required attributes', () => {
    expect(() =>
      oursConverter.failureToError({ childWorkflowExecutionFailureInfo: {} }, ours.defaultPayloadConverter),
    ).toThrow('Missing attributes on childWorkflowExecutionFailureInfo');
    expect(() => oursConverter.failureToError({ activityFailureInfo: {} }, ours.defaultPayloadConverter)).toThrow(
      'Missing activityType?.name on activityFailureInfo',
    );
  });

  test('ignores encoded attributes that are not an object', () => {
    const failure: ProtoFailure = {
      message: 'visible',
      encodedAttributes: ours.defaultPayloadConverter.toPayload('not an object'),
    };
    expect(oursConverter.failureToError(failure, ours.defaultPayloadConverter).message).toBe('visible');
  });
});

describe('cutoffStackTrace', () => {
  test('drops the frames of the worker that called user code and interceptor plumbing', () => {
    const stack = [
      'Error: failed',
      '    at myActivity (/app/src/activities.ts:3:9)',
      '    at next (/app/node_modules/@kairos/common/lib/interceptors.js:20:14)',
      '    at helper (/app/src/helper.ts:8:1)',
      '    at Activity.execute (/app/node_modules/@kairos/worker/lib/activity.js:120:30)',
      '    at more internals (/app/node_modules/@kairos/worker/lib/worker.js:1:1)',
    ].join('\n');
    expect(cutoffStackTrace(stack)).toBe(
      [
        'Error: failed',
        '    at myActivity (/app/src/activities.ts:3:9)',
        '    at helper (/app/src/helper.ts:8:1)',
      ].join('\n'),
    );
    expect(cutoffStackTrace(stack)).toBe(official.cutoffStackTrace(stack));
  });

  test('cuts at the workflow activator and the sandbox entry', () => {
    const stack = [
      'Error: wf',
      '    at myWorkflow (/app/src/workflows.ts:5:5)',
      '    at async Activator.startWorkflowNextHandler (/app/node_modules/@kairos/workflow/lib/internals.js:1:1)',
      '    at anything',
    ].join('\n');
    expect(cutoffStackTrace(stack)).toBe('Error: wf\n    at myWorkflow (/app/src/workflows.ts:5:5)');
    expect(cutoffStackTrace('E\n    at Script.runInContext (node:vm:1:1)\n    at x')).toBe('E');
  });

  test('returns an empty string for a missing stack', () => {
    expect(cutoffStackTrace(undefined)).toBe('');
  });
});
