import { IllegalStateError } from '@kairos/common';
import type { Activator } from './internals';

/**
 * The activator of the workflow run whose code is executing. The runtime is shared by every run of an
 * isolate context; the worker interface switches this pointer at each entry, and everything a workflow API
 * does goes through it.
 */
let currentActivator: Activator | undefined;

/** Makes `activator` the current run (or none). */
export function setActivator(activator: Activator | undefined): void {
  currentActivator = activator;
}

/** The current run's activator, if code runs inside a workflow. */
export function maybeGetActivator(): Activator | undefined {
  return currentActivator;
}

/** The current run's activator; throws `IllegalStateError(message)` outside a workflow. */
export function assertInWorkflowContext(message: string): Activator {
  if (currentActivator === undefined) throw new IllegalStateError(message);
  return currentActivator;
}

/** The current run's activator; throws outside a workflow. */
export function getActivator(): Activator {
  return assertInWorkflowContext('Workflow uninitialized');
}
