/**
 * Nexus operation handlers on Temporal: workflow-run operations, Temporal operation handlers, operation tokens and
 * the handler context. Service definitions and handlers come from `nexus-rpc`; register the handlers with the
 * worker's `nexusServices` option.
 *
 * @module
 */
export {
  log,
  getClient,
  metricMeter,
  operationInfo,
  type OperationInfo,
  type TemporalCancelOperationContext,
  type TemporalStartOperationContext,
} from './context';
export {
  startWorkflow,
  signalWithStartWorkflow,
  type ActivityOptions,
  type ActivityOptionsFor,
  type CancelActivityOptions,
  type CancelWorkflowRunOptions,
  type CancelWorkflowUpdateOptions,
  type NexusUpdateWorkflowOptions,
  type TemporalOperationHandlerOptions,
  TemporalOperationHandler,
  TemporalOperationResult,
  type TemporalNexusClient,
  type NexusTypedActivityClient,
  type TemporalOperationStartHandler,
  type UpdatableWorkflowHandle,
  type WorkflowHandle,
  WorkflowRunOperationHandler,
  type WorkflowRunOperationStartHandler,
  type WorkflowStartOptions,
  type WorkflowSignalWithStartOptions,
} from './workflow-helpers';
