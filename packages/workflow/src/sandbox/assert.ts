/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * The `assert` module inside the isolate (the bundler points `assert` and `node:assert` here). It has the
 * commonly used checks of Node's `assert`; each failure throws an `AssertionError`, which the testing
 * package's interceptor turns into a workflow failure.
 *
 * @module
 */

/** A failed assertion. */
export class AssertionError extends Error {
  readonly code = 'ERR_ASSERTION';
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string;
  readonly generatedMessage: boolean;

  constructor(options: { message?: string | Error; actual?: unknown; expected?: unknown; operator?: string }) {
    const generated = options.message === undefined;
    super(
      options.message instanceof Error
        ? options.message.message
        : (options.message ?? `${show(options.actual)} ${options.operator ?? '=='} ${show(options.expected)}`),
    );
    this.name = 'AssertionError';
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator ?? '';
    this.generatedMessage = generated;
  }
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function fail(actual: unknown, expected: unknown, operator: string, message?: string | Error): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, actual, expected, operator });
}

function isDeepEqual(a: unknown, b: unknown, strict: boolean): boolean {
  if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !isDeepEqual(v, b.get(k), strict)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepEqual((a as any)[k], (b as any)[k], strict),
  );
}

function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) fail(value, true, '==', message ?? 'The expression evaluated to a falsy value');
}

const assertFunctions = Object.assign(ok, {
  ok,
  AssertionError,
  fail(message?: string | Error): never {
    return fail(undefined, undefined, 'fail', message ?? 'Failed');
  },
  equal(actual: unknown, expected: unknown, message?: string | Error) {
    if (!(actual == expected)) fail(actual, expected, '==', message);
  },
  notEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (actual == expected) fail(actual, expected, '!=', message);
  },
  strictEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (!Object.is(actual, expected)) fail(actual, expected, 'strictEqual', message);
  },
  notStrictEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (Object.is(actual, expected)) fail(actual, expected, 'notStrictEqual', message);
  },
  deepEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (!isDeepEqual(actual, expected, false)) fail(actual, expected, 'deepEqual', message);
  },
  notDeepEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (isDeepEqual(actual, expected, false)) fail(actual, expected, 'notDeepEqual', message);
  },
  deepStrictEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (!isDeepEqual(actual, expected, true)) fail(actual, expected, 'deepStrictEqual', message);
  },
  notDeepStrictEqual(actual: unknown, expected: unknown, message?: string | Error) {
    if (isDeepEqual(actual, expected, true)) fail(actual, expected, 'notDeepStrictEqual', message);
  },
  throws(fn: () => unknown, message?: string | Error) {
    try {
      fn();
    } catch {
      return;
    }
    fail(undefined, undefined, 'throws', message ?? 'Missing expected exception.');
  },
  match(value: string, regexp: RegExp, message?: string | Error) {
    if (!regexp.test(value)) fail(value, regexp, 'match', message);
  },
});
/** Node-style `assert`: callable, with the usual checks (and `assert.strict`) as properties. */
export const assert: typeof assertFunctions & { strict: typeof assertFunctions } = Object.assign(assertFunctions, {
  strict: assertFunctions,
});
