/**
 * The worker: polls the `hello-world` task queue and runs the example's workflows and activities.
 * `pnpm worker` runs it on its own against TEMPORAL_ADDRESS (default localhost:7233).
 */
import { NativeConnection, Worker } from '@kairos/worker';

export const TASK_QUEUE = 'schedules';

/** A worker for this example on `connection`. */
export async function createWorker(connection: NativeConnection, taskQueue = TASK_QUEUE): Promise<Worker> {
  return await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
  });
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  try {
    await (await createWorker(connection)).run(); // until Ctrl+C
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
