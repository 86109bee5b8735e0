/**
 * Lifecycle stages of a Workflow Update that a caller can wait for.
 *
 * @module
 */
import type { temporal } from '@kairos/proto';
import { convertersInProtoOrder } from './proto-enum-order';

/** A stage of a Workflow Update's lifecycle. */
export const WorkflowUpdateStage = {
  /**
   * The server received the Update. It is not yet durable, so {@link WorkflowHandle.startUpdate} cannot
   * wait for this stage alone.
   */
  ADMITTED: 'ADMITTED',
  /**
   * A worker received the Update and accepted it (its validator passed, or it has none) or rejected it.
   * This is the stage {@link WorkflowHandle.startUpdate} waits for.
   */
  ACCEPTED: 'ACCEPTED',
  /** The Update handler finished, successfully or not. */
  COMPLETED: 'COMPLETED',
  /**
   * Not a valid stage.
   *
   * @deprecated
   */
  UNSPECIFIED: undefined,
} as const;
/** A stage of a Workflow Update's lifecycle. */
export type WorkflowUpdateStage = (typeof WorkflowUpdateStage)[keyof typeof WorkflowUpdateStage];

/** Converts a {@link WorkflowUpdateStage} to and from the proto `UpdateWorkflowExecutionLifecycleStage`. */
export const [encodeWorkflowUpdateStage, decodeWorkflowUpdateStage] = convertersInProtoOrder<
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
  typeof WorkflowUpdateStage,
  'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_'
>('UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_', ['ADMITTED', 'ACCEPTED', 'COMPLETED']);
