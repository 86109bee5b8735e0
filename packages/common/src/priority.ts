import type { temporal } from '@kairos/proto';

/**
 * Controls the order in which backlogged tasks of a task queue are dispatched. Activities and child workflows
 * inherit the priority of their workflow unless they set their own; a field left unset (or zero/empty) inherits
 * too. Tasks are ordered by `priorityKey` first, then shared fairly between `fairnessKey`s by weight.
 */
export interface Priority {
  /**
   * A positive integer; smaller runs sooner. The server's range is 1 to 5 by default.
   *
   * @default the middle of the range (3 with the default range)
   */
  priorityKey?: number;
  /**
   * A short string (at most 64 bytes), such as a tenant id, that tasks are balanced by.
   *
   * @default ''
   */
  fairnessKey?: string;
  /**
   * The share of dispatch this task's fairness key gets, clamped to [0.001, 1000]. Task queue configuration can
   * override it per key.
   *
   * @default 1.0
   */
  fairnessWeight?: number;
}

/** Turns the protobuf form of a priority into a {@link Priority} (unset fields become `undefined`). */
export function decodePriority(priority?: temporal.api.common.v1.IPriority | null): Priority {
  return {
    priorityKey: priority?.priorityKey ?? undefined,
    fairnessKey: priority?.fairnessKey ?? undefined,
    fairnessWeight: priority?.fairnessWeight ?? undefined,
  };
}

/**
 * Turns a {@link Priority} into its protobuf form (unset fields become zero values, meaning "inherit").
 *
 * @throws `TypeError` if `priorityKey` is not an integer; `RangeError` if it is negative.
 */
export function compilePriority(priority: Priority): temporal.api.common.v1.IPriority {
  const { priorityKey } = priority;
  if (priorityKey !== undefined && priorityKey !== null) {
    if (!Number.isInteger(priorityKey)) {
      throw new TypeError(`priorityKey must be an integer, got ${priorityKey}`);
    }
    if (priorityKey < 0) {
      throw new RangeError(`priorityKey must be a positive integer, got ${priorityKey}`);
    }
  }
  return {
    priorityKey: priorityKey ?? 0,
    fairnessKey: priority.fairnessKey ?? '',
    fairnessWeight: priority.fairnessWeight ?? 0,
  };
}
