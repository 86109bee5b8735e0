/**
 * {@link AsyncCompletionClient}: completes, fails, cancels and heartbeats Activities that an Activity
 * function left open for asynchronous completion.
 *
 * @module
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ActivitySerializationContext, PayloadTypeInfo } from '@kairos/common';
import { ensureTemporalFailure } from '@kairos/common';
import {
  encodeErrorToFailure,
  encodeToPayloadsWithContext,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, defaultBaseClientOptions } from './base-client';
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
  /** Id of the Workflow that scheduled the Activity; unset for a standalone Activity. */
  workflowId?: string;
  /** Run id of that Workflow (or of the standalone Activity); latest run if unset. */
  runId?: string;
  /** Id of the Activity. */
  activityId: string;
}

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
    this.options = {
      ...defaultBaseClientOptions(),
      ...filterNullAndUndefined(options ?? {}),
      loadedDataConverter: this.dataConverter,
    };
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
    if (taskTokenOrFullActivityId instanceof Uint8Array) return options?.serializationContext;
    return {
      type: 'activity',
      namespace: this.options.namespace,
      activityId: taskTokenOrFullActivityId.activityId,
      workflowId: taskTokenOrFullActivityId.workflowId,
      isLocal: false,
    };
  }

  /**
   * Maps a gRPC error: NOT_FOUND becomes {@link ActivityNotFoundError}, anything else
   * {@link ActivityCompletionError}.
   */
  protected handleError(err: unknown): never {
    if (isGrpcServiceError(err)) {
      rethrowKnownErrorTypes(err);
      if (err.code === grpcStatus.NOT_FOUND) throw new ActivityNotFoundError('Not found');
      throw new ActivityCompletionError(err.details || err.message);
    }
    throw new ActivityCompletionError('Unexpected failure');
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
    const outputType = options?.typeInfo?.outputType;
    const payloads = await encodeToPayloadsWithContext(
      this.dataConverter,
      this.serializationContextFor(checkTarget(target), options),
      [result],
      outputType === undefined ? undefined : [outputType],
    );
    try {
      if (target instanceof Uint8Array) {
        await this.workflowService.respondActivityTaskCompleted({
          ...this.callerFields(),
          taskToken: target,
          result: { payloads },
        });
      } else {
        await this.workflowService.respondActivityTaskCompletedById({
          ...this.callerFields(),
          ...target,
          result: { payloads },
        });
      }
    } catch (err) {
      this.handleError(err);
    }
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
    const failure = await encodeErrorToFailure(
      this.dataConverter,
      ensureTemporalFailure(err),
      this.serializationContextFor(checkTarget(target), options),
    );
    try {
      if (target instanceof Uint8Array) {
        await this.workflowService.respondActivityTaskFailed({ ...this.callerFields(), taskToken: target, failure });
      } else {
        await this.workflowService.respondActivityTaskFailedById({ ...this.callerFields(), ...target, failure });
      }
    } catch (error) {
      this.handleError(error);
    }
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
    const payloads = await encodeToPayloadsWithContext(
      this.dataConverter,
      this.serializationContextFor(checkTarget(target), options),
      [details],
    );
    try {
      if (target instanceof Uint8Array) {
        await this.workflowService.respondActivityTaskCanceled({
          ...this.callerFields(),
          taskToken: target,
          details: { payloads },
        });
      } else {
        await this.workflowService.respondActivityTaskCanceledById({
          ...this.callerFields(),
          ...target,
          details: { payloads },
        });
      }
    } catch (err) {
      this.handleError(err);
    }
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
    const payloads = await encodeToPayloadsWithContext(
      this.dataConverter,
      this.serializationContextFor(checkTarget(target), options),
      [details],
    );
    let response: { cancelRequested?: boolean | null; activityPaused?: boolean | null; activityReset?: boolean | null };
    try {
      if (target instanceof Uint8Array) {
        response = await this.workflowService.recordActivityTaskHeartbeat({
          ...this.callerFields(),
          taskToken: target,
          details: { payloads },
        });
      } else {
        response = await this.workflowService.recordActivityTaskHeartbeatById({
          ...this.callerFields(),
          ...target,
          details: { payloads },
        });
      }
    } catch (err) {
      this.handleError(err);
    }
    if (response.cancelRequested) throw new ActivityCancelledError('cancelled');
    if (response.activityReset) throw new ActivityResetError('reset');
    if (response.activityPaused) throw new ActivityPausedError('paused');
  }

  private callerFields(): { identity: string; namespace: string } {
    return { identity: this.options.identity, namespace: this.options.namespace };
  }
}

function checkTarget(target: unknown): Uint8Array | FullActivityId {
  if (target instanceof Uint8Array) {
    if (target.length === 0) throw new TypeError('Activity task token must not be empty');
    return target;
  }
  if (typeof target !== 'object' || target === null) {
    throw new TypeError(
      'Expected an Activity task token (Uint8Array) or a FullActivityId { workflowId?, runId?, activityId }',
    );
  }
  const { activityId, workflowId, runId } = target as Partial<FullActivityId>;
  if (typeof activityId !== 'string' || activityId === '') {
    throw new TypeError('FullActivityId.activityId must be a non-empty string');
  }
  if (workflowId !== undefined && (typeof workflowId !== 'string' || workflowId === '')) {
    throw new TypeError('FullActivityId.workflowId must be a non-empty string when given');
  }
  if (runId !== undefined && typeof runId !== 'string') throw new TypeError('FullActivityId.runId must be a string');
  return target as FullActivityId;
}
