/**
 * Context given to converters for payloads that belong to a workflow (its arguments, result, signals, queries,
 * updates, memo). For child and external workflows it describes that target workflow.
 *
 * @experimental
 */
export interface WorkflowSerializationContext {
  /** Always `'workflow'`. */
  type: 'workflow';
  /** Namespace of the workflow that owns the payload. */
  namespace: string;
  /** Workflow id of the workflow that owns the payload. */
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
  /** Namespace of the activity that owns the payload. */
  namespace: string;
  /** Activity id, when known (the explicit option, or the id generated when the activity was scheduled). */
  activityId?: string;
  /** Workflow id of the workflow that scheduled the activity, when known. */
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
