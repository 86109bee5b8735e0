import { IllegalStateError } from '@kairos/common';
import { ShutdownError, TransportError, UnexpectedError } from '@kairos/core-bridge';

export { ShutdownError, TransportError, UnexpectedError };

/** The worker did not finish shutting down within `shutdownForceTime`. */
export class GracefulShutdownPeriodExpiredError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'GracefulShutdownPeriodExpiredError';
  }
}

/** A promise rejection nobody handled, in workflow code the worker could not associate with a run. */
export class UnhandledRejectionError extends Error {
  constructor(
    message: string,
    public override cause: unknown,
  ) {
    super(message);
    this.name = 'UnhandledRejectionError';
  }
}

/** The two errors of `Worker.runUntil` when both the worker and the given promise failed. */
export interface CombinedWorkerRunErrorCause {
  workerError: unknown;
  innerError: unknown;
}

/** `Worker.runUntil` failed both ways: the worker and the promise it waited on. */
export class CombinedWorkerRunError extends Error {
  public override readonly cause: CombinedWorkerRunErrorCause;

  constructor(message: string, { cause }: { cause: CombinedWorkerRunErrorCause }) {
    super(message);
    this.name = 'CombinedWorkerRunError';
    this.cause = cause;
  }
}

/** The promise given to `Worker.runUntil` did not settle within `promiseCompletionTimeout` after shutdown. */
export class PromiseCompletionTimeoutError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'PromiseCompletionTimeoutError';
  }
}

/** The worker's error classes in one object. */
export const errors = {
  IllegalStateError,
  ShutdownError,
  TransportError,
  UnexpectedError,
  GracefulShutdownPeriodExpiredError,
};
