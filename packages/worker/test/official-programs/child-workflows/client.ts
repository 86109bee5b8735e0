import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { family } from './workflows';

export async function run(address: string, taskQueue: string): Promise<{ workflowId: string; result: object }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const workflowId = `family-${randomUUID()}`;
    const result = await client.workflow.execute(family, { taskQueue, workflowId });
    console.log(result);
    return { workflowId, result };
  } finally {
    await connection.close();
  }
}
