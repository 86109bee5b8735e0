/**
 * {@link WorkflowClient}: starts Workflows and interacts with them through {@link WorkflowHandle}s.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';
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
import { BaseClient, settleClientOptions } from './base-client';
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
import type {
  InternalWorkflowQueryInput,
  InternalWorkflowQueryOptions,
  InternalWorkflowSignalInput,
  InternalWorkflowSignalOptions,
} from './internal';
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

  /** Builds a handle for an Update sent earlier, knowing only its id; nothing is sent to the server. */
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

/** Book-keeping of a {@link WithStartWorkflowOperation} that only the client touches. */
interface StartOperationLatch {
  /** Set once the operation has been handed to a client call; an operation cannot be reused. */
  claimed: boolean;
  deliver(handle: WorkflowHandle<Workflow>): void;
  abandon(reason: unknown): void;
}

const startOperationLatches = new WeakMap<object, StartOperationLatch>();

function latchOf(operation: object): StartOperationLatch {
  const latch = startOperationLatches.get(operation);
  if (latch === undefined) throw new TypeError('`startWorkflowOperation` must be a WithStartWorkflowOperation');
  return latch;
}

/**
 * Describes the Workflow to start in an update-with-start call ({@link WorkflowClient.startUpdateWithStart},
 * {@link WorkflowClient.executeUpdateWithStart}). The options must name a `workflowIdConflictPolicy`. Each
 * instance goes into exactly one call; afterwards {@link workflowHandle} gives the Workflow's handle, or the
 * reason the start part failed.
 */
export class WithStartWorkflowOperation<T extends Workflow> {
  private readonly eventualHandle: Promise<WorkflowHandle<T>>;

  constructor(
    /** The Workflow to start, as a function or a type name. */
    public workflowTypeOrFunc: string | T,
    /** Start options; `workflowIdConflictPolicy` is required. */
    public options: WorkflowStartOptions<T> & { workflowIdConflictPolicy: WorkflowIdConflictPolicy },
  ) {
    this.eventualHandle = new Promise<WorkflowHandle<T>>((deliver, abandon) => {
      startOperationLatches.set(this, {
        claimed: false,
        deliver: deliver as (handle: WorkflowHandle<Workflow>) => void,
        abandon,
      });
    });
    // The caller might never ask for the handle; a failed start must not surface as an unhandled rejection.
    this.eventualHandle.catch(() => undefined);
  }

  /** Resolves to the handle of the Workflow that was started (or found running, with `USE_EXISTING`). */
  async workflowHandle(): Promise<WorkflowHandle<T>> {
    return await this.eventualHandle;
  }
}

/** What the history of a closed run says happens next when waiting for a result. */
type CloseEventVerdict = { next: string } | { settle: () => Promise<unknown> };

const ACCEPTED_STAGE = UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;

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
    this.options = settleClientOptions<LoadedWorkflowClientOptions>(options, this.dataConverter, {
      interceptors: [],
      queryRejectCondition: 'NONE',
    });
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
    const input: WorkflowStartInput = {
      workflowType: workflowTypeOptions.type,
      options: compileStartOptions({ ...options, typeInfo: workflowTypeOptions.typeInfo }),
      headers: {},
    };
    const withDetails = interceptors.map((each) => adaptWorkflowClientInterceptor(each));
    return await composeInterceptors(withDetails, 'startWithDetails', (i) => this._startWorkflowHandler(i))(input);
  }

  /** Validates and compiles the options, then runs the signal-with-start interceptor chain; returns the run id. */
  protected async _signalWithStart<T extends Workflow, SA extends unknown[]>(
    workflowTypeOrFunc: string | T,
    options: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SA>>,
    interceptors: WorkflowClientInterceptor[],
  ): Promise<string> {
    const {
      signal: signalDef,
      signalArgs,
      signalTypeInfo: callSiteSignalTypes,
      ...startOptions
    } = options as WorkflowSignalWithStartOptions<SA> & { signalTypeInfo?: SignalTypeInfo; args?: unknown[] };
    const signal = resolveSignal(signalDef, callSiteSignalTypes);
    const workflow = extractWorkflowTypeAndConfig(workflowTypeOrFunc, startOptions.typeInfo);
    const input: WorkflowSignalWithStartInput = {
      workflowType: workflow.type,
      options: compileStartOptions({ ...(startOptions as WorkflowOptions), typeInfo: workflow.typeInfo }),
      headers: {},
      signalName: signal.name,
      signalArgs: (signalArgs as unknown[] | undefined) ?? [],
      signalTypeInfo: signal.typeInfo,
    };
    const run = composeInterceptors(interceptors, 'signalWithStart', (i) => this._signalWithStartWorkflowHandler(i));
    return await run(input);
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
    const { workflowId, interceptors, typeOptions } = this.prepareStart(workflowTypeOrFunc, options);
    const started = await this._start(typeOptions, options, interceptors);
    const handle = this._createWorkflowHandle<T>({
      workflowId,
      runId: undefined,
      firstExecutionRunId: started.runId,
      runIdForResult: started.runId,
      interceptors,
      followRuns: options.followRuns ?? true,
      typeInfo: typeOptions.typeInfo,
    });
    return Object.assign(handle, { firstExecutionRunId: started.runId, eagerlyStarted: started.eagerlyStarted });
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
    const { workflowId, interceptors, typeOptions } = this.prepareStart(workflowTypeOrFunc, options);
    const signaledRunId = await this._signalWithStart(workflowTypeOrFunc, options, interceptors);
    // The run that got the Signal may be part of a chain that started earlier, so its first run is not known.
    const handle = this._createWorkflowHandle<WorkflowFn>({
      workflowId,
      runId: undefined,
      firstExecutionRunId: undefined,
      runIdForResult: signaledRunId,
      interceptors,
      followRuns: options.followRuns ?? true,
      typeInfo: typeOptions.typeInfo,
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
    const options = { ...updateOptions, waitForStage: WorkflowUpdateStage.COMPLETED };
    return await (await this._startUpdateWithStart(updateDef, options)).result();
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
      startWorkflowOperation: operation,
      typeInfo,
      ...updateOptions
    } = updateWithStartOptions;
    const latch = latchOf(operation);
    const update = resolveUpdate(updateDef, typeInfo);
    if (latch.claimed) throw new Error('This WithStartWorkflowOperation instance has already been executed.');
    const startOptions = operation.options;
    assertRequiredWorkflowOptions(startOptions);
    if (!startOptions.workflowIdConflictPolicy) {
      throw new TypeError('WithStartWorkflowOperation requires `workflowIdConflictPolicy`');
    }
    const { workflowId } = startOptions;
    const workflow = extractWorkflowTypeAndConfig(operation.workflowTypeOrFunc, startOptions.typeInfo);
    const workflowStartOptions = compileStartOptions({ ...startOptions, typeInfo: workflow.typeInfo });
    latch.claimed = true;

    const interceptors = this.getOrMakeInterceptors(workflowId);
    const announceStart = (startResponse: temporal.api.workflowservice.v1.IStartWorkflowExecutionResponse) => {
      const handle = this._createWorkflowHandle<T>({
        workflowId,
        firstExecutionRunId: startResponse.runId ?? undefined,
        interceptors,
        followRuns: startOptions.followRuns ?? true,
        typeInfo: workflow.typeInfo,
      });
      latch.deliver(handle as WorkflowHandle<Workflow>);
    };
    const run = composeInterceptors(interceptors, 'startUpdateWithStart', (i) =>
      this._updateWithStartHandler(waitForStage, announceStart, (err) => latch.abandon(err), i),
    );
    const output = await run({
      workflowType: workflow.type,
      workflowStartOptions,
      workflowStartHeaders: {},
      updateName: update.name,
      updateArgs: (args as unknown[] | undefined) ?? [],
      updateTypeInfo: update.typeInfo,
      updateOptions,
      updateHeaders: {},
    });
    const runId = output.workflowExecution.runId;
    const outcome = await this.outcomeFor(waitForStage, output.updateOutcome, output.updateId, workflowId, runId);
    return this.createWorkflowUpdateHandle<Ret>(
      output.updateId,
      workflowId,
      runId,
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
    const { workflowId, interceptors, typeOptions } = this.prepareStart(workflowTypeOrFunc, options);
    const { runId } = await this._start(typeOptions, options, interceptors);
    return await this.result<T>(workflowId, runId, {
      followRuns: options.followRuns ?? true,
      typeInfo: typeOptions.typeInfo,
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
    const followRuns = opts?.followRuns ?? true;
    const context = this.workflowSerializationContext(workflowId);
    let currentRun = runId;
    for (;;) {
      const closeEvent = await this.awaitCloseEvent({ workflowId, runId: currentRun }, { workflowId, runId });
      const verdict = this.judgeCloseEvent(closeEvent, followRuns, context, opts?.typeInfo);
      if ('next' in verdict) {
        currentRun = verdict.next;
        continue;
      }
      return (await verdict.settle()) as WorkflowResultType<T>;
    }
  }

  /**
   * Long-polls the history of one run for its close event. `reportAs` is the execution named in errors (the
   * one the caller asked about, which may differ from the run being followed).
   */
  private async awaitCloseEvent(
    execution: WorkflowExecution,
    reportAs: WorkflowExecution,
  ): Promise<temporal.api.history.v1.IHistoryEvent> {
    let nextPageToken: Uint8Array | null | undefined;
    for (;;) {
      const page = await this.callOrRethrow('Failed to get Workflow execution history', reportAs, () =>
        this.workflowService.getWorkflowExecutionHistory({
          namespace: this.options.namespace,
          execution,
          skipArchival: true,
          waitNewEvent: true,
          historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
          nextPageToken,
        }),
      );
      const events = page.history?.events ?? [];
      if (events.length === 1) return events[0];
      if (events.length > 1) {
        throw new Error(`Expected a single close event in the history page, received ${events.length}`);
      }
      // The long poll timed out with the run still open: resume from where the server stopped.
      nextPageToken = page.nextPageToken;
    }
  }

  /**
   * Decides what a close event means for `result()`: move on to the next run of the chain, or finish with
   * the run's value or with the error that describes how the run ended.
   */
  private judgeCloseEvent(
    event: temporal.api.history.v1.IHistoryEvent,
    followRuns: boolean,
    context: WorkflowSerializationContext,
    typeInfo: PayloadTypeInfo | undefined,
  ): CloseEventVerdict {
    const converter = this.dataConverter;
    const fail = (error: Error): CloseEventVerdict => ({ settle: () => Promise.reject(error) });
    const chained = (successor: string | null | undefined): string | undefined =>
      followRuns && successor ? successor : undefined;

    const completed = event.workflowExecutionCompletedEventAttributes;
    if (completed) {
      const next = chained(completed.newExecutionRunId);
      if (next !== undefined) return { next };
      return {
        settle: () =>
          decodeFromPayloadsAtIndex(converter, 0, completed.result?.payloads, context, typeInfo?.outputType),
      };
    }

    const failed = event.workflowExecutionFailedEventAttributes;
    if (failed) {
      const next = chained(failed.newExecutionRunId);
      if (next !== undefined) return { next };
      return {
        settle: async () => {
          const cause = await decodeOptionalFailureToOptionalError(converter, failed.failure, context);
          throw new WorkflowFailedError('Workflow execution failed', cause, decodeRetryState(failed.retryState));
        },
      };
    }

    const canceled = event.workflowExecutionCanceledEventAttributes;
    if (canceled) {
      return {
        settle: async () => {
          const details = await decodeArrayFromPayloads(converter, canceled.details?.payloads, context);
          const cause = withoutStack(new CancelledFailure('Workflow canceled', details));
          throw new WorkflowFailedError('Workflow execution cancelled', cause, RetryState.NON_RETRYABLE_FAILURE);
        },
      };
    }

    const terminated = event.workflowExecutionTerminatedEventAttributes;
    if (terminated) {
      const reason = terminated.reason || 'Workflow execution terminated';
      const cause = withoutStack(new TerminatedFailure(reason));
      return fail(new WorkflowFailedError(reason, cause, RetryState.NON_RETRYABLE_FAILURE));
    }

    const timedOut = event.workflowExecutionTimedOutEventAttributes;
    if (timedOut) {
      const next = chained(timedOut.newExecutionRunId);
      if (next !== undefined) return { next };
      const cause = withoutStack(
        new TimeoutFailure('Workflow execution timed out', undefined, TimeoutType.START_TO_CLOSE),
      );
      return fail(
        new WorkflowFailedError('Workflow execution timed out', cause, decodeRetryState(timedOut.retryState)),
      );
    }

    const continued = event.workflowExecutionContinuedAsNewEventAttributes;
    if (continued) {
      const successor = continued.newExecutionRunId;
      if (!successor) {
        throw new TypeError('The continued-as-new event of the history names no new run id');
      }
      if (followRuns) return { next: successor };
      return fail(new WorkflowContinuedAsNewError('Workflow execution continued as new', successor));
    }

    throw new TypeError(`History ended with event type ${event.eventType}, which does not close a Workflow`);
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
    const interruption = describeInterruptedUpdateCall(err);
    if (interruption !== undefined) {
      throw new WorkflowUpdateRPCTimeoutOrCancelledError(interruption || 'Workflow update call timeout or cancelled', {
        cause: err as Error,
      });
    }
    this.rethrowGrpcError(err, fallbackMessage, workflowExecution);
  }

  /**
   * Maps a gRPC error to the client's errors: {@link NamespaceNotFoundError} from the details, NOT_FOUND to
   * {@link WorkflowNotFoundError}, anything else to {@link ServiceError} with `fallbackMessage`.
   */
  protected rethrowGrpcError(err: unknown, fallbackMessage: string, workflowExecution?: WorkflowExecution): never {
    if (!isGrpcServiceError(err)) {
      const passThrough = err instanceof Error && isClientSideError(err) && !(err instanceof ServiceError);
      if (passThrough) throw err;
      throw new ServiceError('Unexpected error while making gRPC request', { cause: asError(err) });
    }
    rethrowKnownErrorTypes(err);
    if (err.code !== grpcStatus.NOT_FOUND) throw new ServiceError(fallbackMessage, { cause: err });
    const workflowId = workflowExecution?.workflowId ?? '';
    throw new WorkflowNotFoundError(err.details || 'Workflow not found', workflowId, workflowExecution?.runId);
  }

  /** Runs one service call and converts what it throws with {@link rethrowGrpcError}. */
  private async callOrRethrow<R>(
    failureMessage: string,
    execution: WorkflowExecution | undefined,
    call: () => Promise<R>,
  ): Promise<R> {
    try {
      return await call();
    } catch (err) {
      this.rethrowGrpcError(err, failureMessage, execution);
    }
  }

  /** Encodes values as the `Payloads` message of a request. */
  private async payloadsOf(
    context: WorkflowSerializationContext,
    values: unknown[],
    types?: readonly TypeInfo[],
  ): Promise<temporal.api.common.v1.IPayloads> {
    return { payloads: await encodeToPayloadsWithContext(this.dataConverter, context, values, types) };
  }

  /** Sends a Query; the end of the query interceptor chain. */
  protected async _queryWorkflowHandler(input: WorkflowQueryInput): Promise<unknown> {
    const { workflowExecution, typeInfo } = input;
    const context = this.workflowSerializationContext(workflowExecution.workflowId);
    const queryArgs = await this.payloadsOf(context, input.args, typeInfo?.inputTypes);
    const response = await this.workflowService
      .queryWorkflow({
        namespace: this.options.namespace,
        execution: workflowExecution,
        queryRejectCondition: input.queryRejectCondition,
        query: { queryType: input.queryType, queryArgs, header: { fields: input.headers } },
      })
      .catch((err: unknown) => {
        if (isGrpcServiceError(err)) {
          rethrowKnownErrorTypes(err);
          const workerFailure = queryFailureReportedByWorker(err);
          if (workerFailure) throw workerFailure;
        }
        return this.rethrowGrpcError(err, 'Failed to query Workflow', workflowExecution);
      });
    const internal = (input as InternalWorkflowQueryInput)[InternalWorkflowQueryOptionsSymbol];
    if (internal !== undefined) internal.responseLink = linkOf(response);
    const rejection = response.queryRejected;
    if (rejection) {
      if (rejection.status == null) throw new TypeError('The server rejected the Query without giving a status');
      throw new QueryRejectedError(rejection.status);
    }
    if (!response.queryResult) throw new TypeError('Invalid response from server');
    return await decodeFromPayloadsAtIndex(
      this.dataConverter,
      0,
      response.queryResult.payloads,
      context,
      typeInfo?.outputType,
    );
  }

  /** Builds an `UpdateWorkflowExecution` request. */
  protected async _createUpdateWorkflowRequest(
    lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
    input: WorkflowStartUpdateInput,
  ): Promise<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const extras = internalUpdateOptionsOf(input);
    const updateRequest: temporal.api.update.v1.IRequest = {
      meta: { updateId: input.options?.updateId ?? randomUUID(), identity: this.options.identity },
      input: {
        name: input.updateName,
        header: { fields: input.headers },
        args: await this.payloadsOf(context, input.args, input.typeInfo?.inputTypes),
      },
    };
    if (extras !== undefined) {
      const { requestId, completionCallbacks, links } = extras;
      Object.assign(updateRequest, filterNullAndUndefined({ requestId, completionCallbacks, links }));
    }
    return {
      namespace: this.options.namespace,
      workflowExecution: input.workflowExecution,
      firstExecutionRunId: input.firstExecutionRunId,
      waitPolicy: { lifecycleStage },
      request: updateRequest,
    };
  }

  /**
   * Sends an Update and waits until it is at least accepted; the end of the startUpdate interceptor chain.
   */
  protected async _startUpdateHandler(
    waitForStage: WorkflowUpdateStage,
    input: WorkflowStartUpdateInput,
  ): Promise<WorkflowStartUpdateOutput> {
    // ADMITTED alone is not durable, so never ask the server for less than ACCEPTED.
    const stage = Math.max(encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED_STAGE, ACCEPTED_STAGE);
    const request = await this._createUpdateWorkflowRequest(stage, input);
    let response: temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse | undefined;
    try {
      while (response === undefined || (response.stage ?? 0) < ACCEPTED_STAGE) {
        response = await this.workflowService.updateWorkflowExecution(request);
      }
    } catch (err) {
      this.rethrowUpdateGrpcError(err, 'Workflow Update failed', input.workflowExecution);
    }
    const outcome = response.outcome ?? undefined;
    const extras = internalUpdateOptionsOf(input);
    if (extras !== undefined) Object.assign(extras, { responseLink: linkOf(response), outcome });
    return {
      updateId: request.request?.meta?.updateId ?? '',
      workflowRunId: response.updateRef?.workflowExecution?.runId ?? '',
      outcome,
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
    const { workflowId } = input.workflowStartOptions;
    const target: WorkflowExecution = { workflowId };
    let startSeen = false;
    try {
      const startWorkflow = await this.createStartWorkflowRequest({
        workflowType: input.workflowType,
        options: input.workflowStartOptions,
        headers: input.workflowStartHeaders,
      });
      const updateWorkflow = await this._createUpdateWorkflowRequest(
        encodeWorkflowUpdateStage(waitForStage) ?? ACCEPTED_STAGE,
        {
          workflowExecution: target,
          updateName: input.updateName,
          args: input.updateArgs,
          typeInfo: input.updateTypeInfo,
          options: input.updateOptions,
          headers: input.updateHeaders,
        },
      );
      const request = {
        namespace: this.options.namespace,
        operations: [{ startWorkflow }, { updateWorkflow }],
      };
      let update: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse | null | undefined;
      for (;;) {
        const [startPart, updatePart] = (await this.workflowService.executeMultiOperation(request)).responses ?? [];
        if (startPart?.startWorkflow && !startSeen) {
          startSeen = true;
          onStart(startPart.startWorkflow);
        }
        update = updatePart?.updateWorkflow;
        if ((update?.stage ?? 0) >= ACCEPTED_STAGE) break;
      }
      const updatedExecution = update?.updateRef?.workflowExecution;
      return {
        workflowExecution: {
          workflowId: updatedExecution?.workflowId ?? workflowId,
          runId: updatedExecution?.runId ?? undefined,
        },
        updateId: updateWorkflow.request?.meta?.updateId ?? '',
        updateOutcome: update?.outcome ?? undefined,
        updateOutputTypeInfo: input.updateTypeInfo?.outputType,
      };
    } catch (thrown) {
      const err = classifyUpdateWithStartError(thrown, workflowId, input.workflowType);
      if (!startSeen) onStartError(err);
      if (!isGrpcServiceError(err)) throw err;
      this.rethrowUpdateGrpcError(err, 'Update-With-Start failed', target);
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
    const result = async (): Promise<Ret> => {
      const known = outcome ?? (await this._pollForUpdateOutcome(updateId, { workflowId, runId: workflowRunId }));
      if (!known.failure) {
        const types = outputTypeInfo as TypeInfo<Ret> | undefined;
        return await decodeFromPayloadsAtIndex<Ret>(this.dataConverter, 0, known.success?.payloads, context, types);
      }
      const cause = await decodeOptionalFailureToOptionalError(this.dataConverter, known.failure, context);
      throw new WorkflowUpdateFailedError('Workflow Update failed', cause);
    };
    return { updateId, workflowId, workflowRunId, result };
  }

  /** Polls an Update until the server reports its outcome. */
  protected async _pollForUpdateOutcome(
    updateId: string,
    workflowExecution: temporal.api.common.v1.IWorkflowExecution,
  ): Promise<temporal.api.update.v1.IOutcome> {
    const completedStage = encodeWorkflowUpdateStage(WorkflowUpdateStage.COMPLETED);
    const request: temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest = {
      namespace: this.options.namespace,
      identity: this.options.identity,
      updateRef: { workflowExecution, updateId },
      waitPolicy: { lifecycleStage: completedStage },
    };
    let outcome: temporal.api.update.v1.IOutcome | null | undefined;
    while (!outcome) {
      try {
        ({ outcome } = await this.workflowService.pollWorkflowExecutionUpdate(request));
      } catch (err) {
        const { workflowId, runId } = workflowExecution;
        const named = typeof workflowId === 'string' ? { workflowId, runId: runId ?? undefined } : undefined;
        this.rethrowUpdateGrpcError(err, 'Workflow Update Poll failed', named);
      }
    }
    return outcome;
  }

  /** Sends a Signal; the end of the signal interceptor chain. */
  protected async _signalWorkflowHandler(input: WorkflowSignalInput): Promise<void> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const extras = (input as InternalWorkflowSignalInput)[InternalWorkflowSignalOptionsSymbol];
    const request: temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest = {
      namespace: this.options.namespace,
      identity: this.options.identity,
      requestId: randomUUID(),
      workflowExecution: input.workflowExecution,
      signalName: input.signalName,
      input: await this.payloadsOf(context, input.args, input.typeInfo?.inputTypes),
      header: { fields: input.headers },
    };
    if (extras?.links) request.links = extras.links;
    const response = await this.callOrRethrow('Failed to signal Workflow', input.workflowExecution, () =>
      this.workflowService.signalWorkflowExecution(request),
    );
    if (extras !== undefined) extras.responseLink = linkOf(response);
  }

  /** Sends signal-with-start; the end of the signalWithStart interceptor chain. Returns the run id. */
  protected async _signalWithStartWorkflowHandler(input: WorkflowSignalWithStartInput): Promise<string> {
    const { options, workflowType } = input;
    const context = this.workflowSerializationContext(options.workflowId);
    const extras = internalStartOptionsOf(options);
    const request: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
      ...(await this.startRequestBase(options, input.headers, context)),
      workflowType: { name: workflowType },
      signalName: input.signalName,
      signalInput: await this.payloadsOf(context, input.signalArgs, input.signalTypeInfo?.inputTypes),
    };
    if (extras?.links) request.links = extras.links;
    const response = await this.workflowService
      .signalWithStartWorkflowExecution(request)
      .catch((err: unknown) => this.rethrowStartError(err, options.workflowId, workflowType, 'signalWithStart'));
    if (extras !== undefined) {
      extras.responseLink = (response as { signalLink?: temporal.api.common.v1.ILink }).signalLink ?? undefined;
    }
    return response.runId;
  }

  /** Sends `StartWorkflowExecution`; the end of the start interceptor chain. */
  protected async _startWorkflowHandler(input: WorkflowStartInput): Promise<WorkflowStartOutput> {
    const request = await this.createStartWorkflowRequest(input);
    const { options, workflowType } = input;
    const response = await this.workflowService
      .startWorkflowExecution(request)
      .catch((err: unknown) => this.rethrowStartError(err, options.workflowId, workflowType, 'start'));
    const extras = internalStartOptionsOf(options);
    if (extras !== undefined) extras.responseLink = linkOf(response);
    return { runId: response.runId, eagerlyStarted: response.eagerWorkflowTask != null };
  }

  /** A start that found the Workflow running becomes {@link WorkflowExecutionAlreadyStartedError}. */
  private rethrowStartError(err: unknown, workflowId: string, workflowType: string, verb: string): never {
    if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
      throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', workflowId, workflowType);
    }
    this.rethrowGrpcError(err, `Failed to ${verb} Workflow`, { workflowId });
  }

  /** Builds the `StartWorkflowExecution` request of a start. */
  protected async createStartWorkflowRequest(input: WorkflowStartInput): Promise<StartWorkflowExecutionRequest> {
    const { options } = input;
    const connectionTraits = (this.connection as InternalConnectionLike)[InternalConnectionLikeSymbol];
    if (options.requestEagerStart && !connectionTraits?.supportsEagerStart) {
      throw new Error(
        'Eager workflow start requires a NativeConnection shared between client and worker. ' +
          'Pass a NativeConnection via ClientOptions.connection, or disable requestEagerStart.',
      );
    }
    const context = this.workflowSerializationContext(options.workflowId);
    const { responseLink: _notSent, ...sentExtras } = internalStartOptionsOf(options) ?? {};
    return Object.assign(
      await this.startRequestBase(options, input.headers, context),
      { workflowType: { name: input.workflowType }, requestEagerExecution: options.requestEagerStart },
      filterNullAndUndefined(sentExtras),
    );
  }

  /** The fields a start and a signal-with-start request have in common. */
  private async startRequestBase(
    options: CompiledWorkflowOptions,
    headers: WorkflowStartInput['headers'],
    context: WorkflowSerializationContext,
  ) {
    const converter = this.dataConverter;
    const { memo, searchAttributes, typedSearchAttributes, retry, priority } = options;
    const hasSearchAttributes = Boolean(searchAttributes || typedSearchAttributes);
    return {
      namespace: this.options.namespace,
      identity: this.options.identity,
      requestId: randomUUID(),
      workflowId: options.workflowId,
      cronSchedule: options.cronSchedule,
      workflowStartDelay: options.startDelay,
      workflowExecutionTimeout: options.workflowExecutionTimeout,
      workflowRunTimeout: options.workflowRunTimeout,
      workflowTaskTimeout: options.workflowTaskTimeout,
      versioningOverride: options.versioningOverride ?? undefined,
      header: { fields: headers },
      taskQueue: { name: options.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      // Fields below may throw on bad values; they are computed in this order so the first bad one is reported.
      workflowIdReusePolicy: encodeWorkflowIdReusePolicy(options.workflowIdReusePolicy),
      workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(options.workflowIdConflictPolicy),
      input: await this.payloadsOf(context, options.args, options.typeInfo?.inputTypes),
      retryPolicy: retry ? compileRetryPolicy(retry) : undefined,
      memo: memo ? { fields: await encodeMapToPayloads(converter, memo, context) } : undefined,
      searchAttributes: hasSearchAttributes
        ? { indexedFields: encodeUnifiedSearchAttributes(searchAttributes, typedSearchAttributes) }
        : undefined,
      userMetadata: await encodeUserMetadata(converter, options.staticSummary, options.staticDetails, context),
      priority: priority ? compilePriority(priority) : undefined,
    };
  }

  /** Sends `TerminateWorkflowExecution`; the end of the terminate interceptor chain. */
  protected async _terminateWorkflowHandler(
    input: WorkflowTerminateInput,
  ): Promise<TerminateWorkflowExecutionResponse> {
    const context = this.workflowSerializationContext(input.workflowExecution.workflowId);
    const details = input.details ? await this.payloadsOf(context, input.details) : undefined;
    return await this.callOrRethrow('Failed to terminate Workflow', input.workflowExecution, () =>
      this.workflowService.terminateWorkflowExecution({
        namespace: this.options.namespace,
        identity: this.options.identity,
        workflowExecution: input.workflowExecution,
        firstExecutionRunId: input.firstExecutionRunId,
        reason: input.reason,
        details,
      }),
    );
  }

  /** Sends `RequestCancelWorkflowExecution`; the end of the cancel interceptor chain. */
  protected async _cancelWorkflowHandler(input: WorkflowCancelInput): Promise<RequestCancelWorkflowExecutionResponse> {
    return await this.callOrRethrow('Failed to cancel workflow', input.workflowExecution, () =>
      this.workflowService.requestCancelWorkflowExecution({
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        workflowExecution: input.workflowExecution,
        firstExecutionRunId: input.firstExecutionRunId,
      }),
    );
  }

  /** Sends `DescribeWorkflowExecution`; the end of the describe interceptor chain. */
  protected async _describeWorkflowHandler(input: WorkflowDescribeInput): Promise<DescribeWorkflowExecutionResponse> {
    return await this.callOrRethrow('Failed to describe workflow', input.workflowExecution, () =>
      this.workflowService.describeWorkflowExecution({
        namespace: this.options.namespace,
        execution: input.workflowExecution,
      }),
    );
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
    const target = (): WorkflowExecution => ({ workflowId, runId });
    const context = () => this.workflowSerializationContext(workflowId);
    const converter = this.dataConverter;

    const sendUpdate = async (
      def: UpdateDefinition<unknown, unknown[]> | string,
      stage: WorkflowUpdateStage,
      options: (WorkflowUpdateOptions & { args?: unknown[]; waitForStage?: WorkflowUpdateStage }) | undefined,
    ): Promise<WorkflowUpdateHandle<unknown>> => {
      const { args, typeInfo: callSiteTypes, waitForStage: _stage, ...updateOptions } = options ?? {};
      const update = resolveUpdate(def, callSiteTypes);
      const run = composeInterceptors(interceptors, 'startUpdate', (i) => this._startUpdateHandler(stage, i));
      const sent = await run({
        workflowExecution: target(),
        firstExecutionRunId,
        updateName: update.name,
        args: args ?? [],
        typeInfo: update.typeInfo,
        options: updateOptions,
        headers: {},
      });
      const outcome = await this.outcomeFor(stage, sent.outcome, sent.updateId, workflowId, sent.workflowRunId);
      return this.createWorkflowUpdateHandle(
        sent.updateId,
        workflowId,
        sent.workflowRunId,
        outcome,
        sent.outputTypeInfo,
      );
    };

    // Internal options (Nexus links) travel on the handle object itself, under the internal symbols.
    const sendSignal = async (name: string, args: unknown[], typeInfo: SignalTypeInfo | undefined) => {
      const run = composeInterceptors(interceptors, 'signal', (i) => this._signalWorkflowHandler(i));
      const input: InternalWorkflowSignalInput = {
        workflowExecution: target(),
        signalName: name,
        args,
        typeInfo,
        headers: {},
        [InternalWorkflowSignalOptionsSymbol]: (handle as InternalWorkflowSignalOptions)[
          InternalWorkflowSignalOptionsSymbol
        ],
      };
      await run(input);
    };

    const sendQuery = async (name: string, args: unknown[], typeInfo: PayloadTypeInfo | undefined) => {
      const run = composeInterceptors(interceptors, 'query', (i) => this._queryWorkflowHandler(i));
      const input: InternalWorkflowQueryInput = {
        workflowExecution: target(),
        queryRejectCondition: encodeQueryRejectCondition(this.options.queryRejectCondition),
        queryType: name,
        args,
        typeInfo,
        headers: {},
        [InternalWorkflowQueryOptionsSymbol]: (handle as InternalWorkflowQueryOptions)[
          InternalWorkflowQueryOptionsSymbol
        ],
      };
      return await run(input);
    };

    const describe = async (): Promise<WorkflowExecutionDescription> => {
      const run = composeInterceptors(interceptors, 'describe', (i) => this._describeWorkflowHandler(i));
      const raw = await run({ workflowExecution: target() });
      const namespace = this.options.namespace;
      const info = await executionInfoFromRaw(raw.workflowExecutionInfo ?? {}, converter, raw, namespace);
      const metadata = raw.executionConfig?.userMetadata;
      const decodeText = async (payload: temporal.api.common.v1.IPayload | null | undefined) =>
        (await decodeOptionalSinglePayload<string>(converter, payload, context())) ?? undefined;
      return {
        ...info,
        staticSummary: () => decodeText(metadata?.summary),
        staticDetails: () => decodeText(metadata?.details),
        raw,
      };
    };

    const fetchHistory = async (): Promise<History> => {
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await this.callOrRethrow('Failed to get Workflow execution history', target(), () =>
          this.workflowService.getWorkflowExecutionHistory({
            namespace: this.options.namespace,
            execution: target(),
            nextPageToken,
          }),
        );
        for (const event of page.history?.events ?? []) events.push(event);
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      return temporal.api.history.v1.History.create({ events });
    };

    const nameAndTypes = <Types>(def: { name: string; typeInfo?: Types } | string): { name: string; types?: Types } =>
      typeof def === 'string' ? { name: def } : { name: def.name, types: def.typeInfo };

    const handle = {
      client: this,
      workflowId,
      result: async (): Promise<WorkflowResultType<T>> =>
        await this.result<T>(workflowId, runIdForResult, resultOptions),
      terminate: async (reason?: string): Promise<TerminateWorkflowExecutionResponse> => {
        const run = composeInterceptors(interceptors, 'terminate', (i) => this._terminateWorkflowHandler(i));
        return await run({ workflowExecution: target(), reason, firstExecutionRunId });
      },
      cancel: async (): Promise<RequestCancelWorkflowExecutionResponse> => {
        const run = composeInterceptors(interceptors, 'cancel', (i) => this._cancelWorkflowHandler(i));
        return await run({ workflowExecution: target(), firstExecutionRunId });
      },
      describe,
      fetchHistory,
      startUpdate: async (
        def: UpdateDefinition<unknown, unknown[]> | string,
        options: WorkflowUpdateOptions & { args?: unknown[]; waitForStage: WorkflowUpdateStage },
      ): Promise<WorkflowUpdateHandle<unknown>> => {
        const stage = options?.waitForStage;
        if (stage !== WorkflowUpdateStage.ACCEPTED) {
          throw new TypeError(`startUpdate only supports waitForStage: 'ACCEPTED', got ${String(stage)}`);
        }
        return await sendUpdate(def, stage, options);
      },
      executeUpdate: async (
        def: UpdateDefinition<unknown, unknown[]> | string,
        options?: WorkflowUpdateOptions & { args?: unknown[] },
      ): Promise<unknown> => await (await sendUpdate(def, WorkflowUpdateStage.COMPLETED, options)).result(),
      getUpdateHandle: <Ret>(updateId: string, options?: GetWorkflowUpdateHandleOptions): WorkflowUpdateHandle<Ret> => {
        if (typeof updateId !== 'string' || updateId === '') {
          throw new TypeError('`updateId` must be a non-empty string');
        }
        const updateRunId = options?.workflowRunId ?? runId;
        return this.createWorkflowUpdateHandle<Ret>(
          updateId,
          workflowId,
          updateRunId,
          undefined,
          options?.typeInfo?.outputType,
        );
      },
      signal: async (def: SignalDefinition<unknown[]> | string, ...args: unknown[]): Promise<void> => {
        const { name, types } = nameAndTypes(def);
        await sendSignal(name, args, types);
      },
      signalWithOptions: async (signalName: string, options: WorkflowSignalOptions<unknown[]>): Promise<void> => {
        await sendSignal(signalName, options.args ?? [], options.typeInfo);
      },
      query: async (def: QueryDefinition<unknown, unknown[]> | string, ...args: unknown[]): Promise<unknown> => {
        const { name, types } = nameAndTypes(def);
        return await sendQuery(name, args, types);
      },
      queryWithOptions: async (queryName: string, options: WorkflowQueryOptions<unknown[]>): Promise<unknown> =>
        await sendQuery(queryName, options.args ?? [], options.typeInfo),
    };
    return handle as unknown as WorkflowHandle<T>;
  }

  /**
   * The outcome to give an Update handle: the one the server already sent, or, when the caller waits for
   * completion and there is none yet, the one obtained by polling.
   */
  private async outcomeFor(
    stage: WorkflowUpdateStage,
    known: temporal.api.update.v1.IOutcome | undefined,
    updateId: string,
    workflowId: string,
    runId: string | undefined,
  ): Promise<temporal.api.update.v1.IOutcome | undefined> {
    if (known || stage !== WorkflowUpdateStage.COMPLETED) return known;
    return await this._pollForUpdateOutcome(updateId, { workflowId, runId });
  }

  /** Checks the options of a start-like call and works out what every such call needs first. */
  private prepareStart(
    workflowTypeOrFunc: string | Workflow,
    options: { workflowId: string; typeInfo?: PayloadTypeInfo },
  ): { workflowId: string; interceptors: WorkflowClientInterceptor[]; typeOptions: WorkflowTypeOptions } {
    assertRequiredWorkflowOptions(options);
    const { workflowId } = options;
    const interceptors = this.getOrMakeInterceptors(workflowId);
    const typeOptions = extractWorkflowTypeAndConfig(workflowTypeOrFunc, options.typeInfo);
    return { workflowId, interceptors, typeOptions };
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
    const firstExecutionRunId = options?.firstExecutionRunId;
    return this._createWorkflowHandle<T>({
      workflowId,
      runId,
      firstExecutionRunId,
      runIdForResult: runId ?? firstExecutionRunId,
      interceptors: this.getOrMakeInterceptors(workflowId, runId),
      followRuns: options?.followRuns ?? true,
      typeInfo: options?.typeInfo,
    });
  }

  /** Pages through `ListWorkflowExecutions`. */
  protected async *_list(options?: ListOptions): AsyncIterable<WorkflowExecutionInfo> {
    const { namespace } = this.options;
    let nextPageToken: Uint8Array | null | undefined = new Uint8Array();
    do {
      const token: Uint8Array | null | undefined = nextPageToken;
      const page: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse = await this.callOrRethrow(
        'Failed to list workflows',
        undefined,
        () =>
          this.workflowService.listWorkflowExecutions({
            namespace,
            query: options?.query,
            pageSize: options?.pageSize,
            nextPageToken: token,
          }),
      );
      for (const raw of page.executions) {
        yield await executionInfoFromRaw(raw, this.dataConverter, raw, namespace);
      }
      nextPageToken = page.nextPageToken;
    } while (nextPageToken && nextPageToken.length > 0);
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
    const pageSize = options?.pageSize;
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 0)) {
      throw new TypeError(`\`pageSize\` must be a non-negative integer, got ${String(pageSize)}`);
    }
    const historyOf = async (info: WorkflowExecutionInfo): Promise<HistoryAndWorkflowId> => ({
      workflowId: info.workflowId,
      history: await this.getHandle(info.workflowId, info.runId).fetchHistory(),
    });
    return {
      [Symbol.asyncIterator]: () => this._list(options)[Symbol.asyncIterator](),
      intoHistories: (historyOptions?: IntoHistoriesOptions) =>
        mapAsyncIterable(this._list(options), historyOf, {
          concurrency: historyOptions?.concurrency ?? 5,
          bufferLimit: historyOptions?.bufferLimit,
        }),
    };
  }

  /**
   * Counts Workflow executions matching a visibility query (all of the namespace's without one). With
   * `GROUP BY ExecutionStatus`, `groups` has the count per status. Eventually consistent.
   */
  async count(query?: string): Promise<CountWorkflowExecution> {
    const response = await this.callOrRethrow('Failed to count workflows', undefined, () =>
      this.workflowService.countWorkflowExecutions({ namespace: this.options.namespace, query }),
    );
    return decodeCountWorkflowExecutionsResponse(response);
  }

  /** The interceptors of a handle: the configured list, or the ones the deprecated factories make for it. */
  protected getOrMakeInterceptors(workflowId: string, runId?: string): WorkflowClientInterceptor[] {
    const configured = this.options.interceptors;
    if (Array.isArray(configured)) return configured;
    const factories = typeof configured === 'object' && configured !== null && 'calls' in configured;
    if (!factories) return [];
    return (configured.calls ?? []).map((makeInterceptor) => makeInterceptor({ workflowId, runId }));
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

/** Internal start extras carried by compiled start options, if any. */
function internalStartOptionsOf(options: CompiledWorkflowOptions) {
  return (options as CompiledWorkflowOptions & InternalWorkflowStartOptions)[InternalWorkflowStartOptionsSymbol];
}

/** Internal update extras carried by the update options of an interceptor input, if any. */
function internalUpdateOptionsOf(input: WorkflowStartUpdateInput) {
  return (input.options as InternalWorkflowUpdateOptions | undefined)?.[InternalWorkflowUpdateOptionsSymbol];
}

/** The `link` field some responses carry (servers that do not know it leave it out). */
function linkOf(response: object): temporal.api.common.v1.ILink | undefined {
  return (response as { link?: temporal.api.common.v1.ILink | null }).link ?? undefined;
}

/**
 * The worker's explanation of a failed Query (no handler for it, or the handler threw) arrives as an
 * INVALID_ARGUMENT status; the message then reads best without the status prefix grpc-js adds.
 */
function queryFailureReportedByWorker(err: GrpcServiceError): QueryNotRegisteredError | undefined {
  if (err.code !== grpcStatus.INVALID_ARGUMENT) return undefined;
  const prefix = `${err.code} ${grpcStatus[err.code]}: `;
  const text = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return new QueryNotRegisteredError(text, err.code);
}

/** Failures built from close events describe the server's record, not a place in this process. */
function withoutStack<E extends Error>(error: E): E {
  error.stack = '';
  return error;
}

/**
 * The text to report when an Update call ran out of time or was cancelled (possibly empty), or `undefined`
 * when `err` is some other error.
 */
function describeInterruptedUpdateCall(err: unknown): string | undefined {
  if (isGrpcServiceError(err)) {
    const interrupted = err.code === grpcStatus.DEADLINE_EXCEEDED || err.code === grpcStatus.CANCELLED;
    if (interrupted) return err.details ?? '';
  }
  if (err instanceof CancelledFailure) return err.message ?? '';
  return undefined;
}

/**
 * Turns what an `ExecuteMultiOperation` call threw into the error to report: the failing operation's own
 * status replaces the combined one, and a start that found the Workflow running becomes
 * {@link WorkflowExecutionAlreadyStartedError}.
 */
function classifyUpdateWithStartError(thrown: unknown, workflowId: string, workflowType: string): unknown {
  if (!isGrpcServiceError(thrown)) return thrown;
  let err: unknown;
  try {
    rethrowKnownErrorTypes(thrown);
    err = thrown;
  } catch (specific) {
    err = specific;
  }
  if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) {
    return new WorkflowExecutionAlreadyStartedError('Workflow execution already started', workflowId, workflowType);
  }
  return err;
}

function assertWorkflowId(workflowId: unknown): asserts workflowId is string {
  if (typeof workflowId === 'string' && workflowId !== '') return;
  let got: string = typeof workflowId;
  if (workflowId === '') got = 'an empty string';
  else if (workflowId === null) got = 'null';
  throw new TypeError(`Workflow id must be a non-empty string, got ${got}`);
}

/** Checks the two options every start needs; the messages name the missing option. */
function assertRequiredWorkflowOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('Missing WorkflowOptions');
  const record = options as Record<string, unknown>;
  for (const key of ['taskQueue', 'workflowId']) {
    const value = record[key];
    if (!value) throw new TypeError(`Missing WorkflowOptions.${key}`);
    if (typeof value !== 'string') throw new TypeError(`WorkflowOptions.${key} must be a string`);
  }
}

/** Validates options and compiles them; `args` defaults to `[]`. */
function compileStartOptions(options: WorkflowOptions & { args?: readonly unknown[] }): CompiledWorkflowOptions {
  assertRequiredWorkflowOptions(options);
  const { args = [], ...others } = options;
  if (!Array.isArray(args)) throw new TypeError('WorkflowOptions.args must be an array');
  return compileWorkflowOptions({ ...others, args: Array.from(args) }) as CompiledWorkflowOptions;
}

/**
 * Name and type information of a Signal or Update given by definition or by name. Call-site type
 * information only goes with a name: a definition carries its own.
 */
function resolveDefinition<Types>(
  def: { name: string; typeInfo?: Types } | string,
  callSiteTypeInfo: Types | undefined,
  messages: { emptyName: string; conflictingTypes: string },
): { name: string; typeInfo?: Types } {
  if (typeof def !== 'string') {
    if (callSiteTypeInfo !== undefined) throw new TypeError(messages.conflictingTypes);
    return { name: def.name, typeInfo: def.typeInfo };
  }
  if (def.length === 0) throw new TypeError(messages.emptyName);
  return { name: def, typeInfo: callSiteTypeInfo };
}

const signalDefinitionMessages = {
  emptyName: 'Signal name must be a non-empty string',
  conflictingTypes:
    'Cannot provide call-site Signal TypeInfo with a Signal definition. ' +
    'Use defineSignal(..., { typeInfo }) on the Signal definition instead.',
};

const updateDefinitionMessages = {
  emptyName: 'Update name must be a non-empty string',
  conflictingTypes:
    'Cannot provide call-site Update TypeInfo with an Update definition. ' +
    'Define TypeInfo when creating the Update definition instead.',
};

function resolveSignal(signal: SignalDefinition<unknown[]> | string, callSiteTypeInfo: SignalTypeInfo | undefined) {
  return resolveDefinition(signal, callSiteTypeInfo, signalDefinitionMessages);
}

function resolveUpdate(
  def: UpdateDefinition<unknown, unknown[]> | string,
  callSiteTypeInfo: PayloadTypeInfo | undefined,
) {
  return resolveDefinition(def, callSiteTypeInfo, updateDefinitionMessages);
}

/** Errors raised on the client before or instead of a call (conversion, validation), passed through as is. */
function isClientSideError(err: Error): boolean {
  return err instanceof TypeError || err.name === 'ValueError' || err.name === 'PayloadConverterError';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
