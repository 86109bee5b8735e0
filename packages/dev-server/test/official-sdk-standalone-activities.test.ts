// Standalone activities with the official SDK's client (client.activity) and worker, against both servers: execute,
// id conflicts, retries, cancellation of a heartbeating activity, describe, list and count.
import {
  ActivityExecutionAlreadyStartedError,
  ActivityExecutionFailedError,
  CancelledFailure,
  Client,
  Connection,
} from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';
import { uniqueId, waitUntil } from './helpers';
import { onEachServer, TestServer } from './servers';

Runtime.install({ logger: new DefaultLogger('ERROR') });
jest.setTimeout(60_000);

describe('standalone activities with the official SDK', () => {
  onEachServer({}, (server: () => TestServer) => {
    const taskQueue = uniqueId('standalone');
    let native: NativeConnection;
    let connection: Connection;
    let client: Client;
    let worker: Worker;
    let running: Promise<void>;
    beforeAll(async () => {
      native = await NativeConnection.connect({ address: server().address });
      worker = await Worker.create({ connection: native, taskQueue, activities });
      running = worker.run();
      connection = await Connection.connect({ address: server().address });
      client = new Client({ connection });
    }, 60_000);
    afterAll(async () => {
      worker?.shutdown();
      await running;
      await connection?.close();
      await native?.close();
    });
    const options = (prefix: string) => ({ id: uniqueId(prefix), taskQueue, startToCloseTimeout: '30s' });

    test('execute runs the activity on the worker; describe reports it completed', async () => {
      const opts = { ...options('greet'), args: ['Kairos'] };
      expect(await client.activity.execute('greet', opts)).toBe('Hello, Kairos!');
      const described = await client.activity.getHandle(opts.id).describe();
      expect(described).toEqual(
        expect.objectContaining({ activityId: opts.id, activityType: 'greet', status: 'COMPLETED', attempt: 1 }),
      );
    });

    test('a second start with the id of a running activity fails, naming the run', async () => {
      const opts = options('conflict');
      const first = await client.activity.start('heartbeatUntilCancelled', opts);
      const err = await client.activity.start('heartbeatUntilCancelled', opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActivityExecutionAlreadyStartedError);
      expect(err).toMatchObject({ activityId: opts.id, runId: first.runId });
      await first.terminate('done');
    });

    test('a failing activity is retried until it succeeds', async () => {
      const opts = {
        ...options('flaky'),
        args: [2, 'k'],
        retry: { initialInterval: '100ms', backoffCoefficient: 1 },
      };
      expect(await client.activity.execute('flaky', opts)).toBe('succeeded on attempt 3');
    });

    test('cancel reaches a heartbeating activity: its result fails with a CancelledFailure', async () => {
      const handle = await client.activity.start('heartbeatUntilCancelled', {
        ...options('cancel'),
        heartbeatTimeout: '5s',
      });
      await waitUntil(async () => (await handle.describe()).lastHeartbeatTime, 20_000, 'a heartbeat');
      await handle.cancel('not needed');
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActivityExecutionFailedError);
      expect((err as ActivityExecutionFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status).toBe('CANCELED');
    });

    test('list and count find executions by activity id', async () => {
      const opts = { ...options('listed'), args: ['list'] };
      await client.activity.execute('greet', opts);
      const query = `ActivityId = '${opts.id}'`;
      const listed = await waitUntil(
        async () => {
          const found = [];
          for await (const info of client.activity.list(query)) found.push(info);
          return found.length > 0 ? found : undefined;
        },
        20_000,
        'the activity in visibility',
      );
      expect(listed.map((i) => [i.activityId, i.status])).toEqual([[opts.id, 'COMPLETED']]);
      expect((await client.activity.count(query)).count).toBe(1);
    });
  });
});
