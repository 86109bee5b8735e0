import * as path from 'node:path';
import { startDevServer, type DevServer } from '@kairos/dev-server';
import { Client, Connection } from '@kairos/client';
import { NativeConnection, Worker } from '../src';
import * as activities from './activities/greetings';

let dev: DevServer;
beforeAll(async () => {
  dev = await startDevServer({ port: 0 });
});
afterAll(async () => {
  await dev?.shutdown();
});

test('runs hello world end to end', async () => {
  const connection = await NativeConnection.connect({ address: dev.address });
  const worker = await Worker.create({
    connection,
    taskQueue: 'hello',
    workflowsPath: path.resolve(__dirname, 'workflows/hello.ts'),
    activities,
  });
  const client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  const result = await worker.runUntil(
    client.workflow.execute('helloWorkflow', { taskQueue: 'hello', workflowId: 'wf-1', args: ['Kairos'] }),
  );
  expect(result).toBe('Hello, Kairos!');
  await connection.close();
});
