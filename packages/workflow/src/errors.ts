import { ActivityFailure, CancelledFailure, ChildWorkflowFailure, NexusOperationFailure } from '@kairos/common';
import type { kairos } from '@kairos/proto';

/** Base class of the errors the workflow runtime raises itself. */
export class WorkflowError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The workflow did something that cannot be replayed deterministically (for example used `WeakRef`), or its
 * code no longer produces the commands recorded in history.
 */
export class DeterminismViolationError extends WorkflowError {}

/**
 * Thrown inside the workflow when the core wants a local activity retried after a timer (its next backoff is
 * longer than `localRetryThreshold`). The local activity helpers catch it and reschedule.
 */
export class LocalActivityDoBackoff extends Error {
  constructor(public readonly backoff: kairos.core.activity.IDoBackoff) {
    super();
    this.name = 'LocalActivityDoBackoff';
  }
}

/**
 * Whether `err` means "this was cancelled": a `CancelledFailure`, or an activity, child workflow or Nexus
 * operation failure caused by one.
 */
export function isCancellation(err: unknown): boolean {
  return (
    err instanceof CancelledFailure ||
    ((err instanceof ActivityFailure || err instanceof ChildWorkflowFailure || err instanceof NexusOperationFailure) &&
      err.cause instanceof CancelledFailure)
  );
}
