/**
 * A workflow interceptor module that turns a failed `assert` in workflow code into a non-retryable
 * `ApplicationFailure`, so that the workflow fails (and the test sees why) instead of its task being retried.
 * Listed in {@link workflowInterceptorModules}.
 *
 * @module
 */
import assert from 'assert';
import type { WorkflowInterceptors } from '@kairos/workflow';
import { ApplicationFailure } from '@kairos/workflow';

/** Rethrows an `AssertionError` as a non-retryable `ApplicationFailure` with the same message and stack. */
function toFailure(err: unknown): unknown {
  if (err instanceof assert.AssertionError) {
    const failure = ApplicationFailure.nonRetryable(err.message);
    failure.stack = err.stack;
    return failure;
  }
  return err;
}

/** Interceptors that fail the workflow on an assertion failure in its main function or in a signal handler. */
export function interceptors(): WorkflowInterceptors {
  return {
    inbound: [
      {
        async execute(input, next) {
          try {
            return await next(input);
          } catch (err) {
            throw toFailure(err);
          }
        },
        async handleSignal(input, next) {
          try {
            return await next(input);
          } catch (err) {
            throw toFailure(err);
          }
        },
      },
    ],
  };
}
