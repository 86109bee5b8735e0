/**
 * Adapts interceptors written against older interceptor interfaces.
 *
 * @module
 */
import type { WorkflowClientInterceptor, WorkflowStartInput, WorkflowStartOutput } from './interceptors';

/**
 * Returns an interceptor equivalent to `interceptor` that implements `startWithDetails` when it only
 * implements the deprecated `start`: the legacy hook runs around the rest of the chain, and the start
 * details of the chain are kept, with the run id the legacy hook returned.
 */
export function adaptWorkflowClientInterceptor(interceptor: WorkflowClientInterceptor): WorkflowClientInterceptor {
  const legacyStart = interceptor.start;
  if (interceptor.startWithDetails !== undefined || legacyStart === undefined) return interceptor;
  return {
    ...interceptor,
    startWithDetails: async (
      input: WorkflowStartInput,
      next: (input: WorkflowStartInput) => Promise<WorkflowStartOutput>,
    ) => {
      let downstream: WorkflowStartOutput | undefined;
      const runId = await legacyStart.call(interceptor, input, async (forwarded: WorkflowStartInput) => {
        downstream = await next(forwarded);
        return downstream.runId;
      });
      return { eagerlyStarted: downstream?.eagerlyStarted ?? false, runId };
    },
  };
}
