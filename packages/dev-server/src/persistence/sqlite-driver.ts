/** The npm package that the SQLite store runs on, and the range this code is tested with. */
export const SQLITE_DRIVER = 'better-sqlite3';
export const SQLITE_DRIVER_RANGE = '^12.11.1';

/**
 * Why a database file cannot be used: the SQLite driver is not installed, or is installed without its native part.
 * It is the `cause` of the `DatabaseOpenError` that `startDevServer` throws; the in-memory server never needs it.
 */
export class SqliteDriverMissingError extends Error {
  override readonly name = 'SqliteDriverMissingError';
}

const HOW_TO_INSTALL =
  `install it next to @kairos/dev-server with \`npm install ${SQLITE_DRIVER}@${SQLITE_DRIVER_RANGE}\` ` +
  '(where no prebuilt binary can be downloaded for this platform and Node version it builds from source, which ' +
  'needs a C++ compiler, make and Python), or leave the database file out to keep everything in memory';

/**
 * Loads better-sqlite3 on first use of a database file, so the dev server installs and runs in memory without it
 * (it is an optional peer dependency: a native addon that may need a compiler). Typed `unknown` so that no published
 * declaration names better-sqlite3's types, which a user without the driver does not have.
 */
export function loadSqliteDriver(load: () => unknown = () => require(SQLITE_DRIVER)): unknown {
  try {
    return load();
  } catch (err) {
    if (isDriverNotFound(err)) {
      throw new SqliteDriverMissingError(`the SQLite driver ${SQLITE_DRIVER} is not installed: ${HOW_TO_INSTALL}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** The error of a driver whose native addon is missing or does not load (better-sqlite3 loads it on first open). */
export function driverBinaryError(err: unknown): SqliteDriverMissingError | undefined {
  const message = (err as Error)?.message ?? '';
  const code = (err as { code?: string })?.code;
  if (!message.includes('Could not locate the bindings file') && code !== 'ERR_DLOPEN_FAILED') return undefined;
  return new SqliteDriverMissingError(
    `the SQLite driver ${SQLITE_DRIVER} is installed but its native addon did not load (${message.split('\n')[0]}): ` +
      `rebuild it with \`npm rebuild ${SQLITE_DRIVER}\` or ${HOW_TO_INSTALL.replace(/^install it/, 'reinstall it')}`,
    { cause: err },
  );
}

function isDriverNotFound(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && (e.message ?? '').includes(`'${SQLITE_DRIVER}'`);
}
