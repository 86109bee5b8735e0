import {
  Connection,
  type ConnectionLike,
  type ConnectionPlugin,
  type HealthService,
  type Metadata,
  type OperatorService,
  type TestService,
  type WorkflowService,
} from '@kairos/client';
import { normalizeTlsConfig } from '@kairos/common/lib/internal-non-workflow';
import * as bridge from '@kairos/core-bridge';
import pkg from './pkg';
import type { NativeConnectionOptions } from './connection-options';
import { Runtime } from './runtime';

/** A plugin that adjusts the options of a native connection. */
export interface NativeConnectionPlugin {
  get name(): string;
  configureNativeConnection?(options: NativeConnectionOptions): NativeConnectionOptions;
}

function stringMetadata(metadata: Metadata | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') {
      throw new TypeError(`NativeConnection metadata '${key}': only string values are supported by Kairos`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * The connection workers use: the Rust core's own gRPC connection (for polling and completing tasks) plus a
 * client connection to the same server for the `workflowService`/`operatorService` calls that `Client`s
 * built on it make.
 */
export class NativeConnection implements ConnectionLike {
  /** Plugins of this connection; workers created on it apply them too. */
  readonly plugins: ConnectionPlugin[] & NativeConnectionPlugin[];

  protected constructor(
    /** The core's connection (internal). */
    readonly native: bridge.NativeConnection,
    private readonly client: Connection,
    readonly options: NativeConnectionOptions,
  ) {
    this.plugins = (options.plugins ?? []) as ConnectionPlugin[] & NativeConnectionPlugin[];
  }

  /** Connects to the server (retrying until the connect timeout). */
  static async connect(options: NativeConnectionOptions = {}): Promise<NativeConnection> {
    for (const plugin of options.plugins ?? []) {
      if (plugin.configureNativeConnection) options = plugin.configureNativeConnection(options);
    }
    if (options.proxy !== undefined) throw new TypeError('not implemented: NativeConnection proxy option');
    if (options.dnsLoadBalancingConfig) {
      throw new TypeError('not implemented: NativeConnection dnsLoadBalancingConfig option');
    }
    const metadata = stringMetadata(options.metadata);
    if (options.apiKey !== undefined && Object.keys(metadata).some((k) => k.toLowerCase() === 'authorization')) {
      throw new TypeError(
        "Both an 'apiKey' and an 'Authorization' metadata header were given to NativeConnection; use one of them",
      );
    }
    const address = options.address ?? 'localhost:7233';
    const tls = normalizeTlsConfig(options.tls, options.apiKey);
    Runtime.instance();
    const native = await bridge.NativeConnection.connect({
      // The core assumes TLS with an API key; `tls: false` asks for a plain connection explicitly.
      address: tls === undefined && options.apiKey !== undefined ? `http://${address}` : address,
      tls: tls
        ? {
            serverRootCaCert: tls.serverRootCACertificate ? Buffer.from(tls.serverRootCACertificate) : undefined,
            serverNameOverride: tls.serverNameOverride,
            clientCert: tls.clientCertPair ? Buffer.from(tls.clientCertPair.crt) : undefined,
            clientPrivateKey: tls.clientCertPair ? Buffer.from(tls.clientCertPair.key) : undefined,
          }
        : undefined,
      apiKey: options.apiKey,
      metadata,
      clientName: 'kairos-typescript',
      clientVersion: pkg.version,
    });
    const client = Connection.lazy({ address, tls: options.tls, apiKey: options.apiKey, metadata: options.metadata });
    return new NativeConnection(native, client, options);
  }

  /** Same as {@link connect}. */
  static create(options?: NativeConnectionOptions): Promise<NativeConnection> {
    return NativeConnection.connect(options);
  }

  get workflowService(): WorkflowService {
    return this.client.workflowService;
  }

  get operatorService(): OperatorService {
    return this.client.operatorService;
  }

  get healthService(): HealthService {
    return this.client.healthService;
  }

  get testService(): TestService | undefined {
    return this.client.testService;
  }

  /** Resolves at once: the core connected when the connection was created. */
  async ensureConnected(): Promise<void> {}

  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return this.client.withDeadline(deadline, fn);
  }

  withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    return this.client.withMetadata(metadata, fn);
  }

  withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return this.client.withAbortSignal(abortSignal, fn);
  }

  withApiKey<R>(apiKey: string, fn: () => Promise<R>): Promise<R> {
    return this.client.withApiKey(apiKey, fn);
  }

  /** Replaces the metadata sent with every call (workers already running pick it up). */
  async setMetadata(metadata: Metadata): Promise<void> {
    this.native.updateMetadata(stringMetadata(metadata));
    // The client connection's default metadata follows the native one.
    (this.client as unknown as { options: { metadata?: Metadata } }).options.metadata = metadata;
  }

  /** Replaces the API key (workers already running pick it up). */
  async setApiKey(apiKey: string): Promise<void> {
    this.native.updateApiKey(apiKey);
    this.client.setApiKey(apiKey);
  }

  /** Closes the connection; workers created on it must be shut down first. */
  async close(): Promise<void> {
    this.native.close();
    await this.client.close();
  }
}
