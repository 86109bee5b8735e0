import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { processOrder, type OrderReport } from './workflows';

export async function run(address: string, taskQueue: string): Promise<OrderReport> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const report = await client.workflow.execute(processOrder, { taskQueue, workflowId: `order-${randomUUID()}` });
    console.log(JSON.stringify(report, null, 2));
    return report;
  } finally {
    await connection.close();
  }
}
