/**
 * Workflows: a loop that continues as new after each iteration, like the official `continue-as-new` sample. Each
 * run starts with a fresh, short history and receives the state it needs as arguments; a workflow that loops for
 * ever (or for long) must do this to keep its history bounded.
 */
import { continueAsNew, log, sleep, workflowInfo } from '@kairos/workflow';

/** Sleeps a second, then continues as new with the next iteration, until `iterations` runs are done. */
export async function loopingWorkflow(iteration = 0, iterations = 10): Promise<string> {
  if (iteration === iterations) return `done after ${iterations} iterations, this is run ${workflowInfo().runId}`;
  log.info('running workflow iteration', { iteration });
  await sleep('1 second');
  // Ends this run and starts the next with these arguments (same workflow id, new run id).
  return await continueAsNew<typeof loopingWorkflow>(iteration + 1, iterations);
}
