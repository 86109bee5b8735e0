import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { interceptedGreeting, nameQuery, nameSignal, nicknameUpdate, renameUpdate } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const handle = await client.workflow.start(interceptedGreeting, { taskQueue, workflowId: `icpt-${randomUUID()}` });
    await handle.signal(nameSignal, 'ada');
    const queried = await handle.query(nameQuery);
    const renamed = await handle.executeUpdate(renameUpdate, { args: ['grace'] });
    const rejected = await handle
      .executeUpdate(renameUpdate, { args: ['forbidden'] })
      .catch((err: unknown) => (err as { cause?: Error }).cause?.message);
    const nickname = await handle.executeUpdate(nicknameUpdate, { args: ['forbidden'] });
    await handle.signal(nameSignal, 'done');
    const result = await handle.result();
    const report = { queried, renamed, rejected, nickname, result };
    console.log(report);
    return report;
  } finally {
    await connection.close();
  }
}
