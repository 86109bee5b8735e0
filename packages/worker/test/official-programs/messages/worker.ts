import { NativeConnection, Worker } from '@temporalio/worker';

/** Runs a worker for this program until `clientProgram` settles. */
export async function runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows') });
    return await worker.runUntil(clientProgram);
  } finally {
    await connection.close();
  }
}
