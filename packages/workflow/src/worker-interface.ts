/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * The runtime's entry points, called by the worker from outside the isolate. One runtime serves every run of
 * an isolate context: each call names its run, the runtime switches to that run's state (and its own global
 * variables), applies the call and switches the current-run pointer to it.
 *
 * A call never waits: the host calls `activate`, then `conclude` until it returns a completion (each call ends
 * with every pending microtask run, which is what lets conditions be checked again in between).
 *
 * @module
 */
import {
  type FailureConverter,
  type PayloadConverter,
  TypedSearchAttributes,
  type Workflow,
  decodePriority,
  decompileRetryPolicy,
  defaultFailureConverter,
  defaultPayloadConverter,
  encodeVersioningBehavior,
  isWorkflowFunctionWithOptions,
} from '@kairos/common';
import { suggestContinueAsNewReasonsFromProto } from '@kairos/common/lib/continue-as-new';
import { mapFromPayloads } from '@kairos/common/lib/converter/payload-converter';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
} from '@kairos/common/lib/converter/payload-search-attributes';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { optionalTsToDate, optionalTsToMs, tsToMs } from '@kairos/common/lib/time';
import type { kairos } from '@kairos/proto';
import { installPromiseContextPropagation, resetFrame } from './async-context';
import { SdkFlags } from './flags';
import { overrideGlobals, realNow, realRandom } from './global-overrides';
import { setActivator } from './global-attributes';
import type { WorkflowInterceptors, WorkflowInterceptorsFactory } from './interceptors';
import { Activator } from './internals';
import type { WorkflowInfo } from './interfaces';
import { log } from './logs';
import { doUpdate, queryWorkflow, rejectBufferedUpdates, signalWorkflow } from './message-jobs';
import { setUrlHost, type UrlHost } from './sandbox/url';
import type { SinkCall } from './sinks';
import {
  enhancedStackTrace,
  formatStackTrace,
  installStackTraceFormatting,
  type RawSourceMap,
  registerSourceMap,
} from './stack-traces';

type Job = kairos.core.activation.IWorkflowActivationJob & {
  variant?: string;
  /** The seed of `initializeWorkflow`/`updateRandomSeed` as 8 big-endian bytes (u64 does not fit a number). */
  randomnessSeedBytes?: number[];
};

/** An activation as the host passes it in: protobuf field names, numbers for 64-bit integers, times in ms. */
export interface IsolateActivation {
  runId: string;
  timestampMs: number;
  isReplaying: boolean;
  historyLength: number;
  historySizeBytes: number;
  continueAsNewSuggested: boolean;
  suggestContinueAsNewReasons?: number[];
  availableInternalFlags?: number[];
  deploymentVersionForCurrentTask?: { deploymentName?: string; buildId?: string } | null;
  targetWorkerDeploymentVersionChanged?: boolean;
  jobs: Job[];
}

/** What `conclude` returns: run again (a condition was unblocked), or the activation's outcome. */
export type ConcludeResult =
  | { again: true }
  | {
      again?: false;
      /** Sink calls made during the activation (taken with the completion). */
      sinkCalls: SinkCall[];
      completion:
        | {
            successful: {
              commands: kairos.core.commands.IWorkflowCommand[];
              usedInternalFlags: number[];
              /** `temporal.api.enums.v1.VersioningBehavior` the workflow declares (0: none, the worker default applies). */
              versioningBehavior?: number;
            };
          }
        | { failed: { failure: unknown; nondeterminism: boolean } };
    };

/** What the user's bundle gives each run when its factory is called. */
export interface UserModules {
  workflows: Record<string, unknown>;
  interceptorModules: { interceptors?: WorkflowInterceptorsFactory }[];
  payloadConverter?: PayloadConverter;
  failureConverter?: FailureConverter;
}

/** Settings of the runtime, the same for every run of a worker. */
export interface RuntimeOptions {
  sdkVersion: string;
  /** Activity names local activities may use; undefined skips the check (replay). */
  registeredActivityNames?: string[];
  /** `WorkerOptions.workflowFailureErrorTypes`: error class names by workflow type (`'*'` for all). */
  workflowFailureErrorTypes: Record<string, string[]>;
  showStackTraceSources: boolean;
  stackTracesEnabled: boolean;
  /** Source maps of the scripts evaluated in the isolate, by file name. */
  sourceMaps: { filename: string; map: string; internal: boolean }[];
}

interface Run {
  activator: Activator;
  /** Globals the run's code added or replaced, saved while other runs execute. */
  globals: Map<PropertyKey, PropertyDescriptor>;
}

const runs = new Map<string, Run>();
let options: RuntimeOptions | undefined;
let pristineGlobals: Map<PropertyKey, PristineGlobal> | undefined;
let current: Run | undefined;

declare const globalThis: Record<string, any>;

/** Sets the runtime up in a fresh context; call once, before the user bundle is evaluated. */
export function initRuntime(runtimeOptions: RuntimeOptions): void {
  options = runtimeOptions;
  const parse = globalThis.__kairos_url_parse as UrlHost['parse'] | undefined;
  const set = globalThis.__kairos_url_set as UrlHost['set'] | undefined;
  if (parse !== undefined && set !== undefined) setUrlHost({ parse, set });
  delete globalThis.__kairos_url_parse;
  delete globalThis.__kairos_url_set;
  installPromiseContextPropagation();
  overrideGlobals();
  installStackTraceFormatting();
  for (const { filename, map, internal } of runtimeOptions.sourceMaps) {
    registerSourceMap(filename, JSON.parse(map) as RawSourceMap, internal);
  }
}

interface PristineGlobal {
  descriptor: PropertyDescriptor;
  /** For data properties: the value, compared directly (cheaper than reading descriptors). */
  value: unknown;
  isData: boolean;
}

/** Records the globals as they are once the bundle is loaded; anything a run changes later is its own. */
export function sealGlobals(): void {
  pristineGlobals = new Map();
  for (const key of Reflect.ownKeys(globalThis)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, key);
    if (descriptor === undefined) continue;
    const isData = 'value' in descriptor;
    pristineGlobals.set(key, { descriptor, value: descriptor.value, isData });
  }
  pristineKeyCount = pristineGlobals.size;
}

let pristineKeyCount = 0;

/**
 * Saves the globals `run` added, replaced or deleted and puts the pristine ones back. Most runs touch no
 * global: that case costs one key listing and one comparison per global.
 */
function stashGlobals(run: Run): void {
  if (pristineGlobals === undefined) return;
  run.globals.clear();
  const keys = Reflect.ownKeys(globalThis);
  let seenPristine = 0;
  for (const key of keys) {
    const pristine = pristineGlobals.get(key);
    if (pristine !== undefined) {
      seenPristine++;
      if (pristine.isData) {
        if (globalThis[key as string] === pristine.value) continue;
      } else {
        const current = Object.getOwnPropertyDescriptor(globalThis, key);
        if (current !== undefined && current.get === pristine.descriptor.get && current.set === pristine.descriptor.set)
          continue;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, key);
    if (descriptor === undefined) continue;
    run.globals.set(key, descriptor);
    if (pristine === undefined) delete globalThis[key as string];
    else Object.defineProperty(globalThis, key, pristine.descriptor);
  }
  if (seenPristine < pristineKeyCount) {
    for (const [key, pristine] of pristineGlobals) {
      if (!Object.prototype.hasOwnProperty.call(globalThis, key)) {
        Object.defineProperty(globalThis, key, pristine.descriptor);
        run.globals.set(key, {
          value: undefined,
          configurable: true,
          writable: true,
          enumerable: false,
          deleted: true,
        } as any);
      }
    }
  }
}

function restoreGlobals(run: Run): void {
  for (const [key, descriptor] of run.globals) {
    if ((descriptor as { deleted?: boolean }).deleted) delete globalThis[key as string];
    else Object.defineProperty(globalThis, key, descriptor);
  }
}

function enter(run: Run): void {
  if (current !== run) {
    if (current !== undefined && runs.has(current.activator.info.runId)) stashGlobals(current);
    restoreGlobals(run);
    current = run;
  }
  setActivator(run.activator);
  resetFrame();
}

function requireRun(runId: string): Run {
  const run = runs.get(runId);
  if (run === undefined) throw new Error(`Unknown workflow run ${runId}`);
  return run;
}

/** Whether the runtime has state for `runId`. */
export function hasRun(runId: string): boolean {
  return runs.has(runId);
}

function secondsToMs(d: { seconds?: number | null; nanos?: number | null } | null | undefined): number | undefined {
  return d === null || d === undefined ? undefined : tsToMs(d as any);
}

function buildInfo(
  runId: string,
  init: kairos.core.activation.IInitializeWorkflow,
  activation: IsolateActivation,
  activator: Activator | undefined,
): WorkflowInfo {
  const payloadConverter = activator?.payloadConverter ?? defaultPayloadConverter;
  const failureConverter = activator?.failureConverter ?? defaultFailureConverter;
  const wallClock = realNow;
  const unsafeRandom = realRandom;
  return {
    workflowId: init.workflowId ?? '',
    runId,
    workflowType: init.workflowType ?? '',
    searchAttributes: activator ? decodeSearchAttributes(init.searchAttributes as any) : {},
    typedSearchAttributes: activator
      ? decodeTypedSearchAttributes(init.searchAttributes as any)
      : new TypedSearchAttributes(),
    memo:
      activator && init.memo
        ? (mapFromPayloads(payloadConverter, init.memo as any) as Record<string, unknown>)
        : undefined,
    parent: init.parentWorkflowInfo
      ? {
          workflowId: init.parentWorkflowInfo.workflowId ?? '',
          runId: init.parentWorkflowInfo.runId ?? '',
          namespace: init.parentWorkflowInfo.namespace ?? '',
        }
      : undefined,
    root: init.rootWorkflow
      ? { workflowId: init.rootWorkflow.workflowId ?? '', runId: init.rootWorkflow.runId ?? '' }
      : undefined,
    lastResult: activator ? activator.decodeLastResult(init.lastCompletionResult as any) : undefined,
    lastFailure:
      activator && init.continuedFailure
        ? failureConverter.failureToError(init.continuedFailure, payloadConverter)
        : undefined,
    historyLength: activation.historyLength,
    historySize: activation.historySizeBytes,
    continueAsNewSuggested: activation.continueAsNewSuggested,
    suggestedContinueAsNewReasons: suggestContinueAsNewReasonsFromProto(activation.suggestContinueAsNewReasons as any),
    targetWorkerDeploymentVersionChanged: activation.targetWorkerDeploymentVersionChanged ?? false,
    taskQueue: init.taskQueue ?? '',
    namespace: init.namespace ?? '',
    firstExecutionRunId: init.firstExecutionRunId || runId,
    originalExecutionRunId: runId,
    continuedFromExecutionRunId: init.continuedFromExecutionRunId || undefined,
    startTime: optionalTsToDate(init.startTime as any) ?? new Date(activation.timestampMs),
    runStartTime: new Date(activation.timestampMs),
    executionTimeoutMs: optionalTsToMs(init.workflowExecutionTimeout as any),
    executionExpirationTime: optionalTsToDate(init.workflowExecutionExpirationTime as any),
    runTimeoutMs: optionalTsToMs(init.workflowRunTimeout as any),
    taskTimeoutMs: secondsToMs(init.workflowTaskTimeout as any) ?? 10_000,
    retryPolicy: init.retryPolicy ? decompileRetryPolicy(init.retryPolicy) : undefined,
    attempt: init.attempt || 1,
    cronSchedule: init.cronSchedule || undefined,
    cronScheduleToScheduleInterval: optionalTsToMs(init.cronScheduleToScheduleInterval as any),
    currentBuildId: activation.deploymentVersionForCurrentTask?.buildId || undefined,
    currentDeploymentVersion: activation.deploymentVersionForCurrentTask?.buildId
      ? {
          buildId: activation.deploymentVersionForCurrentTask.buildId,
          deploymentName: activation.deploymentVersionForCurrentTask.deploymentName ?? '',
        }
      : undefined,
    priority: decodePriority(init.priority),
    unsafe: {
      now: wallClock,
      isReplaying: activation.isReplaying,
      isReplayingHistoryEvents: activation.isReplaying,
      random: {
        random: unsafeRandom,
        uuid4: () => '',
        fillRandom: (bytes: Uint8Array) => bytes,
      },
    },
  };
}

function createRun(runId: string, activation: IsolateActivation, init: Job): Run {
  if (options === undefined) throw new Error('The workflow runtime was not initialized');
  const initJob = init.initializeWorkflow ?? {};
  const factory = globalThis.__KAIROS_USER_FACTORY__ as (() => UserModules) | undefined;
  if (factory === undefined) throw new Error('The workflow bundle was not loaded');
  const activator = new Activator({
    // Replaced once the user's converters are known (they decode the memo and the last result).
    info: undefined as unknown as WorkflowInfo,
    randomnessSeed: init.randomnessSeedBytes ?? [],
    now: activation.timestampMs,
    workflowFn: undefined,
    interceptors: { inbound: [], outbound: [], internals: [] },
    payloadConverter: defaultPayloadConverter,
    failureConverter: defaultFailureConverter,
    registeredActivityNames: options.registeredActivityNames ? new Set(options.registeredActivityNames) : undefined,
    failureExceptionTypeNames: [
      ...(options.workflowFailureErrorTypes['*'] ?? []),
      ...(options.workflowFailureErrorTypes[initJob.workflowType ?? ''] ?? []),
    ],
    sdkVersion: options.sdkVersion,
    wallClockNow: realNow,
    unsafeRandom: realRandom,
  });
  activator.setStackTracking(options.stackTracesEnabled);
  activator.isReplaying = activation.isReplaying;
  activator.logWarning = (message, attrs) => log.warn(message, attrs);
  const run: Run = { activator, globals: new Map() };
  runs.set(runId, run);
  // Decoded with the default converters first; rebuilt below if the bundle brings its own.
  activator.info = buildInfo(runId, initJob, activation, activator);
  enter(run);
  // The user's modules load inside the run, so their top-level code may use the workflow API.
  const user = factory();
  if (user.payloadConverter !== undefined || user.failureConverter !== undefined) {
    activator.payloadConverter = user.payloadConverter ?? defaultPayloadConverter;
    activator.failureConverter = user.failureConverter ?? defaultFailureConverter;
    activator.info = buildInfo(runId, initJob, activation, activator);
  }
  activator.info.unsafe.random.uuid4 = () => activator.makeUnsafeRandom().uuid4();
  activator.info.unsafe.random.fillRandom = (bytes) => activator.makeUnsafeRandom().fillRandom(bytes);
  const interceptors: Required<WorkflowInterceptors> = { inbound: [], outbound: [], internals: [] };
  for (const mod of user.interceptorModules) {
    if (typeof mod.interceptors !== 'function') continue;
    const made = mod.interceptors();
    interceptors.inbound.push(...(made.inbound ?? []));
    interceptors.outbound.push(...(made.outbound ?? []));
    interceptors.internals.push(...(made.internals ?? []));
  }
  activator.interceptors = interceptors;
  const type = initJob.workflowType ?? '';
  const candidate = user.workflows[type] ?? user.workflows.default;
  if (typeof candidate === 'function') {
    activator.workflowFn = candidate as Workflow;
    if (isWorkflowFunctionWithOptions(candidate)) {
      const defOptions = candidate.workflowDefinitionOptions;
      activator.workflowDefinitionOptions = typeof defOptions === 'function' ? defOptions() : defOptions;
    }
  }
  registerBuiltInQueries(activator);
  return run;
}

function registerBuiltInQueries(activator: Activator): void {
  const showSources = options?.showStackTraceSources ?? false;
  activator.queryHandlers.set('__stack_trace', {
    handler: () => formatStackTrace(activator.pendingStacks()),
    description: 'Returns a sensible stack trace.',
  });
  activator.queryHandlers.set('__enhanced_stack_trace', {
    handler: () => enhancedStackTrace(activator.pendingStacks(), activator.sdkVersion, showSources),
    description: 'Returns a stack trace annotated with source information.',
  });
  activator.queryHandlers.set('__temporal_workflow_metadata', {
    handler: () => {
      const describe = <T extends { description?: string }>(entries: Iterable<[string, T]>) =>
        [...entries].map(([name, e]) => ({ name, description: e.description }));
      return {
        definition: {
          type: activator.info.workflowType,
          queryDefinitions: describe(activator.queryHandlers),
          signalDefinitions: describe(activator.signalHandlers),
          updateDefinitions: describe(activator.updateHandlers),
        },
        currentDetails: activator.currentDetails,
      };
    },
    description: 'Returns metadata associated with this workflow.',
  });
}

function applyActivationInfo(activator: Activator, activation: IsolateActivation): void {
  activator.now = activation.timestampMs;
  activator.isReplaying = activation.isReplaying;
  activator.addKnownFlags(activation.availableInternalFlags ?? []);
  activator.mutateWorkflowInfo((info) => ({
    ...info,
    historyLength: activation.historyLength,
    historySize: activation.historySizeBytes,
    continueAsNewSuggested: activation.continueAsNewSuggested,
    suggestedContinueAsNewReasons: suggestContinueAsNewReasonsFromProto(activation.suggestContinueAsNewReasons as any),
    targetWorkerDeploymentVersionChanged: activation.targetWorkerDeploymentVersionChanged ?? false,
    // The worker version running (or, on replay, that ran) this task: it changes when a run moves to a new version.
    currentBuildId: activation.deploymentVersionForCurrentTask?.buildId || info.currentBuildId,
    currentDeploymentVersion: activation.deploymentVersionForCurrentTask?.buildId
      ? {
          buildId: activation.deploymentVersionForCurrentTask.buildId,
          deploymentName: activation.deploymentVersionForCurrentTask.deploymentName ?? '',
        }
      : info.currentDeploymentVersion,
    unsafe: { ...info.unsafe, isReplaying: activation.isReplaying, isReplayingHistoryEvents: activation.isReplaying },
  }));
}

/** Applies an activation's jobs. The first activation of a run (with `initializeWorkflow`) creates the run. */
export function activate(activation: IsolateActivation): void {
  const runId = activation.runId;
  const init = activation.jobs.find((job) => job.initializeWorkflow);
  let run = runs.get(runId);
  if (run === undefined) {
    if (init === undefined)
      throw new Error(`Activation for unknown workflow run ${runId} has no initializeWorkflow job`);
    run = createRun(runId, activation, init);
  } else {
    enter(run);
  }
  const activator = run.activator;
  applyActivationInfo(activator, activation);
  const queryOnly = activation.jobs.every((job) => job.queryWorkflow);
  if (!queryOnly) activator.hasFlag(SdkFlags.ProcessWorkflowActivationJobsAsSingleBatch);
  const apply = composeInterceptors(activator.interceptors.internals, 'activate', ({ activation: a }) => {
    for (const job of (a as IsolateActivation).jobs) {
      if (job.initializeWorkflow) continue;
      applyJob(activator, job);
      if (!job.queryWorkflow) activator.tryUnblockConditions();
    }
    if (init !== undefined && init.initializeWorkflow) {
      activator.startWorkflow(init.initializeWorkflow);
      activator.tryUnblockConditions();
    }
  });
  try {
    apply({ activation: activation as kairos.core.activation.IWorkflowActivation, batchIndex: 0 });
  } catch (err) {
    activator.recordWorkflowTaskError(err);
  }
}

function applyJob(activator: Activator, job: Job): void {
  if (job.fireTimer) activator.fireTimer(job.fireTimer);
  else if (job.updateRandomSeed) activator.updateRandomSeed(job.randomnessSeedBytes ?? []);
  else if (job.queryWorkflow) queryWorkflow(activator, job.queryWorkflow);
  else if (job.cancelWorkflow) activator.cancelWorkflow(job.cancelWorkflow);
  else if (job.signalWorkflow) signalWorkflow(activator, job.signalWorkflow);
  else if (job.resolveActivity) activator.resolveActivity(job.resolveActivity);
  else if (job.notifyHasPatch) activator.notifyHasPatch(job.notifyHasPatch);
  else if (job.resolveChildWorkflowExecutionStart)
    activator.resolveChildWorkflowExecutionStart(job.resolveChildWorkflowExecutionStart);
  else if (job.resolveChildWorkflowExecution)
    activator.resolveChildWorkflowExecution(job.resolveChildWorkflowExecution);
  else if (job.resolveSignalExternalWorkflow)
    activator.resolveSignalExternalWorkflow(job.resolveSignalExternalWorkflow);
  else if (job.resolveRequestCancelExternalWorkflow) {
    activator.resolveRequestCancelExternalWorkflow(job.resolveRequestCancelExternalWorkflow);
  } else if (job.doUpdate) doUpdate(activator, job.doUpdate);
  else if (job.resolveNexusOperationStart) activator.resolveNexusOperationStart(job.resolveNexusOperationStart);
  else if (job.resolveNexusOperation) activator.resolveNexusOperation(job.resolveNexusOperation);
  else throw new TypeError(`Unknown activation job: ${JSON.stringify(Object.keys(job))}`);
}

/**
 * Finishes the activation: if a condition became true, returns `{ again: true }` (call again once its
 * continuation ran); otherwise returns the commands, or the failure that fails the workflow task.
 */
export function conclude(runId: string): ConcludeResult {
  const run = requireRun(runId);
  enter(run);
  const activator = run.activator;
  if (activator.tryUnblockConditions() > 0) return { again: true };
  rejectBufferedUpdates(activator);
  if (activator.workflowTaskError !== undefined) {
    const error = activator.workflowTaskError;
    activator.workflowTaskError = undefined;
    activator.takeCommands();
    return {
      sinkCalls: takeSinkCalls(runId),
      completion: {
        failed: {
          failure: activator.errorToFailure(error),
          nondeterminism: error instanceof Error && error.name === 'DeterminismViolationError',
        },
      },
    };
  }
  const finish = composeInterceptors(activator.interceptors.internals, 'concludeActivation', (input) => input);
  const { commands } = finish({ commands: activator.takeCommands() });
  return {
    sinkCalls: takeSinkCalls(runId),
    completion: {
      successful: {
        commands,
        usedInternalFlags: activator.takeNewFlags(),
        versioningBehavior: encodeVersioningBehavior(activator.workflowDefinitionOptions?.versioningBehavior) ?? 0,
      },
    },
  };
}

/** A copy-safe form of the workflow info (no functions, plain typed search attributes). */
function cloneableInfo(info: WorkflowInfo): unknown {
  const { unsafe, typedSearchAttributes, ...rest } = info;
  return {
    ...rest,
    typedSearchAttributes: typedSearchAttributes.getAll(),
    unsafe: { isReplaying: unsafe.isReplaying, isReplayingHistoryEvents: unsafe.isReplayingHistoryEvents },
  };
}

/** Takes the sink calls the run made during the activation, with a copy-safe workflow info. */
export function takeSinkCalls(runId: string): SinkCall[] {
  const run = runs.get(runId);
  if (run === undefined) return [];
  if (run.activator.sinkCalls.length === 0) return [];
  // Calls of one activation mostly share one info object: copy it once (the copy out of the isolate keeps the
  // sharing, so the worker converts it once too).
  const copies = new Map<WorkflowInfo, WorkflowInfo>();
  return run.activator.takeSinkCalls().map((call) => {
    let workflowInfo = copies.get(call.workflowInfo);
    if (workflowInfo === undefined) {
      workflowInfo = cloneableInfo(call.workflowInfo) as WorkflowInfo;
      copies.set(call.workflowInfo, workflowInfo);
    }
    return { ...call, workflowInfo };
  });
}

/** Drops everything the runtime holds for `runId`. */
export function dispose(runId: string): void {
  const run = runs.get(runId);
  if (run === undefined) return;
  enter(run);
  try {
    const disposeNext = composeInterceptors(run.activator.interceptors.internals, 'dispose', () => undefined);
    disposeNext({});
  } finally {
    runs.delete(runId);
    // Its globals must not linger for the next run: put the pristine ones back.
    stashGlobals(run);
    current = undefined;
    setActivator(undefined);
  }
}

/** How many runs the runtime holds (for tests and metrics). */
export function runCount(): number {
  return runs.size;
}
