// The WorkflowService handlers of features that sit beside the workflow engine (standalone activities, worker
// deployments): added to the base handlers, and wrapping the base ones they extend.
import type { ServerContext } from '../server-context';
import { WorkflowServiceHandlers } from './service-definition';
import { standaloneActivityHandlers } from './standalone-activity-handlers';
import { workerDeploymentHandlers } from './worker-deployment-handlers';

/** `base` with the feature handlers added (and the base handlers they route around wrapped). */
export function withFeatureHandlers(ctx: ServerContext, base: WorkflowServiceHandlers): WorkflowServiceHandlers {
  return { ...base, ...standaloneActivityHandlers(ctx, base), ...workerDeploymentHandlers(ctx) };
}
