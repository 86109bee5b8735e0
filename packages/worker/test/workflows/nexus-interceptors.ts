import type { WorkflowInterceptorsFactory } from '@kairos/workflow';

/** Adds a Nexus header to every operation the workflow starts (registered through `interceptors.workflowModules`). */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      async startNexusOperation(input, next) {
        return next({ ...input, headers: { ...input.headers, 'x-kairos-test': `from ${input.operation}` } });
      },
    },
  ],
});
