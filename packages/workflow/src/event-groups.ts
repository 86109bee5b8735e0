/**
 * Event groups (an experimental feature of the official SDK that labels related history events) are not
 * implemented in Kairos: creating one throws, and passing `eventGroups` in an option throws.
 *
 * @module
 */

/** A label shared by the events of related commands. */
export interface EventGroupMarker {
  withScope<T>(fn: () => Promise<T>): Promise<T>;
}

/** Not implemented in Kairos: throws. */
export function createEventGroup(label: string, _options?: { id?: string }): EventGroupMarker {
  throw new Error(`not implemented: event groups (createEventGroup('${label}'))`);
}

/** Throws when an option asks for event groups. */
export function rejectEventGroups(markers: EventGroupMarker[] | undefined): void {
  if (markers !== undefined && markers.length > 0)
    throw new Error('not implemented: event groups (eventGroups option)');
}
