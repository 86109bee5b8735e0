/**
 * {@link WorkflowClient}: starts Workflows and interacts with them through {@link WorkflowHandle}s.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type {
  BaseWorkflowHandle,
  HistoryAndWorkflowId,
  PayloadTypeInfo,
  QueryDefinition,
  SignalDefinition,
  SignalTypeInfo,
  TypeInfo,
  UpdateDefinition,
  WithWorkflowArgs,
  Workflow,
  WorkflowIdConflictPolicy,
  WorkflowQueryOptions,
  WorkflowResultType,
  WorkflowSerializationContext,
  WorkflowSignalOptions,
  WorkflowTypeOptions,
} from '@kairos/common';
import {
  CancelledFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  compilePriority,
  compileRetryPolicy,
  decodeRetryState,
  encodeWorkflowIdConflictPolicy,
  encodeWorkflowIdReusePolicy,
  extractWorkflowTypeAndConfig,
} from '@kairos/common';
import { encodeUnifiedSearchAttributes } from '@kairos/common/lib/converter/payload-search-attributes';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  decodeOptionalSinglePayload,
  encodeMapToPayloads,
  encodeToPayloadsWithContext,
  encodeUserMetadata,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import { temporal } from '@kairos/proto';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, defaultBaseClientOptions } from './base-client';
import {
  ServiceError,
  WorkflowContinuedAsNewError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from './errors';
import { decodeCountWorkflowExecutionsResponse, executionInfoFromRaw, rethrowKnownErrorTypes } from './helpers';
import type { History } from '@kairos/common/lib/proto-utils';
import { adaptWorkflowClientInterceptor } from './interceptor-adapters';
import type {
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowClientInterceptors,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowStartUpdateWithStartInput,
  WorkflowStartUpdateWithStartOutput,
  WorkflowTerminateInput,
} from './interceptors';
import type { InternalWorkflowQueryInput, InternalWorkflowSignalInput } from './internal';
import {
  InternalWorkflowQueryOptionsSymbol,
  InternalWorkflowSignalOptionsSymbol,
  InternalWorkflowStartOptionsSymbol,
  InternalWorkflowUpdateOptionsSymbol,
} from './internal';
import type { InternalWorkflowStartOptions, InternalWorkflowUpdateOptions } from './internal';
import { mapAsyncIterable } from './iterators-utils';
import type {
  CountWorkflowExecution,
  DescribeWorkflowExecutionResponse,
  QueryRejectCondition,
  RequestCancelWorkflowExecutionResponse,
  StartWorkflowExecutionRequest,
  TerminateWorkflowExecutionResponse,
  WorkflowExecution,
  WorkflowExecutionDescription,
  WorkflowExecutionInfo,
  WorkflowService,
} from './types';
import { InternalConnectionLikeSymbol, encodeQueryRejectCondition } from './types';
import type { InternalConnectionLike } from './types';
import type {
  CompiledWorkflowOptions,
  WorkflowOptions,
  WorkflowSignalWithStartOptions,
  WorkflowStartOptions,
  WorkflowUpdateOptions,
} from './workflow-options';
import { compileWorkflowOptions } from './workflow-options';
import { WorkflowUpdateStage, encodeWorkflowUpdateStage } from './workflow-update-stage';

const { UpdateWorkflowExecutionLifecycleStage } = temporal.api.enums.v1;

/**
 * A handle to one Workflow execution (or chain of runs): wait for its result, send Signals, Queries and
 * Updates, describe, cancel or terminate it, or fetch its history.
 *
 * @example
 * ```ts
 * const handle = await client.workflow.start(counterWorkflow, { args: [2], taskQueue: 'tq', workflowId: 'counter-1' });
 * await handle.signal(incrementSignal, 2);
 * const value = await handle.query(getValueQuery); // 4
 * const next = await handle.executeUpdate(incrementAndGetValueUpdate, { args: [2] }); // 6
 * await handle.cancel();
 * ```
 */
export interface WorkflowHandle<T extends Workflow = Workflow> extends BaseWorkflowHandle<T> {
  /**
   * Sends an Update and waits for its result.
   *
   * @throws {@link WorkflowUpdateFailedError} if the validator rejected the Update or its handler failed.
   * @throws {@link WorkflowUpdateRPCTimeoutOrCancelledError} if the call hit its deadline or was cancelled
   *   (the Update itself may still run).
   */
  executeUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args },
  ): Promise<Ret>;
  executeUpdate<Ret, Args extends [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options?: WorkflowUpdateOptions & { args?: Args },
  ): Promise<Ret>;

  /**
   * Sends an Update and returns a handle to it once a worker has accepted it (its validator, if any, has
   * run); `waitForStage` must be `'ACCEPTED'`.
   *
   * @throws {@link WorkflowUpdateFailedError} if the validator rejected the Update.
   * @throws {@link WorkflowUpdateRPCTimeoutOrCancelledError} if the call hit its deadline or was cancelled.
   */
  startUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args; waitForStage: 'ACCEPTED' },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  startUpdate<Ret, Args extends [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args?: Args; waitForStage: typeof WorkflowUpdateStage.ACCEPTED },
  ): Promise<WorkflowUpdateHandle<Ret>>;

  /** Returns a handle to an Update of this Workflow, by id, without calling the server. */
  getUpdateHandle<Ret>(updateId: string, options?: GetWorkflowUpdateHandleOptions): WorkflowUpdateHandle<Ret>;

  /**
   * Queries the Workflow (running or closed) and returns the decoded result.
   *
   * @throws {@link QueryRejectedError} if the query reject condition excluded the execution.
   * @throws {@link QueryNotRegisteredError} if the Workflow has no handler for the Query, or the handler failed.
   */
  query<Ret, Args extends unknown[] = []>(def: QueryDefinition<Ret, Args> | string, ...args: Args): Promise<Ret>;

  /**
   * Queries the Workflow by name with options, such as call-site type information.
   *
   * @experimental
   */
  queryWithOptions<Ret, Args extends unknown[] = []>(
    queryName: string,
    options: WorkflowQueryOptions<Args>,
  ): Promise<Ret>;

  /** Terminates the Workflow at once, without running any more Workflow code. */
  terminate(reason?: string): Promise<TerminateWorkflowExecutionResponse>;

  /**
   * Requests cancellation of the Workflow. The Workflow's root scope then throws a `CancelledFailure`; the
   * Workflow decides how to react, and usually ends as cancelled.
   */
  cancel(): Promise<RequestCancelWorkflowExecutionResponse>;

  /** Describes the execution, with memo and search attributes decoded. */
  describe(): Promise<WorkflowExecutionDescription>;

  /** Fetches the whole event history of the execution. */
  fetchHistory(): Promise<History>;

  /** The client this handle belongs to. */
  readonly client: WorkflowClient;
}

/** A {@link WorkflowHandle} that also knows the run id its chain started with. */
export interface WorkflowHandleWithFirstExecutionRunId<T extends Workflow = Workflow> extends WorkflowHandle<T> {
  /** Run id of the first execution of the chain. */
  readonly firstExecutionRunId: string;
}

/** The handle returned by {@link WorkflowClient.start}. */
export interface WorkflowHandleWithStartDetails<
  T extends Workflow = Workflow,
> extends WorkflowHandleWithFirstExecutionRunId<T> {
  /** Whether the first Workflow task was handed straight to a local worker. */
  readonly eagerlyStarted: boolean;
}

/** The handle returned by {@link WorkflowClient.signalWithStart}. */
export interface WorkflowHandleWithSignaledRunId<T extends Workflow = Workflow> extends WorkflowHandle<T> {
  /**
   * Run id of the execution that received the Signal: a new one, or an existing run when the Workflow
   * was already running.
   */
  readonly signaledRunId: string;
}

/** Options of a {@link WorkflowClient}. */
export interface WorkflowClientOptions extends BaseClientOptions {
  /** Interceptors of the Workflow client's calls. */
  interceptors?: WorkflowClientInterceptors | WorkflowClientInterceptor[];
  /**
   * When the server should refuse to run Queries against closed executions.
   *
   * @default `'NONE'`: closed executions can be queried
   */
  queryRejectCondition?: QueryRejectCondition;
}

/** {@link WorkflowClientOptions} with defaults applied. */
export type LoadedWorkflowClientOptions = LoadedWithDefaults<WorkflowClientOptions>;

/** Options for waiting for a Workflow result. */
export interface WorkflowResultOptions {
  /**
   * Follow the chain of runs created by continue-as-new, cron and Workflow retries, and return the last
   * run's result. When `false`, a run that continued as new throws {@link WorkflowContinuedAsNewError}.
   *
   * @default true
   */
  followRuns?: boolean;
  /**
   * Type information for decoding the result, when the Workflow definition is not at hand.
   *
   * @experimental
   */
  typeInfo?: PayloadTypeInfo;
}

/** Options of {@link WorkflowClient.getHandle}. */
export interface GetWorkflowHandleOptions extends WorkflowResultOptions {
  /**
   * Run id of the first execution of the chain. Pass it with no run id so that calls such as `cancel` and
   * `terminate` only act on executions of that chain.
   */
  firstExecutionRunId?: string;
}

interface WorkflowHandleOptions extends GetWorkflowHandleOptions {
  workflowId: string;
  runId?: string;
  interceptors: WorkflowClientInterceptor[];
  /** The run whose result `result()` waits for (the given run id, or the run just started). */
  runIdForResult?: string;
}

/** The iterable returned by {@link WorkflowClient.list}. */
export interface AsyncWorkflowListIterable extends AsyncIterable<WorkflowExecutionInfo> {
  /**
   * Returns the histories of the listed executions, fetched concurrently; handy for replaying many
   * Workflows.
   */
  intoHistories: (intoHistoriesOptions?: IntoHistoriesOptions) => AsyncIterable<HistoryAndWorkflowId>;
}

/** A handle to one Update of a Workflow. */
export interface WorkflowUpdateHandle<Ret> {
  /** Id of the Update. */
  updateId: string;
  /** Id of the Workflow. */
  workflowId: string;
  /** Run id of the Workflow execution the Update went to. */
  workflowRunId?: string;
  /**
   * Waits for and returns the Update's result.
   *
   * @throws {@link WorkflowUpdateFailedError} if the Update handler failed.
   */
  result(): Promise<Ret>;
}

/** Options of {@link WorkflowHandle.getUpdateHandle}. */
export interface GetWorkflowUpdateHandleOptions {
  /** Run id of the Workflow execution the Update went to. */
  workflowRunId?: string;
  /**
   * Type information for decoding the result.
   *
   * @experimental
   */
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

/** Options of {@link WorkflowClient.list}. */
export interface ListOptions {
  /**
   * Executions fetched per page.
   *
   * @default the server's page size, typically 1000
   */
  pageSize?: number;
  /** Visibility query, e.g. `WorkflowType = 'order' AND ExecutionStatus = 'Running'`. */
  query?: string;
}

/** Options of {@link AsyncWorkflowListIterable.intoHistories}. */
export interface IntoHistoriesOptions {
  /**
   * How many histories to download at once.
   *
   * @default 5
   */
  concurrency?: number;
  /**
   * How many downloaded histories may wait for the consumer. Set it low if you may stop iterating early.
   * Only used when `concurrency` is 2 or more.
   *
   * @default unlimited
   */
  bufferLimit?: number;
}

const withStartWorkflowOperationResolve: unique symbol = Symbol();
const withStartWorkflowOperationReject: unique symbol = Symbol();
const withStartWorkflowOperationUsed: unique symbol = Symbol();

/**
 * The Workflow start half of update-with-start ({@link WorkflowClient.startUpdateWithStart} and
 * {@link WorkflowClient.executeUpdateWithStart}). `workflowIdConflictPolicy` is required. An instance can be
 * used once; {@link workflowHandle} resolves once the start part has been answered.
 */
export class WithStartWorkflowOperation<T extends Workflow> {
  private [withStartWorkflowOperationUsed] = false;
  private [withStartWorkflowOperationResolve]: (handle: WorkflowHandle<T>) => void = () => undefined;
  private [withStartWorkflowOperationReject]: (error: unknown) => void = () => undefined;
  private workflowHandlePromise: Promise<WorkflowHandle<T>>;

  constructor(
    /** The Workflow to start, as a function or a type name. */
    public workflowTypeOrFunc: string | T,
    /** Start options; `workflowIdConflictPolicy` is required. */
    public options: WorkflowStartOptions<T> & { workflowIdConflictPolicy: WorkflowIdConflictPolicy },
  ) {
    this.workflowHandlePromise = new Promise<WorkflowHandle<T>>((resolve, reject) => {
      this[withStartWorkflowOperationResolve] = resolve;
      this[withStartWorkflowOperationReject] = reject;
    });
    // Nobody may ever ask for the handle: do not report its failure as unhandled.
    this.workflowHandlePromise.catch(() => undefined);
  }

  /** The handle of the started (or, with `USE_EXISTING`, the existing) Workflow. */
  async workflowHandle(): Promise<WorkflowHandle<T>> {
    return await this.workflowHandlePromise;
  }
}

/**
 * Starts Workflows and returns handles to them. Usually reached as {@link Client.workflow} rather than built
 * directly.
 */
export class WorkflowClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedWorkflowClientOptions;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: WorkflowClientOptions) {
    super(options);
    this.options = {
      ...defaultWorkflowClientOptions(),
      ...filterNullAndUndefined(options ?? {}),
      loadedDataConverter: this.dataConverter,
    };
  }

  /**
   * Raw access to the `WorkflowService`. The client's namespace is not added to requests made through it.
   */
  get workflowService(): WorkflowService {
    return this.connection.workflowService;
  }

  /** Serialization context of the payloads of one Workflow. */
  protected workflowSerializationContext(workflowId: string): WorkflowSerializationContext {
    return { type: 'workflow', namespace: this.options.namespace, workflowId };
  }

  /** Validates and compiles the start options, then runs the start interceptor chain. */
  protected async _start<T extends Workflow>(
    workflowTypeOptions: WorkflowTypeOptions,
    options: WorkflowStartOptions<T>,
    interceptors: WorkflowClientInterceptor[],
  ): Promise<WorkflowStartOutput> {
    const compiled = compileStartOptions({ ...options, typeInfo: workflowTypeOptions.typeInfo });
    const startWithDetails = composeInterceptors(
      interceptors.map(adaptWorkflowClientInterceptor),
      'startWithDetails',
      this._startWorkflowHandler.bind(this),
    );
    return await startWithDetails({ options: compiled, headers: {}, workflowType: workflowTypeOptions.type });
  }

  /** Validates and compiles the options, then runs the signal-with-start interceptor chain; returns the run id. */
  protected async _signalWithStart<T extends Workflow, SA extends unknown[]>(
    workflowTypeOrFunc: string | T,
    options: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SA>>,
    interceptors: WorkflowClientInterceptor[],
  ): Promise<string> {
    const { signal, signalArgs, signalTypeInfo, ...rest } = options as WorkflowSignalWithStartOptions<SA> & {
      signalTypeInfo?: SignalTypeInfo;
      args?: unknown[];
    };
    const { name: signalName, typeInfo: resolvedSignalTypeInfo } = resolveSignal(signal, signalTypeInfo);
    const { type: workflowType, typeInfo } = extractWorkflowTypeAndConfig(workflowTypeOrFunc, rest.typeInfo);
    const compiled = compileStartOptions({ ...(rest as WorkflowOptions), typeInfo });
    const signalWithStart = composeInterceptors(
      interceptors,
      'signalWithStart',
      this._signalWithStartWorkflowHandler.bind(this),
    );
    return await signalWithStart({
      options: compiled,
      headers: {},
      workflowType,
      signalName,
      signalArgs: (signalArgs as unknown[] | undefined) ?? [],
      signalTypeInfo: resolvedSignalTypeInfo,
    });
  }

  /**
   * Starts a Workflow execution.
   *
   * @param workflowTypeOrFunc the Workflow function (its name is the type, and its signature types `args`
   *   and the result) or the Workflow type name
   * @throws TypeError if `workflowId` or `taskQueue` is missing, or an option is malformed (nothing is sent).
   * @throws {@link WorkflowExecutionAlreadyStartedError} if a Workflow with that id runs and the conflict
   *   policy is `FAIL`, or the reuse policy forbids a new run.
   * @returns a handle to the started Workflow
   */
  async start<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<WorkflowHandleWithStartDetails<T>> {
    assertRequiredWorkflowOptions(options);
    const { workflowId } = options;
    const interceptors = this.getOrMakeInterceptors(workflowId);
    const workflowTypeOptions = extractWorkflowTypeAndConfig(workflowTypeOrFunc, options.typeInfo);
    const { runId, eagerlyStarted } = await this._start(workflowTypeOptions, options, interceptors);
    const handle = this._createWorkflowHandle<T>({
      workflowId,
      runId: undefined,
      firstExecutionRunId: runId,
      runIdForResult: runId,
      interceptors,
      followRuns: options.followRuns ?? true,
      typeInfo: workflowTypeOptions.typeInfo,
    });
    return Object.assign(handle, { firstExecutionRunId: runId, eagerlyStarted });
  }

  /**
   * Sends a Signal to a Workflow, starting the Workflow first if it is not running. With the default (or
   * `USE_EXISTING`) conflict policy a running Workflow just receives the Signal; with `FAIL` the call
   * fails if it runs.
   *
   * @returns a handle to the Workflow, with the run id that received the Signal
   */
  async signalWithStart<WorkflowFn extends Workflow, SignalArgs extends unknown[] = []>(
    workflowTypeOrFunc: string | WorkflowFn,
    options: WithWorkflowArgs<WorkflowFn, WorkflowSignalWithStartOptions<SignalArgs>>,
  ): Promise<WorkflowHandleWithSignaledRunId<WorkflowFn>> {
    assertRequiredWorkflowOptions(options);
    const { workflowId } = options;
    const interceptors = this.getOrMakeInterceptors(workflowId);
    const { typeInfo } = extractWorkflowTypeAndConfig(workflowTypeOrFunc, options.typeInfo);
    const signaledRunId = await this._signalWithStart(workflowTypeOrFunc, options, interceptors);
    const handle = this._createWorkflowHandle<WorkflowFn>({
      workflowId,
      runId: undefined,
      // The signaled run may belong to an existing chain: its first run is unknown.
      firstExecutionRunId: undefined,
      runIdForResult: signaledRunId,
      interceptors,
      followRuns: options.followRuns ?? true,
      typeInfo,
    });
    return Object.assign(handle, { signaledRunId });
  }

  /**
   * Starts a Workflow (or, per the conflict policy, uses the running one) and sends it an Update in one
   * call, then waits for the Update's result. The Workflow handle is available from
   * `startWorkflowOperation.workflowHandle()` whether or not the Update succeeds.
   *
   * @returns the Update's result
   */
  async executeUpdateWithStart<T extends Workflow, Ret, Args extends unknown[]>(
    updateDef: UpdateDefinition<Ret, Args> | string,
    updateOptions: WorkflowUpdateOptions & { args?: Args; startWorkflowOperation: WithStartWorkflowOperation<T> },
  ): Promise<Ret> {
    const handle = await this._startUpdateWithStart(updateDef, {
      ...updateOptions,
      waitForStage: WorkflowUpdateStage.COMPLETED,
    });
    return await handle.result();
  }

  /**
   * Starts a Workflow (or, per the conflict policy, uses the running one) and sends it an Update in one
   * call; returns once a worker has accepted the Update. The Workflow handle is available from
   * `startWorkflowOperation.workflowHandle()`.
   *
   * @returns a handle to the Update
   */
  async startUpdateWithStart<T extends Workflow, Ret, Args extends unknown[]>(
    updateDef: UpdateDefinition<Ret, Args> | string,
    updateOptions: WorkflowUpdateOptions & {
      args?: Args;
      waitForStage: 'ACCEPTED';
      startWorkflowOperation: WithStartWorkflowOperation<T>;
    },
  ): Promise<WorkflowUpdateHandle<Ret>> {
    return await this._startUpdateWithStart(updateDef, updateOptions);
  }

  /** Implementation of update-with-start for both public methods. */
  protected async _startUpdateWithStart<T extends Workflow, Ret, Args extends unknown[]>(
    updateDef: UpdateDefinition<Ret, Args> | string,
    updateWithStartOptions: WorkflowUpdateOptions & {
      args?: Args;
      waitForStage: WorkflowUpdateStage;
      startWorkflowOperation: WithStartWorkflowOperation<T>;
    },
  ): Promise<WorkflowUpdateHandle<Ret>> {
    const {
      waitForStage,
      args,
      startWorkflowOperation,
      typeInfo: callSiteTypeInfo,
      ...updateOptions
    } = updateWithStartOptions;
    if (!(startWorkflowOperation instanceof WithStartWorkflowOperation)) {
      throw new TypeError('`startWorkflowOperation` must be a WithStartWorkflowOperation');
    }
    const { name: updateName, typeInfo: updateTypeInfo } = resolveUpdate(updateDef, callSiteTypeInfo);
    const { workflowTypeOrFunc, options: workflowOptions } = startWorkflowOperation;
    if (startWorkflowOperation[withStartWorkflowOperationUsed]) {
      throw new Error('This WithStartWorkflowOperation instance has already been executed.');
    }
    assertRequiredWorkflowOptions(workflowOptions);
    if (!workflowOptions.workflowIdConflictPolicy) {
      throw new TypeError('WithStartWorkflowOperation requires `workflowIdConflictPolicy`');
    }
    const { workflowId } = workflowOptions;
    const { type: workflowType, typeInfo } = extractWorkflowTypeAndConfig(workflowTypeOrFunc, workflowOptions.typeInfo);
    const compiled = compileStartOptions({ ...workflowOptions, typeInfo });
    startWorkflowOperation[withStartWorkflowOperationUsed] = true;

    const interceptors = this.getOrMakeInterceptors(workflowId);
    const onStart = (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) =>
      startWorkflowOperation[withStartWorkflowOperationResolve](
        this._createWorkflowHandle<T>({
          workflowId,
          firstExecutionRunId: startResponse.runId ?? undefined,
          interceptors,
          followRuns: workflowOptions.followRuns ?? true,
          typeInfo,
        }),
      );
    const onStartError = (err: unknown) => startWorkflowOperation[withStartWorkflowOperationReject](err);
    const fn = composeInterceptors(
      interceptors,
      'startUpdateWithStart',
      this._updateWithStartHandler.bind(this, waitForStage, onStart, onStartError),
    );
    const output = await fn({
      workflowType,
      workflowStartOptions: compiled,
      workflowStartHeaders: {},
      updateName,
      updateArgs: (args as unknown[] | undefined) ?? [],
      updateTypeInfo,
      updateOptions,
      updateHeaders: {},
    });
    let outcome = output.updateOutcome;
    if (!outcome && waitForStage === WorkflowUpdateStage.COMPLETED) {
      outcome = await this._pollForUpdateOutcome(output.updateId, {
        workflowId,
        runId: output.workflowExecution.runId,
      });
    }
    return this.createWorkflowUpdateHandle<Ret>(
      output.updateId,
      workflowId,
      output.workflowExecution.runId,
      outcome,
      output.updateOutputTypeInfo,
    );
  }

  /**
   * Starts a Workflow and waits for its result.
   *
   * @throws {@link WorkflowFailedError} if the Workflow fails, is cancelled, terminated or times out.
   * @returns the Workflow's result
   */
  async execute<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<WorkflowResultType<T>> {
    assertRequiredWorkflowOptions(options);
    const { workflowId } = options;
    const interceptors = this.getOrMakeInterceptors(workflowId);
    const workflowTypeOptions = extractWorkflowTypeAndConfig(workflowTypeOrFunc, options.typeInfo);
    const { runId } = await this._start(workflowTypeOptions, options, interceptors);
    return await this.result<T>(workflowId, runId, {
      followRuns: options.followRuns ?? true,
      typeInfo: workflowTypeOptions.typeInfo,
    });
  }

  /**
   * Waits for a Workflow execution to close and returns its result. By default follows the chain of runs
   * created by continue-as-new, cron and Workflow retries.
   *
   * @throws {@link WorkflowFailedError} if the execution failed, was cancelled, terminated or timed out;
   *   `cause` says which.
   * @throws {@link WorkflowContinuedAsNewError} if the run continued as new and `followRuns` is false.
   * @throws {@link WorkflowNotFoundError} if there is no such execution.
   */
  async result<T extends Workflow>(
    workflowId: string,
    runId?: string,
    opts?: WorkflowResultOptions,
  ): Promise<WorkflowResultType<T>> {
    assertWorkflowId(workflowId);
    const context = this.workflowSerializationContext(workflowId);
    const followRuns = opts?.followRuns ?? true;
    const execution: WorkflowExecution = { workflowId, runId };
    const request: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest = {
      namespace: this.options.namespace,
      execution,
      skipArchival: true,
      waitNewEvent: true,
      historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    };
    const followTo = (newRunId: string) => {
      execution.runId = newRunId;
      request.nextPageToken = undefined;
    };
    for (;;) {
      let response: temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
      try {
        response = await this.workflowService.getWorkflowExecutionHistory(request);
      } catch (err) {
        this.rethrowGrpcError(err, 'Failed to get Workflow execution history', { workflowId, runId });
      }
      const events = response.history?.events ?? [];
      if (events.length === 0) {
        // The long poll ended before the run closed: poll again from where it stopped.
        request.nextPageToken = response.nextPageToken;
        continue;
      }
      if (events.length !== 1) {
        throw new Error(`Expected at most 1 close event(s), got: ${events.length}`);
      }
      const event = events[0];
      const completed = event.workflowExecutionCompletedEventAttributes;
      if (completed) {
        if (followRuns && completed.newExecutionRunId) {
          followTo(completed.newExecutionRunId);
          continue;
        }
        return (await decodeFromPayloadsAtIndex(
          this.dataConverter,
          0,
          completed.result?.payloads,
          context,
          opts?.typeInfo?.outputType,
        )) as WorkflowResultType<T>;
      }
      const failed = event.workflowExecutionFailedEventAttributes;
      if (failed) {
        if (followRuns && failed.newExecutionRunId) {
          followTo(failed.newExecutionRunId);
          continue;
        }
        throw new WorkflowFailedError(
          'Workflow execution failed',
          await decodeOptionalFailureToOptionalError(this.dataConverter, failed.failure, context),
          decodeRetryState(failed.retryState),
        );
      }
      const canceled = event.workflowExecutionCanceledEventAttributes;
      if (canceled) {
        const failure = new CancelledFailure(
          'Workflow canceled',
          await decodeArrayFromPayloads(this.dataConverter, canceled.details?.payloads, context),
        );
        failure.stack = '';
        throw new WorkflowFailedError('Workflow execution cancelled', failure, RetryState.NON_RETRYABLE_FAILURE);
      }
      const terminated = event.workflowExecutionTerminatedEventAttributes;
      if (terminated) {
        const message = terminated.reason || 'Workflow execution terminated';
        const failure = new TerminatedFailure(message);
        failure.stack = '';
        throw new WorkflowFailedError(message, failure, RetryState.NON_RETRYABLE_FAILURE);
      }
      const timedOut = event.workflowExecutionTimedOutEventAttributes;
      if (timedOut) {
        if (followRuns && timedOut.newExecutionRunId) {
          followTo(timedOut.newExecutionRunId);
          continue;
        }
        const failure = new TimeoutFailure('Workflow execution timed out', undefined, TimeoutType.START_TO_CLOSE);
        failure.stack = '';
        throw new WorkflowFailedError('Workflow execution timed out', failure, decodeRetryState(timedOut.retryState));
      }
      const continuedAsNew = event.workflowExecutionContinuedAsNewEventAttributes;
      if (continuedAsNew) {
        const { newExecutionRunId } = continuedAsNew;
        if (!newExecutionRunId) {
          throw new TypeError('Expected service to return newExecutionRunId for WorkflowExecutionContinuedAsNewEvent');
        }
        if (!followRuns) {
          throw new WorkflowContinuedAsNewError('Workflow execution continued as new', newExecutionRunId);
        }
        followTo(newExecutionRunId);
        continue;
      }
      throw new TypeError(`Unexpected close event type ${event.eventType} in Workflow history`);
    }
  }

  /**
   * Maps an error of an Update call: a deadline or cancellation becomes
   * {@link WorkflowUpdateRPCTimeoutOrCancelledError}; anything else goes through {@link rethrowGrpcError}.
   */
  protected rethrowUpdateGrpcError(
    err: unknown,
    fallbackMessage: string,
    workflowExecution?: WorkflowExecution,
  ): never {
    if (isGrpcServiceError(err) && (err.code === grpcStatus.DEADLINE_EXCEEDED || err.code === grpcStatus.CANCELLED)) {
      throw new WorkflowUpdateRPCTimeoutOrCancelledError(err.details || 'Workflow update call timeout or cancelled', {
        cause: err,
      });
    }
    if (err instanceof CancelledFailure) {
      throw new WorkflowUpdateRPCTimeoutOrCancelledError(err.message || 'Workflow update call timeout or cancelled', {
        cause: err,
      });
    }
    this.rethrowGrpcError(err, fallbackMessage, workflowExecution);
  }

  /**
   * Maps a gRPC error to the client's errors: {@link NamespaceNotFoundError} from the details, NOT_FOUND to
   * {@link WorkflowNotFoundError}, anything else to {@link ServiceError} with `fallbackMessage`.
   */
  protected rethrowGrpcError(err: unknown, fallbackMessage: string, workflowExecution?: WorkflowExecution): never {
    if (isGrpcServiceError(err)) {
      rethrowKnownErrorTypes(err);
      if (err.code === grpcStatus.NOT_FOUND) {
        throw new WorkflowNotFoundError(
          err.details || 'Workflow not found',
          workflowExecution?.workflowId ?? '',
          workflowExecution?.runId,
        );
      }
      throw new ServiceError(fallbackMessage, { cause: err });
    }
    if (err instanceof Error && !(err instanceof ServiceError) && isClientSideError(err)) throw err;
    throw new ServiceError('Unexpected error while making gRPC request', { cause: asError(err) });
  }

  /** Sends a Query; the end of the query interceptor chain. */
  protected async _queryWorkflowHandler(input: WorkflowQueryInput): Promise<unknown> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const request: temporal.api.workflowservice.v1.IQueryWorkflowRequest = {
      queryRejectCondition: input.queryRejectCondition,
      namespace: this.options.namespace,
      execution: input.workflowExecution,
      query: {
        queryType: input.queryType,
        queryArgs: {
          payloads: await encodeToPayloadsWithContext(
            this.dataConverter,
            context,
            input.args,
            input.typeInfo?.inputTypes,
          ),
        },
        header: { fields: input.headers },
      },
    };
    let response: temporal.api.workflowservice.v1.QueryWorkflowResponse;
    try {
      response = await this.workflowService.queryWorkflow(request);
    } catch (err) {
      if (isGrpcServiceError(err)) {
        rethrowKnownErrorTypes(err);
        if (err.code === grpcStatus.INVALID_ARGUMENT) {
          throw new QueryNotRegisteredError(err.message.replace(/^3 INVALID_ARGUMENT: /, ''), err.code);
        }
      }
      this.rethrowGrpcError(err, 'Failed to query Workflow', input.workflowExecution);
    }
    const internal = (input as InternalWorkflowQueryInput)[InternalWorkflowQueryOptionsSymbol];
    if (internal !== undefined)
      internal.responseLink = (response as { link?: temporal.api.common.v1.ILink }).link ?? undefined;
    if (response.queryRejected) {
      if (response.queryRejected.status === undefined || response.queryRejected.status === null) {
        throw new TypeError('Received queryRejected from server with no status');
      }
      throw new QueryRejectedError(response.queryRejected.status);
    }
    if (!response.queryResult) {
      throw new TypeError('Invalid response from server');
    }
    return await decodeFromPayloadsAtIndex(
      this.dataConverter,
      0,
      response.queryResult.payloads,
      context,
      input.typeInfo?.outputType,
    );
  }

  /** Builds an `UpdateWorkflowExecution` request. */
  protected async _createUpdateWorkflowRequest(
    lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
    input: WorkflowStartUpdateInput,
  ): Promise<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const updateId = input.options?.updateId ?? randomUUID();
    const internal = (input.options as InternalWorkflowUpdateOptions | undefined)?.[
      InternalWorkflowUpdateOptionsSymbol
    ];
    const request: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest & Record<string, unknown> = {
      namespace: this.options.namespace,
      workflowExecution: input.workflowExecution,
      firstExecutionRunId: input.firstExecutionRunId,
      waitPolicy: { lifecycleStage },
      request: {
        meta: { updateId, identity: this.options.identity },
        input: {
          header: { fields: input.headers },
          name: input.updateName,
          args: {
            payloads: await encodeToPayloadsWithContext(
              this.dataConverter,
              context,
              input.args,
              input.typeInfo?.inputTypes,
            ),
          },
        },
      },
    };
    if (internal !== undefined) {
      Object.assign(
        request.request as object,
        filterNullAndUndefined({
          requestId: internal.requestId,
          completionCallbacks: internal.completionCallbacks,
          links: internal.links,
        }),
      );
    }
    return request;
  }

  /**
   * Sends an Update and waits until it is at least accepted; the end of the startUpdate interceptor chain.
   */
  protected async _startUpdateHandler(
    waitForStage: WorkflowUpdateStage,
    input: WorkflowStartUpdateInput,
  ): Promise<WorkflowStartUpdateOutput> {
    const ACCEPTED = UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    const requested = encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED;
    // Waiting for ADMITTED only is not durable: wait for acceptance at least.
    const request = await this._createUpdateWorkflowRequest(Math.max(requested, ACCEPTED), input);
    let response: temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;
    try {
      do {
        response = await this.workflowService.updateWorkflowExecution(request);
      } while ((response.stage ?? 0) < ACCEPTED);
    } catch (err) {
      this.rethrowUpdateGrpcError(err, 'Workflow Update failed', input.workflowExecution);
    }
    const internal = (input.options as InternalWorkflowUpdateOptions | undefined)?.[
      InternalWorkflowUpdateOptionsSymbol
    ];
    if (internal !== undefined) {
      internal.responseLink = (response as { link?: temporal.api.common.v1.ILink }).link ?? undefined;
      internal.outcome = response.outcome ?? undefined;
    }
    return {
      updateId: request.request?.meta?.updateId ?? '',
      workflowRunId: response.updateRef?.workflowExecution?.runId ?? '',
      outcome: response.outcome ?? undefined,
      outputTypeInfo: input.typeInfo?.outputType,
    };
  }

  /**
   * Sends update-with-start as one `ExecuteMultiOperation` call; the end of the startUpdateWithStart
   * interceptor chain. `onStart` receives the start response as soon as there is one; `onStartError` the
   * error if the start failed.
   */
  protected async _updateWithStartHandler(
    waitForStage: WorkflowUpdateStage,
    onStart: (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) => void,
    onStartError: (err: unknown) => void,
    input: WorkflowStartUpdateWithStartInput,
  ): Promise<WorkflowStartUpdateWithStartOutput> {
    const ACCEPTED = UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    const workflowExecution = { workflowId: input.workflowStartOptions.workflowId };
    const updateInput: WorkflowStartUpdateInput = {
      updateName: input.updateName,
      args: input.updateArgs,
      typeInfo: input.updateTypeInfo,
      workflowExecution,
      options: input.updateOptions,
      headers: input.updateHeaders,
    };
    let startAnswered = false;
    try {
      const startRequest = await this.createStartWorkflowRequest({
        workflowType: input.workflowType,
        options: input.workflowStartOptions,
        headers: input.workflowStartHeaders,
      });
      const updateRequest = await this._createUpdateWorkflowRequest(
        encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED,
        updateInput,
      );
      const request: temporal.api.workflowservice.v1.IExecuteMultiOperationRequest = {
        namespace: this.options.namespace,
        operations: [{ startWorkflow: startRequest }, { updateWorkflow: updateRequest }],
      };
      let updateResponse: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse | null | undefined;
      do {
        const response = await this.workflowService.executeMultiOperation(request);
        const startResponse = response.responses?.[0]?.startWorkflow;
        if (!startAnswered && startResponse) {
          startAnswered = true;
          onStart(startResponse);
        }
        updateResponse = response.responses?.[1]?.updateWorkflow;
      } while ((updateResponse?.stage ?? 0) < ACCEPTED);
      return {
        workflowExecution: {
          workflowId: updateResponse?.updateRef?.workflowExecution?.workflowId ?? workflowExecution.workflowId,
          runId: updateResponse?.updateRef?.workflowExecution?.runId ?? undefined,
        },
        updateId: updateRequest.request?.meta?.updateId ?? '',
        updateOutcome: updateResponse?.outcome ?? undefined,
        updateOutputTypeInfo: input.updateTypeInfo?.outputType,
      };
    } catch (thrown) {
      let err: unknown = thrown;
      if (isGrpcServiceError(err)) {
        try {
          rethrowKnownErrorTypes(err);
        } catch (known) {
          err = known;
        }
      }
      if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
        err = new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          input.workflowStartOptions.workflowId,
          input.workflowType,
        );
      }
      if (!startAnswered) onStartError(err);
      if (isGrpcServiceError(err)) {
        this.rethrowUpdateGrpcError(err, 'Update-With-Start failed', workflowExecution);
      }
      throw err;
    }
  }

  /** Makes an Update handle; `outcome` is used when the Update is already known to have completed. */
  protected createWorkflowUpdateHandle<Ret>(
    updateId: string,
    workflowId: string,
    workflowRunId?: string,
    outcome?: temporal.api.update.v1.IOutcome,
    outputTypeInfo?: TypeInfo,
  ): WorkflowUpdateHandle<Ret> {
    const context = this.workflowSerializationContext(workflowId);
    return {
      updateId,
      workflowId,
      workflowRunId,
      result: async (): Promise<Ret> => {
        const completed = outcome ?? (await this._pollForUpdateOutcome(updateId, { workflowId, runId: workflowRunId }));
        if (completed.failure) {
          throw new WorkflowUpdateFailedError(
            'Workflow Update failed',
            await decodeOptionalFailureToOptionalError(this.dataConverter, completed.failure, context),
          );
        }
        return await decodeFromPayloadsAtIndex<Ret>(
          this.dataConverter,
          0,
          completed.success?.payloads,
          context,
          outputTypeInfo as TypeInfo<Ret> | undefined,
        );
      },
    };
  }

  /** Polls an Update until the server reports its outcome. */
  protected async _pollForUpdateOutcome(
    updateId: string,
    workflowExecution: temporal.api.common.v1.IWorkflowExecution,
  ): Promise<temporal.api.update.v1.IOutcome> {
    const request: temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest = {
      namespace: this.options.namespace,
      updateRef: { workflowExecution, updateId },
      identity: this.options.identity,
      waitPolicy: { lifecycleStage: encodeWorkflowUpdateStage(WorkflowUpdateStage.COMPLETED) },
    };
    for (;;) {
      try {
        const response = await this.workflowService.pollWorkflowExecutionUpdate(request);
        if (response.outcome) return response.outcome;
      } catch (err) {
        const execution =
          typeof workflowExecution.workflowId === 'string'
            ? { workflowId: workflowExecution.workflowId, runId: workflowExecution.runId ?? undefined }
            : undefined;
        this.rethrowUpdateGrpcError(err, 'Workflow Update Poll failed', execution);
      }
    }
  }

  /** Sends a Signal; the end of the signal interceptor chain. */
  protected async _signalWorkflowHandler(input: WorkflowSignalInput): Promise<void> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const internal = (input as InternalWorkflowSignalInput)[InternalWorkflowSignalOptionsSymbol];
    const request: temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest = {
      identity: this.options.identity,
      namespace: this.options.namespace,
      workflowExecution: input.workflowExecution,
      requestId: randomUUID(),
      signalName: input.signalName,
      header: { fields: input.headers },
      input: {
        payloads: await encodeToPayloadsWithContext(
          this.dataConverter,
          context,
          input.args,
          input.typeInfo?.inputTypes,
        ),
      },
      ...(internal?.links ? { links: internal.links } : {}),
    };
    try {
      const response = await this.workflowService.signalWorkflowExecution(request);
      if (internal !== undefined)
        internal.responseLink = (response as { link?: temporal.api.common.v1.ILink }).link ?? undefined;
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to signal Workflow', input.workflowExecution);
    }
  }

  /** Sends signal-with-start; the end of the signalWithStart interceptor chain. Returns the run id. */
  protected async _signalWithStartWorkflowHandler(input: WorkflowSignalWithStartInput): Promise<string> {
    const { options, workflowType, signalName, signalArgs, signalTypeInfo, headers } = input;
    const context = this.workflowSerializationContext(options.workflowId);
    const internal = (options as CompiledWorkflowOptions & InternalWorkflowStartOptions)[
      InternalWorkflowStartOptionsSymbol
    ];
    const common = await this.encodeCommonStartFields(options, headers, context);
    const request: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
      ...common,
      workflowType: { name: workflowType },
      signalName,
      signalInput: {
        payloads: await encodeToPayloadsWithContext(
          this.dataConverter,
          context,
          signalArgs,
          signalTypeInfo?.inputTypes,
        ),
      },
      ...(internal?.links ? { links: internal.links } : {}),
    };
    try {
      const response = await this.workflowService.signalWithStartWorkflowExecution(request);
      if (internal !== undefined) {
        internal.responseLink = (response as { signalLink?: temporal.api.common.v1.ILink }).signalLink ?? undefined;
      }
      return response.runId;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
        throw new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          options.workflowId,
          workflowType,
        );
      }
      this.rethrowGrpcError(err, 'Failed to signalWithStart Workflow', { workflowId: options.workflowId });
    }
  }

  /** Sends `StartWorkflowExecution`; the end of the start interceptor chain. */
  protected async _startWorkflowHandler(input: WorkflowStartInput): Promise<WorkflowStartOutput> {
    const request = await this.createStartWorkflowRequest(input);
    const { options, workflowType } = input;
    const internal = (options as CompiledWorkflowOptions & InternalWorkflowStartOptions)[
      InternalWorkflowStartOptionsSymbol
    ];
    try {
      const response = await this.workflowService.startWorkflowExecution(request);
      if (internal !== undefined)
        internal.responseLink = (response as { link?: temporal.api.common.v1.ILink }).link ?? undefined;
      return { runId: response.runId, eagerlyStarted: response.eagerWorkflowTask != null };
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
        throw new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          options.workflowId,
          workflowType,
        );
      }
      this.rethrowGrpcError(err, 'Failed to start Workflow', { workflowId: options.workflowId });
    }
  }

  /** Builds the `StartWorkflowExecution` request of a start. */
  protected async createStartWorkflowRequest(input: WorkflowStartInput): Promise<StartWorkflowExecutionRequest> {
    const { options, workflowType, headers } = input;
    const context = this.workflowSerializationContext(options.workflowId);
    const internal = (options as CompiledWorkflowOptions & InternalWorkflowStartOptions)[
      InternalWorkflowStartOptionsSymbol
    ];
    const supportsEagerStart = (this.connection as InternalConnectionLike)[InternalConnectionLikeSymbol]
      ?.supportsEagerStart;
    if (options.requestEagerStart && !supportsEagerStart) {
      throw new Error(
        'Eager workflow start requires a NativeConnection shared between client and worker. ' +
          'Pass a NativeConnection via ClientOptions.connection, or disable requestEagerStart.',
      );
    }
    const common = await this.encodeCommonStartFields(options, headers, context);
    const { responseLink: _responseLink, ...internalFields } = internal ?? {};
    return {
      ...common,
      workflowType: { name: workflowType },
      requestEagerExecution: options.requestEagerStart,
      ...filterNullAndUndefined(internalFields),
    };
  }

  /** Fields shared by `StartWorkflowExecution` and `SignalWithStartWorkflowExecution`. */
  private async encodeCommonStartFields(
    options: CompiledWorkflowOptions,
    headers: WorkflowStartInput['headers'],
    context: WorkflowSerializationContext,
  ) {
    const dataConverter = this.dataConverter;
    return {
      namespace: this.options.namespace,
      identity: this.options.identity,
      requestId: randomUUID(),
      workflowId: options.workflowId,
      workflowIdReusePolicy: encodeWorkflowIdReusePolicy(options.workflowIdReusePolicy),
      workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(options.workflowIdConflictPolicy),
      input: {
        payloads: await encodeToPayloadsWithContext(dataConverter, context, options.args, options.typeInfo?.inputTypes),
      },
      taskQueue: { kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, name: options.taskQueue },
      workflowExecutionTimeout: options.workflowExecutionTimeout,
      workflowRunTimeout: options.workflowRunTimeout,
      workflowTaskTimeout: options.workflowTaskTimeout,
      workflowStartDelay: options.startDelay,
      retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
      memo: options.memo ? { fields: await encodeMapToPayloads(dataConverter, options.memo, context) } : undefined,
      searchAttributes:
        options.searchAttributes || options.typedSearchAttributes
          ? { indexedFields: encodeUnifiedSearchAttributes(options.searchAttributes, options.typedSearchAttributes) }
          : undefined,
      cronSchedule: options.cronSchedule,
      header: { fields: headers },
      userMetadata: await encodeUserMetadata(dataConverter, options.staticSummary, options.staticDetails, context),
      priority: options.priority ? compilePriority(options.priority) : undefined,
      versioningOverride: options.versioningOverride ?? undefined,
    };
  }

  /** Sends `TerminateWorkflowExecution`; the end of the terminate interceptor chain. */
  protected async _terminateWorkflowHandler(
    input: WorkflowTerminateInput,
  ): Promise<TerminateWorkflowExecutionResponse> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const request: temporal.api.workflowservice.v1.ITerminateWorkflowExecutionRequest = {
      namespace: this.options.namespace,
      identity: this.options.identity,
      workflowExecution: input.workflowExecution,
      reason: input.reason,
      details: input.details
        ? { payloads: await encodeToPayloadsWithContext(this.dataConverter, context, input.details) }
        : undefined,
      firstExecutionRunId: input.firstExecutionRunId,
    };
    try {
      return await this.workflowService.terminateWorkflowExecution(request);
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to terminate Workflow', input.workflowExecution);
    }
  }

  /** Sends `RequestCancelWorkflowExecution`; the end of the cancel interceptor chain. */
  protected async _cancelWorkflowHandler(input: WorkflowCancelInput): Promise<RequestCancelWorkflowExecutionResponse> {
    try {
      return await this.workflowService.requestCancelWorkflowExecution({
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        workflowExecution: input.workflowExecution,
        firstExecutionRunId: input.firstExecutionRunId,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to cancel workflow', input.workflowExecution);
    }
  }

  /** Sends `DescribeWorkflowExecution`; the end of the describe interceptor chain. */
  protected async _describeWorkflowHandler(input: WorkflowDescribeInput): Promise<DescribeWorkflowExecutionResponse> {
    try {
      return await this.workflowService.describeWorkflowExecution({
        namespace: this.options.namespace,
        execution: input.workflowExecution,
      });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to describe workflow', input.workflowExecution);
    }
  }

  /** Makes a handle; every call it makes goes through `interceptors`. */
  protected _createWorkflowHandle<T extends Workflow>({
    workflowId,
    runId,
    firstExecutionRunId,
    interceptors,
    runIdForResult,
    ...resultOptions
  }: WorkflowHandleOptions): WorkflowHandle<T> {
    const execution = (): WorkflowExecution => ({ workflowId, runId });

    const startUpdate = async (
      def: UpdateDefinition<unknown, unknown[]> | string,
      waitForStage: WorkflowUpdateStage,
      options?: WorkflowUpdateOptions & { args?: unknown[]; waitForStage?: WorkflowUpdateStage },
    ): Promise<WorkflowUpdateHandle<unknown>> => {
      const { args, typeInfo: callSiteTypeInfo, waitForStage: _ignored, ...updateOptions } = options ?? {};
      const { name: updateName, typeInfo } = resolveUpdate(def, callSiteTypeInfo);
      const fn = composeInterceptors(interceptors, 'startUpdate', this._startUpdateHandler.bind(this, waitForStage));
      const input: WorkflowStartUpdateInput = {
        workflowExecution: execution(),
        firstExecutionRunId,
        updateName,
        args: args ?? [],
        typeInfo,
        headers: {},
        options: updateOptions,
      };
      const output = await fn(input);
      let outcome = output.outcome;
      if (!outcome && waitForStage === WorkflowUpdateStage.COMPLETED) {
        outcome = await this._pollForUpdateOutcome(output.updateId, { workflowId, runId: output.workflowRunId });
      }
      return this.createWorkflowUpdateHandle(
        output.updateId,
        workflowId,
        output.workflowRunId,
        outcome,
        output.outputTypeInfo,
      );
    };

    const signal = async (
      source: object,
      signalName: string,
      args: unknown[],
      typeInfo: SignalTypeInfo | undefined,
    ): Promise<void> => {
      const fn = composeInterceptors(interceptors, 'signal', this._signalWorkflowHandler.bind(this));
      const input: InternalWorkflowSignalInput = {
        workflowExecution: execution(),
        signalName,
        args,
        typeInfo,
        headers: {},
        [InternalWorkflowSignalOptionsSymbol]: (source as InternalWorkflowSignalInput)[
          InternalWorkflowSignalOptionsSymbol
        ],
      };
      await fn(input);
    };

    const query = async (
      source: object,
      queryType: string,
      args: unknown[],
      typeInfo: PayloadTypeInfo | undefined,
    ): Promise<unknown> => {
      const fn = composeInterceptors(interceptors, 'query', this._queryWorkflowHandler.bind(this));
      const input: InternalWorkflowQueryInput = {
        workflowExecution: execution(),
        queryRejectCondition: encodeQueryRejectCondition(this.options.queryRejectCondition),
        queryType,
        args,
        typeInfo,
        headers: {},
        [InternalWorkflowQueryOptionsSymbol]: (source as InternalWorkflowQueryInput)[
          InternalWorkflowQueryOptionsSymbol
        ],
      };
      return await fn(input);
    };

    const handle = {
      client: this,
      workflowId,
      result: async (): Promise<WorkflowResultType<T>> => {
        return await this.result<T>(workflowId, runIdForResult, resultOptions);
      },
      terminate: async (reason?: string): Promise<TerminateWorkflowExecutionResponse> => {
        const fn = composeInterceptors(interceptors, 'terminate', this._terminateWorkflowHandler.bind(this));
        return await fn({ workflowExecution: execution(), reason, firstExecutionRunId });
      },
      cancel: async (): Promise<RequestCancelWorkflowExecutionResponse> => {
        const fn = composeInterceptors(interceptors, 'cancel', this._cancelWorkflowHandler.bind(this));
        return await fn({ workflowExecution: execution(), firstExecutionRunId });
      },
      describe: async (): Promise<WorkflowExecutionDescription> => {
        const fn = composeInterceptors(interceptors, 'describe', this._describeWorkflowHandler.bind(this));
        const raw = await fn({ workflowExecution: execution() });
        const info = await executionInfoFromRaw(
          raw.workflowExecutionInfo ?? {},
          this.dataConverter,
          raw,
          this.options.namespace,
        );
        const userMetadata = raw.executionConfig?.userMetadata;
        const context = this.workflowSerializationContext(workflowId);
        return {
          ...info,
          staticDetails: async () =>
            (await decodeOptionalSinglePayload<string>(this.dataConverter, userMetadata?.details, context)) ??
            undefined,
          staticSummary: async () =>
            (await decodeOptionalSinglePayload<string>(this.dataConverter, userMetadata?.summary, context)) ??
            undefined,
          raw,
        };
      },
      fetchHistory: async (): Promise<History> => {
        const events: temporal.api.history.v1.IHistoryEvent[] = [];
        let nextPageToken: Uint8Array | undefined = undefined;
        do {
          let response: temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
          try {
            response = await this.workflowService.getWorkflowExecutionHistory({
              nextPageToken,
              namespace: this.options.namespace,
              execution: execution(),
            });
          } catch (err) {
            this.rethrowGrpcError(err, 'Failed to get Workflow execution history', execution());
          }
          events.push(...(response.history?.events ?? []));
          nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
        } while (nextPageToken !== undefined);
        return temporal.api.history.v1.History.create({ events });
      },
      startUpdate: async (
        def: UpdateDefinition<unknown, unknown[]> | string,
        options: WorkflowUpdateOptions & { args?: unknown[]; waitForStage: WorkflowUpdateStage },
      ): Promise<WorkflowUpdateHandle<unknown>> => {
        if (options?.waitForStage !== WorkflowUpdateStage.ACCEPTED) {
          throw new TypeError(
            `startUpdate only supports waitForStage: 'ACCEPTED', got ${String(options?.waitForStage)}`,
          );
        }
        return await startUpdate(def, options.waitForStage, options);
      },
      executeUpdate: async (
        def: UpdateDefinition<unknown, unknown[]> | string,
        options?: WorkflowUpdateOptions & { args?: unknown[] },
      ): Promise<unknown> => {
        const updateHandle = await startUpdate(def, WorkflowUpdateStage.COMPLETED, options);
        return await updateHandle.result();
      },
      getUpdateHandle: <Ret>(updateId: string, options?: GetWorkflowUpdateHandleOptions): WorkflowUpdateHandle<Ret> => {
        if (typeof updateId !== 'string' || updateId === '')
          throw new TypeError('`updateId` must be a non-empty string');
        return this.createWorkflowUpdateHandle<Ret>(
          updateId,
          workflowId,
          options?.workflowRunId ?? runId,
          undefined,
          options?.typeInfo?.outputType,
        );
      },
      signal: async (def: SignalDefinition<unknown[]> | string, ...args: unknown[]): Promise<void> => {
        if (typeof def === 'string') return await signal(handle, def, args, undefined);
        return await signal(handle, def.name, args, def.typeInfo);
      },
      signalWithOptions: async (signalName: string, options: WorkflowSignalOptions<unknown[]>): Promise<void> => {
        await signal(handle, signalName, options.args ?? [], options.typeInfo);
      },
      query: async (def: QueryDefinition<unknown, unknown[]> | string, ...args: unknown[]): Promise<unknown> => {
        if (typeof def === 'string') return await query(handle, def, args, undefined);
        return await query(handle, def.name, args, def.typeInfo);
      },
      queryWithOptions: async (queryName: string, options: WorkflowQueryOptions<unknown[]>): Promise<unknown> => {
        return await query(handle, queryName, options.args ?? [], options.typeInfo);
      },
    };
    return handle as unknown as WorkflowHandle<T>;
  }

  /**
   * Returns a handle to an existing Workflow without calling the server.
   *
   * - With only `workflowId`, the handle targets the latest run with that id.
   * - With a `runId`, it targets that run.
   * - With {@link GetWorkflowHandleOptions.firstExecutionRunId}, it targets the latest run of the chain that
   *   started with that run (a chain being the runs linked by continue-as-new, cron or retries).
   *
   * If no such Workflow exists, the handle's calls throw {@link WorkflowNotFoundError}.
   *
   * @throws TypeError if `workflowId` is empty.
   */
  getHandle<T extends Workflow>(
    workflowId: string,
    runId?: string,
    options?: GetWorkflowHandleOptions,
  ): WorkflowHandle<T> {
    assertWorkflowId(workflowId);
    const interceptors = this.getOrMakeInterceptors(workflowId, runId);
    return this._createWorkflowHandle<T>({
      workflowId,
      runId,
      firstExecutionRunId: options?.firstExecutionRunId,
      runIdForResult: runId ?? options?.firstExecutionRunId,
      interceptors,
      followRuns: options?.followRuns ?? true,
      typeInfo: options?.typeInfo,
    });
  }

  /** Pages through `ListWorkflowExecutions`. */
  protected async *_list(options?: ListOptions): AsyncIterable<WorkflowExecutionInfo> {
    let nextPageToken: Uint8Array = new Uint8Array();
    for (;;) {
      let response: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
      try {
        response = await this.workflowService.listWorkflowExecutions({
          namespace: this.options.namespace,
          query: options?.query,
          nextPageToken,
          pageSize: options?.pageSize,
        });
      } catch (err) {
        this.rethrowGrpcError(err, 'Failed to list workflows', undefined);
      }
      for (const raw of response.executions) {
        yield await executionInfoFromRaw(raw, this.dataConverter, raw, this.options.namespace);
      }
      nextPageToken = response.nextPageToken;
      if (nextPageToken === null || nextPageToken === undefined || nextPageToken.length === 0) break;
    }
  }

  /**
   * Lists Workflow executions matching a visibility query, fetching pages as the iteration goes. Visibility
   * is eventually consistent on most servers: a Workflow may appear in the list some time after it started.
   *
   * @example
   * ```ts
   * for await (const wf of client.workflow.list({ query: "WorkflowType = 'order'" })) console.log(wf.workflowId);
   * ```
   */
  list(options?: ListOptions): AsyncWorkflowListIterable {
    if (options?.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 0)) {
      throw new TypeError(`\`pageSize\` must be a non-negative integer, got ${String(options.pageSize)}`);
    }
    return {
      [Symbol.asyncIterator]: () => this._list(options)[Symbol.asyncIterator](),
      intoHistories: (intoHistoriesOptions?: IntoHistoriesOptions) =>
        mapAsyncIterable(
          this._list(options),
          async ({ workflowId, runId }) => ({
            workflowId,
            history: await this.getHandle(workflowId, runId).fetchHistory(),
          }),
          { concurrency: intoHistoriesOptions?.concurrency ?? 5, bufferLimit: intoHistoriesOptions?.bufferLimit },
        ),
    };
  }

  /**
   * Counts Workflow executions matching a visibility query (all of the namespace's without one). With
   * `GROUP BY ExecutionStatus`, `groups` has the count per status. Eventually consistent.
   */
  async count(query?: string): Promise<CountWorkflowExecution> {
    let response: temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
    try {
      response = await this.workflowService.countWorkflowExecutions({ namespace: this.options.namespace, query });
    } catch (err) {
      this.rethrowGrpcError(err, 'Failed to count workflows');
    }
    return decodeCountWorkflowExecutionsResponse(response);
  }

  /** The interceptors of a handle: the configured list, or the ones the deprecated factories make for it. */
  protected getOrMakeInterceptors(workflowId: string, runId?: string): WorkflowClientInterceptor[] {
    const configured = this.options.interceptors;
    if (typeof configured === 'object' && configured !== null && 'calls' in configured) {
      return (configured.calls ?? []).map((factory) => factory({ workflowId, runId }));
    }
    return Array.isArray(configured) ? configured : [];
  }
}

/**
 * The server refused a Query because of the client's query reject condition (for instance, the Workflow
 * has closed and the condition is `NOT_OPEN`).
 */
export class QueryRejectedError extends Error {
  constructor(
    /** Status of the Workflow execution that caused the rejection. */
    public readonly status: temporal.api.enums.v1.WorkflowExecutionStatus,
  ) {
    super('Query rejected');
  }
}
SymbolBasedInstanceOfError('QueryRejectedError')(QueryRejectedError);

/**
 * A Query failed in the Workflow: it has no handler for the Query, or the handler threw. The message is the
 * worker's.
 */
export class QueryNotRegisteredError extends Error {
  constructor(
    message: string,
    /** The gRPC status code of the call. */
    public readonly code: grpcStatus,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('QueryNotRegisteredError')(QueryNotRegisteredError);

function defaultWorkflowClientOptions(): Omit<LoadedWorkflowClientOptions, 'loadedDataConverter'> {
  return {
    ...defaultBaseClientOptions(),
    interceptors: [],
    queryRejectCondition: 'NONE',
  };
}

function assertWorkflowId(workflowId: unknown): asserts workflowId is string {
  if (typeof workflowId !== 'string' || workflowId === '') {
    throw new TypeError(`Workflow id must be a non-empty string, got ${describeValue(workflowId)}`);
  }
}

function assertRequiredWorkflowOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Missing WorkflowOptions');
  }
  const { taskQueue, workflowId } = options as { taskQueue?: unknown; workflowId?: unknown };
  if (!taskQueue) throw new TypeError('Missing WorkflowOptions.taskQueue');
  if (typeof taskQueue !== 'string') throw new TypeError('WorkflowOptions.taskQueue must be a string');
  if (!workflowId) throw new TypeError('Missing WorkflowOptions.workflowId');
  if (typeof workflowId !== 'string') throw new TypeError('WorkflowOptions.workflowId must be a string');
}

/** Validates options and compiles them; `args` defaults to `[]`. */
function compileStartOptions(options: WorkflowOptions & { args?: readonly unknown[] }): CompiledWorkflowOptions {
  assertRequiredWorkflowOptions(options);
  const { args, ...rest } = options;
  if (args !== undefined && !Array.isArray(args)) {
    throw new TypeError('WorkflowOptions.args must be an array');
  }
  return compileWorkflowOptions({ ...rest, args: [...(args ?? [])] }) as CompiledWorkflowOptions;
}

function resolveSignal(
  signal: SignalDefinition<unknown[]> | string,
  callSiteTypeInfo: SignalTypeInfo | undefined,
): { name: string; typeInfo?: SignalTypeInfo } {
  if (typeof signal === 'string') {
    if (signal === '') throw new TypeError('Signal name must be a non-empty string');
    return { name: signal, typeInfo: callSiteTypeInfo };
  }
  if (callSiteTypeInfo !== undefined) {
    throw new TypeError(
      'Cannot provide call-site Signal TypeInfo with a Signal definition. ' +
        'Use defineSignal(..., { typeInfo }) on the Signal definition instead.',
    );
  }
  return { name: signal.name, typeInfo: signal.typeInfo };
}

function resolveUpdate(
  def: UpdateDefinition<unknown, unknown[]> | string,
  callSiteTypeInfo: PayloadTypeInfo | undefined,
): { name: string; typeInfo?: PayloadTypeInfo } {
  if (typeof def === 'string') {
    if (def === '') throw new TypeError('Update name must be a non-empty string');
    return { name: def, typeInfo: callSiteTypeInfo };
  }
  if (callSiteTypeInfo !== undefined) {
    throw new TypeError(
      'Cannot provide call-site Update TypeInfo with an Update definition. ' +
        'Define TypeInfo when creating the Update definition instead.',
    );
  }
  return { name: def.name, typeInfo: def.typeInfo };
}

/** Errors raised on the client before or instead of a call (conversion, validation), passed through as is. */
function isClientSideError(err: Error): boolean {
  return err instanceof TypeError || err.name === 'ValueError' || err.name === 'PayloadConverterError';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function describeValue(value: unknown): string {
  if (value === '') return 'an empty string';
  if (value === null) return 'null';
  return typeof value === 'string' ? `'${value}'` : typeof value;
}
