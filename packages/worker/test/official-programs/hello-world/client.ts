import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { greet } from './workflows';

/** Starts the workflow, waits for its result and prints it. */
export async function run(address: string, taskQueue: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const handle = await client.workflow.start(greet, {
      taskQueue,
      args: ['Temporal'],
      workflowId: `hello-${randomUUID()}`,
    });
    console.log(`Started workflow ${handle.workflowId}`);
    const result = await handle.result();
    console.log(result);
    return result;
  } finally {
    await connection.close();
  }
}
