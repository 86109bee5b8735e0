// The official SDK worker against both servers: pausing or resetting a running activity reaches the activity as a
// cancellation whose details say so.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { uniqueId, waitUntil, workflowsPath } from './helpers';
import { onEachServer, TestServer } from './servers';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const PS = temporal.api.enums.v1.PendingActivityState;

let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}, 60_000);

onEachServer({}, (server: () => TestServer) => {
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let connection: Connection;
  const taskQueue = uniqueId('controls');
  beforeAll(async () => {
    const native = await NativeConnection.connect({ address: server().address });
    worker = await Worker.create({ connection: native, workflowBundle: bundle, activities, taskQueue });
    running = worker.run();
    connection = await Connection.connect({ address: server().address });
    client = new Client({ connection });
  }, 60_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  const runUntilActivityStarts = async () => {
    const handle = await client.workflow.start('activityCancellationDetails', { taskQueue, workflowId: uniqueId() });
    await waitUntil(async () => {
      const d = await server().raw.wf('DescribeWorkflowExecution', { execution: { workflowId: handle.workflowId } });
      return d.pendingActivities?.[0]?.state === PS.PENDING_ACTIVITY_STATE_STARTED;
    });
    return handle;
  };

  test('pausing a running activity cancels it with details saying it was paused', async () => {
    const handle = await runUntilActivityStarts();
    await server().raw.wf('PauseActivity', {
      execution: { workflowId: handle.workflowId },
      type: 'reportCancellation',
      identity: 'test',
      reason: 'pause it',
    });
    expect(JSON.parse(await handle.result())).toEqual({ paused: true, reset: false, cancelRequested: false });
  }, 30_000);

  test('resetting a running activity cancels it with details saying it was reset', async () => {
    const handle = await runUntilActivityStarts();
    await server().raw.wf('ResetActivity', {
      execution: { workflowId: handle.workflowId },
      type: 'reportCancellation',
    });
    expect(JSON.parse(await handle.result())).toEqual({ paused: false, reset: true, cancelRequested: false });
  }, 30_000);
});
