/**
 * {@link NexusClient}: standalone Nexus operations.
 *
 * Not implemented by Kairos yet: every call throws a {@link NotImplementedError}.
 *
 * @module
 */
import type * as nexus from 'nexus-rpc';
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import type { NexusClientInterceptor } from './interceptors';
import { NotImplementedError } from './not-implemented';
import type {
  DescribeNexusOperationOptions,
  GetNexusOperationHandleOptions,
  ListNexusOperationsOptions,
  NexusOperationExecution,
  NexusOperationExecutionCount,
  NexusOperationExecutionDescription,
  StartNexusOperationOptions,
} from './nexus-types';

const STANDALONE_NEXUS = 'standalone Nexus operations (NexusClient)';

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

  /**
   * Returns a client for one service on one endpoint.
   *
   * @throws {@link NotImplementedError} always.
   */
  createServiceClient<T extends nexus.ServiceDefinition>(_options: {
    endpoint: string;
    service: T;
  }): NexusServiceClient<T> {
    throw new NotImplementedError(STANDALONE_NEXUS);
  }

  /**
   * Returns a handle to an operation.
   *
   * @throws {@link NotImplementedError} always.
   */
  getHandle<T>(
    _operationId: string,
    _options?: GetNexusOperationHandleOptions,
  ): NexusOperationHandle<NexusOperationHandleResult<T>> {
    throw new NotImplementedError(STANDALONE_NEXUS);
  }

  /**
   * Lists operations.
   *
   * @throws {@link NotImplementedError} always.
   */
  list(_options?: ListNexusOperationsOptions): AsyncIterable<NexusOperationExecution> {
    throw new NotImplementedError(STANDALONE_NEXUS);
  }

  /**
   * Counts operations.
   *
   * @throws {@link NotImplementedError} always.
   */
  async count(_query?: string): Promise<NexusOperationExecutionCount> {
    throw new NotImplementedError(STANDALONE_NEXUS);
  }
}

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
