import type { ConnectionOptions, WorkflowClientInterceptor } from '@kairos/client';
import type { PayloadCodec } from '@kairos/common';
import type { ActivityInterceptorsFactory, Worker, WorkerOptions } from '@kairos/worker';
import { SimplePlugin } from '../src';

const codec: PayloadCodec = { encode: async (p) => p, decode: async (p) => p };
const clientInterceptor: WorkflowClientInterceptor = {};
const activityInterceptor: ActivityInterceptorsFactory = () => ({});

describe('SimplePlugin merges its options into what is configured', () => {
  it('appends interceptors and replaces or merges the data converter of clients', () => {
    const existing: WorkflowClientInterceptor = {};
    const plugin = new SimplePlugin({
      name: 'p',
      dataConverter: { payloadCodecs: [codec] },
      clientInterceptors: { workflow: [clientInterceptor] },
    });
    const options = plugin.configureClient({
      namespace: 'ns',
      dataConverter: { payloadConverterPath: '/x' },
      interceptors: { workflow: [existing], schedule: [] },
    });
    expect(options.namespace).toBe('ns');
    expect(options.dataConverter).toEqual({ payloadConverterPath: '/x', payloadCodecs: [codec] });
    expect(options.interceptors?.workflow).toEqual([existing, clientInterceptor]);
    expect(options.interceptors?.schedule).toEqual([]);
  });

  it('adds activities, appends worker interceptors and replaces the workflows path of workers', () => {
    const one = async () => 'one';
    const two = async () => 'two';
    const plugin = new SimplePlugin({
      name: 'p',
      activities: { two },
      workflowsPath: '/plugin/workflows',
      workerInterceptors: { activity: [activityInterceptor], workflowModules: ['/plugin/interceptors'] },
    });
    const options = plugin.configureWorker({
      taskQueue: 'q',
      activities: { one },
      workflowsPath: '/app/workflows',
      interceptors: { workflowModules: ['/app/interceptors'] },
    });
    expect(options.activities).toEqual({ one, two });
    expect(options.workflowsPath).toBe('/plugin/workflows');
    expect(options.interceptors?.activity).toEqual([activityInterceptor]);
    expect(options.interceptors?.workflowModules).toEqual(['/app/interceptors', '/plugin/interceptors']);
  });

  it('leaves workflow interceptor modules to the bundler when the worker gets a pre-built bundle', () => {
    const plugin = new SimplePlugin({ name: 'p', workerInterceptors: { workflowModules: ['/plugin/interceptors'] } });
    const worker = plugin.configureWorker({ taskQueue: 'q', workflowBundle: { code: '' }, interceptors: {} });
    expect(worker.interceptors?.workflowModules).toBeUndefined();
    const bundle = plugin.configureBundler({ workflowsPath: '/app', workflowInterceptorModules: ['/app/i'] });
    expect(bundle.workflowInterceptorModules).toEqual(['/app/i', '/plugin/interceptors']);
  });

  it('calls function parameters with the existing value', () => {
    const seen: unknown[] = [];
    const plugin = new SimplePlugin({
      name: 'p',
      activities: (existing) => {
        seen.push(existing);
        return {};
      },
      tls: (existing) => {
        seen.push(existing);
        return true;
      },
    });
    const activities = { a: async () => 1 };
    expect(plugin.configureWorker({ taskQueue: 'q', activities }).activities).toEqual({});
    expect(plugin.configureNativeConnection({ tls: false }).tls).toBe(true);
    expect(seen).toEqual([activities, false]);
  });

  it('sets TLS and the API key of connections but keeps an API key function', () => {
    const plugin = new SimplePlugin({ name: 'p', tls: true, apiKey: 'plugin-key' });
    expect(plugin.configureConnection({ address: 'a:1', apiKey: 'old' })).toEqual({
      address: 'a:1',
      tls: true,
      apiKey: 'plugin-key',
    });
    const keyFunction = () => 'dynamic';
    const options: ConnectionOptions = { apiKey: keyFunction };
    expect(plugin.configureConnection(options).apiKey).toBe(keyFunction);
    expect(plugin.configureNativeConnection({})).toEqual({ tls: true, apiKey: 'plugin-key' });
  });

  it('rejects merging workflow client interceptors given as a factory', () => {
    const plugin = new SimplePlugin({ name: 'p', clientInterceptors: { workflow: [clientInterceptor] } });
    expect(() => plugin.configureClient({ interceptors: { workflow: { calls: [] } } })).toThrow(
      /cannot merge workflow client interceptors given as a factory/,
    );
  });

  it('wraps the worker run in runContext', async () => {
    const events: string[] = [];
    const plugin = new SimplePlugin({
      name: 'p',
      runContext: async (next) => {
        events.push('before');
        await next();
        events.push('after');
      },
    });
    const worker = {} as Worker;
    await plugin.runWorker(worker, async (w) => {
      expect(w).toBe(worker);
      events.push('run');
    });
    expect(events).toEqual(['before', 'run', 'after']);
  });

  it('leaves options untouched when it has nothing to add', () => {
    const plugin = new SimplePlugin({ name: 'empty' });
    const options: WorkerOptions = { taskQueue: 'q', activities: { a: async () => 1 } };
    expect(plugin.configureWorker(options)).toEqual({ ...options, nexusServices: undefined });
    expect(plugin.name).toBe('empty');
  });
});
