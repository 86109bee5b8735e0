// Worker heartbeats: the official worker's core sends RecordWorkerHeartbeat (and a last heartbeat with
// ShutdownWorker) because the namespace says it supports them; the server keeps the last one per worker.
import { NativeConnection, Runtime, Worker, DefaultLogger, LogEntry } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil } from './helpers';

const warnings: LogEntry[] = [];
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => warnings.push(entry)),
  workerHeartbeatInterval: '1s',
});

const WorkerStatus = temporal.api.enums.v1.WorkerStatus;
let server: DevServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.shutdown();
});

test('the official worker heartbeats without warnings; the last heartbeat of each worker is kept', async () => {
  const taskQueue = uniqueId('hb');
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({ connection, taskQueue, activities });
  const running = worker.run();
  const mine = () => server.workerHeartbeats().filter((hb) => hb.taskQueue === taskQueue);
  const [first] = await waitUntil(() => (mine().length > 0 ? mine() : undefined), 10_000, 'a worker heartbeat');
  expect(first).toMatchObject({
    sdkName: 'temporal-typescript',
    status: WorkerStatus.WORKER_STATUS_RUNNING,
  });
  expect(first.workerInstanceKey).toBeTruthy();
  worker.shutdown();
  await running;
  await connection.close();
  // Still one entry for the worker: its last heartbeat, sent with ShutdownWorker.
  expect(mine()).toHaveLength(1);
  expect(mine()[0]).toMatchObject({
    workerInstanceKey: first.workerInstanceKey,
    status: WorkerStatus.WORKER_STATUS_SHUTTING_DOWN,
  });
  expect(warnings.filter((w) => /heartbeat|unimplemented/i.test(w.message))).toEqual([]);
});
