/**
 * Test servers: the Kairos embedded dev server and the real Temporal CLI dev server, started by
 * `@kairos/test-support`. Integration suites run once per server of {@link selectedServers} (both, unless
 * `KAIROS_TEST_SERVER` names one); features a server does not serve yet are listed in {@link UNSUPPORTED} with
 * the reason, and the suites leave those tests out for that server (the describe title names them).
 */
import type { DevServerOptions } from '@kairos/dev-server';
import {
  selectedServers as selectedTestServers,
  startTestServer,
  type TestServer,
  type TestServerKind,
  type TestServerSetup,
} from '@kairos/test-support';

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

export type ServerKind = TestServerKind;
export type { TestServer };

/**
 * Families each server does not run yet, with the reason. Keep this list short and current: an entry
 * here removes tests from that server's run.
 */
export const UNSUPPORTED: Record<ServerKind, Partial<Record<Family, string>>> = {
  temporal: {},
  kairos: {},
};

/** The servers integration suites run against: both, unless `KAIROS_TEST_SERVER` names one. */
export function selectedServers(): ServerKind[] {
  return selectedTestServers('both');
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

/** What every client test server is started with. */
const CLIENT_SETUP: TestServerSetup<DevServerOptions> = {
  namespaces: ['kairos-test-other'],
  searchAttributes: { ...TEST_SEARCH_ATTRIBUTES },
  dynamicConfig: { 'history.longPollExpirationInterval': '5s' },
};

export async function startServer(kind: ServerKind): Promise<TestServer> {
  // The dev server is loaded only when a suite runs on it, so runs on the real server do not need it built.
  const startKairos = (options: DevServerOptions) =>
    (require('@kairos/dev-server') as typeof import('@kairos/dev-server')).startDevServer(options);
  return startTestServer(kind, startKairos, CLIENT_SETUP);
}
