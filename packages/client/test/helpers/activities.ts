/** Activities of the test worker, run in the test process so tests can see what they received. */
import { ApplicationFailure, Context, CompleteAsyncError } from '@temporalio/activity';

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
  /** Greets, and reports what the worker told the Activity about itself (for standalone Activities). */
  async greetStandalone(name: string) {
    const info = Context.current().info;
    return { greeting: `hello ${name}`, inWorkflow: info.inWorkflow, activityRunId: info.activityRunId };
  },
  /** Fails (retryably) until the given attempt, then returns the attempt. */
  async succeedOnAttempt(attempt: number): Promise<number> {
    const info = Context.current().info;
    if (info.attempt < attempt) throw ApplicationFailure.retryable(`attempt ${info.attempt} failed`, 'Flaky');
    return info.attempt;
  },
  /** Heartbeats until it is cancelled (its sleep then throws the cancellation). */
  async heartbeatUntilCancelled(): Promise<string> {
    for (;;) {
      Context.current().heartbeat('beating');
      await Context.current().sleep(100);
    }
  },
};
