import { NativeConnection, Worker } from '@temporalio/worker';

/**
 * Runs the current code on `taskQueue` and, while workflows started on the first version drain, the first version
 * on `<taskQueue>-v1`, until `clientProgram` settles.
 */
export async function runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R> {
  const connection = await NativeConnection.connect({ address });
  try {
    const current = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows') });
    const previous = await Worker.create({
      connection,
      taskQueue: `${taskQueue}-v1`,
      workflowsPath: require.resolve('./workflows-v1'),
    });
    return await previous.runUntil(current.runUntil(clientProgram));
  } finally {
    await connection.close();
  }
}
