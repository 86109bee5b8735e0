import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { auditedOrder } from './workflows';

export async function run(address: string, taskQueue: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const result = await client.workflow.execute(auditedOrder, {
      taskQueue,
      workflowId: `audited-${randomUUID()}`,
      args: ['order-42'],
    });
    console.log(result);
    return result;
  } finally {
    await connection.close();
  }
}
