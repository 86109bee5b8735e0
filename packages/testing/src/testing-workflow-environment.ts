/**
 * {@link TestWorkflowEnvironment}: a server, a client and a worker connection for workflow tests.
 *
 * @module
 */
import type { AsyncCompletionClient, ClientPlugin, ConnectionPlugin, WorkflowClient } from '@kairos/client';
import { Client, Connection } from '@kairos/client';
import type { ConnectionOptions, InternalConnectionOptions } from '@kairos/client/lib/connection';
import { InternalConnectionOptionsSymbol } from '@kairos/client/lib/connection';
import type { Duration } from '@kairos/common';
import { msToNumber, msToTs, tsToMs } from '@kairos/common/lib/time';
import type { temporal } from '@kairos/proto';
import type { NativeConnectionOptions, NativeConnectionPlugin } from '@kairos/worker';
import { NativeConnection } from '@kairos/worker';
import type { ClientOptionsForTestEnv } from './client';
import { TimeSkippingClient } from './client';
import type { DevServerConfig, TimeSkippingServerConfig } from './ephemeral-server';
import { startServer, type StartedServer } from './internal/servers';
import { waitOnNamespace } from './utils';

/** Options of {@link TestWorkflowEnvironment.createLocal}. */
export type LocalTestWorkflowEnvironmentOptions = {
  /** The server to start; by default the embedded Kairos dev server, in memory, on a free port. */
  server?: Omit<DevServerConfig, 'type'>;
  /** Options of the environment's {@link TestWorkflowEnvironment.client}. */
  client?: ClientOptionsForTestEnv;
  /** Plugins of the environment's connections (and so of its client). */
  plugins?: (ClientPlugin | ConnectionPlugin | NativeConnectionPlugin)[];
};

/** Options of {@link TestWorkflowEnvironment.createTimeSkipping}. */
export type TimeSkippingTestWorkflowEnvironmentOptions = {
  /** The server to start; by default the embedded Kairos dev server with time skipping, on a free port. */
  server?: Omit<TimeSkippingServerConfig, 'type'>;
  /** Options of the environment's {@link TestWorkflowEnvironment.client}. */
  client?: ClientOptionsForTestEnv;
  /** Plugins of the environment's connections (and so of its client). */
  plugins?: (ClientPlugin | ConnectionPlugin | NativeConnectionPlugin)[];
};

/** Connection options shared by the client and the worker connection of an existing server. */
export type ExistingServerConnectionOptions = Pick<NativeConnectionOptions, 'apiKey' | 'metadata' | 'tls'>;

/** Options of {@link TestWorkflowEnvironment.createFromExistingServer}. */
export type ExistingServerTestWorkflowEnvironmentOptions = {
  /** Address of the server; default `localhost:7233`. */
  address?: string;
  /** Namespace of the environment; default `default`. */
  namespace?: string;
  /** TLS, API key and metadata of both connections. */
  connectionOptions?: ExistingServerConnectionOptions;
  /** Options of the environment's {@link TestWorkflowEnvironment.client}. */
  client?: ClientOptionsForTestEnv;
  /** Plugins of the environment's connections (and so of its client). */
  plugins?: (ClientPlugin | ConnectionPlugin | NativeConnectionPlugin)[];
};

/** A Nexus endpoint created by {@link TestWorkflowEnvironment.createNexusEndpoint}. */
export type NexusEndpointIdentifier = {
  id: NonNullable<temporal.api.nexus.v1.IEndpoint['id']>;
  version: NonNullable<temporal.api.nexus.v1.IEndpoint['version']>;
  raw: temporal.api.nexus.v1.IEndpoint;
};

type ExistingServerConfig = { type: 'existing' };

/** What an environment was created with. */
type TestWorkflowEnvironmentOptions = {
  server: DevServerConfig | TimeSkippingServerConfig | ExistingServerConfig;
  client?: ClientOptionsForTestEnv;
  plugins?: (ClientPlugin | ConnectionPlugin | NativeConnectionPlugin)[];
};

type TestWorkflowEnvironmentOptionsWithDefaults = Required<TestWorkflowEnvironmentOptions>;

/**
 * An environment for workflow integration tests: a server, a {@link client} and a {@link nativeConnection} for
 * the workers under test.
 *
 * {@link createLocal} and {@link createTimeSkipping} start the embedded Kairos dev server (in this process,
 * ready in a fraction of a second; nothing is downloaded); {@link createFromExistingServer} connects to a running
 * server. Call {@link teardown} when done.
 *
 * @example
 * ```ts
 * const env = await TestWorkflowEnvironment.createTimeSkipping();
 * const worker = await Worker.create({
 *   connection: env.nativeConnection,
 *   taskQueue: 'test',
 *   workflowsPath: require.resolve('./workflows'),
 * });
 * const result = await worker.runUntil(
 *   env.client.workflow.execute(sleepForAMonth, { taskQueue: 'test', workflowId: 'wf-1' }),
 * ); // completes at once: time skips while the result is awaited
 * await env.teardown();
 * ```
 */
export class TestWorkflowEnvironment {
  /** Namespace of the environment: the one given to the factory, else `undefined` (the client's `default`). */
  public readonly namespace?: string;
  /** A client connection to the server; its `testService` is set in time-skipping environments. */
  public readonly connection: Connection;
  /** A client for the server; in time-skipping environments a {@link TimeSkippingClient}. */
  public readonly client: Client;
  /**
   * The client's activity completion client.
   *
   * @deprecated Use `client.activity`.
   */
  public readonly asyncCompletionClient: AsyncCompletionClient;
  /**
   * The client's workflow client.
   *
   * @deprecated Use `client.workflow`.
   */
  public readonly workflowClient: WorkflowClient;
  /** The connection to give to the workers under test. */
  public readonly nativeConnection: NativeConnection;

  protected constructor(
    /** The options the environment was created with. */
    public readonly options: TestWorkflowEnvironmentOptionsWithDefaults,
    /** Whether the server skips time ({@link createTimeSkipping}). */
    public readonly supportsTimeSkipping: boolean,
    protected readonly server: StartedServer | 'existing',
    connection: Connection,
    nativeConnection: NativeConnection,
    namespace: string | undefined,
    /** Address used by {@link connection} and {@link nativeConnection}. */
    public readonly address: string,
    /** Connection options used by {@link connection} and {@link nativeConnection}. */
    public readonly connectionOptions: ExistingServerConnectionOptions = {},
  ) {
    this.connection = connection;
    this.nativeConnection = nativeConnection;
    this.namespace = namespace;
    // Client plugins come from the connection, which already has them.
    const clientOptions = { connection, namespace: this.namespace, ...options.client };
    this.client = supportsTimeSkipping ? new TimeSkippingClient(clientOptions) : new Client(clientOptions);
    this.asyncCompletionClient = this.client.activity;
    this.workflowClient = this.client.workflow;
  }

  /**
   * Starts the embedded Kairos dev server with time skipping, with the semantics of the Temporal time-skipping
   * test server: time runs normally, except that while the environment's client awaits a workflow result (which
   * includes `client.workflow.execute`) or {@link sleep} runs, the clock jumps to the next timer whenever no
   * workflow or activity task is outstanding. A workflow that sleeps for 30 days completes at once.
   *
   * Skipping is global to the server: run the tests of one environment one at a time, or give each test its own
   * environment (they start in about 100 ms).
   */
  static async createTimeSkipping(opts?: TimeSkippingTestWorkflowEnvironmentOptions): Promise<TestWorkflowEnvironment> {
    return await this.create({
      server: { type: 'time-skipping', ...opts?.server },
      client: opts?.client,
      plugins: opts?.plugins,
      supportsTimeSkipping: true,
    });
  }

  /**
   * Starts a full server locally: the embedded Kairos dev server, in memory (or in `server.dbFilename`), on a free
   * port, in this process (or a child process with `server.childProcess`). No time skipping: {@link sleep} waits
   * for real and {@link currentTimeMs} is the system time. `server.executable` may name another server instead,
   * such as the real `temporal` CLI.
   */
  static async createLocal(opts?: LocalTestWorkflowEnvironmentOptions): Promise<TestWorkflowEnvironment> {
    return await this.create({
      server: { type: 'dev-server', ...opts?.server },
      client: opts?.client,
      plugins: opts?.plugins,
      namespace: opts?.server?.namespace,
      supportsTimeSkipping: false,
    });
  }

  /** Connects to a server that is already running (`localhost:7233` and namespace `default` by default). */
  static async createFromExistingServer(
    opts?: ExistingServerTestWorkflowEnvironmentOptions,
  ): Promise<TestWorkflowEnvironment> {
    const { apiKey, metadata, tls } = opts?.connectionOptions ?? {};
    return await this.create({
      server: { type: 'existing' },
      client: opts?.client,
      plugins: opts?.plugins,
      namespace: opts?.namespace ?? 'default',
      supportsTimeSkipping: false,
      address: opts?.address,
      connectionOptions: { apiKey, metadata, tls },
    });
  }

  private static async create(
    opts: TestWorkflowEnvironmentOptions & {
      supportsTimeSkipping: boolean;
      namespace?: string;
      address?: string;
      connectionOptions?: ExistingServerConnectionOptions;
    },
  ): Promise<TestWorkflowEnvironment> {
    const { supportsTimeSkipping, namespace, connectionOptions = {}, address: givenAddress } = opts;
    const plugins = opts.plugins ?? [];
    const options: TestWorkflowEnvironmentOptionsWithDefaults = {
      server: { ...opts.server },
      client: opts.client ?? {},
      plugins,
    };
    const server = options.server.type === 'existing' ? 'existing' : await startServer(options.server);
    const address = server === 'existing' ? (givenAddress ?? 'localhost:7233') : server.address;
    try {
      const internal = { [InternalConnectionOptionsSymbol]: { supportsTestService: supportsTimeSkipping } };
      const connection = await Connection.connect({
        ...connectionOptions,
        address,
        plugins: plugins as ConnectionPlugin[],
        ...internal,
      } as ConnectionOptions & InternalConnectionOptions);
      let nativeConnection: NativeConnection;
      try {
        if (options.server.type === 'dev-server' && options.server.executable?.type === 'existing-path') {
          // Another server may accept connections before its namespace is ready.
          await waitOnNamespace(connection, namespace ?? 'default', 300, 0.2);
        }
        nativeConnection = await NativeConnection.connect({
          ...connectionOptions,
          address,
          plugins: plugins as NativeConnectionPlugin[],
        });
      } catch (err) {
        await connection.close();
        throw err;
      }
      return new this(
        options,
        supportsTimeSkipping,
        server,
        connection,
        nativeConnection,
        namespace,
        address,
        connectionOptions,
      );
    } catch (err) {
      if (server !== 'existing') await server.shutdown();
      throw err;
    }
  }

  /**
   * Closes the connections and stops the server this environment started. Shut the workers down first.
   */
  async teardown(): Promise<void> {
    await this.connection.close().catch((err) => console.error(err));
    await this.nativeConnection.close().catch((err) => console.error(err));
    if (this.server !== 'existing') await this.server.shutdown().catch((err) => console.error(err));
  }

  /**
   * Waits for `durationMs` of server time: a real wait without time skipping; with time skipping, the server's
   * clock is let go until it has moved on by that much (skipping to timers when no work is outstanding), which
   * usually takes far less real time.
   *
   * @param durationMs milliseconds, or a duration string such as `'2 days'`
   */
  sleep = async (durationMs: Duration): Promise<void> => {
    const testService = this.connection.testService;
    if (this.supportsTimeSkipping && testService !== undefined) {
      await testService.unlockTimeSkippingWithSleep({ duration: msToTs(durationMs) });
    } else {
      await new Promise((resolve) => setTimeout(resolve, msToNumber(durationMs)));
    }
  };

  /**
   * The environment's current time: the server's (possibly skipped) clock with time skipping, else `Date.now()`.
   */
  async currentTimeMs(): Promise<number> {
    const testService = this.connection.testService;
    if (!this.supportsTimeSkipping || testService === undefined) return Date.now();
    const { time } = await testService.getCurrentTime({});
    return tsToMs(time);
  }

  /**
   * Creates a Nexus endpoint named `name` that targets `taskQueue` in the environment's namespace.
   *
   * @throws TypeError if the server's answer lacks the endpoint's id or version.
   */
  async createNexusEndpoint(name: string, taskQueue: string): Promise<NexusEndpointIdentifier> {
    const response = await this.connection.operatorService.createNexusEndpoint({
      spec: { name, target: { worker: { namespace: this.namespace ?? 'default', taskQueue } } },
    });
    const endpoint = response.endpoint;
    if (!endpoint?.id || endpoint.version === undefined || endpoint.version === null) {
      throw new TypeError(
        `createNexusEndpoint answered without an endpoint id and version: ${JSON.stringify(endpoint)}`,
      );
    }
    return { id: endpoint.id, version: endpoint.version, raw: endpoint };
  }

  /** Deletes a Nexus endpoint created by {@link createNexusEndpoint}. */
  async deleteNexusEndpoint(endpoint: Pick<NexusEndpointIdentifier, 'id' | 'version'>): Promise<void> {
    await this.connection.operatorService.deleteNexusEndpoint({ id: endpoint.id, version: endpoint.version });
  }
}
