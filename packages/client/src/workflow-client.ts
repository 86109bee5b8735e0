/**
 * {@link WorkflowClient}: starts Workflows and interacts with them through {@link WorkflowHandle}s.
 *
 * @module
 */
import type {
  HistoryAndWorkflowId,
  PayloadTypeInfo,
  SignalTypeInfo,
  TypeInfo,
  UpdateDefinition,
  WithWorkflowArgs,
  Workflow,
  WorkflowResultType,
  WorkflowSerializationContext,
  WorkflowTypeOptions,
} from '@kairos/common';
import { extractWorkflowTypeAndConfig } from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import type { temporal } from '@kairos/proto';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from './errors';
import { decodeCountWorkflowExecutionsResponse } from './helpers';
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
import { mapAsyncIterable } from './iterators-utils';
import type {
  CountWorkflowExecution,
  DescribeWorkflowExecutionResponse,
  QueryRejectCondition,
  RequestCancelWorkflowExecutionResponse,
  StartWorkflowExecutionRequest,
  TerminateWorkflowExecutionResponse,
  WorkflowExecution,
  WorkflowExecutionInfo,
  WorkflowService,
} from './types';
import {
  cancelWorkflow,
  describeWorkflow,
  queryWorkflow,
  signalWithStartWorkflow,
  signalWorkflow,
  startWorkflow,
  terminateWorkflow,
} from './workflow-calls';
import type { WorkflowClientContext } from './workflow-client-context';
import { callOrRethrow } from './workflow-client-context';
import { describeInterruptedUpdateCall, rethrowAsWorkflowClientError } from './workflow-errors';
import type {
  GetWorkflowHandleOptions,
  WorkflowHandle,
  WorkflowHandleOptions,
  WorkflowHandleWithSignaledRunId,
  WorkflowHandleWithStartDetails,
  WorkflowResultOptions,
} from './workflow-handle';
import { createWorkflowHandle } from './workflow-handle';
import type { AsyncWorkflowListIterable, IntoHistoriesOptions, ListOptions } from './workflow-list';
import { listExecutions } from './workflow-list';
import type {
  WorkflowSignalWithStartOptions,
  WorkflowOptions,
  WorkflowStartOptions,
  WorkflowUpdateOptions,
} from './workflow-options';
import {
  assertRequiredWorkflowOptions,
  assertWorkflowId,
  buildStartWorkflowRequest,
  compileStartOptions,
  resolveSignal,
} from './workflow-requests';
import { awaitCloseEvent, judgeCloseEvent } from './workflow-result';
import type { WithStartWorkflowOperation, WorkflowUpdateHandle } from './workflow-update';
import {
  buildUpdateWorkflowRequest,
  makeUpdateHandle,
  pollForUpdateOutcome,
  sendUpdate,
  sendUpdateWithStart,
  startUpdateWithStart,
} from './workflow-update';
import { WorkflowUpdateStage } from './workflow-update-stage';

export type {
  GetWorkflowHandleOptions,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowHandleWithSignaledRunId,
  WorkflowHandleWithStartDetails,
  WorkflowResultOptions,
} from './workflow-handle';
export type { AsyncWorkflowListIterable, IntoHistoriesOptions, ListOptions } from './workflow-list';
export type { GetWorkflowUpdateHandleOptions, WorkflowUpdateHandle } from './workflow-update';
export { WithStartWorkflowOperation } from './workflow-update';
export { QueryNotRegisteredError, QueryRejectedError } from './workflow-errors';

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
    return await startUpdateWithStart(this.context, updateDef, updateWithStartOptions);
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
      const closeEvent = await awaitCloseEvent(this.context, { workflowId, runId: currentRun }, { workflowId, runId });
      const verdict = judgeCloseEvent(this.dataConverter, closeEvent, followRuns, context, opts?.typeInfo);
      if ('next' in verdict) {
        currentRun = verdict.next;
        continue;
      }
      return (await verdict.settle()) as WorkflowResultType<T>;
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
    rethrowAsWorkflowClientError(err, fallbackMessage, workflowExecution);
  }

  /** Sends a Query; the end of the query interceptor chain. */
  protected async _queryWorkflowHandler(input: WorkflowQueryInput): Promise<unknown> {
    return await queryWorkflow(this.context, input);
  }

  /** Builds an `UpdateWorkflowExecution` request. */
  protected async _createUpdateWorkflowRequest(
    lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage,
    input: WorkflowStartUpdateInput,
  ): Promise<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest> {
    return await buildUpdateWorkflowRequest(this.context, lifecycleStage, input);
  }

  /**
   * Sends an Update and waits until it is at least accepted; the end of the startUpdate interceptor chain.
   */
  protected async _startUpdateHandler(
    waitForStage: WorkflowUpdateStage,
    input: WorkflowStartUpdateInput,
  ): Promise<WorkflowStartUpdateOutput> {
    return await sendUpdate(this.context, waitForStage, input);
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
    return await sendUpdateWithStart(this.context, waitForStage, onStart, onStartError, input);
  }

  /** Makes an Update handle; `outcome` is used when the Update is already known to have completed. */
  protected createWorkflowUpdateHandle<Ret>(
    updateId: string,
    workflowId: string,
    workflowRunId?: string,
    outcome?: temporal.api.update.v1.IOutcome,
    outputTypeInfo?: TypeInfo,
  ): WorkflowUpdateHandle<Ret> {
    return makeUpdateHandle(this.context, updateId, workflowId, workflowRunId, outcome, outputTypeInfo);
  }

  /** Polls an Update until the server reports its outcome. */
  protected async _pollForUpdateOutcome(
    updateId: string,
    workflowExecution: temporal.api.common.v1.IWorkflowExecution,
  ): Promise<temporal.api.update.v1.IOutcome> {
    return await pollForUpdateOutcome(this.context, updateId, workflowExecution);
  }

  /** Sends a Signal; the end of the signal interceptor chain. */
  protected async _signalWorkflowHandler(input: WorkflowSignalInput): Promise<void> {
    await signalWorkflow(this.context, input);
  }

  /** Sends signal-with-start; the end of the signalWithStart interceptor chain. Returns the run id. */
  protected async _signalWithStartWorkflowHandler(input: WorkflowSignalWithStartInput): Promise<string> {
    return await signalWithStartWorkflow(this.context, input);
  }

  /** Sends `StartWorkflowExecution`; the end of the start interceptor chain. */
  protected async _startWorkflowHandler(input: WorkflowStartInput): Promise<WorkflowStartOutput> {
    return await startWorkflow(this.context, input);
  }

  /** Builds the `StartWorkflowExecution` request of a start. */
  protected async createStartWorkflowRequest(input: WorkflowStartInput): Promise<StartWorkflowExecutionRequest> {
    return await buildStartWorkflowRequest(this.context, input);
  }

  /** Sends `TerminateWorkflowExecution`; the end of the terminate interceptor chain. */
  protected async _terminateWorkflowHandler(
    input: WorkflowTerminateInput,
  ): Promise<TerminateWorkflowExecutionResponse> {
    return await terminateWorkflow(this.context, input);
  }

  /** Sends `RequestCancelWorkflowExecution`; the end of the cancel interceptor chain. */
  protected async _cancelWorkflowHandler(input: WorkflowCancelInput): Promise<RequestCancelWorkflowExecutionResponse> {
    return await cancelWorkflow(this.context, input);
  }

  /** Sends `DescribeWorkflowExecution`; the end of the describe interceptor chain. */
  protected async _describeWorkflowHandler(input: WorkflowDescribeInput): Promise<DescribeWorkflowExecutionResponse> {
    return await describeWorkflow(this.context, input);
  }

  /** Makes a handle; every call it makes goes through `interceptors`. */
  protected _createWorkflowHandle<T extends Workflow>(options: WorkflowHandleOptions): WorkflowHandle<T> {
    return createWorkflowHandle<T>(this.context, options);
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
    yield* listExecutions(this.context, options);
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
    const response = await callOrRethrow(this.context, 'Failed to count workflows', undefined, () =>
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

  /**
   * This client as the modules implementing it see it. Its protected steps go in as they are, so that a
   * subclass overriding one changes every call that goes through it.
   */
  private get context(): WorkflowClientContext {
    return {
      client: this,
      dataConverter: this.dataConverter,
      serializationContext: (workflowId) => this.workflowSerializationContext(workflowId),
      interceptorsFor: (workflowId, runId) => this.getOrMakeInterceptors(workflowId, runId),
      createHandle: (options) => this._createWorkflowHandle(options),
      rethrowGrpcError: (err, message, execution) => this.rethrowGrpcError(err, message, execution),
      rethrowUpdateGrpcError: (err, message, execution) => this.rethrowUpdateGrpcError(err, message, execution),
      createStartWorkflowRequest: (input) => this.createStartWorkflowRequest(input),
      createUpdateWorkflowRequest: (stage, input) => this._createUpdateWorkflowRequest(stage, input),
      pollForUpdateOutcome: (updateId, execution) => this._pollForUpdateOutcome(updateId, execution),
      createUpdateHandle: (...args) => this.createWorkflowUpdateHandle(...args),
      startUpdate: (stage, input) => this._startUpdateHandler(stage, input),
      updateWithStart: (stage, onStart, onStartError, input) =>
        this._updateWithStartHandler(stage, onStart, onStartError, input),
      signal: (input) => this._signalWorkflowHandler(input),
      query: (input) => this._queryWorkflowHandler(input),
      describe: (input) => this._describeWorkflowHandler(input),
      terminate: (input) => this._terminateWorkflowHandler(input),
      cancel: (input) => this._cancelWorkflowHandler(input),
    };
  }
}
