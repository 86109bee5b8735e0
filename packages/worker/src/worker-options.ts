/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
import * as os from 'node:os';
import * as v8 from 'node:v8';
import type * as nexus from 'nexus-rpc';
import type { ActivityFunction, DataConverter, VersioningBehavior, WorkerDeploymentVersion } from '@kairos/common';
import { encodeVersioningBehavior } from '@kairos/common';
import { type Duration, msOptionalToNumber, msToNumber } from '@kairos/common/lib/time';
import type { LoggerSinks, WorkflowInfo } from '@kairos/workflow';
import type { NativeConnection } from './connection';
import type { WorkerInterceptors } from './interceptors';
import type { InjectedSinks } from './sinks';
import type { Worker } from './worker';
import type { WorkflowBundleWithSourceMap } from './workflow/bundler';
import { fixedSlotsOf, type WorkerTuner } from './worker-tuner';

/** Options of `Worker.create`: the same names, types and defaults as `@temporalio/worker`'s. */
export interface WorkerOptions {
  /** The connection to the server. Default: a new `NativeConnection` to `localhost:7233`, closed on shutdown. */
  connection?: NativeConnection;
  /** Identity reported to the server. Default `${process.pid}@${os.hostname()}`. */
  identity?: string;
  /** @deprecated Build id for worker versioning. Default: derived from the package version and the bundle. */
  buildId?: string;
  /** @deprecated Build-id based versioning. Not implemented in Kairos: `true` throws. */
  useVersioning?: boolean;
  /**
   * Worker deployment versioning: the deployment version this worker runs, whether the server routes tasks to it
   * by that version, and the versioning behavior of workflows that declare none. Default: no deployment.
   */
  workerDeploymentOptions?: WorkerDeploymentOptions;
  /** Default `'default'`. */
  namespace?: string;
  /** The task queue to poll (required). */
  taskQueue: string;
  /** Activity functions by name; values that are not functions are ignored. */
  activities?: object;
  /** Experimental in the official SDK; not implemented in Kairos: giving it throws. */
  patchActivationCallback?: PatchActivationCallback;
  /**
   * Nexus service handlers (built with `nexus.serviceHandler` of `nexus-rpc`) whose operations this worker handles.
   * The worker polls for Nexus tasks only when it has some. Two handlers for one service name throw.
   */
  nexusServices?: nexus.ServiceHandler<any>[];
  /** Path of the workflows module, bundled when the worker is created. */
  workflowsPath?: string;
  /** A pre-built bundle (takes precedence over `workflowsPath`). */
  workflowBundle?: WorkflowBundleOption;
  /** How long activities may keep running after shutdown starts before they are cancelled. Default 0. */
  shutdownGraceTime?: Duration;
  /** Hard limit on shutdown; past it `run()` rejects with `GracefulShutdownPeriodExpiredError`. Default: none. */
  shutdownForceTime?: Duration;
  /** Payload converter, failure converter and codecs. */
  dataConverter?: DataConverter;
  /** Slot tuning: fixed-size slot suppliers are supported; resource-based and custom ones throw. */
  tuner?: WorkerTuner;
  /** Default 100. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Default 100. */
  maxConcurrentLocalActivityExecutions?: number;
  /** Default 100. */
  maxConcurrentNexusTaskExecutions?: number;
  /** Whether to poll for (non-local) activity tasks. Default true. */
  enableNonLocalActivities?: boolean;
  /** Accepted; Kairos does not check payload sizes on the worker. */
  disablePayloadErrorLimit?: boolean;
  /** Not implemented in Kairos: giving it throws. */
  maxActivitiesPerSecond?: number;
  /** Not implemented in Kairos: giving it throws. */
  maxTaskQueueActivitiesPerSecond?: number;
  /**
   * Activities a workflow task may ask the server to hand to this worker directly in its completion (eager
   * execution, when the server supports it), each using a free activity slot. 0 turns it off. Default 3.
   */
  maxEagerActivityReservationsPerWorkflowTask?: number;
  /** Default 40 (at most the cache size, at least 2). */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Share of workflow pollers on the normal (not sticky) queue. Default 0.2. */
  nonStickyToStickyPollRatio?: number;
  /** Workflow task pollers. Default `min(10, maxConcurrentWorkflowTaskExecutions)`. */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Workflow task poller behaviour; `autoscaling` is not implemented and throws. */
  workflowTaskPollerBehavior?: PollerBehavior;
  activityTaskPollerBehavior?: PollerBehavior;
  nexusTaskPollerBehavior?: PollerBehavior;
  /** Activity task pollers. Default `min(10, maxConcurrentActivityTaskExecutions)`. */
  maxConcurrentActivityTaskPolls?: number;
  maxConcurrentNexusTaskPolls?: number;
  /** Default `'10s'`. */
  stickyQueueScheduleToStartTimeout?: Duration;
  /** Runs kept in memory between tasks; 0 disables the cache. Default: derived from the heap size. */
  maxCachedWorkflows?: number;
  /** Number of workflow isolates. Default 1 (2 with `reuseV8Context: false`). */
  workflowThreadPoolSize?: number;
  /** Default `'60s'`. */
  maxHeartbeatThrottleInterval?: Duration;
  /** Default `'30s'`. */
  defaultHeartbeatThrottleInterval?: Duration;
  interceptors?: WorkerInterceptors;
  plugins?: WorkerPlugin[];
  /** Functions workflow code calls through `proxySinks`. */
  sinks?: InjectedSinks<any>;
  /** Error class names that fail the workflow instead of the workflow task, by workflow type (`'*'`: all). */
  workflowFailureErrorTypes?: Record<
    '*' | (string & {}),
    ('NondeterminismError' | 'DeterminismViolationError' | 'Error' | (string & {}))[]
  >;
  /** @deprecated Ignored. */
  enableSDKTracing?: boolean;
  /** Include source code in `__enhanced_stack_trace` answers. Default false. */
  showStackTraceSources?: boolean;
  /** Disables the deadlock timeout (for debugging). Default: the `TEMPORAL_DEBUG` variable. */
  debugMode?: boolean;
  /** One shared context per isolate (true) or a fresh context per run (false). Default true. */
  reuseV8Context?: boolean;
  bundlerOptions?: {
    /** Not supported by Kairos (it does not use webpack): giving it fails the bundle with advice. */
    webpackConfigHook?: (config: any) => any;
    ignoreModules?: string[];
    preloadModules?: string[];
  };
  /** Kairos: heap limit of each workflow isolate, in MiB. Default 256. */
  isolateMemoryLimitMb?: number;
  /** Kairos: how long one workflow activation may run synchronously before it counts as a deadlock. Default 5s. */
  isolateExecutionTimeout?: Duration;
}

/** Poller count behaviour. */
export type PollerBehavior = PollerBehaviorSimpleMaximum | PollerBehaviorAutoscaling;
/** Autoscaling pollers (not implemented in Kairos). */
export interface PollerBehaviorAutoscaling {
  type: 'autoscaling';
  minimum?: number;
  maximum?: number;
  initial?: number;
}
/** A fixed maximum of pollers. */
export interface PollerBehaviorSimpleMaximum {
  type: 'simple-maximum';
  maximum?: number;
}

/**
 * Worker deployment versioning settings: `version` (deployment name and build id) identifies the worker's code;
 * with `useWorkerVersioning`, the server sends the worker only tasks routed to its version, and
 * `defaultVersioningBehavior` (required then) is the behavior of workflows that do not declare one with
 * `setWorkflowOptions`.
 */
export type WorkerDeploymentOptions = {
  version: WorkerDeploymentVersion;
  useWorkerVersioning: boolean;
  defaultVersioningBehavior?: VersioningBehavior | undefined;
} & (
  | { useWorkerVersioning: true; defaultVersioningBehavior: VersioningBehavior }
  | { useWorkerVersioning: false; defaultVersioningBehavior?: never }
);

/** Options of a replay worker: only what replaying needs. */
export interface ReplayWorkerOptions extends Omit<
  WorkerOptions,
  | 'connection'
  | 'namespace'
  | 'taskQueue'
  | 'activities'
  | 'nexusServices'
  | 'tuner'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentNexusTaskExecutions'
  | 'maxConcurrentActivityTaskPolls'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentNexusTaskPolls'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'nexusTaskPollerBehavior'
  | 'nonStickyToStickyPollRatio'
  | 'maxHeartbeatThrottleInterval'
  | 'defaultHeartbeatThrottleInterval'
  | 'debugMode'
  | 'enableNonLocalActivities'
  | 'maxActivitiesPerSecond'
  | 'maxTaskQueueActivitiesPerSecond'
  | 'maxEagerActivityReservationsPerWorkflowTask'
  | 'stickyQueueScheduleToStartTimeout'
  | 'maxCachedWorkflows'
  | 'useVersioning'
  | 'patchActivationCallback'
> {
  /** Name of the replay (used as the task queue). */
  replayName?: string;
}

/** Input of a {@link PatchActivationCallback}. */
export interface PatchActivationInput {
  readonly workflowInfo: Readonly<WorkflowInfo>;
  readonly patchId: string;
}

/** Decides whether a patch is activated the first time it is reached (official experimental API). */
export type PatchActivationCallback = (input: PatchActivationInput) => boolean;

/** A bundle file path. */
export interface WorkflowBundlePath {
  codePath: string;
}
/** A bundle file path with its source map file. */
export interface WorkflowBundlePathWithSourceMap {
  codePath: string;
  sourceMapPath: string;
}
/** Bundle code. */
export interface WorkflowBundle {
  code: string;
}
/** A pre-built workflow bundle. */
export type WorkflowBundleOption =
  WorkflowBundle | WorkflowBundleWithSourceMap | WorkflowBundlePath | WorkflowBundlePathWithSourceMap;

/** Whether the bundle option carries code. */
export function isCodeBundleOption(bundleOpt: WorkflowBundleOption): bundleOpt is WorkflowBundle {
  return typeof (bundleOpt as WorkflowBundle).code === 'string';
}

/** Whether the bundle option names a file. */
export function isPathBundleOption(bundleOpt: WorkflowBundleOption): bundleOpt is WorkflowBundlePath {
  return typeof (bundleOpt as WorkflowBundlePath).codePath === 'string';
}

/** A plugin that adjusts worker options and wraps the worker's run. */
export interface WorkerPlugin {
  get name(): string;
  configureWorker?(options: WorkerOptions): WorkerOptions | Promise<WorkerOptions>;
  configureReplayWorker?(options: ReplayWorkerOptions): ReplayWorkerOptions | Promise<ReplayWorkerOptions>;
  runWorker?(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void>;
}

/** Options after defaults and validation. */
export interface CompiledWorkerOptions {
  namespace: string;
  taskQueue: string;
  identity: string;
  buildId?: string;
  activities: Map<string, ActivityFunction>;
  /** Nexus service handlers by service name (none: the worker does not poll for Nexus tasks). */
  nexusServiceHandlers?: Map<string, nexus.ServiceHandler>;
  enableNonLocalActivities: boolean;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentNexusTaskExecutions: number;
  maxEagerActivityReservationsPerWorkflowTask: number;
  maxConcurrentWorkflowTaskPolls: number;
  maxConcurrentActivityTaskPolls: number;
  maxConcurrentNexusTaskPolls: number;
  maxCachedWorkflows: number;
  nonStickyToStickyPollRatio: number;
  stickyQueueScheduleToStartTimeoutMs: number;
  maxHeartbeatThrottleIntervalMs: number;
  defaultHeartbeatThrottleIntervalMs: number;
  shutdownGraceTimeMs: number;
  shutdownForceTimeMs?: number;
  isolateExecutionTimeoutMs: number;
  isolateMemoryLimitMb: number;
  workflowThreadPoolSize: number;
  reuseV8Context: boolean;
  showStackTraceSources: boolean;
  debugMode: boolean;
  workflowFailureErrorTypes: Record<string, string[]>;
  nondeterminismFailsWorkflow: boolean;
  sinks: InjectedSinks<any>;
  interceptors: Required<Pick<WorkerInterceptors, 'activity' | 'workflowModules'>> & WorkerInterceptors;
  /** The validated deployment options, with the default behavior as its proto number (0 when none). */
  deployment?: {
    deploymentName: string;
    buildId: string;
    useWorkerVersioning: boolean;
    defaultVersioningBehavior: number;
  };
}

/** Invalid worker options: the message names the option and the value. */
export class WorkerOptionsError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerOptionsError';
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function positiveInteger(name: string, value: unknown, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new WorkerOptionsError(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function durationMs(name: string, value: Duration | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  let ms: number;
  try {
    ms = msToNumber(value);
  } catch (err) {
    throw new WorkerOptionsError(`${name} is not a valid duration: ${describe(value)} (${(err as Error).message})`);
  }
  if (!Number.isFinite(ms) || ms < 0)
    throw new WorkerOptionsError(`${name} must be a non-negative duration, got ${describe(value)}`);
  return ms;
}

/** Checks `workerDeploymentOptions`, naming the option that is wrong. */
function compileDeploymentOptions(options: WorkerDeploymentOptions | undefined): CompiledWorkerOptions['deployment'] {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new WorkerOptionsError(`workerDeploymentOptions must be an object, got ${describe(options)}`);
  }
  const version = options.version as Partial<WorkerDeploymentVersion> | undefined;
  for (const key of ['deploymentName', 'buildId'] as const) {
    const value = version?.[key];
    if (typeof value !== 'string' || value === '') {
      throw new WorkerOptionsError(
        `workerDeploymentOptions.version.${key} must be a non-empty string, got ${describe(value)}`,
      );
    }
  }
  const useWorkerVersioning: unknown = options.useWorkerVersioning;
  if (typeof useWorkerVersioning !== 'boolean') {
    throw new WorkerOptionsError(
      `workerDeploymentOptions.useWorkerVersioning must be a boolean, got ${describe(useWorkerVersioning)}`,
    );
  }
  let defaultVersioningBehavior = 0;
  if (options.useWorkerVersioning) {
    const behavior = options.defaultVersioningBehavior;
    if (behavior !== 'PINNED' && behavior !== 'AUTO_UPGRADE') {
      throw new WorkerOptionsError(
        `workerDeploymentOptions.defaultVersioningBehavior must be 'PINNED' or 'AUTO_UPGRADE' when useWorkerVersioning is true, got ${describe(behavior)}`,
      );
    }
    defaultVersioningBehavior = encodeVersioningBehavior(behavior) ?? 0;
  }
  return {
    deploymentName: version!.deploymentName!,
    buildId: version!.buildId!,
    useWorkerVersioning: options.useWorkerVersioning,
    defaultVersioningBehavior,
  };
}

/** The official default cache size: scaled by the heap limit. */
function defaultMaxCachedWorkflows(reuseV8Context: boolean): number {
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 1024 / 1024;
  return reuseV8Context
    ? Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10)
    : Math.max(Math.floor((Math.max(heapMiB - 400, 0) * 250) / 1024), 10);
}

const NOT_SUPPORTED: Partial<Record<keyof WorkerOptions, string>> = {
  patchActivationCallback: 'not implemented: WorkerOptions.patchActivationCallback',
  maxActivitiesPerSecond: 'not implemented: WorkerOptions.maxActivitiesPerSecond',
  maxTaskQueueActivitiesPerSecond: 'not implemented: WorkerOptions.maxTaskQueueActivitiesPerSecond',
};

/** The Nexus service handlers by service name; undefined when there are none. */
function compileNexusServices(
  services: nexus.ServiceHandler<any>[] | undefined,
): Map<string, nexus.ServiceHandler> | undefined {
  if (services === undefined) return undefined;
  if (!Array.isArray(services)) {
    throw new WorkerOptionsError(`nexusServices must be an array of Nexus service handlers, got ${describe(services)}`);
  }
  if (services.length === 0) return undefined;
  const byName = new Map<string, nexus.ServiceHandler>();
  for (const [i, handler] of services.entries()) {
    const name = (handler as Partial<nexus.ServiceHandler> | undefined)?.definition?.name;
    if (typeof handler?.getOperationHandler !== 'function' || typeof name !== 'string') {
      throw new WorkerOptionsError(
        `nexusServices[${i}] must be a Nexus service handler (from nexus.serviceHandler()), got ${describe(handler)}`,
      );
    }
    if (name === '') throw new WorkerOptionsError(`nexusServices[${i}] has an empty service name`);
    if (byName.has(name)) {
      throw new WorkerOptionsError(`Duplicate nexus service named ${name} (nexusServices[${i}])`);
    }
    byName.set(name, handler);
  }
  return byName;
}

/** Validates `options` and applies the defaults. */
export function compileWorkerOptions(options: WorkerOptions): CompiledWorkerOptions {
  if (options === null || typeof options !== 'object') throw new WorkerOptionsError('Worker options must be an object');
  if (typeof options.taskQueue !== 'string' || options.taskQueue === '') {
    throw new WorkerOptionsError(`taskQueue must be a non-empty string, got ${describe(options.taskQueue)}`);
  }
  if (options.taskQueue.startsWith('__temporal_')) {
    throw new WorkerOptionsError(
      `Cannot use task queue name: '${options.taskQueue}', with reserved prefix: '__temporal_'`,
    );
  }
  for (const [key, message] of Object.entries(NOT_SUPPORTED)) {
    if ((options as unknown as Record<string, unknown>)[key] !== undefined) throw new WorkerOptionsError(message);
  }
  if (options.useVersioning)
    throw new WorkerOptionsError('not implemented: WorkerOptions.useVersioning (build-id versioning)');
  const nexusServiceHandlers = compileNexusServices(options.nexusServices);
  for (const key of ['workflowTaskPollerBehavior', 'activityTaskPollerBehavior', 'nexusTaskPollerBehavior'] as const) {
    const behavior = options[key];
    if (behavior === undefined) continue;
    if (behavior.type !== 'simple-maximum') {
      throw new WorkerOptionsError(`not implemented: ${key} of type ${describe(behavior.type)} (use 'simple-maximum')`);
    }
  }
  const maxEagerActivityReservationsPerWorkflowTask = positiveInteger(
    'maxEagerActivityReservationsPerWorkflowTask',
    options.maxEagerActivityReservationsPerWorkflowTask,
    3,
    0,
  );
  const nonSticky = options.nonStickyToStickyPollRatio ?? 0.2;
  if (typeof nonSticky !== 'number' || !(nonSticky > 0 && nonSticky <= 1)) {
    throw new WorkerOptionsError(`nonStickyToStickyPollRatio must be a number in (0, 1], got ${describe(nonSticky)}`);
  }

  const activities = new Map<string, ActivityFunction>();
  if (options.activities !== undefined) {
    if (typeof options.activities !== 'object' || options.activities === null) {
      throw new WorkerOptionsError(`activities must be an object of functions, got ${describe(options.activities)}`);
    }
    for (const [name, fn] of Object.entries(options.activities)) {
      if (typeof fn !== 'function') continue;
      if (name.startsWith('__temporal_')) {
        throw new WorkerOptionsError(`Cannot use activity name: '${name}', with reserved prefix: '__temporal_'`);
      }
      activities.set(name, fn as ActivityFunction);
    }
  }
  const tunerSlots = options.tuner === undefined ? undefined : fixedSlotsOf(options.tuner);
  if (tunerSlots !== undefined) {
    const conflicting = (
      [
        'maxConcurrentWorkflowTaskExecutions',
        'maxConcurrentActivityTaskExecutions',
        'maxConcurrentLocalActivityExecutions',
        'maxConcurrentNexusTaskExecutions',
      ] as const
    ).filter((k) => options[k] !== undefined);
    if (conflicting.length > 0) {
      throw new WorkerOptionsError(`Cannot set both tuner and ${conflicting.join(', ')}`);
    }
  }
  const reuseV8Context = options.reuseV8Context ?? true;
  let maxCachedWorkflows = positiveInteger(
    'maxCachedWorkflows',
    options.maxCachedWorkflows,
    defaultMaxCachedWorkflows(reuseV8Context),
    0,
  );
  if (maxCachedWorkflows === 1) maxCachedWorkflows = 2;
  let maxConcurrentWorkflowTaskExecutions = positiveInteger(
    'maxConcurrentWorkflowTaskExecutions',
    options.maxConcurrentWorkflowTaskExecutions ?? tunerSlots?.workflow,
    40,
  );
  if (maxCachedWorkflows > 0)
    maxConcurrentWorkflowTaskExecutions = Math.min(maxConcurrentWorkflowTaskExecutions, maxCachedWorkflows);
  maxConcurrentWorkflowTaskExecutions = Math.max(maxConcurrentWorkflowTaskExecutions, 2);
  const maxConcurrentActivityTaskExecutions = positiveInteger(
    'maxConcurrentActivityTaskExecutions',
    options.maxConcurrentActivityTaskExecutions ?? tunerSlots?.activity,
    100,
  );
  const maxConcurrentLocalActivityExecutions = positiveInteger(
    'maxConcurrentLocalActivityExecutions',
    options.maxConcurrentLocalActivityExecutions ?? tunerSlots?.localActivity,
    100,
  );
  const maxConcurrentNexusTaskExecutions = positiveInteger(
    'maxConcurrentNexusTaskExecutions',
    options.maxConcurrentNexusTaskExecutions ?? tunerSlots?.nexus,
    100,
  );
  const pollers = (
    name: string,
    explicit: number | undefined,
    behavior: PollerBehavior | undefined,
    executions: number,
  ) =>
    positiveInteger(
      name,
      explicit ?? (behavior?.type === 'simple-maximum' ? behavior.maximum : undefined),
      Math.min(10, executions),
    );
  const debugMode = options.debugMode ?? ['1', 't', 'true'].includes((process.env.TEMPORAL_DEBUG ?? '').toLowerCase());
  const failureTypes = options.workflowFailureErrorTypes ?? {};
  for (const [type, names] of Object.entries(failureTypes)) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new WorkerOptionsError(
        `workflowFailureErrorTypes['${type}'] must be an array of class names, got ${describe(names)}`,
      );
    }
  }
  const nondeterminismFailsWorkflow = Object.values(failureTypes).some((names) =>
    (names as string[]).some((n) => n === 'NondeterminismError' || n === 'DeterminismViolationError' || n === 'Error'),
  );
  const sinks = options.sinks ?? {};
  for (const name of Object.keys(sinks)) {
    if (name.startsWith('__temporal_') || name.startsWith('__kairos_')) {
      throw new WorkerOptionsError(`Cannot use sink name: '${name}', with reserved prefix: '__temporal_'`);
    }
  }
  const isolateMemoryLimitMb = positiveInteger('isolateMemoryLimitMb', options.isolateMemoryLimitMb, 256, 8);
  const deployment = compileDeploymentOptions(options.workerDeploymentOptions);
  return {
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    identity: options.identity ?? `${process.pid}@${os.hostname()}`,
    buildId: deployment?.buildId ?? options.buildId,
    deployment,
    activities,
    enableNonLocalActivities: options.enableNonLocalActivities ?? true,
    maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskExecutions,
    maxConcurrentNexusTaskExecutions,
    maxEagerActivityReservationsPerWorkflowTask,
    maxConcurrentWorkflowTaskPolls: pollers(
      'maxConcurrentWorkflowTaskPolls',
      options.maxConcurrentWorkflowTaskPolls,
      options.workflowTaskPollerBehavior,
      maxConcurrentWorkflowTaskExecutions,
    ),
    maxConcurrentActivityTaskPolls: pollers(
      'maxConcurrentActivityTaskPolls',
      options.maxConcurrentActivityTaskPolls,
      options.activityTaskPollerBehavior,
      maxConcurrentActivityTaskExecutions,
    ),
    maxConcurrentNexusTaskPolls: pollers(
      'maxConcurrentNexusTaskPolls',
      options.maxConcurrentNexusTaskPolls,
      options.nexusTaskPollerBehavior,
      maxConcurrentNexusTaskExecutions,
    ),
    nexusServiceHandlers,
    maxCachedWorkflows,
    nonStickyToStickyPollRatio: nonSticky,
    stickyQueueScheduleToStartTimeoutMs: durationMs(
      'stickyQueueScheduleToStartTimeout',
      options.stickyQueueScheduleToStartTimeout,
      10_000,
    ),
    maxHeartbeatThrottleIntervalMs: durationMs(
      'maxHeartbeatThrottleInterval',
      options.maxHeartbeatThrottleInterval,
      60_000,
    ),
    defaultHeartbeatThrottleIntervalMs: durationMs(
      'defaultHeartbeatThrottleInterval',
      options.defaultHeartbeatThrottleInterval,
      30_000,
    ),
    shutdownGraceTimeMs: durationMs('shutdownGraceTime', options.shutdownGraceTime, 0),
    shutdownForceTimeMs:
      options.shutdownForceTime === undefined
        ? undefined
        : durationMs('shutdownForceTime', options.shutdownForceTime, 0),
    isolateExecutionTimeoutMs: debugMode
      ? 2 ** 31 - 1
      : durationMs('isolateExecutionTimeout', options.isolateExecutionTimeout, 5_000),
    isolateMemoryLimitMb,
    workflowThreadPoolSize: positiveInteger(
      'workflowThreadPoolSize',
      options.workflowThreadPoolSize,
      reuseV8Context ? 1 : 2,
    ),
    reuseV8Context,
    showStackTraceSources: options.showStackTraceSources ?? false,
    debugMode,
    workflowFailureErrorTypes: failureTypes as Record<string, string[]>,
    nondeterminismFailsWorkflow,
    sinks,
    interceptors: {
      ...options.interceptors,
      activity: [...(options.interceptors?.activity ?? [])],
      workflowModules: [...(options.interceptors?.workflowModules ?? [])],
    },
  };
}

/** Optional durations in ms (exported for the replay worker). */
export function optionalMs(value: Duration | undefined): number | undefined {
  return msOptionalToNumber(value);
}

/** @deprecated The old logger sink; the workflow logger needs no configuration. */
export function defaultSinks(): InjectedSinks<LoggerSinks> {
  return {} as InjectedSinks<LoggerSinks>;
}

/** @deprecated Logging interceptors are built in; returns `interceptors` unchanged. */
export function appendDefaultInterceptors(interceptors: WorkerInterceptors): WorkerInterceptors {
  return interceptors;
}
