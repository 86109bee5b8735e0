import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import * as activities from './activities';
import { DevServer } from '../src';
import { startServer, uniqueId, workflowsPath } from './helpers';

Runtime.install({ logger: new DefaultLogger('WARN') });

let server: DevServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let workerDone: Promise<void>;
const taskQueue = 'official-sdk';

beforeAll(async () => {
  server = await startServer();
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({ connection: nativeConnection, workflowBundle: bundle, activities, taskQueue });
  workerDone = worker.run();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await workerDone;
  await connection?.close();
  await server?.shutdown();
});

test('runs a workflow with one activity and writes the canonical history', async () => {
  const result = await client.workflow.execute('helloActivity', { taskQueue, workflowId: uniqueId(), args: ['Kairos'] });
  expect(result).toBe('Hello, Kairos!');
});
