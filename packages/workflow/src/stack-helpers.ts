/**
 * Marks promises that the runtime creates for its own bookkeeping so they are left out of the stack traces
 * the `__stack_trace` query reports and never count as unhandled rejections.
 *
 * @module
 */

const untracked = new WeakSet<Promise<unknown>>();

/** Leaves `promise` out of stack traces and unhandled-rejection checks. */
export function untrackPromise(promise: Promise<unknown>): void {
  untracked.add(promise);
}

/** Whether `promise` was marked with {@link untrackPromise}. */
export function isUntracked(promise: Promise<unknown>): boolean {
  return untracked.has(promise);
}
