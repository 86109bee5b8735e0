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

/** Protobuf fields are `null` when unset; the public interfaces use `undefined`. */
function unsetAsUndefined<T>(field: T | null | undefined): T | undefined {
  return field === null ? undefined : field;
}

/** Reads a protobuf priority into a {@link Priority}; fields that are not set come back as `undefined`. */
export function decodePriority(priority?: temporal.api.common.v1.IPriority | null): Priority {
  const proto: temporal.api.common.v1.IPriority = priority ?? {};
  return {
    priorityKey: unsetAsUndefined(proto.priorityKey),
    fairnessKey: unsetAsUndefined(proto.fairnessKey),
    fairnessWeight: unsetAsUndefined(proto.fairnessWeight),
  };
}

/** Rejects a `priorityKey` that is not a non-negative integer; an absent key is fine. */
function checkPriorityKey(priorityKey: number | null | undefined): void {
  if (priorityKey === undefined || priorityKey === null) return;
  if (!Number.isInteger(priorityKey)) throw new TypeError(`priorityKey must be an integer, got ${priorityKey}`);
  if (priorityKey < 0) throw new RangeError(`priorityKey must be a positive integer, got ${priorityKey}`);
}

/**
 * Builds the protobuf form of a {@link Priority}. Missing fields are sent as protobuf zero values, which the server
 * reads as "inherit from the parent".
 *
 * @throws `TypeError` for a non-integer `priorityKey`, `RangeError` for a negative one.
 */
export function compilePriority(priority: Priority): temporal.api.common.v1.IPriority {
  checkPriorityKey(priority.priorityKey);
  const proto: temporal.api.common.v1.IPriority = {};
  proto.priorityKey = priority.priorityKey ?? 0;
  proto.fairnessKey = priority.fairnessKey ?? '';
  proto.fairnessWeight = priority.fairnessWeight ?? 0;
  return proto;
}
