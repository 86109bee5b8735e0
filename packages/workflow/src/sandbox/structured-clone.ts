/**
 * `structuredClone` for the isolate: a deep copy of plain data (objects, arrays, Map, Set, Date, RegExp,
 * typed arrays, ArrayBuffer, errors), keeping shared and circular references. Functions and symbols throw a
 * `DataCloneError`, as in Node.
 *
 * @module
 */

function dataCloneError(what: string): Error {
  const err = new Error(`${what} could not be cloned.`);
  err.name = 'DataCloneError';
  return err;
}

function cloneValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === 'function') throw dataCloneError(String(value));
  if (typeof value === 'symbol') throw dataCloneError(value.toString());
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Date) return remember(seen, value, new Date(value.getTime()));
  if (value instanceof RegExp) return remember(seen, value, new RegExp(value.source, value.flags));
  if (value instanceof ArrayBuffer) return remember(seen, value, value.slice(0));
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as { buffer: ArrayBuffer; byteOffset: number; length?: number; byteLength: number };
    const Ctor = (value as object).constructor as new (buffer: ArrayBuffer, offset: number, length?: number) => unknown;
    const buffer = cloneValue(view.buffer, seen) as ArrayBuffer;
    return remember(seen, value, new Ctor(buffer, view.byteOffset, view.length ?? view.byteLength));
  }
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(cloneValue(k, seen), cloneValue(v, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(cloneValue(v, seen));
    return copy;
  }
  if (value instanceof Error) {
    const copy = new (value.constructor as ErrorConstructor)(value.message);
    seen.set(value, copy);
    copy.name = value.name;
    if (value.stack !== undefined) copy.stack = value.stack;
    if ('cause' in value) (copy as { cause?: unknown }).cause = cloneValue((value as { cause?: unknown }).cause, seen);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (let i = 0; i < value.length; i++) copy[i] = cloneValue(value[i], seen);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = cloneValue((value as Record<string, unknown>)[key], seen);
  return copy;
}

function remember<T>(seen: Map<object, unknown>, original: object, copy: T): T {
  seen.set(original, copy);
  return copy;
}

/** A deep copy of `value`. */
export function structuredClone<T>(value: T): T {
  return cloneValue(value, new Map()) as T;
}
