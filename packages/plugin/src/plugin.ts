/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import type * as nexus from 'nexus-rpc';
import type {
  ClientInterceptors,
  ClientOptions,
  ClientPlugin,
  ConnectionOptions,
  ConnectionPlugin,
  WorkflowClientInterceptor,
} from '@kairos/client';
import type { DataConverter } from '@kairos/common';
import type {
  BundleOptions,
  BundlerPlugin,
  NativeConnectionOptions,
  NativeConnectionPlugin,
  ReplayWorkerOptions,
  TLSConfig,
  Worker,
  WorkerInterceptors,
  WorkerOptions,
  WorkerPlugin,
  WorkflowBundleOption,
} from '@kairos/worker';

/**
 * A plugin option: a value, merged with what is already configured (see each option), or a function that is given
 * what is configured (possibly undefined) and returns what to use instead.
 *
 * @experimental Plugins are an experimental feature; their interface may change.
 */
export type PluginParameter<T> = T | ((existing: T | undefined) => T);

/**
 * What a {@link SimplePlugin} contributes. Each option is a value or a function of the existing value
 * ({@link PluginParameter}).
 *
 * @experimental Plugins are an experimental feature; their interface may change.
 */
export interface SimplePluginOptions {
  /** The plugin's name (reported in logs and errors). */
  readonly name: string;
  /** TLS of the client and native connections; replaces the existing setting. */
  readonly tls?: PluginParameter<TLSConfig | boolean | null>;
  /** API key of the client and native connections; replaces the existing one (a client's key function is kept). */
  readonly apiKey?: PluginParameter<string>;
  /** Data converter of clients and workers; its fields override those of the existing converter. */
  readonly dataConverter?: PluginParameter<DataConverter>;
  /** Client interceptors; appended to the existing ones. */
  readonly clientInterceptors?: PluginParameter<ClientInterceptors>;
  /** Activities of workers; added to the existing ones (same names are replaced). */
  readonly activities?: PluginParameter<object>;
  /** Nexus service handlers of workers; appended. */
  readonly nexusServices?: PluginParameter<nexus.ServiceHandler<any>[]>;
  /** Path of the workflows of workers and bundles; replaces the existing one. */
  readonly workflowsPath?: PluginParameter<string>;
  /** Pre-built workflow bundle of workers; replaces the existing one. */
  readonly workflowBundle?: PluginParameter<WorkflowBundleOption>;
  /**
   * Worker interceptors; each list is appended to the existing one. `workflowModules` reach a worker's options
   * only when the worker bundles its workflows from a `workflowsPath`; for a pre-built `workflowBundle` they are
   * added when the bundle is built (`bundleWorkflowCode({ plugins })`).
   */
  readonly workerInterceptors?: PluginParameter<WorkerInterceptors>;
  /** Wraps a worker's run: call `next()` to run the worker and resolve when it has stopped. */
  readonly runContext?: (next: () => Promise<void>) => Promise<void>;
}

/**
 * A plugin for clients, connections, native connections, workers, replay workers and the bundler, built from
 * options: give the same instance to the connection, the client and the worker and each takes the part that
 * concerns it. Arrays and interceptors are appended, activities merged, other values replaced.
 *
 * ```ts
 * const plugin = new SimplePlugin({ name: 'codec', dataConverter: { payloadCodecs: [new EncryptionCodec(key)] } });
 * const connection = await NativeConnection.connect({ address, plugins: [plugin] });
 * const client = new Client({ connection });           // gets the codec
 * const worker = await Worker.create({ connection, taskQueue, workflowsPath }); // gets it too
 * ```
 *
 * @experimental Plugins are an experimental feature; their interface may change.
 */
export class SimplePlugin
  implements WorkerPlugin, ClientPlugin, BundlerPlugin, ConnectionPlugin, NativeConnectionPlugin
{
  /** The plugin's name. */
  readonly name: string;

  constructor(protected readonly options: SimplePluginOptions) {
    this.name = options.name;
  }

  /** Client options with the plugin's data converter and client interceptors. */
  configureClient(options: ClientOptions): ClientOptions {
    return {
      ...options,
      dataConverter: mergeDataConverter(options.dataConverter, this.options.dataConverter),
      interceptors: mergeClientInterceptors(options.interceptors, this.options.clientInterceptors),
    };
  }

  /** Worker options with the plugin's converter, activities, Nexus services, workflows and interceptors. */
  configureWorker(options: WorkerOptions): WorkerOptions {
    const workflowsPath = replace(options.workflowsPath, this.options.workflowsPath);
    return {
      ...options,
      dataConverter: mergeDataConverter(options.dataConverter, this.options.dataConverter),
      activities: mergeObject(options.activities, this.options.activities),
      nexusServices: append(options.nexusServices, this.options.nexusServices),
      workflowsPath,
      workflowBundle: replace(options.workflowBundle, this.options.workflowBundle),
      interceptors: mergeWorkerInterceptors(options.interceptors, this.options.workerInterceptors, workflowsPath),
    };
  }

  /** Replay worker options with the plugin's converter, workflows and interceptors. */
  configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const workflowsPath = replace(options.workflowsPath, this.options.workflowsPath);
    return {
      ...options,
      dataConverter: mergeDataConverter(options.dataConverter, this.options.dataConverter),
      workflowsPath,
      workflowBundle: replace(options.workflowBundle, this.options.workflowBundle),
      interceptors: mergeWorkerInterceptors(options.interceptors, this.options.workerInterceptors, workflowsPath),
    };
  }

  /** Runs the worker inside {@link SimplePluginOptions.runContext} when one was given. */
  runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const { runContext } = this.options;
    return runContext === undefined ? next(worker) : runContext(() => next(worker));
  }

  /** Bundle options with the plugin's workflows path and workflow interceptor modules. */
  configureBundler(options: BundleOptions): BundleOptions {
    const interceptors = resolve(undefined, this.options.workerInterceptors, (_existing, given) => given);
    return {
      ...options,
      workflowsPath: replace(options.workflowsPath, this.options.workflowsPath) as string,
      workflowInterceptorModules: append(options.workflowInterceptorModules, interceptors?.workflowModules),
    };
  }

  /** Client connection options with the plugin's TLS and API key (an API key function already set is kept). */
  configureConnection(options: ConnectionOptions): ConnectionOptions {
    const keyFunction = typeof options.apiKey === 'function' ? options.apiKey : undefined;
    return {
      ...options,
      tls: replace(options.tls, this.options.tls),
      apiKey: keyFunction ?? replace(options.apiKey as string | undefined, this.options.apiKey),
    };
  }

  /** Native connection options with the plugin's TLS and API key. */
  configureNativeConnection(options: NativeConnectionOptions): NativeConnectionOptions {
    return {
      ...options,
      tls: replace(options.tls, this.options.tls),
      apiKey: replace(options.apiKey, this.options.apiKey),
    };
  }
}

/**
 * The value to use: the existing one without a parameter, the function's result for a function parameter, the
 * parameter itself when nothing exists yet, else `merge` of both.
 */
function resolve<T>(existing: T | undefined, parameter: PluginParameter<T> | undefined, merge: (e: T, p: T) => T) {
  if (parameter === undefined) return existing;
  if (typeof parameter === 'function') return (parameter as (e: T | undefined) => T)(existing);
  if (existing === undefined) return parameter;
  return merge(existing, parameter);
}

function replace<T>(existing: T | undefined, parameter: PluginParameter<T> | undefined): T | undefined {
  return resolve(existing, parameter, (_existing, given) => given);
}

function append<T>(existing: T[] | undefined, parameter: PluginParameter<T[]> | undefined): T[] | undefined {
  if (parameter === undefined) return existing;
  return resolve(existing ?? [], parameter, (e, p) => [...e, ...p]);
}

function mergeObject(existing: object | undefined, parameter: PluginParameter<object> | undefined) {
  if (parameter === undefined) return existing;
  return resolve(existing ?? {}, parameter, (e, p) => ({ ...e, ...p }));
}

function mergeDataConverter(
  existing: DataConverter | undefined,
  parameter: PluginParameter<DataConverter> | undefined,
) {
  return resolve(existing, parameter, (e, p) => ({ ...e, ...p }));
}

function concatDefined<T>(left: T[] | undefined, right: T[] | undefined): T[] | undefined {
  if (right === undefined) return left;
  if (left === undefined) return right;
  return [...left, ...right];
}

/** The deprecated factory form of workflow client interceptors cannot be merged with a list. */
function workflowInterceptorList(
  interceptors: ClientInterceptors['workflow'],
): WorkflowClientInterceptor[] | undefined {
  if (interceptors === undefined || Array.isArray(interceptors)) return interceptors;
  throw new TypeError(
    'SimplePlugin cannot merge workflow client interceptors given as a factory (the deprecated ' +
      'WorkflowClientInterceptors form); give them as an array of WorkflowClientInterceptor',
  );
}

function mergeClientInterceptors(
  existing: ClientInterceptors | undefined,
  parameter: PluginParameter<ClientInterceptors> | undefined,
): ClientInterceptors | undefined {
  return resolve(existing, parameter, (e, p) => ({
    ...e,
    workflow: concatDefined(workflowInterceptorList(e.workflow), workflowInterceptorList(p.workflow)),
    schedule: concatDefined(e.schedule, p.schedule),
    nexus: concatDefined(e.nexus, p.nexus),
    activity: concatDefined(e.activity, p.activity),
  }));
}

function mergeWorkerInterceptors(
  existing: WorkerInterceptors | undefined,
  parameter: PluginParameter<WorkerInterceptors> | undefined,
  workflowsPath: string | undefined,
): WorkerInterceptors | undefined {
  // Without a workflowsPath the worker does not bundle: workflow modules go in when the bundle is built.
  if (workflowsPath === undefined && parameter !== undefined && typeof parameter !== 'function') {
    parameter = { ...parameter, workflowModules: undefined };
  }
  return resolve(existing, parameter, (e, p) => ({
    ...e,
    client: mergeClientInterceptors(e.client, p.client),
    activity: append(e.activity, p.activity),
    activityInbound: append(e.activityInbound, p.activityInbound),
    nexus: append(e.nexus, p.nexus),
    workflowModules: append(e.workflowModules, p.workflowModules),
  }));
}
