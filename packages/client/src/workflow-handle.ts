/**
 * {@link WorkflowHandle}: the interface of a handle to a Workflow execution, and its implementation.
 *
 * @module
 */
import type {
  BaseWorkflowHandle,
  PayloadTypeInfo,
  QueryDefinition,
  SignalDefinition,
  SignalTypeInfo,
  UpdateDefinition,
  Workflow,
  WorkflowQueryOptions,
  WorkflowResultType,
  WorkflowSignalOptions,
} from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { decodeOptionalSinglePayload } from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import type { History } from '@kairos/common/lib/proto-utils';
import { temporal } from '@kairos/proto';
import { executionInfoFromRaw } from './helpers';
import type { WorkflowClientInterceptor } from './interceptors';
import type {
  InternalWorkflowQueryInput,
  InternalWorkflowQueryOptions,
  InternalWorkflowSignalInput,
  InternalWorkflowSignalOptions,
} from './internal';
import { InternalWorkflowQueryOptionsSymbol, InternalWorkflowSignalOptionsSymbol } from './internal';
import type {
  RequestCancelWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponse,
  WorkflowExecution,
  WorkflowExecutionDescription,
} from './types';
import { encodeQueryRejectCondition } from './types';
import type { WorkflowClient } from './workflow-client';
import type { WorkflowClientContext } from './workflow-client-context';
import { callOrRethrow } from './workflow-client-context';
import type { WorkflowUpdateOptions } from './workflow-options';
import { resolveUpdate } from './workflow-requests';
import type { GetWorkflowUpdateHandleOptions, WorkflowUpdateHandle } from './workflow-update';
import { outcomeFor } from './workflow-update';
import { WorkflowUpdateStage } from './workflow-update-stage';

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

/** What the client knows when it makes a handle (internal; not exported from the package). */
export interface WorkflowHandleOptions extends GetWorkflowHandleOptions {
  workflowId: string;
  runId?: string;
  interceptors: WorkflowClientInterceptor[];
  /** The run whose result `result()` waits for (the given run id, or the run just started). */
  runIdForResult?: string;
}

/** Makes a handle; every call it makes goes through `interceptors`. */
export function createWorkflowHandle<T extends Workflow>(
  ctx: WorkflowClientContext,
  { workflowId, runId, firstExecutionRunId, interceptors, runIdForResult, ...resultOptions }: WorkflowHandleOptions,
): WorkflowHandle<T> {
  const target = (): WorkflowExecution => ({ workflowId, runId });
  const context = () => ctx.serializationContext(workflowId);
  const converter = ctx.dataConverter;

  const sendUpdate = async (
    def: UpdateDefinition<unknown, unknown[]> | string,
    stage: WorkflowUpdateStage,
    options: (WorkflowUpdateOptions & { args?: unknown[]; waitForStage?: WorkflowUpdateStage }) | undefined,
  ): Promise<WorkflowUpdateHandle<unknown>> => {
    const { args, typeInfo: callSiteTypes, waitForStage: _stage, ...updateOptions } = options ?? {};
    const update = resolveUpdate(def, callSiteTypes);
    const run = composeInterceptors(interceptors, 'startUpdate', (i) => ctx.startUpdate(stage, i));
    const sent = await run({
      workflowExecution: target(),
      firstExecutionRunId,
      updateName: update.name,
      args: args ?? [],
      typeInfo: update.typeInfo,
      options: updateOptions,
      headers: {},
    });
    const outcome = await outcomeFor(ctx, stage, sent.outcome, sent.updateId, workflowId, sent.workflowRunId);
    return ctx.createUpdateHandle(sent.updateId, workflowId, sent.workflowRunId, outcome, sent.outputTypeInfo);
  };

  // Internal options (Nexus links) travel on the handle object itself, under the internal symbols.
  const sendSignal = async (name: string, args: unknown[], typeInfo: SignalTypeInfo | undefined) => {
    const run = composeInterceptors(interceptors, 'signal', (i) => ctx.signal(i));
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
    const run = composeInterceptors(interceptors, 'query', (i) => ctx.query(i));
    const input: InternalWorkflowQueryInput = {
      workflowExecution: target(),
      queryRejectCondition: encodeQueryRejectCondition(ctx.client.options.queryRejectCondition),
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
    const run = composeInterceptors(interceptors, 'describe', (i) => ctx.describe(i));
    const raw = await run({ workflowExecution: target() });
    const namespace = ctx.client.options.namespace;
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
      const page = await callOrRethrow(ctx, 'Failed to get Workflow execution history', target(), () =>
        ctx.client.workflowService.getWorkflowExecutionHistory({
          namespace: ctx.client.options.namespace,
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
    client: ctx.client,
    workflowId,
    result: async (): Promise<WorkflowResultType<T>> =>
      await ctx.client.result<T>(workflowId, runIdForResult, resultOptions),
    terminate: async (reason?: string): Promise<TerminateWorkflowExecutionResponse> => {
      const run = composeInterceptors(interceptors, 'terminate', (i) => ctx.terminate(i));
      return await run({ workflowExecution: target(), reason, firstExecutionRunId });
    },
    cancel: async (): Promise<RequestCancelWorkflowExecutionResponse> => {
      const run = composeInterceptors(interceptors, 'cancel', (i) => ctx.cancel(i));
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
      return ctx.createUpdateHandle<Ret>(updateId, workflowId, updateRunId, undefined, options?.typeInfo?.outputType);
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
