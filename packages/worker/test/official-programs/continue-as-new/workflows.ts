import { continueAsNew, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';

export interface CountdownResult {
  runs: number;
  continued: boolean;
  sameWorkflowId: boolean;
  newRunId: boolean;
}

/** Continues as new until `remaining` reaches zero. */
export async function countdown(remaining: number, runs = 1): Promise<CountdownResult> {
  if (remaining > 0) await continueAsNew<typeof countdown>(remaining - 1, runs + 1);
  const info = workflowInfo();
  return {
    runs,
    continued: info.continuedFromExecutionRunId !== undefined,
    sameWorkflowId: info.workflowId.startsWith('countdown-'),
    newRunId: info.runId !== info.firstExecutionRunId,
  };
}

/** Hands over to another workflow type in the next run. */
export async function handOver(note: string): Promise<string> {
  const continueAsFinish = makeContinueAsNewFunc<typeof finish>({ workflowType: 'finish' });
  return await continueAsFinish(`${note}, handed over by ${workflowInfo().workflowType}`);
}

/** The workflow that `handOver` continues as. */
export async function finish(note: string): Promise<string> {
  return `${workflowInfo().workflowType}: ${note}`;
}
