// The official SDK's Nexus caller (@temporalio/workflow) and handler (@temporalio/nexus, @temporalio/worker) run
// unchanged against the Kairos dev server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nexus from 'nexus-rpc';
import { Client, Connection } from '@temporalio/client';
import { startWorkflow, WorkflowRunOperationHandler } from '@temporalio/nexus';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { startServer, uniqueId, waitUntil } from './helpers';
import { greeter, greetingService, officialCaller, proceed } from './nexus-workflows';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const EventType = temporal.api.enums.v1.EventType;
const taskQueue = 'official-nexus';
let server: DevServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let workerDone: Promise<void>;
let endpoint: string;

const handler = nexus.serviceHandler(greetingService, {
  async greet(_ctx, name) {
    return `Hello, ${name}!`;
  },
  greetLater: new WorkflowRunOperationHandler<string, string>((ctx, name) =>
    startWorkflow(ctx, greeter, { workflowId: uniqueId('greeter'), args: [name] }),
  ),
  async refuse(_ctx, name) {
    throw new nexus.HandlerError('BAD_REQUEST', `will not greet ${name}`);
  },
});

beforeAll(async () => {
  server = await startServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  endpoint = uniqueId('ep');
  await connection.operatorService.createNexusEndpoint({
    spec: { name: endpoint, target: { worker: { namespace: 'default', taskQueue } } },
  });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    taskQueue,
    workflowsPath: path.join(__dirname, 'nexus-workflows', 'index.ts'),
    nexusServices: [handler],
  });
  workerDone = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await workerDone;
  await connection?.close();
  await server?.shutdown();
});

async function nexusEvents(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history
    .events!.map((e) => EventType[e.eventType!])
    .filter((n) => n.startsWith('EVENT_TYPE_NEXUS_OPERATION'))
    .map((n) => n.replace('EVENT_TYPE_NEXUS_OPERATION_', ''));
}

function call(operation: 'greet' | 'greetLater' | 'refuse', input: string, cancelAfterStart = false) {
  const workflowId = uniqueId('caller');
  return {
    workflowId,
    outcome: client.workflow.execute(officialCaller, {
      taskQueue,
      workflowId,
      args: [endpoint, operation, input, cancelAfterStart],
    }),
  };
}

test('a sync operation answers', async () => {
  const { workflowId, outcome } = call('greet', 'Kairos');
  expect(await outcome).toEqual({ token: '', result: 'Hello, Kairos!' });
  expect(await nexusEvents(workflowId)).toEqual(['SCHEDULED', 'COMPLETED']);
}, 30_000);

test('a workflow-run operation answers when its workflow completes', async () => {
  const { workflowId, outcome } = call('greetLater', 'Nexus');
  const { token, result } = await outcome;
  expect(result).toBe('Hello, Nexus!');
  expect(JSON.parse(Buffer.from(token!, 'base64url').toString())).toMatchObject({ t: 1, ns: 'default' });
  expect(await nexusEvents(workflowId)).toEqual(['SCHEDULED', 'STARTED', 'COMPLETED']);
}, 30_000);

test('a handler error fails the operation', async () => {
  const { workflowId, outcome } = call('refuse', 'Kairos');
  expect((await outcome).errors).toEqual([
    'NexusOperationFailure: nexus operation completed unsuccessfully',
    'HandlerError: will not greet Kairos',
  ]);
  expect(await nexusEvents(workflowId)).toEqual(['SCHEDULED', 'FAILED']);
}, 30_000);

test('cancelling a workflow-run operation cancels its workflow', async () => {
  const { workflowId, outcome } = call('greetLater', 'wait', true);
  expect((await outcome).errors?.map((e) => e.split(':')[0])).toEqual(['NexusOperationFailure', 'CancelledFailure']);
  expect(await nexusEvents(workflowId)).toEqual([
    'SCHEDULED',
    'STARTED',
    'CANCEL_REQUESTED',
    'CANCEL_REQUEST_COMPLETED',
    'CANCELED',
  ]);
}, 30_000);

test('a started operation survives a restart on SQLite and completes through its callback afterwards', async () => {
  const db = path.join(os.tmpdir(), `kairos-nexus-${uniqueId()}.db`);
  const queue = 'official-nexus-restart';
  const callerId = uniqueId('caller');
  /** Runs `fn` with a server on `db`, a client and a worker (caller and handler) on `queue`. */
  const phase = async <R>(fn: (c: Client) => Promise<R>): Promise<R> => {
    const srv = await startServer({ dbFilename: db });
    const conn = await Connection.connect({ address: srv.address });
    const native = await NativeConnection.connect({ address: srv.address });
    try {
      const w = await Worker.create({
        connection: native,
        taskQueue: queue,
        workflowsPath: path.join(__dirname, 'nexus-workflows', 'index.ts'),
        nexusServices: [handler],
      });
      return await w.runUntil(fn(new Client({ connection: conn })));
    } finally {
      await native.close();
      await conn.close();
      await srv.shutdown();
    }
  };
  const restartEndpoint = uniqueId('ep');
  const handlerWorkflowId = await phase(async (c) => {
    await c.connection.operatorService.createNexusEndpoint({
      spec: { name: restartEndpoint, target: { worker: { namespace: 'default', taskQueue: queue } } },
    });
    await c.workflow.start(officialCaller, {
      taskQueue: queue,
      workflowId: callerId,
      args: [restartEndpoint, 'greetLater', 'signal', false],
    });
    // Started: the token names the handler's workflow.
    const token = await waitUntil(
      async () =>
        (await c.workflow.getHandle(callerId).describe()).raw.pendingNexusOperations?.[0]?.operationToken || undefined,
      20_000,
      'the operation to start',
    );
    return (JSON.parse(Buffer.from(token, 'base64url').toString()) as { wid: string }).wid;
  });
  const outcome = await phase(async (c) => {
    await c.workflow.getHandle(handlerWorkflowId).signal(proceed);
    return await c.workflow.getHandle(callerId).result();
  });
  expect(outcome).toMatchObject({ result: 'Hello, signal!' });
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${db}${suffix}`, { force: true });
}, 60_000);
