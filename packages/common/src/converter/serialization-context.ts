/**
 * Context given to converters for payloads that belong to a workflow (its arguments, result, signals, queries,
 * updates, memo). For child and external workflows it describes that target workflow.
 *
 * @experimental
 */
export interface WorkflowSerializationContext {
  /** Always `'workflow'`. */
  type: 'workflow';
  /** Namespace in which the owning workflow runs. */
  namespace: string;
  /** Id of the workflow the payload belongs to. */
  workflowId: string;
}

/**
 * Context given to converters for payloads that belong to an activity (arguments, result, heartbeat details,
 * failures).
 *
 * @experimental
 */
export interface ActivitySerializationContext {
  /** Always `'activity'`. */
  type: 'activity';
  /** Namespace in which the owning activity runs. */
  namespace: string;
  /** Activity id, when known (the explicit option, or the id generated when the activity was scheduled). */
  activityId?: string;
  /** Id of the workflow that scheduled this activity; absent when unknown (e.g. standalone activities). */
  workflowId?: string;
  /** Whether the activity is a local activity. */
  isLocal: boolean;
}

/**
 * What a payload or failure being converted belongs to: the target workflow (for starting, signalling or
 * executing a child) or the scheduled activity.
 *
 * @experimental
 */
export type SerializationContext = WorkflowSerializationContext | ActivitySerializationContext;
