import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { finishSignal, introspect, randomsQuery } from './workflows';

export async function run(
  address: string,
  taskQueue: string,
): Promise<{ workflowId: string; queried: [number, string]; info: Record<string, unknown> }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const workflowId = `introspect-${randomUUID()}`;
    const handle = await client.workflow.start(introspect, {
      taskQueue,
      workflowId,
      workflowExecutionTimeout: '1 hour',
      workflowRunTimeout: '30 minutes',
      workflowTaskTimeout: '5s',
      retry: { maximumAttempts: 2 },
      memo: { purpose: 'introspection' },
    });
    const queried = await handle.query(randomsQuery);
    await handle.signal(finishSignal);
    const info = await handle.result();
    console.log(info);
    return { workflowId, queried, info };
  } finally {
    await connection.close();
  }
}
