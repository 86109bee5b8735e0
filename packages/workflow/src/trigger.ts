/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import { CancellationScope } from './cancellation-scope';
import { untrackPromise } from './stack-helpers';

/**
 * A promise that something else resolves or rejects: `await trigger` waits, `trigger.resolve(value)` releases
 * the waiters. When created inside a cancellable scope, cancelling that scope rejects it.
 */
export class Trigger<T> implements PromiseLike<T> {
  public readonly resolve: (value: T | PromiseLike<T>) => void = () => undefined;
  public readonly reject: (reason?: any) => void = () => undefined;
  protected readonly promise: Promise<T>;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      const scope = CancellationScope.current();
      if (scope.cancellable) {
        untrackPromise(scope.cancelRequested.catch(reject));
      }
      (this as { resolve: (value: T | PromiseLike<T>) => void }).resolve = resolve;
      (this as { reject: (reason?: any) => void }).reject = reject;
    });
    // A trigger nobody awaits must not count as an unhandled rejection.
    untrackPromise(this.promise.catch(() => undefined));
  }

  then<TResult1 = T, TResult2 = never>(
    onfulfilled?: ((value: T) => TResult1 | PromiseLike<TResult1>) | undefined | null,
    onrejected?: ((reason: any) => TResult2 | PromiseLike<TResult2>) | undefined | null,
  ): PromiseLike<TResult1 | TResult2> {
    return this.promise.then(onfulfilled, onrejected);
  }
}
