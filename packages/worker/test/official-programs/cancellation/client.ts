import { randomUUID } from 'node:crypto';
import { CancelledFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { longOrder, scopeTour } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const scopes = await client.workflow.execute(scopeTour, { taskQueue, workflowId: `scopes-${randomUUID()}` });

    const handle = await client.workflow.start(longOrder, {
      taskQueue,
      workflowId: `order-${randomUUID()}`,
      args: ['order-7'],
    });
    // Cancel once the workflow is waiting on its timer.
    for (;;) {
      const history = await handle.fetchHistory();
      if ((history.events ?? []).some((e) => e.timerStartedEventAttributes)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await handle.cancel();
    const failure = await handle.result().catch((err: unknown) => err);
    const outcome =
      failure instanceof WorkflowFailedError && failure.cause instanceof CancelledFailure
        ? 'WorkflowFailedError caused by CancelledFailure'
        : String(failure);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const cleanup = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);

    const report = { scopes, outcome, status: description.status.name, cleanup };
    console.log(report);
    return report;
  } finally {
    await connection.close();
  }
}
