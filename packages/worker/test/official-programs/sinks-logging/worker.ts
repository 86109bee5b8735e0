import { NativeConnection, Worker, type InjectedSinks } from '@temporalio/worker';
import * as activities from './activities';
import type { AuditSinks } from './workflows';

/** What the audit sink received, one line per call. */
export const auditTrail: string[] = [];

const sinks: InjectedSinks<AuditSinks> = {
  audit: {
    record: {
      fn(info, event, step) {
        auditTrail.push(`${info.workflowType} #${step}: ${event}`);
      },
      callDuringReplay: false,
    },
  },
};

/** Runs a worker for this program until `clientProgram` settles; without a cache, so every task replays. */
export async function runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
      sinks,
      maxCachedWorkflows: 0,
    });
    return await worker.runUntil(clientProgram);
  } finally {
    await connection.close();
  }
}
