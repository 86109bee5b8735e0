import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { timerTour, type TimerReport } from './workflows';

export async function run(address: string, taskQueue: string): Promise<{ report: TimerReport; timers: number }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const handle = await client.workflow.start(timerTour, { taskQueue, workflowId: `timers-${randomUUID()}` });
    const report = await handle.result();
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).length;
    console.log(report, `${timers} timers started`);
    return { report, timers };
  } finally {
    await connection.close();
  }
}
