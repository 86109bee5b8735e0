// better-sqlite3 is an optional peer dependency: without it the in-memory server runs and a database file fails
// with an error that says what to install. (The pack test in .ci/ runs this for real, from an npm install without
// the driver; here the driver's absence is simulated.)
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverBinaryError, loadSqliteDriver, SqliteDriverMissingError } from '../src/persistence/sqlite-driver';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-no-driver-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The error Node itself throws for `require('better-sqlite3')` from a folder where it is not installed. */
function nodesModuleNotFound(): Error & { code?: string } {
  // Outside jest, whose own require would find the workspace's copy, and without the NODE_PATH pnpm's shims set.
  const script = `try { require('node:module').createRequire(${JSON.stringify(path.join(dir, 'x.js'))})('better-sqlite3') }
    catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })) }`;
  const { code, message } = JSON.parse(
    execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } }),
  );
  return Object.assign(new Error(message), { code });
}

test('a missing driver is reported with the package to install and that it builds from source', () => {
  const notFound = nodesModuleNotFound();
  expect(notFound.code).toBe('MODULE_NOT_FOUND');
  let thrown: unknown;
  try {
    loadSqliteDriver(() => {
      throw notFound;
    });
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SqliteDriverMissingError);
  expect((thrown as Error).message).toMatch(/better-sqlite3 is not installed/);
  expect((thrown as Error).message).toMatch(/npm install better-sqlite3@\^12/);
  expect((thrown as Error).message).toMatch(/C\+\+ compiler/);
  expect((thrown as Error).cause).toBe(notFound);
});

test('other errors while loading the driver pass through unchanged', () => {
  const other = Object.assign(new Error("Cannot find module 'bindings'"), { code: 'MODULE_NOT_FOUND' });
  expect(() =>
    loadSqliteDriver(() => {
      throw other;
    }),
  ).toThrow(other);
});

test('the installed driver loads', () => {
  expect(typeof loadSqliteDriver()).toBe('function');
});

test('a driver installed without its native addon is reported with how to rebuild it', () => {
  const err = new Error('Could not locate the bindings file. Tried:\n → /x/build/better_sqlite3.node');
  expect(driverBinaryError(err)?.message).toMatch(
    /installed but its native addon did not load.*npm rebuild better-sqlite3/,
  );
  expect(driverBinaryError(new Error('SQLITE_BUSY'))).toBeUndefined();
});

describe('startDevServer without the driver', () => {
  const missing = () => {
    throw Object.assign(new Error("Cannot find module 'better-sqlite3'\nRequire stack:\n- x"), {
      code: 'MODULE_NOT_FOUND',
    });
  };

  test('runs in memory and refuses a database file, naming the file and the package', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('better-sqlite3', missing);
      const { startDevServer, DatabaseOpenError } = require('../src') as typeof import('../src');
      const server = await startDevServer({ port: 0 });
      await server.shutdown();
      const db = path.join(dir, 'a.db');
      const failure = startDevServer({ port: 0, dbFilename: db });
      await expect(failure).rejects.toBeInstanceOf(DatabaseOpenError);
      await expect(failure).rejects.toThrow(
        `cannot open database file ${db}: the SQLite driver better-sqlite3 is not installed`,
      );
      expect(fs.existsSync(db)).toBe(false);
    });
  });
});
