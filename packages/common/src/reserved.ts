/** The prefix reserved for names used by the SDK itself (queries, signals, updates...). */
export const TEMPORAL_RESERVED_PREFIX = '__temporal_';

/** The built-in query that returns the workflow's stack trace. */
export const STACK_TRACE_QUERY_NAME = '__stack_trace';

/** The built-in query that returns the workflow's enhanced stack trace (with source locations). */
export const ENHANCED_STACK_TRACE_QUERY_NAME = '__enhanced_stack_trace';

/** The kinds of names checked by {@link throwIfReservedName}. */
export type ReservedNameEntityType = 'query' | 'signal' | 'update' | 'activity' | 'task queue' | 'sink' | 'workflow';

/**
 * Names that carry the reserved prefix but belong to official companion packages, grouped by what they name. Such a
 * name is accepted only for its own kind.
 */
const COMPANION_NAMES_BY_KIND: Partial<Record<ReservedNameEntityType, readonly string[]>> = {
  signal: ['__temporal_workflow_stream_publish'],
  update: ['__temporal_workflow_stream_poll'],
  query: ['__temporal_workflow_stream_offset'],
  sink: ['__temporal_openai_agents_tracing', '__temporal_langsmith'],
};

/** Names of the queries every workflow answers on its own. */
const BUILT_IN_QUERY_NAMES: readonly string[] = [STACK_TRACE_QUERY_NAME, ENHANCED_STACK_TRACE_QUERY_NAME];

/**
 * Rejects, with a `TypeError`, a user-chosen name that the SDK keeps for itself: anything starting with
 * {@link TEMPORAL_RESERVED_PREFIX}, and the names of the built-in stack trace queries.
 *
 * @param type kind of thing being named; used in the error message.
 */
export function throwIfReservedName(type: ReservedNameEntityType, name: string): void {
  const companionName = COMPANION_NAMES_BY_KIND[type]?.includes(name) ?? false;
  if (!companionName && name.startsWith(TEMPORAL_RESERVED_PREFIX)) {
    throw new TypeError(`Cannot use ${type} name: '${name}', with reserved prefix: '${TEMPORAL_RESERVED_PREFIX}'`);
  }
  if (BUILT_IN_QUERY_NAMES.includes(name)) {
    throw new TypeError(`Cannot use ${type} name: '${name}', which is a reserved name`);
  }
}
