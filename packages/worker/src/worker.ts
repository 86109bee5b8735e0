import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { Client } from '@kairos/client';
import {
  type DataConverter,
  defaultPayloadConverter,
  IllegalStateError,
  type LoadedDataConverter,
  type Logger,
  SdkComponent,
} from '@kairos/common';
import { loadDataConverter } from '@kairos/common/lib/internal-non-workflow';
import { msToNumber, type Duration } from '@kairos/common/lib/time';
import * as bridge from '@kairos/core-bridge';
import { kairos } from '@kairos/proto';
import { ActivityExecutor } from './activity';
import { NexusExecutor } from './nexus';
import { NativeConnection } from './connection';
import {
  CombinedWorkerRunError,
  GracefulShutdownPeriodExpiredError,
  PromiseCompletionTimeoutError,
  ShutdownError,
} from './errors';
import pkg from './pkg';
import {
  type ReplayHistoriesIterable,
  type ReplayResult,
  ReplayWorker,
  runReplayHistories,
  runReplayHistory,
} from './replay';
import { Runtime } from './runtime';
import {
  type CompiledWorkerOptions,
  compileWorkerOptions,
  isCodeBundleOption,
  isPathBundleOption,
  type ReplayWorkerOptions,
  type WorkerOptions,
  type WorkerPlugin,
  type WorkflowBundleOption,
} from './worker-options';
import { WorkflowActivationProcessor } from './workflow/activation-processor';
import { type BundlerPlugin, bundleWorkflowCode } from './workflow/bundler';
import { IsolatePool, type LoadedBundle } from './workflow/isolate-host';
import { loadRuntimeScript } from './workflow/runtime-script';

export type { DataConverter };
export { defaultPayloadConverter };

/** Lifecycle states of a worker. */
export type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'FAILED';

/** State of a poller. */
export type PollerState = 'POLLING' | 'SHUTDOWN' | 'FAILED';

/** A snapshot of what a worker is doing. */
export interface WorkerStatus {
  runState: State;
  workflowPollerState: PollerState;
  activityPollerState: PollerState;
  hasOutstandingWorkflowPoll: boolean;
  hasOutstandingActivityPoll: boolean;
  numInFlightWorkflowActivations: number;
  numInFlightActivities: number;
  numInFlightNonLocalActivities: number;
  numInFlightLocalActivities: number;
  numCachedWorkflows: number;
  numHeartbeatingActivities: number;
  /** State of the Nexus poller (`SHUTDOWN` when the worker has no Nexus services). */
  nexusPollerState: PollerState;
  hasOutstandingNexusPoll: boolean;
  /** Nexus requests being handled now. */
  numInFlightNexusOperations: number;
}

interface RunUntilOptions {
  /** How long to wait for the promise after the worker stopped on its own. Default 0. */
  promiseCompletionTimeout?: Duration;
}

const BUNDLE_FILENAME = 'kairos-workflow-bundle.js';

/** Loads a pre-built bundle option into code and source map. */
async function loadBundleOption(option: WorkflowBundleOption): Promise<LoadedBundle> {
  let code: string;
  let sourceMap: string | undefined;
  if (isCodeBundleOption(option)) {
    code = option.code;
    const map = (option as { sourceMap?: unknown }).sourceMap;
    if (map !== undefined) sourceMap = typeof map === 'string' ? map : JSON.stringify(map);
  } else if (isPathBundleOption(option)) {
    code = await fs.readFile(option.codePath, 'utf8');
    const mapPath = (option as { sourceMapPath?: string }).sourceMapPath ?? `${option.codePath}.map`;
    sourceMap = await fs.readFile(mapPath, 'utf8').catch(() => undefined);
  } else {
    throw new TypeError('workflowBundle must have either a code or a codePath property');
  }
  if (!code.includes('__KAIROS_USER_FACTORY__')) {
    throw new TypeError(
      'workflowBundle was not produced by bundleWorkflowCode of @kairos/worker (bundles of other bundlers, including ' +
        "the official SDK's, cannot run in the Kairos isolate); build it with bundleWorkflowCode or pass workflowsPath",
    );
  }
  return { code, sourceMap, filename: BUNDLE_FILENAME };
}

/** Everything a worker is made of, prepared by {@link Worker.create}. */
interface WorkerParts {
  options: CompiledWorkerOptions;
  rawOptions: WorkerOptions;
  connection: NativeConnection;
  ownsConnection: boolean;
  native: bridge.Worker;
  pool: IsolatePool | undefined;
  dataConverter: LoadedDataConverter;
  plugins: WorkerPlugin[];
}

/** Prepares the isolates of a worker (shared with the replay worker). */
export function createIsolatePool(
  options: CompiledWorkerOptions,
  bundle: LoadedBundle,
  registeredActivityNames: string[] | undefined,
  offThread = false,
): IsolatePool {
  return new IsolatePool({
    bundle,
    runtimeOptions: {
      sdkVersion: pkg.version,
      registeredActivityNames,
      workflowFailureErrorTypes: options.workflowFailureErrorTypes,
      showStackTraceSources: options.showStackTraceSources,
      stackTracesEnabled: true,
    },
    memoryLimitMb: options.isolateMemoryLimitMb,
    deadlockTimeoutMs: options.isolateExecutionTimeoutMs,
    reuseContext: options.reuseV8Context,
    isolateCount: options.workflowThreadPoolSize,
    offThread,
  });
}

/** Bundles (or loads) the workflow code of a worker; undefined when the worker runs no workflows. */
export async function loadWorkflowBundle(raw: WorkerOptions, dataConverter: DataConverter | undefined, logger: Logger) {
  if (raw.workflowBundle !== undefined) {
    if (raw.workflowsPath !== undefined) {
      logger.warn('Ignoring workflowsPath because workflowBundle was given', { sdkComponent: SdkComponent.worker });
    }
    return loadBundleOption(raw.workflowBundle);
  }
  if (raw.workflowsPath === undefined) return undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath: raw.workflowsPath,
    workflowInterceptorModules: raw.interceptors?.workflowModules,
    payloadConverterPath: dataConverter?.payloadConverterPath,
    failureConverterPath: dataConverter?.failureConverterPath,
    ignoreModules: raw.bundlerOptions?.ignoreModules,
    preloadModules: raw.bundlerOptions?.preloadModules,
    webpackConfigHook: raw.bundlerOptions?.webpackConfigHook,
    logger,
    // Worker plugins that also configure the bundler (SimplePlugin's workflow interceptor modules, say).
    plugins: raw.plugins as BundlerPlugin[] | undefined,
  });
  return { code: bundle.code, sourceMap: JSON.stringify(bundle.sourceMap), filename: BUNDLE_FILENAME };
}

/** The core options of a worker. */
export function nativeWorkerOptions(
  options: CompiledWorkerOptions,
  buildId: string,
  workflows: boolean,
): bridge.WorkerOptions {
  return {
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity: options.identity,
    buildId,
    deploymentName: options.deployment?.deploymentName,
    useWorkerVersioning: options.deployment?.useWorkerVersioning,
    defaultVersioningBehavior: options.deployment?.defaultVersioningBehavior,
    sdkName: 'kairos-typescript',
    sdkVersion: pkg.version,
    enableWorkflows: workflows,
    enableActivities: options.activities.size > 0 && options.enableNonLocalActivities,
    enableNexus: (options.nexusServiceHandlers?.size ?? 0) > 0,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    maxEagerActivityReservationsPerWorkflowTask: options.maxEagerActivityReservationsPerWorkflowTask,
    maxConcurrentLocalActivityExecutions: options.maxConcurrentLocalActivityExecutions,
    maxConcurrentNexusTaskExecutions: options.maxConcurrentNexusTaskExecutions,
    maxCachedWorkflows: options.maxCachedWorkflows,
    stickyQueueScheduleToStartTimeoutMs: options.stickyQueueScheduleToStartTimeoutMs,
    maxConcurrentWorkflowTaskPolls: options.maxConcurrentWorkflowTaskPolls,
    maxConcurrentActivityTaskPolls: options.maxConcurrentActivityTaskPolls,
    maxConcurrentNexusTaskPolls: options.maxConcurrentNexusTaskPolls,
    nonstickyToStickyPollRatio: options.nonStickyToStickyPollRatio,
    maxHeartbeatThrottleIntervalMs: options.maxHeartbeatThrottleIntervalMs,
    defaultHeartbeatThrottleIntervalMs: options.defaultHeartbeatThrottleIntervalMs,
    gracefulShutdownPeriodMs: options.shutdownGraceTimeMs,
    nondeterminismFailsWorkflow: options.nondeterminismFailsWorkflow,
  };
}

/**
 * Polls a task queue and runs the workflows (in isolates) and activities registered on it. Create it with
 * {@link Worker.create}, then `run()` it until `shutdown()` (or a shutdown signal).
 */
export class Worker {
  readonly options: CompiledWorkerOptions;
  protected readonly logger: Logger;
  protected state: State = 'INITIALIZED';
  private readonly native: bridge.Worker;
  private readonly pool: IsolatePool | undefined;
  private readonly processor: WorkflowActivationProcessor | undefined;
  private readonly activityExecutor: ActivityExecutor | undefined;
  private readonly nexusExecutor: NexusExecutor | undefined;
  private readonly dataConverter: LoadedDataConverter;
  private readonly plugins: WorkerPlugin[];
  private _connection: NativeConnection;
  private readonly ownsConnection: boolean;
  private _client?: Client;
  private workflowPollerState: PollerState = 'POLLING';
  private activityPollerState: PollerState = 'POLLING';
  private outstandingWorkflowPoll = false;
  private outstandingActivityPoll = false;
  private nexusPollerState: PollerState = 'POLLING';
  private outstandingNexusPoll = false;
  private numInFlightActivities = 0;
  private numInFlightLocalActivities = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private shutdownForceTimer?: NodeJS.Timeout;
  private forceShutdown?: (err: Error) => void;
  private readonly signalCallback = () => this.shutdown();

  protected constructor(parts: WorkerParts) {
    this.options = parts.options;
    this.logger = Runtime.instance().logger;
    this.native = parts.native;
    this.pool = parts.pool;
    this.dataConverter = parts.dataConverter;
    this.plugins = parts.plugins;
    this._connection = parts.connection;
    this.ownsConnection = parts.ownsConnection;
    if (this.pool) {
      this.processor = new WorkflowActivationProcessor({
        pool: this.pool,
        codecs: this.dataConverter.payloadCodecs,
        sinks: this.options.sinks,
        logger: this.logger,
        onLostRuns: (runIds) => {
          for (const runId of runIds) this.native.requestWorkflowEviction(runId);
        },
      });
    }
    if (this.options.activities.size > 0) {
      this.activityExecutor = new ActivityExecutor({
        activities: Object.fromEntries(this.options.activities),
        namespace: this.options.namespace,
        taskQueue: this.options.taskQueue,
        payloadConverter: this.dataConverter.payloadConverter,
        failureConverter: this.dataConverter.failureConverter,
        payloadCodecs: this.dataConverter.payloadCodecs,
        interceptors: this.options.interceptors.activity,
        logger: this.logger,
        metricMeter: Runtime.instance().metricMeter,
        client: this.client,
        recordHeartbeat: (taskToken, details) => {
          try {
            this.native.recordActivityHeartbeat(
              kairos.core.activity.ActivityHeartbeat.encode({ taskToken, details }).finish(),
            );
          } catch (error) {
            this.logger.warn('Failed to record an activity heartbeat', { sdkComponent: SdkComponent.worker, error });
          }
        },
      });
    }
    if (this.options.nexusServiceHandlers) {
      this.nexusExecutor = new NexusExecutor({
        services: this.options.nexusServiceHandlers,
        namespace: this.options.namespace,
        taskQueue: this.options.taskQueue,
        dataConverter: this.dataConverter,
        logger: this.logger,
        metricMeter: Runtime.instance().metricMeter,
        client: this.client,
        interceptors: this.options.interceptors.nexus ?? [],
      });
    }
  }

  /** Validates `options`, bundles the workflows, connects and creates the worker. */
  static async create(rawOptions: WorkerOptions): Promise<Worker> {
    // Plugins of the connection apply to the workers built on it; one given to both is applied once.
    const connectionPlugins = (rawOptions.connection?.plugins ?? []) as unknown as WorkerPlugin[];
    const plugins = [...new Set([...(rawOptions.plugins ?? []), ...connectionPlugins])];
    rawOptions = { ...rawOptions, plugins };
    for (const plugin of plugins) {
      if (plugin.configureWorker) rawOptions = await plugin.configureWorker(rawOptions);
    }
    const options = compileWorkerOptions(rawOptions);
    const runtime = Runtime.instance();
    const dataConverter = loadDataConverter(rawOptions.dataConverter);
    const bundle = await loadWorkflowBundle(rawOptions, rawOptions.dataConverter, runtime.logger);
    if (bundle === undefined && options.activities.size === 0 && options.nexusServiceHandlers === undefined) {
      throw new TypeError(
        'Worker has no workflows, activities or Nexus services: give workflowsPath or workflowBundle, activities, ' +
          'or nexusServices',
      );
    }
    const ownsConnection = rawOptions.connection === undefined;
    const connection = rawOptions.connection ?? (await NativeConnection.connect());
    const buildId =
      options.buildId ??
      `${pkg.name}@${pkg.version}+${createHash('sha256')
        .update(bundle?.code ?? '')
        .digest('hex')}`;
    let native: bridge.Worker;
    try {
      native = bridge.Worker.create(connection.native, nativeWorkerOptions(options, buildId, bundle !== undefined));
    } catch (err) {
      if (ownsConnection) await connection.close();
      throw err;
    }
    // A live worker runs workflow code on the isolates' threads, leaving this thread to the core and activities.
    const pool = bundle ? createIsolatePool(options, bundle, [...options.activities.keys()], true) : undefined;
    return new this({
      options: { ...options, buildId },
      rawOptions,
      connection,
      ownsConnection,
      native,
      pool,
      dataConverter,
      plugins,
    });
  }

  /** The connection the worker polls through. */
  get connection(): NativeConnection {
    return this._connection;
  }

  /** A client on the worker's connection and namespace (also given to activities as `Context.client`). */
  get client(): Client {
    this._client ??= new Client({
      connection: this._connection,
      namespace: this.options.namespace,
      dataConverter: this.dataConverter as unknown as DataConverter,
      interceptors: this.options.interceptors.client,
    });
    return this._client;
  }

  getState(): State {
    return this.state;
  }

  getStatus(): WorkerStatus {
    return {
      runState: this.state,
      workflowPollerState: this.workflowPollerState,
      activityPollerState: this.activityPollerState,
      hasOutstandingWorkflowPoll: this.outstandingWorkflowPoll,
      hasOutstandingActivityPoll: this.outstandingActivityPoll,
      numInFlightWorkflowActivations: this.processor?.inFlight ?? 0,
      numInFlightActivities: this.numInFlightActivities + this.numInFlightLocalActivities,
      numInFlightNonLocalActivities: this.numInFlightActivities,
      numInFlightLocalActivities: this.numInFlightLocalActivities,
      numCachedWorkflows: this.pool?.size ?? 0,
      numHeartbeatingActivities: this.numInFlightActivities,
      nexusPollerState: this.nexusPollerState,
      hasOutstandingNexusPoll: this.outstandingNexusPoll,
      numInFlightNexusOperations: this.nexusExecutor?.numRunning ?? 0,
    };
  }

  /** Starts shutting down: polling stops, in-flight work finishes, `run()` then resolves. */
  shutdown(): void {
    if (this.state !== 'RUNNING') return;
    this.state = 'STOPPING';
    this.logger.info('Worker shutting down', { sdkComponent: SdkComponent.worker, taskQueue: this.options.taskQueue });
    try {
      this.native.initiateShutdown();
    } catch (error) {
      this.logger.warn('Failed to start the core shutdown', { sdkComponent: SdkComponent.worker, error });
    }
    const forceMs = this.options.shutdownForceTimeMs;
    if (forceMs !== undefined) {
      this.shutdownForceTimer = setTimeout(() => {
        this.forceShutdown?.(
          new GracefulShutdownPeriodExpiredError('Timed out while waiting for worker to shutdown gracefully'),
        );
      }, forceMs);
    }
  }

  /** Runs the worker until it is shut down. Resolves after a clean shutdown; rejects on a fatal error. */
  async run(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new IllegalStateError('Poller was already started');
    let next = (w: Worker) => w.runInternal();
    for (const plugin of [...this.plugins].reverse()) {
      const inner = next;
      if (plugin.runWorker) next = (w: Worker) => plugin.runWorker!(w, inner);
    }
    return next(this);
  }

  private async runInternal(): Promise<void> {
    this.state = 'RUNNING';
    const runtime = Runtime.instance();
    runtime.registerUser();
    runtime.registerShutdownSignalCallback(this.signalCallback);
    this.logger.info('Worker started', { sdkComponent: SdkComponent.worker, taskQueue: this.options.taskQueue });
    const forced = new Promise<never>((_, reject) => {
      this.forceShutdown = reject;
    });
    forced.catch(() => undefined);
    try {
      await Promise.race([this.runLoops(), forced]);
      this.state = 'STOPPED';
    } catch (err) {
      this.state = 'FAILED';
      throw err;
    } finally {
      if (this.shutdownForceTimer) clearTimeout(this.shutdownForceTimer);
      runtime.deregisterShutdownSignalCallback(this.signalCallback);
      runtime.deregisterUser();
      this.pool?.destroy();
      if (this.ownsConnection) await this._connection.close().catch(() => undefined);
      this.logger.info('Worker state changed', { sdkComponent: SdkComponent.worker, state: this.state });
    }
  }

  private async runLoops(): Promise<void> {
    const loops: Promise<void>[] = [];
    if (this.processor) loops.push(this.workflowLoop(this.processor));
    else this.workflowPollerState = 'SHUTDOWN';
    if (this.activityExecutor) loops.push(this.activityLoop(this.activityExecutor));
    else this.activityPollerState = 'SHUTDOWN';
    if (this.nexusExecutor) loops.push(this.nexusLoop(this.nexusExecutor));
    else this.nexusPollerState = 'SHUTDOWN';
    const results = await Promise.allSettled(loops);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // A fatal error in one loop: stop the others too.
      this.shutdown();
      await Promise.allSettled(loops);
    }
    this.state = 'DRAINING';
    await Promise.allSettled([...this.inFlight]);
    this.state = 'DRAINED';
    await this.native.finalizeShutdown();
    if (failed) throw failed.reason;
  }

  private track<T>(promise: Promise<T>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
  }

  private async workflowLoop(processor: WorkflowActivationProcessor): Promise<void> {
    for (;;) {
      let bytes: Buffer;
      this.outstandingWorkflowPoll = true;
      try {
        bytes = await this.native.pollWorkflowActivation();
      } catch (err) {
        this.outstandingWorkflowPoll = false;
        if (err instanceof ShutdownError) {
          this.workflowPollerState = 'SHUTDOWN';
          return;
        }
        this.workflowPollerState = 'FAILED';
        throw err;
      }
      this.outstandingWorkflowPoll = false;
      this.track(
        processor
          .process(bytes)
          .then(async ({ completion, failure, runId }) => {
            if (failure !== undefined) {
              this.logger.warn('Failing workflow task', { sdkComponent: SdkComponent.worker, runId, failure });
            }
            await this.native.completeWorkflowActivation(completion);
          })
          .catch((error) => {
            this.logger.error('Failed to complete a workflow activation', { sdkComponent: SdkComponent.worker, error });
          }),
      );
    }
  }

  private async activityLoop(executor: ActivityExecutor): Promise<void> {
    for (;;) {
      let task: kairos.core.activity.ActivityTask;
      this.outstandingActivityPoll = true;
      try {
        task = kairos.core.activity.ActivityTask.decode(await this.native.pollActivityTask());
      } catch (err) {
        this.outstandingActivityPoll = false;
        if (err instanceof ShutdownError) {
          this.activityPollerState = 'SHUTDOWN';
          return;
        }
        this.activityPollerState = 'FAILED';
        throw err;
      }
      this.outstandingActivityPoll = false;
      const local = task.start?.isLocal ?? false;
      if (task.start) {
        if (local) this.numInFlightLocalActivities++;
        else this.numInFlightActivities++;
      }
      this.track(
        executor
          .handleTask(task)
          .then(async (completion) => {
            if (completion) {
              await this.native.completeActivityTask(
                kairos.core.activity.ActivityTaskCompletion.encode(completion).finish(),
              );
            }
          })
          .catch((error) => {
            this.logger.error('Failed to complete an activity task', { sdkComponent: SdkComponent.worker, error });
          })
          .finally(() => {
            if (task.start) {
              if (local) this.numInFlightLocalActivities--;
              else this.numInFlightActivities--;
            }
          }),
      );
    }
  }

  private async nexusLoop(executor: NexusExecutor): Promise<void> {
    for (;;) {
      let task: kairos.core.nexus.NexusTask;
      this.outstandingNexusPoll = true;
      try {
        task = kairos.core.nexus.NexusTask.decode(await this.native.pollNexusTask());
      } catch (err) {
        this.outstandingNexusPoll = false;
        if (err instanceof ShutdownError) {
          this.nexusPollerState = 'SHUTDOWN';
          return;
        }
        this.nexusPollerState = 'FAILED';
        throw err;
      }
      this.outstandingNexusPoll = false;
      this.track(
        executor
          .handleTask(task)
          .then(async (completion) => {
            if (completion) {
              await this.native.completeNexusTask(kairos.core.nexus.NexusTaskCompletion.encode(completion).finish());
            }
          })
          .catch((error) => {
            this.logger.error('Failed to complete a Nexus task', { sdkComponent: SdkComponent.worker, error });
          }),
      );
    }
  }

  /** A replay worker to replay histories one by one; close it when done. */
  static createReplay(options: ReplayWorkerOptions): Promise<ReplayWorker> {
    return ReplayWorker.create(options);
  }

  /** Replays one history; throws `DeterminismViolationError` or `ReplayError` if it does not replay cleanly. */
  static runReplayHistory(options: ReplayWorkerOptions, history: unknown, workflowId?: string): Promise<void> {
    return runReplayHistory(options, history, workflowId);
  }

  /** Replays histories one after the other and yields each outcome. */
  static runReplayHistories(
    options: ReplayWorkerOptions,
    histories: ReplayHistoriesIterable,
  ): AsyncIterableIterator<ReplayResult> {
    return runReplayHistories(options, histories);
  }

  /**
   * Runs the worker until `fnOrPromise` settles, then shuts it down and returns the promise's result. If the
   * worker fails first, waits up to `promiseCompletionTimeout` for the promise.
   */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>), options?: RunUntilOptions): Promise<R> {
    const workerRun = this.run();
    const inner = typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise;
    let innerDone = false;
    let innerResult: R | undefined;
    let innerError: unknown;
    let innerFailed = false;
    const innerSettled = inner.then(
      (r) => {
        innerDone = true;
        innerResult = r;
      },
      (e) => {
        innerDone = true;
        innerFailed = true;
        innerError = e;
      },
    );
    let workerFailed = false;
    let workerError: unknown;
    const workerSettled = workerRun.then(
      () => undefined,
      (e) => {
        workerFailed = true;
        workerError = e;
      },
    );
    await Promise.race([innerSettled, workerSettled]);
    if (innerDone) {
      this.shutdown();
      await workerSettled;
    } else {
      const timeoutMs = msToNumber(options?.promiseCompletionTimeout ?? 0);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([innerSettled, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      if (timer) clearTimeout(timer);
      if (!innerDone) {
        innerFailed = true;
        innerError = new PromiseCompletionTimeoutError('Timed out while waiting for promise to complete');
      }
    }
    if (workerFailed && innerFailed) {
      throw new CombinedWorkerRunError('Worker run failed with inner error', { cause: { workerError, innerError } });
    }
    if (workerFailed) throw workerError;
    if (innerFailed) throw innerError;
    return innerResult as R;
  }
}

/** The runtime script size (exported for the benchmarks). */
export function runtimeScriptSize(): number {
  return loadRuntimeScript().code.length;
}
