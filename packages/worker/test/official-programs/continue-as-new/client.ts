import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { countdown, handOver } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const handle = await client.workflow.start(countdown, {
      taskQueue,
      workflowId: `countdown-${randomUUID()}`,
      args: [3],
    });
    const result = await handle.result();
    const firstRun = await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    const latest = await client.workflow.getHandle(handle.workflowId).describe();
    const handedOver = await client.workflow.execute(handOver, {
      taskQueue,
      workflowId: `hand-over-${randomUUID()}`,
      args: ['a note'],
    });
    const report = {
      result,
      firstRunStatus: firstRun.status.name,
      latestRunStatus: latest.status.name,
      latestIsAnotherRun: latest.runId !== handle.firstExecutionRunId,
      handedOver,
    };
    console.log(report);
    return report;
  } finally {
    await connection.close();
  }
}
