import * as path from 'node:path';
import { Client } from '@kairos/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  type NativeConnectionPlugin,
  Runtime,
  Worker,
  type WorkerPlugin,
} from '@kairos/worker';
import { SimplePlugin } from '../src';
import { XOR_ENCODING, XorCodec } from './fixtures/codec';
import type { greetViaPlugin } from './fixtures/workflows';
import { startTestServer, type TestServer, taskQueueFor } from './helpers/test-server';

jest.setTimeout(60_000);

const workflowsPath = path.join(__dirname, 'fixtures', 'workflows.ts');
const interceptorModule = path.join(__dirname, 'fixtures', 'mark-interceptor.ts');

let server: TestServer;
let connection: NativeConnection;
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  server = await startTestServer();
  connection = await NativeConnection.connect({ address: server.address });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

/** A plugin that brings the activity, the codec and the workflow interceptor module, and counts its calls. */
function greetingPlugin() {
  const calls = { configureWorker: 0, runWorker: 0, configureClient: 0 };
  const plugin = new SimplePlugin({
    name: 'greeting',
    activities: { greet: async (name: string) => `Hello, ${name}!` },
    dataConverter: { payloadCodecs: [new XorCodec()] },
    workerInterceptors: { workflowModules: [interceptorModule] },
    runContext: async (next) => {
      calls.runWorker++;
      await next();
    },
  });
  const configureWorker = plugin.configureWorker.bind(plugin);
  plugin.configureWorker = (options) => {
    calls.configureWorker++;
    return configureWorker(options);
  };
  const configureClient = plugin.configureClient.bind(plugin);
  plugin.configureClient = (options) => {
    calls.configureClient++;
    return configureClient(options);
  };
  return { plugin, calls };
}

it('a plugin on the native connection configures the clients and the workers built on it, once', async () => {
  const { plugin, calls } = greetingPlugin();
  const pluggedConnection = await NativeConnection.connect({ address: server.address, plugins: [plugin] });
  try {
    const taskQueue = taskQueueFor('connection-plugin');
    // Given to the worker too: still applied once.
    const worker = await Worker.create({ connection: pluggedConnection, taskQueue, workflowsPath, plugins: [plugin] });
    // The worker's own client (Context.client of activities) is built on the connection: it gets the plugin too.
    expect(calls).toEqual({ configureWorker: 1, runWorker: 0, configureClient: 1 });
    const client = new Client({ connection: pluggedConnection, plugins: [plugin] });
    expect(calls.configureClient).toBe(2);
    const workflowId = `plugin-${taskQueue}`;
    const result = await worker.runUntil(
      client.workflow.execute<typeof greetViaPlugin>('greetViaPlugin', { taskQueue, workflowId, args: ['Kairos'] }),
    );
    expect(result).toBe('Hello, Kairos! +intercepted');
    expect(calls).toEqual({ configureWorker: 1, runWorker: 1, configureClient: 2 });

    // The client encoded the input with the plugin's codec, and the worker decoded it.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(new TextDecoder().decode(input?.metadata?.encoding ?? undefined)).toBe(XOR_ENCODING);
  } finally {
    await pluggedConnection.close();
  }
});

it('runs configureWorker in plugin order and nests runWorker with the first plugin outermost', async () => {
  const events: string[] = [];
  const plugin = (name: string): WorkerPlugin => ({
    name,
    configureWorker(options) {
      events.push(`configure ${name}`);
      return { ...options, identity: `${options.identity ?? ''}${name}` };
    },
    async runWorker(worker, next) {
      events.push(`enter ${name}`);
      await next(worker);
      events.push(`leave ${name}`);
    },
  });
  const connectionPlugin = { ...plugin('C'), configureNativeConnection: (o: object) => o } as WorkerPlugin &
    NativeConnectionPlugin;
  const pluggedConnection = await NativeConnection.connect({ address: server.address, plugins: [connectionPlugin] });
  try {
    const worker = await Worker.create({
      connection: pluggedConnection,
      taskQueue: taskQueueFor('order'),
      activities: { noop: async () => undefined },
      identity: 'id-',
      plugins: [plugin('A'), plugin('B')],
    });
    expect(worker.options.identity).toBe('id-ABC');
    await worker.runUntil(async () => undefined);
    expect(events).toEqual([
      'configure A',
      'configure B',
      'configure C',
      'enter A',
      'enter B',
      'enter C',
      'leave C',
      'leave B',
      'leave A',
    ]);
  } finally {
    await pluggedConnection.close();
  }
});

it('a native connection plugin can rewrite the connection options', async () => {
  const redirect: NativeConnectionPlugin = {
    name: 'redirect',
    configureNativeConnection: (options) => ({ ...options, address: server.address }),
  };
  const redirected = await NativeConnection.connect({ address: '127.0.0.1:1', plugins: [redirect] });
  try {
    const { namespaceInfo } = await redirected.workflowService.describeNamespace({ namespace: 'default' });
    expect(namespaceInfo?.name).toBe('default');
  } finally {
    await redirected.close();
  }
});

it('a plugin given to bundleWorkflowCode adds its workflow interceptor modules to a pre-built bundle', async () => {
  const { plugin } = greetingPlugin();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, plugins: [plugin] });
  const taskQueue = taskQueueFor('bundle-plugin');
  const worker = await Worker.create({ connection, taskQueue, workflowBundle, plugins: [plugin] });
  const client = new Client({ connection, plugins: [plugin] });
  const result = await worker.runUntil(
    client.workflow.execute<typeof greetViaPlugin>('greetViaPlugin', {
      taskQueue,
      workflowId: `bundle-${taskQueue}`,
      args: ['bundle'],
    }),
  );
  expect(result).toBe('Hello, bundle! +intercepted');
});

it('configureReplayWorker gives the replayer the codec and the interceptors the history was written with', async () => {
  const { plugin } = greetingPlugin();
  const taskQueue = taskQueueFor('replay-plugin');
  const worker = await Worker.create({ connection, taskQueue, workflowsPath, plugins: [plugin] });
  const client = new Client({ connection, plugins: [plugin] });
  const workflowId = `replay-${taskQueue}`;
  await worker.runUntil(
    client.workflow.execute<typeof greetViaPlugin>('greetViaPlugin', { taskQueue, workflowId, args: ['replay'] }),
  );
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const replayPlugin: WorkerPlugin = {
    name: 'replay-only',
    configureReplayWorker: (options) => ({ ...options, workflowsPath }),
  };
  await Worker.runReplayHistory({ plugins: [plugin, replayPlugin] }, history, workflowId);
});
