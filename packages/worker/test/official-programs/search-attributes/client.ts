import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { orderPriority, orderStatus } from './search-attributes';
import { trackOrder } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const handle = await client.workflow.start(trackOrder, {
      taskQueue,
      workflowId: `track-${randomUUID()}`,
      typedSearchAttributes: [{ key: orderStatus, value: 'packed' }],
      memo: { note: 'fragile', courier: 'bike' },
    });
    const result = await handle.result();
    const description = await handle.describe();
    const report = {
      result,
      described: {
        status: description.typedSearchAttributes.get(orderStatus),
        priority: description.typedSearchAttributes.get(orderPriority),
        memo: description.memo,
      },
    };
    console.log(JSON.stringify(report));
    return report;
  } finally {
    await connection.close();
  }
}
