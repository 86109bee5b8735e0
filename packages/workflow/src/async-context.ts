/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Context that follows asynchronous workflow code across `await`: what `AsyncLocalStorage` and
 * `CancellationScope.current()` read. The isolate has no async hooks, so the runtime carries the context
 * itself: the bundler compiles `async` functions to generators driven by `Promise.prototype.then`, and `then`
 * is patched to run each callback in the context that was current when the callback was registered.
 *
 * @module
 */

/** An immutable set of values, one per storage; a new frame is made for every change. */
export type ContextFrame = ReadonlyMap<object, unknown>;

const EMPTY_FRAME: ContextFrame = new Map();
let current: ContextFrame = EMPTY_FRAME;

/** The frame of the code running now. */
export function currentFrame(): ContextFrame {
  return current;
}

/** Runs `fn` with `frame` as the current frame, restoring the previous one afterwards. */
export function runInFrame<R>(frame: ContextFrame, fn: () => R): R {
  const previous = current;
  current = frame;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Resets the current frame; called at each entry into the isolate. */
export function resetFrame(): void {
  current = EMPTY_FRAME;
}

function bindToFrame(callback: unknown, frame: ContextFrame): unknown {
  if (typeof callback !== 'function') return callback;
  return function boundToFrame(this: unknown, value: unknown): unknown {
    const previous = current;
    current = frame;
    try {
      return callback.call(this, value);
    } finally {
      current = previous;
    }
  };
}

let installed = false;

/**
 * Patches `Promise.prototype.then` so that callbacks run in the frame current at registration. Callbacks
 * registered in the empty frame are passed through untouched: microtasks always start in the empty frame.
 */
export function installPromiseContextPropagation(): void {
  if (installed) return;
  installed = true;
  const nativeThen = Promise.prototype.then;
  Object.defineProperty(Promise.prototype, 'then', {
    configurable: true,
    writable: true,
    value: function then(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
      const frame = current;
      if (frame === EMPTY_FRAME) return nativeThen.call(this, onFulfilled as any, onRejected as any);
      return nativeThen.call(this, bindToFrame(onFulfilled, frame) as any, bindToFrame(onRejected, frame) as any);
    },
  });
}

/** Values that workflow code wants to follow its async calls, like Node's `AsyncLocalStorage`. */
export class AsyncLocalStorage<T> {
  private disabled = false;

  /** The value stored by the innermost `run` of this storage around the running code. */
  getStore(): T | undefined {
    if (this.disabled) return undefined;
    return current.get(this) as T | undefined;
  }

  /** Runs `fn` with `store` as this storage's value, for `fn` and every callback it schedules. */
  run<R, TArgs extends any[]>(store: T, fn: (...args: TArgs) => R, ...args: TArgs): R {
    const frame = new Map(current);
    frame.set(this, store);
    return runInFrame(frame, () => fn(...args));
  }

  /** Runs `fn` without a value for this storage. */
  exit<R, TArgs extends any[]>(fn: (...args: TArgs) => R, ...args: TArgs): R {
    if (!current.has(this)) return fn(...args);
    const frame = new Map(current);
    frame.delete(this);
    return runInFrame(frame, () => fn(...args));
  }

  /** Stops this storage: `getStore()` returns `undefined` from now on. */
  disable(): void {
    this.disabled = true;
  }
}
