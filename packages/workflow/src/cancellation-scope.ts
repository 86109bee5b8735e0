/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import { CancelledFailure } from '@kairos/common';
import { type Duration, msOptionalToNumber } from '@kairos/common/lib/time';
import { AsyncLocalStorage } from './async-context';
import { SdkFlags } from './flags';
import { getActivator } from './global-attributes';
import { untrackPromise } from './stack-helpers';
import { sleep } from './timers';

export { AsyncLocalStorage } from './async-context';

/** Marker for a scope with no parent (the root scope). */
export const NO_PARENT: unique symbol = Symbol('NO_PARENT');

/** Options of {@link CancellationScope}. */
export interface CancellationScopeOptions {
  /** Cancel the scope automatically after this long (a workflow timer). */
  timeout?: Duration;
  /** Whether cancellation (of the scope or its parent) is delivered to operations in the scope. Default true. */
  cancellable: boolean;
  /** The parent scope. Default: the current scope. */
  parent?: CancellationScope | typeof NO_PARENT;
}

/** The scope stack: which scope is current, following async calls. */
export const storage = new AsyncLocalStorage<CancellationScope>();

/**
 * A region of workflow code whose operations (timers, activities, child workflows, signals to other workflows)
 * are cancelled together. Scopes nest: cancelling a cancellable scope cancels everything in it, including
 * cancellable child scopes; a non-cancellable scope shields what runs inside it. The workflow's root scope is
 * cancelled when the workflow is asked to cancel.
 */
export class CancellationScope {
  /** The timeout given in the options, in milliseconds. */
  public readonly timeout?: number;
  /** Whether cancellation is delivered to this scope's operations. */
  public readonly cancellable: boolean;
  /** The enclosing scope (undefined for the root scope). */
  public readonly parent?: CancellationScope;
  /** Rejects with a `CancelledFailure` when the scope is cancelled; await it to react to cancellation. */
  public readonly cancelRequested: Promise<never>;

  #cancelRequested = false;
  protected readonly reject: (reason?: any) => void;

  constructor(options?: CancellationScopeOptions) {
    this.timeout = msOptionalToNumber(options?.timeout);
    this.cancellable = options?.cancellable ?? true;
    let rejectCancel!: (reason?: any) => void;
    this.cancelRequested = new Promise<never>((_, reject) => {
      rejectCancel = reject;
    });
    this.reject = (err) => {
      this.#cancelRequested = true;
      rejectCancel(err);
    };
    untrackPromise(this.cancelRequested);
    // Nobody has to listen for cancellation: that is not an unhandled rejection.
    untrackPromise(this.cancelRequested.catch(() => undefined));
    if (options?.parent !== NO_PARENT) {
      const parent = options?.parent ?? CancellationScope.current();
      this.parent = parent;
      const shielded = getActivator().hasFlag(SdkFlags.NonCancellableScopesAreShieldedFromPropagation);
      if (parent.cancellable || (parent.#cancelRequested && !shielded)) {
        this.#cancelRequested = parent.#cancelRequested;
        untrackPromise(parent.cancelRequested.catch((err) => this.reject(err)));
      } else {
        untrackPromise(
          parent.cancelRequested.catch((err) => {
            if (!getActivator().hasFlag(SdkFlags.NonCancellableScopesAreShieldedFromPropagation)) this.reject(err);
          }),
        );
      }
    }
  }

  /** Whether operations started in this scope now should fail at once: cancelled and cancellable. */
  public get consideredCancelled(): boolean {
    return this.#cancelRequested && this.cancellable;
  }

  /** Runs `fn` with this scope as the current scope. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return storage.run(this, this.runInContext.bind(this, fn) as () => Promise<T>);
  }

  protected async runInContext<T>(fn: () => Promise<T>): Promise<T> {
    let timerScope: CancellationScope | undefined;
    if (this.timeout) {
      timerScope = new CancellationScope();
      const timeout = this.timeout;
      const scope = timerScope;
      untrackPromise(
        scope
          .run(() => sleep(timeout))
          .then(
            () => this.cancel(),
            () => undefined, // the timer was cancelled with the scope
          ),
      );
    }
    try {
      return await fn();
    } finally {
      if (
        timerScope &&
        !timerScope.consideredCancelled &&
        getActivator().hasFlag(SdkFlags.NonCancellableScopesAreShieldedFromPropagation)
      ) {
        timerScope.cancel();
      }
    }
  }

  /** Cancels this scope and the cancellable scopes inside it. */
  cancel(): void {
    this.reject(new CancelledFailure('Cancellation scope cancelled'));
  }

  /** The scope of the code running now (the root scope outside any `run`). */
  static current(): CancellationScope {
    return storage.getStore() ?? getActivator().rootScope;
  }

  /** Runs `fn` in a new cancellable scope. */
  static cancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new this({ cancellable: true }).run(fn);
  }

  /** Runs `fn` in a new scope that cancellation does not reach. */
  static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new this({ cancellable: false }).run(fn);
  }

  /** Runs `fn` in a new cancellable scope that is cancelled after `timeout`. */
  static withTimeout<T>(timeout: Duration, fn: () => Promise<T>): Promise<T> {
    return new this({ cancellable: true, timeout }).run(fn);
  }
}

/** The scope the workflow function runs in; cancelled when the workflow is asked to cancel. */
export class RootCancellationScope extends CancellationScope {
  constructor() {
    super({ cancellable: true, parent: NO_PARENT });
  }

  override cancel(): void {
    this.reject(new CancelledFailure('Workflow cancelled'));
  }
}
