/**
 * Which server a suite runs against, read from one environment variable, `KAIROS_TEST_SERVER`:
 * `kairos` (the Kairos dev server in-process), `temporal` (the real Temporal CLI dev server), `both`, or a comma
 * list of the first two. Unset, each suite runs its default: the conformance suites (client, dev-server) both
 * servers, the others the Kairos server.
 */

/** A server the tests can run against. */
export type TestServerKind = 'kairos' | 'temporal';

/** What a suite runs when `KAIROS_TEST_SERVER` is unset. */
export type TestServerDefault = TestServerKind | 'both';

/** The environment variable that picks the test server. */
export const TEST_SERVER_VARIABLE = 'KAIROS_TEST_SERVER';

const ALL_KINDS: readonly TestServerKind[] = ['kairos', 'temporal'];

/** Variables that picked servers before `KAIROS_TEST_SERVER` replaced them; setting one is a mistake to report. */
const REPLACED_VARIABLES = ['KAIROS_TEST_SERVERS', 'CORE_BRIDGE_TEST_SERVER'];

/** Thrown when `KAIROS_TEST_SERVER` (or a variable it replaced) does not name servers this suite can run. */
export class TestServerSelectionError extends Error {
  override readonly name = 'TestServerSelectionError';
}

function parseKinds(value: string): TestServerKind[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const kinds = new Set<TestServerKind>();
  for (const name of names) {
    if (name === 'both') ALL_KINDS.forEach((k) => kinds.add(k));
    else if ((ALL_KINDS as readonly string[]).includes(name)) kinds.add(name as TestServerKind);
    else {
      throw new TestServerSelectionError(
        `${TEST_SERVER_VARIABLE}=${value} names an unknown server ${JSON.stringify(name)}: use kairos, temporal, both or a comma list`,
      );
    }
  }
  if (kinds.size === 0) {
    throw new TestServerSelectionError(`${TEST_SERVER_VARIABLE} is empty: use kairos, temporal, both or a comma list`);
  }
  return ALL_KINDS.filter((k) => kinds.has(k));
}

function rejectReplacedVariables(env: NodeJS.ProcessEnv): void {
  for (const name of REPLACED_VARIABLES) {
    if (env[name] !== undefined) {
      throw new TestServerSelectionError(
        `${name} is no longer read: set ${TEST_SERVER_VARIABLE}=kairos, temporal or both instead`,
      );
    }
  }
}

/**
 * The servers a suite that can run on several servers runs against: those `KAIROS_TEST_SERVER` names, or
 * `fallback` when it is unset. The order is always Kairos first.
 */
export function selectedServers(fallback: TestServerDefault, env: NodeJS.ProcessEnv = process.env): TestServerKind[] {
  rejectReplacedVariables(env);
  const value = env[TEST_SERVER_VARIABLE];
  return parseKinds(value === undefined || value === '' ? fallback : value);
}

/**
 * The one server a suite that runs on a single server per run uses: the one `KAIROS_TEST_SERVER` names, or
 * `fallback` (default `kairos`) when it is unset. Naming both servers is an error: run such a suite once per server.
 */
export function selectedServer(
  fallback: TestServerKind = 'kairos',
  env: NodeJS.ProcessEnv = process.env,
): TestServerKind {
  const kinds = selectedServers(fallback, env);
  if (kinds.length !== 1) {
    throw new TestServerSelectionError(
      `${TEST_SERVER_VARIABLE}=${env[TEST_SERVER_VARIABLE]}: this suite runs against one server per run; run it once with ${TEST_SERVER_VARIABLE}=kairos and once with ${TEST_SERVER_VARIABLE}=temporal`,
    );
  }
  return kinds[0] as TestServerKind;
}
