/** The prefix reserved for names used by the SDK itself (queries, signals, updates...). */
export const TEMPORAL_RESERVED_PREFIX = '__temporal_';

/** The built-in query that returns the workflow's stack trace. */
export const STACK_TRACE_QUERY_NAME = '__stack_trace';

/** The built-in query that returns the workflow's enhanced stack trace (with source locations). */
export const ENHANCED_STACK_TRACE_QUERY_NAME = '__enhanced_stack_trace';

/** The kinds of names checked by {@link throwIfReservedName}. */
export type ReservedNameEntityType = 'query' | 'signal' | 'update' | 'activity' | 'task queue' | 'sink' | 'workflow';

// Names with the reserved prefix that official companion packages legitimately register, with their kind.
const ALLOWED_RESERVED_NAMES = new Map<string, ReservedNameEntityType>([
  ['__temporal_workflow_stream_publish', 'signal'],
  ['__temporal_workflow_stream_poll', 'update'],
  ['__temporal_workflow_stream_offset', 'query'],
  ['__temporal_openai_agents_tracing', 'sink'],
  ['__temporal_langsmith', 'sink'],
]);

/**
 * Throws a `TypeError` if `name` starts with the reserved prefix or is one of the built-in query names.
 *
 * @param type what the name is for; it appears in the error message.
 */
export function throwIfReservedName(type: ReservedNameEntityType, name: string): void {
  if (name.startsWith(TEMPORAL_RESERVED_PREFIX) && ALLOWED_RESERVED_NAMES.get(name) !== type) {
    throw new TypeError(`Cannot use ${type} name: '${name}', with reserved prefix: '${TEMPORAL_RESERVED_PREFIX}'`);
  }
  if (name === STACK_TRACE_QUERY_NAME || name === ENHANCED_STACK_TRACE_QUERY_NAME) {
    throw new TypeError(`Cannot use ${type} name: '${name}', which is a reserved name`);
  }
}
