/**
 * {@link NexusClient}: standalone Nexus operations (started by a client, without a Workflow), through the
 * `*NexusOperationExecution` RPCs. A server without them (the Kairos dev server, or a Temporal server without
 * `nexusoperation.enableStandalone`) makes every call fail with a {@link NexusOperationsNotSupportedError}.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import type * as nexus from 'nexus-rpc';
import {
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
  searchAttributePayloadConverter,
} from '@kairos/common/lib/converter/payload-search-attributes';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  decodeOptionalSinglePayload,
  encodeToPayload,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { msOptionalToTs, optionalTsToDate, optionalTsToMs } from '@kairos/common/lib/time';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import type { LoadedDataConverter } from '@kairos/common';
import { temporal } from '@kairos/proto';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import { isGrpcServiceError, ServiceError } from './errors';
import { int64ToNumber, rethrowKnownErrorTypes } from './helpers';
import type {
  CancelNexusOperationInput,
  CountNexusOperationsInput,
  DescribeNexusOperationInput,
  GetNexusOperationResultInput,
  ListNexusOperationsInput,
  NexusClientInterceptor,
  StartNexusOperationInput,
  TerminateNexusOperationInput,
} from './interceptors';
import {
  decodeNexusOperationCancellationState,
  decodeNexusOperationExecutionStatus,
  decodePendingNexusOperationState,
  encodeNexusOperationIdConflictPolicy,
  encodeNexusOperationIdReusePolicy,
} from './nexus-types';
import type {
  DescribeNexusOperationOptions,
  GetNexusOperationHandleOptions,
  ListNexusOperationsOptions,
  NexusOperationExecution,
  NexusOperationExecutionCancellationInfo,
  NexusOperationExecutionCount,
  NexusOperationExecutionDescription,
  StartNexusOperationOptions,
} from './nexus-types';
/** Options of a {@link NexusClient}. */
export interface NexusClientOptions extends BaseClientOptions {
  /** Interceptors of the Nexus client's calls. */
  interceptors?: NexusClientInterceptor[];
}

/** {@link NexusClientOptions} with defaults applied. */
export type LoadedNexusClientOptions = LoadedWithDefaults<NexusClientOptions>;

/** Refers to one Nexus operation started outside any Workflow, and acts on it. */
export interface NexusOperationHandle<O = unknown> {
  /** Operation id. */
  readonly operationId: string;
  /** Run id. */
  readonly runId?: string;
  /** The client this handle belongs to. */
  readonly client: NexusClient;
  /** Waits for and returns the result. */
  result(): Promise<O>;
  /** Describes the operation. */
  describe(options?: DescribeNexusOperationOptions): Promise<NexusOperationExecutionDescription>;
  /** Requests cancellation. */
  cancel(reason?: string): Promise<void>;
  /** Terminates the operation. */
  terminate(reason?: string): Promise<void>;
}

type NexusOperationHandleResult<T> = T extends nexus.OperationDefinition<unknown, infer O> ? O : T;

/** A client for the operations of one Nexus service on one endpoint. */
export interface NexusServiceClient<T extends nexus.ServiceDefinition> {
  /** Endpoint name. */
  readonly endpoint: string;
  /** Service definition. */
  readonly service: T;
  /** Starts an operation. */
  startOperation<Op extends T['operations'][keyof T['operations']]>(
    operation: Op,
    input: nexus.OperationInput<Op>,
    options: StartNexusOperationOptions,
  ): Promise<NexusOperationHandle<nexus.OperationOutput<Op>>>;
  startOperation<K extends nexus.OperationKey<T['operations']>>(
    op: K,
    input: nexus.OperationInput<T['operations'][K]>,
    options: StartNexusOperationOptions,
  ): Promise<NexusOperationHandle<nexus.OperationOutput<T['operations'][K]>>>;
  /** Starts an operation and waits for its result. */
  executeOperation<Op extends T['operations'][keyof T['operations']]>(
    operation: Op,
    input: nexus.OperationInput<Op>,
    options: StartNexusOperationOptions,
  ): Promise<nexus.OperationOutput<Op>>;
  executeOperation<K extends nexus.OperationKey<T['operations']>>(
    op: K,
    input: nexus.OperationInput<T['operations'][K]>,
    options: StartNexusOperationOptions,
  ): Promise<nexus.OperationOutput<T['operations'][K]>>;
}

/**
 * Client for standalone Nexus operations. Usually reached as {@link Client.nexus}.
 *
 * @experimental
 */
export class NexusClient extends BaseClient {
  /** Options with defaults applied. */
  readonly options: LoadedNexusClientOptions;
  /** Interceptors of the Nexus calls. */
  protected readonly interceptors: NexusClientInterceptor[];

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: NexusClientOptions) {
    super(options);
    this.options = settleClientOptions<LoadedNexusClientOptions>(options, this.dataConverter, { interceptors: [] });
    this.interceptors = this.options.interceptors;
  }

  /** The raw WorkflowService of the connection. */
  get workflowService(): temporal.api.workflowservice.v1.WorkflowService {
    return this.connection.workflowService as temporal.api.workflowservice.v1.WorkflowService;
  }

  /** Returns a client for one service on one endpoint. */
  createServiceClient<T extends nexus.ServiceDefinition>(options: {
    endpoint: string;
    service: T;
  }): NexusServiceClient<T> {
    const { endpoint, service } = options;
    if (typeof endpoint !== 'string' || endpoint === '') throw new TypeError('endpoint must be a non-empty string');
    if (typeof service?.name !== 'string') throw new TypeError('service must be a Nexus service definition');
    const operationName = (op: unknown): string => {
      if (typeof op === 'string') {
        const def = (service.operations as Record<string, { name?: string } | undefined>)[op];
        return def?.name ?? op;
      }
      const name = (op as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') throw new TypeError('operation must be an operation name or definition');
      return name;
    };
    const start = (op: unknown, input: unknown, opts: StartNexusOperationOptions) => {
      if (typeof opts?.id !== 'string' || opts.id === '') throw new TypeError('options.id must be a non-empty string');
      return this.startOperation({
        ...opts,
        endpoint,
        service: service.name,
        operation: operationName(op),
        arg: input,
      });
    };
    const client = {
      endpoint,
      service,
      startOperation: start,
      executeOperation: async (op: unknown, input: unknown, opts: StartNexusOperationOptions) =>
        await (await start(op, input, opts)).result(),
    };
    return client as unknown as NexusServiceClient<T>;
  }

  /** Returns a handle to an operation (no call is made until it is used). */
  getHandle<T>(
    operationId: string,
    options?: GetNexusOperationHandleOptions,
  ): NexusOperationHandle<NexusOperationHandleResult<T>> {
    return this.handle(operationId, options?.runId, options?.typeInfo?.outputType) as NexusOperationHandle<
      NexusOperationHandleResult<T>
    >;
  }

  /** Lists operations matching a visibility query. */
  list(options?: ListNexusOperationsOptions): AsyncIterable<NexusOperationExecution> {
    const next = (input: ListNexusOperationsInput) => this.listPages(input);
    const list = composeInterceptors(this.interceptors, 'list', next);
    return list({ query: options?.query, pageSize: options?.pageSize });
  }

  /** Counts operations matching a visibility query. */
  async count(query?: string): Promise<NexusOperationExecutionCount> {
    const next = async (input: CountNexusOperationsInput): Promise<NexusOperationExecutionCount> => {
      const res = await this.call('CountNexusOperationExecutions', undefined, () =>
        this.workflowService.countNexusOperationExecutions({ namespace: this.options.namespace, query: input.query }),
      );
      return {
        count: int64ToNumber(res.count),
        groups: (res.groups ?? []).map((g) => ({
          count: int64ToNumber(g.count),
          groupValues: (g.groupValues ?? []).map((v) => searchAttributePayloadConverter.fromPayload(v)),
        })),
      } as NexusOperationExecutionCount;
    };
    return await composeInterceptors(this.interceptors, 'count', next)({ query });
  }

  private async startOperation(input: StartNexusOperationInput): Promise<NexusOperationHandle> {
    const next = async (i: StartNexusOperationInput): Promise<NexusOperationHandle> => {
      const req: temporal.api.workflowservice.v1.IStartNexusOperationExecutionRequest = {
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: randomUUID(),
        operationId: i.id,
        endpoint: i.endpoint,
        service: i.service,
        operation: i.operation,
        scheduleToCloseTimeout: msOptionalToTs(i.scheduleToCloseTimeout),
        scheduleToStartTimeout: msOptionalToTs(i.scheduleToStartTimeout),
        startToCloseTimeout: msOptionalToTs(i.startToCloseTimeout),
        input: await encodeToPayload(this.dataConverter, i.arg),
        idReusePolicy: i.idReusePolicy !== undefined ? encodeNexusOperationIdReusePolicy(i.idReusePolicy) : undefined,
        idConflictPolicy:
          i.idConflictPolicy !== undefined ? encodeNexusOperationIdConflictPolicy(i.idConflictPolicy) : undefined,
        searchAttributes: i.searchAttributes
          ? { indexedFields: encodeUnifiedSearchAttributes(undefined, i.searchAttributes) }
          : undefined,
        nexusHeader: i.headers ?? {},
        userMetadata:
          i.summary !== undefined ? { summary: await encodeToPayload(this.dataConverter, i.summary) } : undefined,
      };
      const res = await this.call('StartNexusOperationExecution', i.id, () =>
        this.workflowService.startNexusOperationExecution(req),
      );
      return this.handle(i.id, res.runId || undefined, i.outputType);
    };
    return await composeInterceptors(this.interceptors, 'startOperation', next)(input);
  }

  private handle(operationId: string, runId: string | undefined, outputType: unknown): NexusOperationHandle {
    let settled: { value: unknown } | { error: unknown } | undefined;
    return {
      operationId,
      runId,
      client: this,
      result: async () => {
        if (settled === undefined) {
          try {
            settled = {
              value: await this.result({ operationId, runId, outputType } as GetNexusOperationResultInput),
            };
          } catch (error) {
            if (!(error instanceof NexusOperationFailureError)) throw error;
            settled = { error };
          }
        }
        if ('error' in settled) throw settled.error;
        return settled.value;
      },
      describe: async (_options?: DescribeNexusOperationOptions) => {
        const next = (input: DescribeNexusOperationInput) => this.describeOperation(input);
        return await composeInterceptors(this.interceptors, 'describe', next)({ operationId, runId });
      },
      cancel: async (reason?: string) => {
        const next = async (input: CancelNexusOperationInput) => {
          await this.call('RequestCancelNexusOperationExecution', input.operationId, () =>
            this.workflowService.requestCancelNexusOperationExecution({
              namespace: this.options.namespace,
              operationId: input.operationId,
              runId: input.runId ?? '',
              identity: this.options.identity,
              requestId: randomUUID(),
              reason: input.reason ?? '',
            }),
          );
        };
        await composeInterceptors(this.interceptors, 'cancel', next)({ operationId, runId, reason });
      },
      terminate: async (reason?: string) => {
        const next = async (input: TerminateNexusOperationInput) => {
          await this.call('TerminateNexusOperationExecution', input.operationId, () =>
            this.workflowService.terminateNexusOperationExecution({
              namespace: this.options.namespace,
              operationId: input.operationId,
              runId: input.runId ?? '',
              identity: this.options.identity,
              requestId: randomUUID(),
              reason: input.reason ?? '',
            }),
          );
        };
        await composeInterceptors(this.interceptors, 'terminate', next)({ operationId, runId, reason });
      },
    };
  }

  /** Waits (long polls, again and again) until the operation closes; its result, or its failure thrown. */
  private async result(input: GetNexusOperationResultInput): Promise<unknown> {
    const next = async (i: GetNexusOperationResultInput): Promise<unknown> => {
      for (;;) {
        const res = await this.call('PollNexusOperationExecution', i.operationId, () =>
          this.workflowService.pollNexusOperationExecution({
            namespace: this.options.namespace,
            operationId: i.operationId,
            runId: i.runId ?? '',
            waitStage: temporal.api.enums.v1.NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_CLOSED,
          }),
        );
        if (res.result) {
          return await decodeFromPayloadsAtIndex(this.dataConverter, 0, [res.result], undefined, i.outputType as never);
        }
        if (res.failure) {
          const cause = await decodeOptionalFailureToOptionalError(this.dataConverter, res.failure);
          throw new NexusOperationFailureError(
            `Nexus operation failed: ${res.failure.message ?? ''}`,
            cause ?? new Error(res.failure.message ?? ''),
          );
        }
      }
    };
    return await composeInterceptors(this.interceptors, 'getResult', next)(input);
  }

  private async describeOperation(input: DescribeNexusOperationInput): Promise<NexusOperationExecutionDescription> {
    const res = await this.call('DescribeNexusOperationExecution', input.operationId, () =>
      this.workflowService.describeNexusOperationExecution({
        namespace: this.options.namespace,
        operationId: input.operationId,
        runId: input.runId ?? '',
      }),
    );
    if (!res.info) throw new ServiceError('The server described the Nexus operation without its info');
    return await describedOperation(res.info, this.dataConverter);
  }

  private async *listPages(input: ListNexusOperationsInput): AsyncIterable<NexusOperationExecution> {
    let nextPageToken: Uint8Array | undefined;
    do {
      const res = await this.call('ListNexusOperationExecutions', undefined, () =>
        this.workflowService.listNexusOperationExecutions({
          namespace: this.options.namespace,
          query: input.query ?? '',
          pageSize: input.pageSize ?? 0,
          nextPageToken,
        }),
      );
      for (const raw of res.operations ?? []) yield listedOperation(raw);
      nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
    } while (nextPageToken);
  }

  /** Makes one call, turning its gRPC errors into this client's errors. */
  private async call<R>(rpc: string, operationId: string | undefined, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (!isGrpcServiceError(err)) throw err;
      rethrowKnownErrorTypes(err);
      if (isNotSupported(err)) throw new NexusOperationsNotSupportedError(rpc, err);
      if (err.code === grpcStatus.ALREADY_EXISTS && operationId !== undefined) {
        throw new NexusOperationAlreadyStartedError(operationId);
      }
      if (err.code === grpcStatus.NOT_FOUND && operationId !== undefined) {
        throw new NexusOperationNotFoundError(operationId);
      }
      throw new ServiceError(`${rpc} failed: ${err.details || err.message}`, { cause: err });
    }
  }
}

/** Whether the server said it has no standalone Nexus operations (no such RPC, or the feature switched off). */
function isNotSupported(err: GrpcServiceError): boolean {
  if (err.code === grpcStatus.UNIMPLEMENTED) return true;
  return (
    (err.code === grpcStatus.FAILED_PRECONDITION || err.code === grpcStatus.INVALID_ARGUMENT) &&
    /standalone nexus operation[s]? (is|are) (disabled|not enabled)/i.test(err.details ?? err.message)
  );
}

function listedOperation(raw: temporal.api.nexus.v1.INexusOperationExecutionListInfo): NexusOperationExecution {
  return {
    operationId: raw.operationId ?? '',
    runId: raw.runId ?? '',
    endpoint: raw.endpoint ?? '',
    service: raw.service ?? '',
    operation: raw.operation ?? '',
    scheduleTime: optionalTsToDate(raw.scheduleTime),
    closeTime: optionalTsToDate(raw.closeTime),
    status: decodeNexusOperationExecutionStatus(raw.status),
    searchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
    stateTransitionCount: int64ToNumber(raw.stateTransitionCount),
    executionDuration: optionalTsToMs(raw.executionDuration),
    raw,
  } as NexusOperationExecution;
}

async function cancellationInfo(
  raw: temporal.api.nexus.v1.INexusOperationExecutionCancellationInfo,
  dataConverter: LoadedDataConverter,
): Promise<NexusOperationExecutionCancellationInfo> {
  return {
    requestedTime: optionalTsToDate(raw.requestedTime),
    state: decodeNexusOperationCancellationState(raw.state),
    attempt: raw.attempt ?? 0,
    lastAttemptCompleteTime: optionalTsToDate(raw.lastAttemptCompleteTime),
    nextAttemptScheduleTime: optionalTsToDate(raw.nextAttemptScheduleTime),
    lastAttemptFailure: await decodeOptionalFailureToOptionalError(dataConverter, raw.lastAttemptFailure),
    blockedReason: raw.blockedReason || undefined,
    reason: raw.reason ?? '',
    raw,
  };
}

async function describedOperation(
  raw: temporal.api.nexus.v1.INexusOperationExecutionInfo,
  dataConverter: LoadedDataConverter,
): Promise<NexusOperationExecutionDescription> {
  return {
    operationId: raw.operationId ?? '',
    runId: raw.runId ?? '',
    endpoint: raw.endpoint ?? '',
    service: raw.service ?? '',
    operation: raw.operation ?? '',
    scheduleTime: optionalTsToDate(raw.scheduleTime),
    closeTime: optionalTsToDate(raw.closeTime),
    status: decodeNexusOperationExecutionStatus(raw.status),
    searchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
    stateTransitionCount: int64ToNumber(raw.stateTransitionCount),
    executionDuration: optionalTsToMs(raw.executionDuration),
    raw,
    state: decodePendingNexusOperationState(raw.state),
    scheduleToCloseTimeout: optionalTsToMs(raw.scheduleToCloseTimeout),
    scheduleToStartTimeout: optionalTsToMs(raw.scheduleToStartTimeout),
    startToCloseTimeout: optionalTsToMs(raw.startToCloseTimeout),
    attempt: raw.attempt ?? 0,
    expirationTime: optionalTsToDate(raw.expirationTime),
    lastAttemptCompleteTime: optionalTsToDate(raw.lastAttemptCompleteTime),
    nextAttemptScheduleTime: optionalTsToDate(raw.nextAttemptScheduleTime),
    lastAttemptFailure: await decodeOptionalFailureToOptionalError(dataConverter, raw.lastAttemptFailure),
    blockedReason: raw.blockedReason || undefined,
    requestId: raw.requestId ?? '',
    operationToken: raw.operationToken || undefined,
    identity: raw.identity ?? '',
    cancellationInfo: raw.cancellationInfo ? await cancellationInfo(raw.cancellationInfo, dataConverter) : undefined,
    staticSummary: async () =>
      (await decodeOptionalSinglePayload<string>(dataConverter, raw.userMetadata?.summary)) ?? undefined,
    staticDetails: async () =>
      (await decodeOptionalSinglePayload<string>(dataConverter, raw.userMetadata?.details)) ?? undefined,
  } as NexusOperationExecutionDescription;
}

/**
 * The server has no standalone Nexus operations: it does not know the RPC (the Kairos dev server, older Temporal
 * servers), or has the feature switched off (a Temporal server needs `nexusoperation.enableStandalone=true`).
 */
export class NexusOperationsNotSupportedError extends Error {
  constructor(
    /** The RPC the server refused. */
    public readonly rpc: string,
    /** The gRPC error. */
    public override readonly cause: Error,
  ) {
    super(
      `standalone Nexus operations are not supported by this server (${rpc}: ${
        (cause as Partial<GrpcServiceError>).details || cause.message
      })`,
    );
  }
}
SymbolBasedInstanceOfError('NexusOperationsNotSupportedError')(NexusOperationsNotSupportedError);

/** A standalone Nexus operation failed; the failure is the `cause`. */
export class NexusOperationFailureError extends Error {
  constructor(
    message: string,
    /** The failure. */
    public override readonly cause: Error,
  ) {
    super(message);
  }
}
SymbolBasedInstanceOfError('NexusOperationFailureError')(NexusOperationFailureError);

/** A standalone Nexus operation with that id already exists. */
export class NexusOperationAlreadyStartedError extends Error {
  constructor(
    /** Operation id. */
    public readonly operationId: string,
    /** Run id of the operation that holds the id, if the server said. */
    public readonly runId?: string,
  ) {
    super(`Nexus operation already started: ${operationId}`);
  }
}
SymbolBasedInstanceOfError('NexusOperationAlreadyStartedError')(NexusOperationAlreadyStartedError);

/** The server knows no standalone Nexus operation with that id. */
export class NexusOperationNotFoundError extends Error {
  constructor(
    /** Operation id. */
    public readonly operationId: string,
    /** Run id. */
    public readonly runId?: string,
  ) {
    super(`Nexus operation not found: ${operationId}`);
  }
}
SymbolBasedInstanceOfError('NexusOperationNotFoundError')(NexusOperationNotFoundError);
