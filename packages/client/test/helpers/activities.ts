/** Activities of the test worker, run in the test process so tests can see what they received. */
import { Context, CompleteAsyncError } from '@temporalio/activity';

export interface PendingActivity {
  taskToken: Uint8Array;
  activityId: string;
  workflowId: string;
  runId: string;
}

/** Activities left open by `completeLater`, by the key the Workflow passed. */
export const pendingActivities = new Map<string, PendingActivity>();

export const activities = {
  async completeLater(key: string): Promise<string> {
    const info = Context.current().info;
    pendingActivities.set(key, {
      taskToken: info.taskToken,
      activityId: info.activityId,
      workflowId: info.workflowExecution?.workflowId ?? '',
      runId: info.workflowExecution?.runId ?? '',
    });
    throw new CompleteAsyncError();
  },
};
