/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Detects promise rejections nobody handles, which must fail the workflow task rather than vanish. The isolate
 * offers no rejection hook, so the runtime replaces the global `Promise` with a subclass whose `reject`
 * records the promise until a handler is attached (`then`, `catch`, `finally`, `await`). Whatever is still
 * recorded when the activation ends (after every microtask ran) was never handled.
 *
 * @module
 */

/** Tracks rejected promises that have no handler yet. */
export class PromiseRejections {
  private readonly pending = new Map<Promise<unknown>, unknown>();
  private readonly handled = new WeakSet<Promise<unknown>>();
  private installed = false;

  /** Replaces `globalThis.Promise`; idempotent. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const NativePromise = Promise;
    const rejected = (promise: Promise<unknown>, reason: unknown) => this.rejected(promise, reason);
    const markHandled = (promise: Promise<unknown>) => this.markHandled(promise);

    class TrackedPromise<T> extends NativePromise<T> {
      constructor(
        executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void,
      ) {
        const state: { promise?: TrackedPromise<T>; early?: { reason: unknown } } = {};
        super((resolve, reject) => {
          executor(resolve, (reason?: unknown) => {
            if (state.promise === undefined) state.early = { reason };
            else rejected(state.promise, reason);
            reject(reason);
          });
        });
        state.promise = this;
        if (state.early !== undefined) rejected(this, state.early.reason);
      }

      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof NativePromise;
      }
    }

    // `then` is already patched for context propagation; wrap whatever is there now.
    const currentThen = NativePromise.prototype.then;
    Object.defineProperty(NativePromise.prototype, 'then', {
      configurable: true,
      writable: true,
      value: function then(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
        markHandled(this);
        return currentThen.call(this, onFulfilled as any, onRejected as any);
      },
    });
    Object.defineProperty(globalThis, 'Promise', {
      value: TrackedPromise,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  private rejected(promise: Promise<unknown>, reason: unknown): void {
    if (!this.handled.has(promise)) this.pending.set(promise, reason);
  }

  private markHandled(promise: Promise<unknown>): void {
    this.handled.add(promise);
    this.pending.delete(promise);
  }

  /** The reason of the first rejection still unhandled, if any (and forgets all of them). */
  takeUnhandled(): unknown {
    if (this.pending.size === 0) return undefined;
    const [reason] = this.pending.values();
    this.pending.clear();
    const error = new Error(`Unhandled Promise rejection: ${describe(reason)}`);
    error.name = 'UnhandledRejectionError';
    (error as { cause?: unknown }).cause = reason;
    return error;
  }
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  try {
    return String(reason);
  } catch {
    return '<unprintable>';
  }
}
