/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Nexus operations backed by Temporal: workflow-run operations ({@link WorkflowRunOperationHandler} with
 * {@link startWorkflow}), and {@link TemporalOperationHandler} for handlers that choose per call between a
 * synchronous result and a workflow, update or activity that backs the operation.
 *
 * @module
 */
import * as nexus from 'nexus-rpc';
import {
  type ActivityName,
  type ActivityOptions as ClientActivityOptions,
  type ActivityOptionsFor as ClientActivityOptionsFor,
  type ActivityResult,
  type Client,
  type WorkflowSignalWithStartOptions as ClientWorkflowSignalWithStartOptions,
  type WorkflowStartOptions as ClientWorkflowStartOptions,
  WorkflowUpdateStage,
} from '@kairos/client';
import {
  InternalActivityStartOptionsSymbol,
  type InternalActivityStartOptions,
  InternalWorkflowQueryOptionsSymbol,
  type InternalWorkflowQueryOptions,
  InternalWorkflowSignalOptionsSymbol,
  type InternalWorkflowSignalOptions,
  InternalWorkflowStartOptionsSymbol,
  type InternalWorkflowStartOptions,
  InternalWorkflowUpdateOptionsSymbol,
  type InternalWorkflowUpdateOptions,
  type InternalWorkflowHandle,
} from '@kairos/client/lib/internal';
import type {
  QueryDefinition,
  SignalDefinition,
  UpdateDefinition,
  WithWorkflowArgs,
  Workflow,
  WorkflowResultType,
} from '@kairos/common';
import type { Replace } from '@kairos/common/lib/type-helpers';
import type { temporal } from '@kairos/proto';
import { getClient, getHandlerContext, log, type TemporalCancelOperationContext } from './context';
import type { TemporalStartOperationContext } from './context';
import { convertNexusLinkToTemporalLink, convertTemporalLinkToNexusLink } from './link-converter';
import {
  assertActivityOperationToken,
  assertUpdateWorkflowOperationToken,
  assertWorkflowRunOperationToken,
  generateActivityOperationToken,
  generateUpdateWorkflowOperationToken,
  generateWorkflowRunOperationToken,
  loadOperationToken,
  loadWorkflowRunOperationToken,
  OperationTokenType,
} from './token';

declare const isNexusWorkflowHandle: unique symbol;
declare const workflowResultType: unique symbol;

/**
 * A workflow started (or signalled) for the current Nexus operation by {@link startWorkflow} or
 * {@link signalWithStartWorkflow}: return it from a {@link WorkflowRunOperationStartHandler}. `T` is the
 * workflow's result type.
 */
export interface WorkflowHandle<T> {
  readonly workflowId: string;
  readonly runId?: string;
  /** Signals the workflow, linking the signal to the Nexus request (and the operation back to the signal). */
  signal<Args extends any[] = [], Name extends string = string>(
    def: SignalDefinition<Args, Name> | string,
    ...args: Args
  ): Promise<void>;
  /** Queries the workflow; the link the server returns for it is added to the operation's outbound links. */
  query<Ret, Args extends any[] = []>(def: QueryDefinition<Ret, Args> | string, ...args: Args): Promise<Ret>;
  /**
   * Tells this handle apart from the client's `WorkflowHandle` at the type level.
   *
   * @internal
   * @hidden
   */
  readonly [isNexusWorkflowHandle]: typeof isNexusWorkflowHandle;
  /**
   * Carries the result type, so that handles of different result types are different types.
   *
   * @internal
   * @hidden
   */
  readonly [workflowResultType]: T;
}

/** Options of {@link UpdatableWorkflowHandle.update}: the update id (default: the Nexus request id). */
export interface NexusUpdateWorkflowOptions {
  /** Id of the update, unique within the workflow run. Default: the Nexus request id, so retries dedupe. */
  readonly updateId?: string;
}

/**
 * A handle from {@link TemporalNexusClient.getWorkflowHandle}: besides signals and queries, it can back the current
 * operation with a workflow update.
 *
 * @experimental Updates as Nexus operations are experimental.
 */
export interface UpdatableWorkflowHandle<T> extends WorkflowHandle<T> {
  /**
   * Sends an update that backs the current operation: it returns once the update is accepted (an asynchronous
   * result whose completion reaches the caller through the callback), or with the update's outcome when it already
   * completed (a synchronous result, or a failed operation when the update failed).
   */
  update<Ret, Args extends [any, ...any[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: NexusUpdateWorkflowOptions & { readonly args: Args },
  ): Promise<TemporalOperationResult<Ret>>;
  update<Ret, Args extends [] = [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options?: NexusUpdateWorkflowOptions & { readonly args?: Args },
  ): Promise<TemporalOperationResult<Ret>>;
}

/** Options of {@link startWorkflow}: the client's start options, with `taskQueue` defaulting to the worker's. */
export type WorkflowStartOptions<T extends Workflow> = Replace<ClientWorkflowStartOptions<T>, { taskQueue?: string }>;

/** Options of {@link signalWithStartWorkflow}, with `taskQueue` defaulting to the worker's. */
export type WorkflowSignalWithStartOptions<SignalArgs extends any[] = []> = Replace<
  ClientWorkflowSignalWithStartOptions<SignalArgs>,
  { taskQueue?: string }
>;

/** Options of {@link TemporalNexusClient.startActivity}, with `taskQueue` defaulting to the worker's. */
export type ActivityOptions = Replace<ClientActivityOptions, { taskQueue?: string }>;

/** Typed options of {@link NexusTypedActivityClient.startActivity}, with `taskQueue` defaulting to the worker's. */
export type ActivityOptionsFor<T, N extends ActivityName<T>> = Replace<
  ClientActivityOptionsFor<T, N>,
  { taskQueue?: string }
>;

/** The Nexus request's links as Temporal links; links that do not convert are logged and left out. */
function requestLinks(ctx: nexus.StartOperationContext): temporal.api.common.v1.ILink[] {
  const links: temporal.api.common.v1.ILink[] = [];
  for (const link of ctx.inboundLinks ?? []) {
    try {
      links.push(convertNexusLinkToTemporalLink(link));
    } catch (error) {
      log.warn('Dropping a Nexus request link that is not a Temporal link', { error, url: String(link.url) });
    }
  }
  return links;
}

/** Adds the link a Temporal call returned to the operation's response links (logged and dropped if malformed). */
function addResponseLink(ctx: nexus.StartOperationContext, link: temporal.api.common.v1.ILink | undefined): void {
  if (link === undefined || link === null) return;
  try {
    ctx.outboundLinks.push(convertTemporalLinkToNexusLink(link));
  } catch (error) {
    log.warn('Dropping a response link that does not convert to a Nexus link', { error });
  }
}

/** The callback that reports the backing operation's outcome to the caller, if the request carried a callback URL. */
function completionCallbacks(
  ctx: nexus.StartOperationContext,
  operationToken: string,
  links: temporal.api.common.v1.ILink[],
): temporal.api.common.v1.ICallback[] | undefined {
  if (!ctx.callbackUrl) return undefined;
  // The token rides along so that a completion arriving before the start is recorded can still be matched.
  const header = { ...ctx.callbackHeaders, 'nexus-operation-token': operationToken };
  // Links are repeated on the callback for servers that read them there; newer servers dedupe them.
  return [{ nexus: { url: ctx.callbackUrl, header }, links }];
}

/** Runs `fn` as the one backing operation of the current handler call (see {@link TemporalNexusClient}). */
type Reservation = <R>(fn: () => Promise<R>) => Promise<R>;

/** The handles of {@link startWorkflow}: their workflow already backs the operation, so `update` is refused. */
const alreadyBacked: Reservation = () => {
  throw new nexus.HandlerError(
    'BAD_REQUEST',
    'Only one async operation can be started per operation handler invocation, and the Workflow run this handle ' +
      'refers to already backs it. Use TemporalNexusClient.client for additional Workflow interactions',
  );
};

function workflowHandle(
  ctx: nexus.StartOperationContext,
  workflowId: string,
  runId: string | undefined,
  reserve: Reservation,
): UpdatableWorkflowHandle<any> {
  const handle = {
    workflowId,
    runId,
    async signal(def: SignalDefinition<any[]> | string, ...args: any[]): Promise<void> {
      const extras: NonNullable<InternalWorkflowSignalOptions[typeof InternalWorkflowSignalOptionsSymbol]> = {
        links: requestLinks(ctx),
      };
      const target = getClient().workflow.getHandle(workflowId, runId);
      (target as InternalWorkflowSignalOptions)[InternalWorkflowSignalOptionsSymbol] = extras;
      await target.signal(def, ...args);
      addResponseLink(ctx, extras.responseLink);
    },
    async query(def: QueryDefinition<any, any[]> | string, ...args: any[]): Promise<any> {
      const extras: NonNullable<InternalWorkflowQueryOptions[typeof InternalWorkflowQueryOptionsSymbol]> = {};
      const target = getClient().workflow.getHandle(workflowId, runId);
      (target as InternalWorkflowQueryOptions)[InternalWorkflowQueryOptionsSymbol] = extras;
      try {
        return await target.query(def, ...args);
      } finally {
        // A rejected query still has a link (the server returns one with the rejection).
        addResponseLink(ctx, extras.responseLink);
      }
    },
    update(def: UpdateDefinition<any, any[]> | string, options?: NexusUpdateWorkflowOptions & { args?: any[] }) {
      return updateOperation(ctx, workflowId, runId, def, options, reserve);
    },
  };
  return handle as unknown as UpdatableWorkflowHandle<any>;
}

/**
 * Starts the workflow that backs the current operation (for a {@link WorkflowRunOperationStartHandler}). The start
 * carries the Nexus request id (so a retried request reaches the same run), the request's links, and the completion
 * callback through which the workflow's outcome reaches the caller; if a workflow with that id is running already
 * (conflict policy `USE_EXISTING`), the callback, links and request id are attached to it. Continue-as-new and
 * retries of the workflow keep the callback.
 */
export async function startWorkflow<T extends Workflow>(
  ctx: nexus.StartOperationContext,
  workflowTypeOrFunc: string | T,
  workflowOptions: WorkflowStartOptions<T>,
): Promise<WorkflowHandle<WorkflowResultType<T>>> {
  const { client, taskQueue, namespace } = getHandlerContext();
  if (typeof workflowOptions?.workflowId !== 'string' || workflowOptions.workflowId === '') {
    throw new TypeError(
      `startWorkflow: workflowOptions.workflowId must be a non-empty string, got ${JSON.stringify(workflowOptions?.workflowId)}`,
    );
  }
  const links = requestLinks(ctx);
  const extras: NonNullable<InternalWorkflowStartOptions[typeof InternalWorkflowStartOptionsSymbol]> = {
    requestId: ctx.requestId,
    links,
    onConflictOptions: { attachRequestId: true, attachCompletionCallbacks: true, attachLinks: true },
    completionCallbacks: completionCallbacks(
      ctx,
      generateWorkflowRunOperationToken(namespace, workflowOptions.workflowId),
      links,
    ),
  };
  const { taskQueue: givenTaskQueue, ...rest } = workflowOptions;
  const options = { ...rest, taskQueue: givenTaskQueue || taskQueue, [InternalWorkflowStartOptionsSymbol]: extras };
  const started = await client.workflow.start(workflowTypeOrFunc, options as unknown as ClientWorkflowStartOptions<T>);
  addResponseLink(ctx, extras.responseLink);
  return workflowHandle(ctx, started.workflowId, started.firstExecutionRunId, alreadyBacked);
}

/**
 * Signals a workflow, starting it first if it is not running, as part of the current operation (the signal is
 * linked to the Nexus request). The workflow does not report to the caller: use it from a synchronous operation, or
 * return the handle from a {@link WorkflowRunOperationStartHandler} to back the operation with it.
 */
export async function signalWithStartWorkflow<T extends Workflow, SignalArgs extends any[] = []>(
  ctx: nexus.StartOperationContext,
  workflowTypeOrFunc: string | T,
  workflowOptions: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SignalArgs>>,
): Promise<WorkflowHandle<WorkflowResultType<T>>> {
  const { client, taskQueue } = getHandlerContext();
  const extras: NonNullable<InternalWorkflowStartOptions[typeof InternalWorkflowStartOptionsSymbol]> = {
    links: requestLinks(ctx),
  };
  const { taskQueue: givenTaskQueue, ...rest } = workflowOptions as WorkflowSignalWithStartOptions<SignalArgs>;
  const options = { ...rest, taskQueue: givenTaskQueue || taskQueue, [InternalWorkflowStartOptionsSymbol]: extras };
  const started = await client.workflow.signalWithStart(
    workflowTypeOrFunc,
    options as unknown as WithWorkflowArgs<T, ClientWorkflowSignalWithStartOptions<SignalArgs>>,
  );
  addResponseLink(ctx, extras.responseLink);
  return workflowHandle(ctx, started.workflowId, started.signaledRunId, alreadyBacked);
}

/** What a {@link WorkflowRunOperationHandler} runs: start the workflow (with {@link startWorkflow}) and return it. */
export type WorkflowRunOperationStartHandler<I, O> = (
  ctx: nexus.StartOperationContext,
  input: I,
) => Promise<WorkflowHandle<O>>;

/**
 * An operation backed by a workflow run: starting it starts the workflow and answers with a workflow-run operation
 * token; the workflow's result (or failure, cancellation, termination or timeout) completes the operation through
 * the completion callback; cancelling the operation requests cancellation of the workflow.
 */
export class WorkflowRunOperationHandler<I, O> implements nexus.OperationHandler<I, O> {
  constructor(readonly handler: WorkflowRunOperationStartHandler<I, O>) {
    if (typeof handler !== 'function') {
      throw new TypeError(`WorkflowRunOperationHandler needs a start function, got ${typeof handler}`);
    }
  }

  async start(ctx: nexus.StartOperationContext, input: I): Promise<nexus.HandlerStartOperationResult<O>> {
    const { namespace } = getHandlerContext();
    const handle = await this.handler(ctx, input);
    return nexus.HandlerStartOperationResult.async(generateWorkflowRunOperationToken(namespace, handle.workflowId));
  }

  async cancel(_ctx: nexus.CancelOperationContext, token: string): Promise<void> {
    let workflowId: string;
    try {
      workflowId = loadWorkflowRunOperationToken(token).wid;
    } catch (err) {
      throw new nexus.HandlerError('BAD_REQUEST', 'invalid workflow run operation token', { cause: err });
    }
    await getClient().workflow.getHandle(workflowId).cancel();
  }
}

const operationResult: unique symbol = Symbol('kairos_nexus_TemporalOperationResult');

/**
 * What a {@link TemporalOperationHandler}'s start function returns: build it with
 * {@link TemporalOperationResult.sync} or {@link TemporalOperationResult.async}.
 *
 * @experimental Temporal operation handlers are experimental.
 */
export interface TemporalOperationResult<T> {
  readonly [operationResult]: nexus.HandlerStartOperationResult<T>;
}

/** Builders of {@link TemporalOperationResult}. */
export const TemporalOperationResult = {
  /** The operation completed synchronously with `value`. */
  sync<T>(value: T): TemporalOperationResult<T> {
    return { [operationResult]: nexus.HandlerStartOperationResult.sync(value) };
  },
  /** The operation continues asynchronously; `token` identifies it for cancellation and completion. */
  async<T = unknown>(token: string): TemporalOperationResult<T> {
    return {
      [operationResult]: nexus.HandlerStartOperationResult.async(token) as nexus.HandlerStartOperationResult<T>,
    };
  },
};

/** The typed view of a {@link TemporalNexusClient} for the activities of interface `T`. */
export interface NexusTypedActivityClient<T> {
  startActivity<N extends ActivityName<T>>(
    activity: N,
    options: ActivityOptionsFor<T, N>,
  ): Promise<TemporalOperationResult<ActivityResult<T, N>>>;
}

/**
 * The client a {@link TemporalOperationHandler}'s start function gets: it starts the one workflow, update or activity
 * that backs the operation (at most one per call), and reaches everything else through `client`.
 *
 * @experimental Temporal operation handlers are experimental.
 */
export interface TemporalNexusClient {
  /** The worker's client (for calls that do not back the operation). */
  readonly client: Client;
  /** Starts the workflow that backs the operation (see {@link startWorkflow}). */
  startWorkflow<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    workflowOptions: WorkflowStartOptions<T>,
  ): Promise<TemporalOperationResult<WorkflowResultType<T>>>;
  /** A handle to an existing workflow; its `update` can back the operation. */
  getWorkflowHandle<T extends Workflow>(
    workflowId: string,
    runId?: string,
  ): UpdatableWorkflowHandle<WorkflowResultType<T>>;
  /** Signals a workflow, starting it if needed, linked to the Nexus request (does not back the operation). */
  signalWithStartWorkflow<T extends Workflow, SignalArgs extends any[] = []>(
    workflowTypeOrFunc: string | T,
    workflowOptions: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SignalArgs>>,
  ): Promise<void>;
  /** Starts the standalone activity that backs the operation. */
  startActivity<R = any>(activity: string, options: ActivityOptions): Promise<TemporalOperationResult<R>>;
  /** This client, typed for the activities of interface `T`. */
  typedActivity<T>(): NexusTypedActivityClient<T>;
}

/** The start function of a {@link TemporalOperationHandler}. */
export type TemporalOperationStartHandler<I, O> = (
  ctx: TemporalStartOperationContext,
  client: TemporalNexusClient,
  input: I,
) => Promise<TemporalOperationResult<O>>;

/** What a cancel of a workflow-run backed operation is about. */
export interface CancelWorkflowRunOptions {
  /** Id of the workflow that backs the operation. */
  readonly workflowId: string;
}

/** What a cancel of an update backed operation is about. */
export interface CancelWorkflowUpdateOptions {
  readonly workflowId: string;
  /** Run id from the token; empty when the update was not pinned to a run. */
  readonly runId: string;
  readonly updateId: string;
}

/** What a cancel of an activity backed operation is about. */
export interface CancelActivityOptions {
  readonly activityId: string;
  readonly runId: string;
}

/** The cancel handlers of a {@link TemporalOperationHandler}, by what backs the operation. */
export interface TemporalOperationHandlerOptions {
  /** Default: request cancellation of the workflow. */
  cancelWorkflowRun?: (ctx: TemporalCancelOperationContext, options: CancelWorkflowRunOptions) => Promise<void>;
  /** Default: a `NOT_IMPLEMENTED` handler error (an update cannot be cancelled in general). */
  cancelWorkflowUpdate?: (ctx: TemporalCancelOperationContext, options: CancelWorkflowUpdateOptions) => Promise<void>;
  /** Default: request cancellation of the activity. */
  cancelActivity?: (ctx: TemporalCancelOperationContext, options: CancelActivityOptions) => Promise<void>;
}

async function updateOperation(
  ctx: nexus.StartOperationContext,
  workflowId: string,
  runId: string | undefined,
  def: UpdateDefinition<any, any[]> | string,
  options: (NexusUpdateWorkflowOptions & { args?: any[] }) | undefined,
  reserve: Reservation,
): Promise<TemporalOperationResult<any>> {
  if (!ctx.callbackUrl) {
    throw new nexus.HandlerError(
      'BAD_REQUEST',
      'A callback URL is required for async UpdateWorkflow operation invocations',
    );
  }
  const updateId = options?.updateId || ctx.requestId;
  return await reserve(async () => {
    const { client, namespace } = getHandlerContext();
    const links = requestLinks(ctx);
    const extras: NonNullable<InternalWorkflowUpdateOptions[typeof InternalWorkflowUpdateOptionsSymbol]> = {
      requestId: ctx.requestId,
      links,
      completionCallbacks: completionCallbacks(
        ctx,
        generateUpdateWorkflowOperationToken(namespace, workflowId, runId ?? '', updateId),
        links,
      ),
    };
    const target = client.workflow.getHandle(workflowId, runId) as unknown as InternalWorkflowHandle;
    const handle = await target.startUpdate(def, {
      args: options?.args ?? [],
      updateId,
      waitForStage: WorkflowUpdateStage.ACCEPTED,
      [InternalWorkflowUpdateOptionsSymbol]: extras,
    });
    addResponseLink(ctx, extras.responseLink);
    if (extras.outcome !== undefined && extras.outcome !== null) {
      // Completed already (a retried request, or an update that finished at once): answer synchronously.
      try {
        return TemporalOperationResult.sync(await handle.result());
      } catch (err) {
        throw new nexus.OperationError('failed', (err as Error).message, { cause: err as Error });
      }
    }
    const resolvedRunId = handle.workflowRunId || runId || '';
    return TemporalOperationResult.async(
      generateUpdateWorkflowOperationToken(namespace, workflowId, resolvedRunId, updateId),
    );
  });
}

class NexusClientForOperation implements TemporalNexusClient {
  /** Whether this handler call already started the operation that backs it (only one may). */
  private backed = false;

  constructor(private readonly ctx: nexus.StartOperationContext) {}

  /** Runs `fn` as the backing operation; the slot is freed again only if `fn` fails. */
  private readonly reserve: Reservation = async (fn) => {
    if (this.backed) {
      throw new nexus.HandlerError(
        'BAD_REQUEST',
        'Only one async operation can be started per operation handler invocation. Use TemporalNexusClient.client ' +
          'for additional workflow interactions',
      );
    }
    this.backed = true;
    try {
      return await fn();
    } catch (err) {
      this.backed = false;
      throw err;
    }
  };

  get client(): Client {
    return getClient();
  }

  getWorkflowHandle<T extends Workflow>(
    workflowId: string,
    runId?: string,
  ): UpdatableWorkflowHandle<WorkflowResultType<T>> {
    return workflowHandle(this.ctx, workflowId, runId, this.reserve);
  }

  async startWorkflow<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    workflowOptions: WorkflowStartOptions<T>,
  ): Promise<TemporalOperationResult<WorkflowResultType<T>>> {
    return await this.reserve(async () => {
      const handle = await startWorkflow(this.ctx, workflowTypeOrFunc, workflowOptions);
      const { namespace } = getHandlerContext();
      return TemporalOperationResult.async(generateWorkflowRunOperationToken(namespace, handle.workflowId));
    });
  }

  async signalWithStartWorkflow<T extends Workflow, SignalArgs extends any[] = []>(
    workflowTypeOrFunc: string | T,
    workflowOptions: WithWorkflowArgs<T, WorkflowSignalWithStartOptions<SignalArgs>>,
  ): Promise<void> {
    await signalWithStartWorkflow(this.ctx, workflowTypeOrFunc, workflowOptions);
  }

  async startActivity<R = any>(activity: string, options: ActivityOptions): Promise<TemporalOperationResult<R>> {
    return await this.reserve(async () => {
      const { client, taskQueue, namespace } = getHandlerContext();
      const links = requestLinks(this.ctx);
      const extras: NonNullable<InternalActivityStartOptions[typeof InternalActivityStartOptionsSymbol]> = {
        requestId: this.ctx.requestId,
        links,
        onConflictOptions: { attachRequestId: true, attachCompletionCallbacks: true, attachLinks: true },
      };
      const started = await client.activity.start<R>(activity, {
        ...options,
        taskQueue: options.taskQueue || taskQueue,
        [InternalActivityStartOptionsSymbol]: extras,
      } as ClientActivityOptions);
      addResponseLink(this.ctx, extras.responseLink);
      const runId = started.runId ?? '';
      return TemporalOperationResult.async(generateActivityOperationToken(namespace, started.activityId, runId));
    });
  }

  typedActivity<T>(): NexusTypedActivityClient<T> {
    return this as unknown as NexusTypedActivityClient<T>;
  }
}

/**
 * An operation handler that decides on each call how the operation runs: synchronously
 * (`TemporalOperationResult.sync`), or backed by one workflow, update or activity started through the
 * {@link TemporalNexusClient} it is given. Cancels are routed by the token's kind to the matching cancel handler.
 *
 * @experimental Temporal operation handlers are experimental.
 */
export class TemporalOperationHandler<I, O> implements nexus.OperationHandler<I, O> {
  private readonly startHandler: TemporalOperationStartHandler<I, O>;
  private readonly cancelWorkflowRun: NonNullable<TemporalOperationHandlerOptions['cancelWorkflowRun']>;
  private readonly cancelWorkflowUpdate: NonNullable<TemporalOperationHandlerOptions['cancelWorkflowUpdate']>;
  private readonly cancelActivity: NonNullable<TemporalOperationHandlerOptions['cancelActivity']>;

  constructor(options: { start: TemporalOperationStartHandler<I, O> } & TemporalOperationHandlerOptions) {
    if (typeof options?.start !== 'function') {
      throw new TypeError(`TemporalOperationHandler needs a start function, got ${typeof options?.start}`);
    }
    this.startHandler = options.start;
    this.cancelWorkflowRun =
      options.cancelWorkflowRun ??
      (async (_ctx, { workflowId }) => {
        await getClient().workflow.getHandle(workflowId).cancel();
      });
    this.cancelWorkflowUpdate =
      options.cancelWorkflowUpdate ??
      (async () => {
        throw new nexus.HandlerError('NOT_IMPLEMENTED', 'cannot cancel an UpdateWorkflow operation');
      });
    this.cancelActivity =
      options.cancelActivity ??
      (async (_ctx, { activityId, runId }) => {
        await getClient().activity.getHandle(activityId, runId).cancel('Nexus Operation cancellation requested');
      });
  }

  async start(ctx: nexus.StartOperationContext, input: I): Promise<nexus.HandlerStartOperationResult<O>> {
    const result = await this.startHandler(ctx, new NexusClientForOperation(ctx), input);
    return result[operationResult];
  }

  async cancel(ctx: nexus.CancelOperationContext, token: string): Promise<void> {
    const invalid = (what: string, cause: unknown) =>
      new nexus.HandlerError('BAD_REQUEST', `invalid ${what}`, { cause });
    let opToken;
    try {
      opToken = loadOperationToken(token);
    } catch (err) {
      throw invalid('operation token', err);
    }
    switch (opToken.t) {
      case OperationTokenType.WORKFLOW_RUN:
        try {
          assertWorkflowRunOperationToken(opToken);
        } catch (err) {
          throw invalid('workflow run operation token', err);
        }
        return await this.cancelWorkflowRun(ctx, { workflowId: opToken.wid });
      case OperationTokenType.ACTIVITY:
        try {
          assertActivityOperationToken(opToken);
        } catch (err) {
          throw invalid('activity operation token', err);
        }
        return await this.cancelActivity(ctx, { activityId: opToken.aid, runId: opToken.rid });
      case OperationTokenType.UPDATE_WORKFLOW:
        try {
          assertUpdateWorkflowOperationToken(opToken);
        } catch (err) {
          throw invalid('update workflow operation token', err);
        }
        return await this.cancelWorkflowUpdate(ctx, {
          workflowId: opToken.wid,
          runId: opToken.rid ?? '',
          updateId: opToken.uid,
        });
      default:
        throw new nexus.HandlerError(
          'BAD_REQUEST',
          `Unsupported operation token type: ${(opToken as { t: number }).t}`,
        );
    }
  }
}
