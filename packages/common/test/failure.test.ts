import * as official from '@temporalio/common';
import * as ours from '../src';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  CompleteAsyncError,
  createPayloadValidationError,
  ensureApplicationFailure,
  ensureTemporalFailure,
  IllegalStateError,
  NamespaceNotFoundError,
  NexusOperationFailure,
  PayloadConverterError,
  rootCause,
  ServerFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  ValueError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '../src';

function loadSecondCopy(): typeof ours {
  let copy: typeof ours | undefined;
  jest.isolateModules(() => {
    copy = require('../src') as typeof ours;
  });
  if (!copy) throw new Error('could not load a second copy');
  return copy;
}

const errorClasses: [string, () => Error][] = [
  ['TemporalFailure', () => new TemporalFailure('m')],
  ['ApplicationFailure', () => new ApplicationFailure('m')],
  ['ServerFailure', () => new ServerFailure('m', false)],
  ['CancelledFailure', () => new CancelledFailure('m')],
  ['TerminatedFailure', () => new TerminatedFailure('m')],
  ['TimeoutFailure', () => new TimeoutFailure('m', undefined, 'HEARTBEAT')],
  ['ActivityFailure', () => new ActivityFailure('m', 'a', 'id', 'TIMEOUT', 'me')],
  ['ChildWorkflowFailure', () => new ChildWorkflowFailure('ns', { workflowId: 'w' }, 't', 'TIMEOUT')],
  ['NexusOperationFailure', () => new NexusOperationFailure('m', 1, 'e', 's', 'o', undefined)],
  ['WorkflowExecutionAlreadyStartedError', () => new WorkflowExecutionAlreadyStartedError('m', 'w', 't')],
  ['ValueError', () => new ValueError('m')],
  ['PayloadConverterError', () => new PayloadConverterError('m')],
  ['IllegalStateError', () => new IllegalStateError('m')],
  ['WorkflowNotFoundError', () => new WorkflowNotFoundError('m', 'w', undefined)],
  ['NamespaceNotFoundError', () => new NamespaceNotFoundError('ns')],
  ['CompleteAsyncError', () => new CompleteAsyncError()],
];

describe('error classes', () => {
  test.each(errorClasses)('%s has its class name as name', (name, make) => {
    const error = make();
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(new RegExp(`^${name}`));
  });

  test.each(errorClasses)('%s is recognised by instanceof across two loaded copies of the package', (name, make) => {
    const copy = loadSecondCopy();
    const OtherClass = copy[name as keyof typeof copy] as unknown as new (...args: never[]) => Error;
    const OurClass = ours[name as keyof typeof ours] as unknown as new (...args: never[]) => Error;
    expect(OtherClass).not.toBe(OurClass);
    expect(make()).toBeInstanceOf(OtherClass);
  });

  test.each(errorClasses)(
    '%s is recognised by the official class of the same name, and the other way round',
    (name, make) => {
      const OfficialClass = official[name as keyof typeof official] as unknown as new (...args: never[]) => Error;
      const OurClass = ours[name as keyof typeof ours] as unknown as new (...args: never[]) => Error;
      expect(make()).toBeInstanceOf(OfficialClass);
      expect(Object.create(OfficialClass.prototype)).toBeInstanceOf(OurClass);
    },
  );

  test('subclasses are instances of their parents but not of their siblings', () => {
    const app = new ApplicationFailure('m');
    expect(app).toBeInstanceOf(TemporalFailure);
    expect(app).not.toBeInstanceOf(CancelledFailure);
    expect(new TemporalFailure('m')).not.toBeInstanceOf(ApplicationFailure);
    expect(new PayloadConverterError('m')).toBeInstanceOf(ValueError);
    expect(new ValueError('m')).not.toBeInstanceOf(PayloadConverterError);
    expect({ name: 'ApplicationFailure', message: 'm' }).not.toBeInstanceOf(ApplicationFailure);
    expect(null).not.toBeInstanceOf(TemporalFailure);
  });

  test('an unmarked user subclass keeps ordinary instanceof semantics', () => {
    class MyFailure extends ApplicationFailure {}
    expect(new MyFailure('m')).toBeInstanceOf(MyFailure);
    expect(new MyFailure('m')).toBeInstanceOf(ApplicationFailure);
    expect(new ApplicationFailure('m')).not.toBeInstanceOf(MyFailure);
  });

  test('errors keep their fields and causes', () => {
    const cause = new Error('root');
    expect(new ValueError('bad', cause).cause).toBe(cause);
    expect(new WorkflowNotFoundError('gone', 'wf-1', 'run-1')).toMatchObject({ workflowId: 'wf-1', runId: 'run-1' });
    expect(new NamespaceNotFoundError('prod').message).toBe("Namespace not found: 'prod'");
    expect(new ours.ExternalStorageNotConfiguredError().message).toMatch(/^\[TMPRL1105\] /);
    const child = new ChildWorkflowFailure('ns', { workflowId: 'w', runId: 'r' }, 'type', 'TIMEOUT', cause);
    expect(child.message).toBe('Child Workflow execution failed');
    expect(child.cause).toBe(cause);
  });
});

describe('ApplicationFailure', () => {
  test('create defaults to retryable and keeps every option', () => {
    const cause = new Error('c');
    const failure = ApplicationFailure.create({
      message: 'm',
      type: 'T',
      details: [1, 'two'],
      nextRetryDelay: '5s',
      cause,
      category: ours.ApplicationFailureCategory.BENIGN,
    });
    expect(failure).toMatchObject({
      message: 'm',
      type: 'T',
      nonRetryable: false,
      details: [1, 'two'],
      nextRetryDelay: '5s',
      category: 'BENIGN',
    });
    expect(failure.cause).toBe(cause);
  });

  test('retryable and nonRetryable default the type to Error and collect details', () => {
    expect(ApplicationFailure.retryable('r', undefined, 1, 2)).toMatchObject({
      type: 'Error',
      nonRetryable: false,
      details: [1, 2],
    });
    expect(ApplicationFailure.nonRetryable('n', 'Custom')).toMatchObject({
      type: 'Custom',
      nonRetryable: true,
      details: [],
    });
  });

  test('fromError converts an error and applies overrides', () => {
    const error = new TypeError('wrong type');
    const failure = ApplicationFailure.fromError(error, { nonRetryable: true, details: ['d'] });
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ message: 'wrong type', type: 'TypeError', nonRetryable: true, details: ['d'] });
    expect(failure.stack).toBe(error.stack);
  });

  test('createPayloadValidationError is non-retryable with the value as its only detail', () => {
    expect(createPayloadValidationError({ field: 'x' })).toMatchObject({
      message: 'Payload validation failed',
      type: 'PayloadValidationError',
      nonRetryable: true,
      details: [{ field: 'x' }],
    });
    expect(createPayloadValidationError(null).details).toEqual([]);
  });
});

describe('ensureApplicationFailure and friends', () => {
  test('keeps an ApplicationFailure as it is', () => {
    const failure = new ApplicationFailure('m');
    expect(ensureApplicationFailure(failure)).toBe(failure);
    expect(ensureTemporalFailure(failure)).toBe(failure);
  });

  test('converts an error using its class name, message, stack and Error cause', () => {
    class PaymentError extends Error {}
    const cause = new Error('card');
    const error = new PaymentError('declined', { cause });
    const failure = ensureApplicationFailure(error);
    expect(failure).toMatchObject({ message: 'declined', type: 'PaymentError', nonRetryable: false });
    expect(failure.cause).toBe(cause);
    expect(failure.stack).toBe(error.stack);
  });

  test('ignores a cause that is not an Error', () => {
    expect(ensureApplicationFailure(new Error('m', { cause: 'text' })).cause).toBeUndefined();
  });

  test('converts thrown non-errors with String()', () => {
    const failure = ensureApplicationFailure('just text');
    expect(failure.message).toBe('just text');
    expect(failure.type).toBeUndefined();
    expect(failure.stack).toBe('');
  });

  test('ensureTemporalFailure keeps any TemporalFailure', () => {
    const cancelled = new CancelledFailure('c');
    expect(ensureTemporalFailure(cancelled)).toBe(cancelled);
    expect(ensureTemporalFailure(new Error('e'))).toBeInstanceOf(ApplicationFailure);
  });

  test('matches the official helpers on the same inputs', () => {
    const inputs: unknown[] = [new RangeError('r'), 'str', 42, { message: 'obj' }, null];
    for (const input of inputs) {
      const oursFailure = ensureApplicationFailure(input);
      const theirsFailure = official.ensureApplicationFailure(input);
      expect([oursFailure.message, oursFailure.type, oursFailure.nonRetryable, oursFailure.stack]).toEqual([
        theirsFailure.message,
        theirsFailure.type,
        theirsFailure.nonRetryable,
        theirsFailure.stack,
      ]);
    }
  });

  test('rootCause follows TemporalFailure causes to the innermost message', () => {
    const chain = new ActivityFailure(
      'activity',
      'a',
      'id',
      'TIMEOUT',
      undefined,
      new TimeoutFailure('deepest', null, 'HEARTBEAT'),
    );
    expect(rootCause(chain)).toBe('deepest');
    expect(rootCause(new Error('plain', { cause: new Error('not followed') }))).toBe('plain');
    expect(rootCause('text')).toBe('text');
    expect(rootCause(42)).toBeUndefined();
  });
});

describe('failure enums', () => {
  test('FAILURE_SOURCE is TypeScriptSDK', () => {
    expect(ours.FAILURE_SOURCE).toBe('TypeScriptSDK');
  });

  test('TimeoutType, RetryState and ApplicationFailureCategory equal the official objects', () => {
    expect(ours.TimeoutType).toEqual(official.TimeoutType);
    expect(ours.RetryState).toEqual(official.RetryState);
    expect(ours.ApplicationFailureCategory).toEqual(official.ApplicationFailureCategory);
  });
});
