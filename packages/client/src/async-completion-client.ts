/**
 * {@link AsyncCompletionClient}: completes, fails, cancels and heartbeats Activities that an Activity
 * function left open for asynchronous completion.
 *
 * @module
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ActivitySerializationContext, PayloadTypeInfo, TypeInfo } from '@kairos/common';
import { ensureTemporalFailure } from '@kairos/common';
import {
  encodeErrorToFailure,
  encodeToPayloadsWithContext,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import {
  ActivityCancelledError,
  ActivityCompletionError,
  ActivityNotFoundError,
  ActivityPausedError,
  ActivityResetError,
  isGrpcServiceError,
} from './errors';
import { rethrowKnownErrorTypes } from './helpers';
import type { WorkflowService } from './types';

/** Options of an {@link AsyncCompletionClient}. */
export type AsyncCompletionClientOptions = BaseClientOptions;

/** {@link AsyncCompletionClientOptions} with defaults applied. */
export type LoadedAsyncCompletionClientOptions = LoadedWithDefaults<AsyncCompletionClientOptions>;

/** Options of the task-token forms of the async completion calls. */
export interface AsyncCompletionOperationOptions {
  /**
   * Serialization context for converting payloads and failures. Calls by Activity id derive it from the ids.
   *
   * @experimental
   */
  serializationContext?: ActivitySerializationContext;
}

/**
 * Options of {@link AsyncCompletionClient.complete}.
 *
 * @experimental
 */
export interface AsyncCompletionCompleteOptions {
  /**
   * Type information for encoding the result.
   *
   * @experimental
   */
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

/**
 * Identifies an Activity by ids instead of task token: the Activity `activityId` of the Workflow
 * `workflowId` (latest run, or run `runId`). Without `workflowId` it names a standalone Activity.
 */
export interface FullActivityId {
  /** The Workflow whose Activity it is; leave unset for a standalone Activity. */
  workflowId?: string;
  /** Run id of that Workflow (or of the standalone Activity); latest run if unset. */
  runId?: string;
  /** Id of the Activity. */
  activityId: string;
}

/** What every async completion request carries besides its payload: who calls, where, and for which Activity. */
type AddressedRequest = { identity: string; namespace: string } & ({ taskToken: Uint8Array } | FullActivityId);

/** The two service calls of one async completion operation: by task token, and by ids. */
interface CompletionRoute<Body, Response> {
  byToken(request: AddressedRequest & Body): Promise<Response>;
  byId(request: AddressedRequest & Body): Promise<Response>;
}

/** The heartbeat response flags that end a heartbeat call with an error, checked in this order. */
const heartbeatInterruptions = [
  { flag: 'cancelRequested', raise: () => new ActivityCancelledError('cancelled') },
  { flag: 'activityReset', raise: () => new ActivityResetError('reset') },
  { flag: 'activityPaused', raise: () => new ActivityPausedError('paused') },
] as const;

/**
 * Completes Activities asynchronously, from outside the worker: an Activity function throws
 * `CompleteAsyncError` and some other process finishes it with its task token or ids. Usually reached as
 * {@link Client.activity}.
 */
export class AsyncCompletionClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedAsyncCompletionClientOptions;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: AsyncCompletionClientOptions) {
    super(options);
    this.options = settleClientOptions<LoadedAsyncCompletionClientOptions>(options, this.dataConverter);
  }

  /** Raw access to the `WorkflowService`. The client's namespace is not added to requests made through it. */
  get workflowService(): WorkflowService {
    return this.connection.workflowService;
  }

  /** The serialization context of a call: given for task tokens, derived from the ids otherwise. */
  protected serializationContextFor(
    taskTokenOrFullActivityId: Uint8Array | FullActivityId,
    options?: AsyncCompletionOperationOptions,
  ): ActivitySerializationContext | undefined {
    // A task token is opaque, so only the caller can say which Activity it belongs to.
    const byIds = taskTokenOrFullActivityId instanceof Uint8Array ? undefined : taskTokenOrFullActivityId;
    return byIds === undefined
      ? options?.serializationContext
      : {
          type: 'activity',
          namespace: this.options.namespace,
          workflowId: byIds.workflowId,
          activityId: byIds.activityId,
          isLocal: false,
        };
  }

  /**
   * Maps a gRPC error: NOT_FOUND becomes {@link ActivityNotFoundError}, anything else
   * {@link ActivityCompletionError}.
   */
  protected handleError(err: unknown): never {
    if (!isGrpcServiceError(err)) throw new ActivityCompletionError('Unexpected failure');
    rethrowKnownErrorTypes(err);
    throw err.code === grpcStatus.NOT_FOUND
      ? new ActivityNotFoundError('Not found')
      : new ActivityCompletionError(err.details || err.message);
  }

  /**
   * Completes an Activity successfully with `result`.
   *
   * @throws {@link ActivityNotFoundError} if the server does not know the Activity (or it is already done).
   */
  async complete(
    taskToken: Uint8Array,
    result: unknown,
    options?: AsyncCompletionCompleteOptions & AsyncCompletionOperationOptions,
  ): Promise<void>;
  async complete(
    fullActivityId: FullActivityId,
    result: unknown,
    options?: AsyncCompletionCompleteOptions,
  ): Promise<void>;
  async complete(
    target: Uint8Array | FullActivityId,
    result: unknown,
    options?: AsyncCompletionCompleteOptions & AsyncCompletionOperationOptions,
  ): Promise<void> {
    const resultType = options?.typeInfo?.outputType;
    const payloads = await this.encodeForTarget(
      target,
      options,
      result,
      resultType === undefined ? undefined : [resultType],
    );
    await this.route(
      target,
      { result: { payloads } },
      {
        byToken: (request) => this.workflowService.respondActivityTaskCompleted(request),
        byId: (request) => this.workflowService.respondActivityTaskCompletedById(request),
      },
    );
  }

  /**
   * Fails an Activity with `err`, converted to a failure (a plain `Error` becomes an `ApplicationFailure`).
   * The Workflow's retry policy then decides whether the Activity runs again.
   *
   * @throws {@link ActivityNotFoundError} if the server does not know the Activity.
   */
  async fail(taskToken: Uint8Array, err: unknown, options?: AsyncCompletionOperationOptions): Promise<void>;
  async fail(fullActivityId: FullActivityId, err: unknown): Promise<void>;
  async fail(
    target: Uint8Array | FullActivityId,
    err: unknown,
    options?: AsyncCompletionOperationOptions,
  ): Promise<void> {
    const context = this.serializationContextFor(validatedTarget(target), options);
    const failure = await encodeErrorToFailure(this.dataConverter, ensureTemporalFailure(err), context);
    await this.route(
      target,
      { failure },
      {
        byToken: (request) => this.workflowService.respondActivityTaskFailed(request),
        byId: (request) => this.workflowService.respondActivityTaskFailedById(request),
      },
    );
  }

  /**
   * Reports that an Activity accepted a cancellation request, with optional details.
   *
   * @throws {@link ActivityNotFoundError} if the server does not know the Activity.
   */
  async reportCancellation(
    taskToken: Uint8Array,
    details?: unknown,
    options?: AsyncCompletionOperationOptions,
  ): Promise<void>;
  async reportCancellation(fullActivityId: FullActivityId, details?: unknown): Promise<void>;
  async reportCancellation(
    target: Uint8Array | FullActivityId,
    details?: unknown,
    options?: AsyncCompletionOperationOptions,
  ): Promise<void> {
    const payloads = await this.encodeForTarget(target, options, details);
    await this.route(
      target,
      { details: { payloads } },
      {
        byToken: (request) => this.workflowService.respondActivityTaskCanceled(request),
        byId: (request) => this.workflowService.respondActivityTaskCanceledById(request),
      },
    );
  }

  /**
   * Records a heartbeat with optional details (readable by the next attempt).
   *
   * @throws {@link ActivityCancelledError} if cancellation of the Activity was requested.
   * @throws {@link ActivityResetError} if the Activity was reset.
   * @throws {@link ActivityPausedError} if the Activity was paused.
   * @throws {@link ActivityNotFoundError} if the server does not know the Activity.
   */
  async heartbeat(taskToken: Uint8Array, details?: unknown, options?: AsyncCompletionOperationOptions): Promise<void>;
  async heartbeat(fullActivityId: FullActivityId, details?: unknown): Promise<void>;
  async heartbeat(
    target: Uint8Array | FullActivityId,
    details?: unknown,
    options?: AsyncCompletionOperationOptions,
  ): Promise<void> {
    const payloads = await this.encodeForTarget(target, options, details);
    const response = await this.route(
      target,
      { details: { payloads } },
      {
        byToken: (request) => this.workflowService.recordActivityTaskHeartbeat(request),
        byId: (request) => this.workflowService.recordActivityTaskHeartbeatById(request),
      },
    );
    const raised = heartbeatInterruptions.find(({ flag }) => Boolean(response[flag]));
    if (raised) throw raised.raise();
  }

  /** Validates the target, then encodes one value with the serialization context that goes with it. */
  private async encodeForTarget(
    target: Uint8Array | FullActivityId,
    options: AsyncCompletionOperationOptions | undefined,
    value: unknown,
    typeInfo?: TypeInfo[],
  ) {
    const context = this.serializationContextFor(validatedTarget(target), options);
    return await encodeToPayloadsWithContext(this.dataConverter, context, [value], typeInfo);
  }

  /** Sends `body` to the Activity by task token or by ids, mapping failures with {@link handleError}. */
  private async route<Body extends object, Response>(
    target: Uint8Array | FullActivityId,
    body: Body,
    route: CompletionRoute<Body, Response>,
  ): Promise<Response> {
    const caller = { identity: this.options.identity, namespace: this.options.namespace };
    try {
      if (target instanceof Uint8Array) return await route.byToken({ ...caller, taskToken: target, ...body });
      return await route.byId({ ...caller, ...target, ...body });
    } catch (err) {
      this.handleError(err);
    }
  }
}

/** Checks that a target is a non-empty task token or a well-formed {@link FullActivityId}. */
function validatedTarget(target: unknown): Uint8Array | FullActivityId {
  if (target instanceof Uint8Array) {
    if (target.length > 0) return target;
    throw new TypeError('Activity task token must not be empty');
  }
  if (typeof target !== 'object' || target === null) {
    throw new TypeError(
      'Expected an Activity task token (Uint8Array) or a FullActivityId { workflowId?, runId?, activityId }',
    );
  }
  const ids = target as Partial<FullActivityId>;
  const problem =
    typeof ids.activityId !== 'string' || ids.activityId.length === 0
      ? 'FullActivityId.activityId must be a non-empty string'
      : ids.workflowId !== undefined && (typeof ids.workflowId !== 'string' || ids.workflowId.length === 0)
        ? 'FullActivityId.workflowId must be a non-empty string when given'
        : ids.runId !== undefined && typeof ids.runId !== 'string'
          ? 'FullActivityId.runId must be a string'
          : undefined;
  if (problem !== undefined) throw new TypeError(problem);
  return target as FullActivityId;
}
