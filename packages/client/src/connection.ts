/**
 * {@link Connection}: a gRPC channel to a Temporal server, with the Temporal services on top of it.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import type { TLSConfig } from '@kairos/common/lib/internal-non-workflow';
import { normalizeGrpcEndpointAddress, normalizeTlsConfig } from '@kairos/common/lib/internal-non-workflow';
import type { Duration } from '@kairos/common/lib/time';
import { msOptionalToNumber } from '@kairos/common/lib/time';
import { describe, validateMetadata, validateTlsOption } from './connection-validation';
import { ServiceError, isGrpcServiceError } from './errors';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from './grpc-retry';
import pkg from './pkg';
import type { CallContext, Metadata } from './types';
import { HealthService, OperatorService, TestService, WorkflowService } from './types';

/** Options of {@link Connection.connect} and {@link Connection.lazy}. */
export interface ConnectionOptions {
  /**
   * Server address as `host:port`; the port defaults to 7233. IPv6 addresses go in brackets
   * (`[::1]:7233`).
   *
   * @default localhost:7233
   */
  address?: string;
  /**
   * TLS settings. `true` or `{}` enables TLS with the system's trusted roots; a {@link TLSConfig}
   * adds a custom root CA, a client certificate pair (mTLS) or a server name override; a falsy value
   * disables TLS. Exclusive with {@link credentials}.
   *
   * @default TLS off, unless {@link apiKey} is set
   */
  tls?: TLSConfig | boolean | null;
  /**
   * Prebuilt gRPC channel credentials, for cases {@link tls} does not cover. Exclusive with
   * {@link tls} and {@link apiKey}.
   */
  credentials?: grpc.ChannelCredentials;
  /**
   * gRPC call credentials (typically adding auth metadata), composed with the channel credentials.
   * gRPC only sends call credentials over a secure channel.
   */
  callCredentials?: grpc.CallCredentials[];
  /**
   * gRPC channel arguments, merged over the defaults: keepalive pings every 30 s
   * (`grpc.keepalive_time_ms: 30000`), a 15 s keepalive timeout (`grpc.keepalive_timeout_ms: 15000`),
   * pings allowed without active calls (`grpc.keepalive_permit_without_calls: 1`), and a 128 MB
   * maximum received message. Set a key to `undefined` to drop a default.
   */
  channelArgs?: grpc.ChannelOptions;
  /**
   * gRPC client interceptors applied to every call. By default the list holds one interceptor that
   * retries transient failures: `[makeGrpcRetryInterceptor(defaultGrpcRetryOptions())]`. Passing a
   * list replaces the default, so include that interceptor to keep retries; pass `[]` to disable them.
   */
  interceptors?: grpc.Interceptor[];
  /**
   * Metadata (HTTP/2 headers) sent with every call. Add metadata for some calls only with
   * {@link Connection.withMetadata}. An `authorization` entry is exclusive with {@link apiKey}.
   */
  metadata?: Metadata;
  /**
   * API key sent as `authorization: Bearer <key>` with every call: a string, or a function called for
   * each call. Setting it turns TLS on unless {@link tls} is `false`. Change it later with
   * {@link Connection.setApiKey}, or for some calls with {@link Connection.withApiKey}.
   */
  apiKey?: string | (() => string);
  /**
   * How long {@link Connection.connect} and {@link Connection.ensureConnected} wait for the server:
   * milliseconds or a duration string such as `'30s'`.
   *
   * @default 10 seconds
   */
  connectTimeout?: Duration;
  /**
   * Plugins that may rewrite these options before the connection is made, in order. Clients built on
   * this connection also apply them.
   *
   * @experimental Plugins are experimental; their API may change.
   */
  plugins?: ConnectionPlugin[];
}

/** {@link ConnectionOptions} after defaults are applied. */
export type ConnectionOptionsWithDefaults = Required<
  Omit<ConnectionOptions, 'tls' | 'connectTimeout' | 'callCredentials' | 'apiKey'>
> & {
  /** Connect timeout in milliseconds. */
  connectTimeoutMs: number;
};

/**
 * Key of SDK-internal connection options.
 *
 * @internal
 * @hidden
 */
export const InternalConnectionOptionsSymbol = Symbol.for('__temporal_internal_connection_options');

/**
 * {@link ConnectionOptions} with SDK-internal options.
 *
 * @internal
 * @hidden
 */
export type InternalConnectionOptions = ConnectionOptions & {
  [InternalConnectionOptionsSymbol]?: {
    /** Creates {@link Connection.testService}; set by test environments whose server runs the test service. */
    supportsTestService?: boolean;
  };
};

/** Default server address. */
export const LOCAL_TARGET = 'localhost:7233';

const DEFAULT_TEMPORAL_GRPC_PORT = 7233;

/** Name sent in the `client-name` header unless the metadata sets one. */
export const CLIENT_NAME = 'kairos-typescript';

/** Everything {@link Connection.generateRPCImplementation} needs to turn protobufjs calls into gRPC calls. */
export interface RPCImplOptions {
  /** Fully qualified service name, e.g. `temporal.api.workflowservice.v1.WorkflowService`. */
  serviceName: string;
  /** The gRPC client owning the channel. */
  client: grpc.Client;
  /** Storage of the per-scope call context. */
  callContextStorage: AsyncLocalStorage<CallContext>;
  /** gRPC interceptors applied to each call. */
  interceptors?: grpc.Interceptor[];
  /** Metadata sent with every call. */
  staticMetadata: Metadata;
  /** Holder of the current API key function, replaced by {@link Connection.setApiKey}. */
  apiKeyFnRef: { fn?: () => string };
}

/** What the {@link Connection} constructor is made of; see {@link Connection.createCtorOptions}. */
export interface ConnectionCtorOptions {
  /** Options with defaults applied. */
  readonly options: ConnectionOptionsWithDefaults;
  /** The gRPC client owning the channel. */
  readonly client: grpc.Client;
  /** The `WorkflowService`. */
  readonly workflowService: WorkflowService;
  /** The `OperatorService`. */
  readonly operatorService: OperatorService;
  /** The `TestService`, if enabled. */
  readonly testService: TestService | undefined;
  /** The gRPC health service. */
  readonly healthService: HealthService;
  /** Storage of the per-scope call context. */
  readonly callContextStorage: AsyncLocalStorage<CallContext>;
  /** Holder of the current API key function. */
  readonly apiKeyFnRef: { fn?: () => string };
}

/**
 * A connection to a Temporal server over gRPC: the channel, TLS and authentication, and raw access to
 * the Temporal services. Pass it to a {@link Client}.
 *
 * Connections are expensive: create one, share it between clients, and {@link close} it when done.
 *
 * @example
 * ```ts
 * const connection = await Connection.connect({ address: 'localhost:7233' });
 * const client = new Client({ connection });
 * ```
 */
export class Connection {
  /**
   * The gRPC client class; a generic client, as the services are driven through protobufjs.
   *
   * @internal
   */
  static readonly Client: grpc.ServiceClientConstructor = grpc.makeGenericClientConstructor({}, 'WorkflowService', {});

  /** The options in effect, defaults included. */
  readonly options: ConnectionOptionsWithDefaults;
  /** The gRPC client owning the channel. */
  protected readonly client: grpc.Client;
  /** Pending or settled {@link ensureConnected} check, so it runs once. */
  protected connectPromise?: Promise<void>;
  /**
   * Raw access to the Temporal `WorkflowService`. Calls whose request carries a `namespace` also send it
   * in the `temporal-namespace` header.
   */
  readonly workflowService: WorkflowService;
  /**
   * Raw access to the Temporal `OperatorService` (search attributes, Nexus endpoints). Temporal Cloud
   * does not serve it.
   */
  readonly operatorService: OperatorService;
  /**
   * Raw access to the Temporal `TestService` (time skipping). `undefined` unless the connection was
   * made for a server that runs it.
   */
  readonly testService: TestService | undefined;
  /** Raw access to the standard gRPC health service. */
  readonly healthService: HealthService;
  /** Plugins registered on this connection. */
  readonly plugins: ConnectionPlugin[];
  /** Storage of the per-scope call context set by {@link withDeadline}, {@link withMetadata} and friends. */
  readonly callContextStorage: AsyncLocalStorage<CallContext>;
  private readonly apiKeyFnRef: { fn?: () => string };

  /**
   * Validates `options` and builds the channel and the service objects.
   *
   * @throws TypeError if an option is malformed or two options conflict.
   */
  protected static createCtorOptions(options: ConnectionOptions): ConnectionCtorOptions {
    const normalized = normalizeGrpcConfig(options);
    const apiKeyFnRef: { fn?: () => string } = {};
    if (normalized.apiKey !== undefined) {
      apiKeyFnRef.fn = apiKeyFunction(normalized.apiKey);
    }
    const optionsWithDefaults = addDefaults(normalized);
    optionsWithDefaults.metadata = withClientHeaders(optionsWithDefaults.metadata);
    validateMetadata(optionsWithDefaults.metadata, 'metadata');

    const client = new this.Client(
      optionsWithDefaults.address,
      optionsWithDefaults.credentials,
      optionsWithDefaults.channelArgs,
    );
    const callContextStorage = new AsyncLocalStorage<CallContext>();
    const rpcImpl = (serviceName: string): protobuf.RPCImpl =>
      this.generateRPCImplementation({
        serviceName,
        client,
        callContextStorage,
        interceptors: optionsWithDefaults.interceptors,
        staticMetadata: optionsWithDefaults.metadata,
        apiKeyFnRef,
      });

    const workflowService = WorkflowService.create(rpcImpl('temporal.api.workflowservice.v1.WorkflowService'));
    const operatorService = OperatorService.create(rpcImpl('temporal.api.operatorservice.v1.OperatorService'));
    const supportsTestService = (options as InternalConnectionOptions)[InternalConnectionOptionsSymbol]
      ?.supportsTestService;
    const testService = supportsTestService
      ? TestService.create(rpcImpl('temporal.api.testservice.v1.TestService'))
      : undefined;
    const healthService = HealthService.create(rpcImpl('grpc.health.v1.Health'));
    return {
      options: optionsWithDefaults,
      client,
      apiKeyFnRef,
      callContextStorage,
      healthService,
      workflowService,
      operatorService,
      testService,
    };
  }

  /**
   * Checks that the server can be reached: waits for the channel to be ready, then calls
   * `GetSystemInfo` (a server that does not implement it is accepted). Both steps share the
   * {@link ConnectionOptions.connectTimeout}. A successful check is remembered; a failed one is retried
   * on the next call.
   *
   * Not needed after {@link connect}, which calls it.
   *
   * @throws {@link ServiceError} if the server cannot be reached in time or `GetSystemInfo` fails.
   */
  async ensureConnected(): Promise<void> {
    if (this.connectPromise === undefined) {
      const deadline = Date.now() + this.options.connectTimeoutMs;
      this.connectPromise = this.checkConnection(deadline);
      this.connectPromise.catch(() => {
        this.connectPromise = undefined;
      });
    }
    return this.connectPromise;
  }

  private async checkConnection(deadline: number): Promise<void> {
    try {
      await this.untilReady(deadline);
    } catch (err) {
      throw new ServiceError(
        `Failed to connect to Temporal server at ${this.options.address} within ${this.options.connectTimeoutMs}ms`,
        { cause: err instanceof Error ? err : new Error(String(err)) },
      );
    }
    try {
      await this.withDeadline(deadline, () => this.workflowService.getSystemInfo({}));
    } catch (err) {
      if (isGrpcServiceError(err)) {
        if (err.code === grpc.status.UNIMPLEMENTED) return;
        throw new ServiceError('Failed to connect to Temporal server', { cause: err });
      }
      throw err;
    }
  }

  /**
   * Creates a connection without contacting the server; the channel connects on the first call.
   * Prefer {@link connect}, which reports an unreachable server right away.
   *
   * @throws TypeError if an option is malformed.
   */
  static lazy(options?: ConnectionOptions): Connection {
    let configured: ConnectionOptions = { ...(options ?? {}) };
    for (const plugin of configured.plugins ?? []) {
      if (plugin.configureConnection !== undefined) {
        configured = plugin.configureConnection(configured);
      }
    }
    return new this(this.createCtorOptions(configured));
  }

  /**
   * Creates a connection and checks that the server answers (see {@link ensureConnected}).
   *
   * @throws TypeError if an option is malformed.
   * @throws {@link ServiceError} if the server cannot be reached within the connect timeout.
   */
  static async connect(options?: ConnectionOptions): Promise<Connection> {
    const connection = this.lazy(options);
    try {
      await connection.ensureConnected();
    } catch (err) {
      await connection.close();
      throw err;
    }
    return connection;
  }

  protected constructor(parts: ConnectionCtorOptions) {
    this.options = parts.options;
    this.plugins = parts.options.plugins;
    this.client = parts.client;
    this.apiKeyFnRef = parts.apiKeyFnRef;
    this.callContextStorage = parts.callContextStorage;
    this.healthService = parts.healthService;
    this.testService = parts.testService;
    // The services that take a namespace also get it as a header (see `sendNamespaceAsHeader`).
    this.workflowService = this.sendNamespaceAsHeader(parts.workflowService);
    this.operatorService = this.sendNamespaceAsHeader(parts.operatorService);
  }

  /**
   * Makes the protobufjs RPC implementation of one service: each call becomes a unary gRPC call on the
   * shared channel, with the API key, the static metadata and the current scope's metadata, deadline
   * and abort signal.
   */
  protected static generateRPCImplementation(rpc: RPCImplOptions): protobuf.RPCImpl {
    const { client, interceptors } = rpc;
    return (method, requestData, callback) => {
      const { metadata, deadline, abortSignal } = rpc.callContextStorage.getStore() ?? {};
      // Later sources win: API key first, then the connection's metadata, then the current scope's.
      const grpcMetadata = new grpc.Metadata();
      const apiKey = rpc.apiKeyFnRef.fn?.();
      const layers: Metadata[] = [
        apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        rpc.staticMetadata,
        metadata ?? {},
      ];
      for (const layer of layers) {
        for (const key of Object.keys(layer)) grpcMetadata.set(key, layer[key]);
      }

      if (abortSignal?.aborted) {
        callback(cancelledError(grpcMetadata));
        return;
      }
      let onAbort: (() => void) | undefined;
      const call = client.makeUnaryRequest(
        `/${rpc.serviceName}/${method.name}`,
        (arg: Uint8Array) => Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength),
        (arg: Buffer) => arg,
        requestData,
        grpcMetadata,
        { interceptors, deadline },
        (err, response) => {
          if (onAbort !== undefined) abortSignal?.removeEventListener('abort', onAbort);
          callback(err, response);
        },
      );
      if (abortSignal !== undefined) {
        onAbort = () => call.cancel();
        abortSignal.addEventListener('abort', onAbort, { once: true });
      }
    };
  }

  /**
   * Runs `fn` with a deadline on every call it makes through this connection. A call still pending at
   * the deadline fails with a gRPC `DEADLINE_EXCEEDED` error (see {@link isGrpcDeadlineError}); retries
   * stop there too. Without a deadline a call can wait forever, so setting one is recommended. A nested
   * `withDeadline` replaces the outer deadline.
   *
   * @param deadline a `Date`, or milliseconds since the Unix epoch
   * @returns what `fn` returns
   */
  async withDeadline<ReturnType>(deadline: number | Date, fn: () => Promise<ReturnType>): Promise<ReturnType> {
    const context = this.callContextStorage.getStore();
    return await this.callContextStorage.run({ ...context, deadline }, fn);
  }

  /**
   * Runs `fn` so that aborting `abortSignal` cancels the calls it makes through this connection; they
   * fail with a gRPC `CANCELLED` error (see {@link isGrpcCancelledError}). Signals of nested scopes add
   * up: aborting any of them cancels the calls.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * setTimeout(() => controller.abort(), 10_000);
   * await connection.withAbortSignal(controller.signal, () => client.workflow.execute(myWorkflow, options));
   * ```
   *
   * @returns what `fn` returns
   */
  async withAbortSignal<ReturnType>(abortSignal: AbortSignal, fn: () => Promise<ReturnType>): Promise<ReturnType> {
    const context = this.callContextStorage.getStore();
    const combined = context?.abortSignal ? AbortSignal.any([context.abortSignal, abortSignal]) : abortSignal;
    return await this.callContextStorage.run({ ...context, abortSignal: combined }, fn);
  }

  /**
   * Runs `fn` with `metadata` added to the calls it makes through this connection, over the metadata of
   * enclosing scopes and of {@link ConnectionOptions.metadata}.
   *
   * @example
   * ```ts
   * await connection.withMetadata({ 'x-request-source': 'billing' }, () => client.workflow.start(wf, options));
   * ```
   *
   * @returns what `fn` returns
   */
  async withMetadata<ReturnType>(metadata: Metadata, fn: () => Promise<ReturnType>): Promise<ReturnType> {
    validateMetadata(metadata, 'withMetadata');
    const context = this.callContextStorage.getStore();
    return await this.callContextStorage.run({ ...context, metadata: { ...context?.metadata, ...metadata } }, fn);
  }

  /**
   * Runs `fn` with `apiKey` as the API key of the calls it makes through this connection (the
   * `authorization: Bearer` header), instead of {@link ConnectionOptions.apiKey}.
   *
   * @returns what `fn` returns
   */
  async withApiKey<ReturnType>(apiKey: string, fn: () => Promise<ReturnType>): Promise<ReturnType> {
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new TypeError('`apiKey` must be a non-empty string');
    }
    return await this.withMetadata({ authorization: `Bearer ${apiKey}` }, fn);
  }

  /**
   * Replaces the API key of all later calls: a string, or a function called for each call.
   *
   * @throws TypeError if `apiKey` is an empty string or neither a string nor a function.
   */
  setApiKey(apiKey: string | (() => string)): void {
    this.apiKeyFnRef.fn = apiKeyFunction(apiKey);
  }

  /** Waits until the channel is connected or `deadline` (milliseconds since the epoch) passes. */
  protected async untilReady(deadline: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.client.waitForReady(deadline, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes the channel. Calls made afterwards fail. */
  async close(): Promise<void> {
    this.client.close();
    this.callContextStorage.disable();
  }

  /**
   * Wraps a service so that each call whose request has a `namespace` also sends it in the
   * `temporal-namespace` header, which proxies and Temporal Cloud route on.
   */
  private sendNamespaceAsHeader<S extends protobuf.rpc.Service>(service: S): S {
    const wrapper = Object.create(service) as S;
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(service))) {
      if (name === 'constructor') continue;
      const method = (service as unknown as Record<string, unknown>)[name];
      if (typeof method !== 'function') continue;
      Object.defineProperty(wrapper, name, {
        value: (...args: unknown[]): unknown => {
          const namespace = (args[0] as { namespace?: unknown } | null | undefined)?.namespace;
          if (typeof namespace === 'string' && namespace !== '') {
            return this.withMetadata({ 'temporal-namespace': namespace }, () => method.apply(service, args));
          }
          return method.apply(service, args);
        },
        enumerable: true,
      });
    }
    return wrapper;
  }
}

/**
 * A plugin that may change connection options; see {@link ConnectionOptions.plugins}.
 *
 * @experimental Plugins are experimental; their API may change.
 */
export interface ConnectionPlugin {
  /** Name of the plugin. */
  get name(): string;
  /** Returns the options to use, given the options so far. Called by {@link Connection.lazy} and {@link Connection.connect}. */
  configureConnection?(options: ConnectionOptions): ConnectionOptions;
}

interface NormalizedGrpcConfig extends Omit<ConnectionOptions, 'tls' | 'callCredentials'> {
  credentials: grpc.ChannelCredentials;
}

function apiKeyFunction(apiKey: unknown): () => string {
  if (typeof apiKey === 'string') {
    if (apiKey === '') throw new TypeError('`apiKey` must not be an empty string');
    return () => apiKey;
  }
  if (typeof apiKey === 'function') return apiKey as () => string;
  throw new TypeError(`\`apiKey\` must be a string or a function returning a string, got ${describe(apiKey)}`);
}

function normalizeGrpcConfig(options: ConnectionOptions): NormalizedGrpcConfig {
  const { tls: tlsOption, credentials, callCredentials, ...rest } = options;
  if (rest.address !== undefined) {
    if (typeof rest.address !== 'string' || rest.address.trim() === '') {
      throw new TypeError(`\`address\` must be a non-empty 'host:port' string, got ${describe(rest.address)}`);
    }
    rest.address = normalizeGrpcEndpointAddress(rest.address.trim(), DEFAULT_TEMPORAL_GRPC_PORT);
  }
  if (rest.apiKey !== undefined && rest.apiKey !== null) {
    apiKeyFunction(rest.apiKey);
    if (Object.keys(rest.metadata ?? {}).some((key) => key.toLowerCase() === 'authorization')) {
      throw new TypeError(
        'Both `apiKey` option and `Authorization` header were provided, but only one makes sense to use at a time.',
      );
    }
    if (credentials !== undefined) {
      throw new TypeError(
        'Both `apiKey` and `credentials` ConnectionOptions were provided, but only one makes sense to use at a time',
      );
    }
  }
  if (callCredentials !== undefined && !Array.isArray(callCredentials)) {
    throw new TypeError('`callCredentials` must be an array of grpc.CallCredentials');
  }
  validateTlsOption(tlsOption);
  const tls = normalizeTlsConfig(tlsOption, rest.apiKey ?? undefined);
  if (tls) {
    if (credentials !== undefined) {
      throw new TypeError('Both `tls` and `credentials` ConnectionOptions were provided');
    }
    const toBuffer = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes) : null);
    const { serverRootCACertificate, clientCertPair, serverNameOverride } = tls;
    const ssl = grpc.credentials.createSsl(
      toBuffer(serverRootCACertificate),
      toBuffer(clientCertPair?.key),
      toBuffer(clientCertPair?.crt),
    );
    const channelArgs: grpc.ChannelOptions = { ...rest.channelArgs };
    if (serverNameOverride) {
      // The certificate is checked against, and the :authority header set to, the overriding name.
      channelArgs['grpc.ssl_target_name_override'] = serverNameOverride;
      channelArgs['grpc.default_authority'] = serverNameOverride;
    }
    return {
      ...rest,
      credentials: grpc.credentials.combineChannelCredentials(ssl, ...(callCredentials ?? [])),
      channelArgs,
    };
  }
  return {
    ...rest,
    credentials: grpc.credentials.combineChannelCredentials(
      credentials ?? grpc.credentials.createInsecure(),
      ...(callCredentials ?? []),
    ),
  };
}

function addDefaults(options: NormalizedGrpcConfig): ConnectionOptionsWithDefaults {
  const { channelArgs, interceptors, connectTimeout, address, metadata, plugins, credentials } = options;
  return {
    address: address ?? LOCAL_TARGET,
    credentials,
    channelArgs: {
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 15_000,
      'grpc.max_receive_message_length': 128 * 1024 * 1024,
      ...channelArgs,
    },
    interceptors: interceptors ?? [makeGrpcRetryInterceptor(defaultGrpcRetryOptions())],
    metadata: { ...metadata },
    connectTimeoutMs: msOptionalToNumber(connectTimeout) ?? 10_000,
    plugins: plugins ?? [],
  };
}

function withClientHeaders(metadata: Metadata): Metadata {
  const lowerKeys = new Set(Object.keys(metadata).map((key) => key.toLowerCase()));
  return {
    ...(lowerKeys.has('client-name') ? {} : { 'client-name': CLIENT_NAME }),
    ...(lowerKeys.has('client-version') ? {} : { 'client-version': pkg.version }),
    ...metadata,
  };
}

function cancelledError(metadata: grpc.Metadata): grpc.ServiceError {
  const details = 'Cancelled on client';
  return Object.assign(new Error(`${grpc.status.CANCELLED} CANCELLED: ${details}`), {
    code: grpc.status.CANCELLED,
    details,
    metadata,
  });
}
