// The kairos-server command line: flag parsing and the clear messages for bad input.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../src/cli';

const cliPath = path.join(__dirname, '..', 'lib', 'cli.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 20_000 });
}

test('parses the start-dev flags, including those of temporal server start-dev', () => {
  expect(
    parseArgs([
      'start-dev',
      '--ip',
      'localhost',
      '-p',
      '7000',
      '--db-filename=x.db',
      '-n',
      'a',
      '--namespace',
      'b',
      '--search-attribute',
      'K=Keyword',
      '--headless',
      '--ui-port',
      '8000',
      '--dynamic-config-value',
      'limit.blobSize.error=1000',
      '--log-level',
      'error',
      '--time-skipping',
    ]),
  ).toEqual({
    ip: '127.0.0.1',
    port: 7000,
    dbFilename: 'x.db',
    namespaces: ['a', 'b'],
    searchAttributes: { K: 'Keyword' },
    logLevel: 'error',
    timeSkipping: true,
    dynamicConfig: { 'limit.blobSize.error': 1000 },
  });
});

test("accepts the time-skipping test server's bare port form", () => {
  expect(parseArgs(['7233'])).toMatchObject({ port: 7233, timeSkipping: true });
  expect(parseArgs(['7233', '--enable-time-skipping'])).toMatchObject({
    port: 7233,
    timeSkipping: true,
    timeSkippingUnlocked: true,
  });
});

test('rejects unknown flags and bad values', () => {
  expect(() => parseArgs(['start-dev', '--bogus'])).toThrow(new UsageError('unknown flag --bogus'));
  expect(() => parseArgs(['start-dev', '--port', 'x'])).toThrow(/invalid port/);
  expect(() => parseArgs(['start-dev', '--log-level', 'loud'])).toThrow(/invalid log level/);
  expect(() => parseArgs(['start-dev', '--db-filename'])).toThrow(/needs a value/);
});

test('an unknown flag exits with status 2 and the usage', () => {
  const r = run(['start-dev', '--bogus']);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('unknown flag --bogus');
  expect(r.stderr).toContain('Usage:');
});

test('a port in use exits with status 1 and says so', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = run(['start-dev', '--port', String(port)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
  } finally {
    blocker.close();
  }
});

test('an unreadable database file exits with status 1 and names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-cli-'));
  const file = path.join(dir, 'garbage.db');
  fs.writeFileSync(
    file,
    'this is not a sqlite database, just some text that is long enough to have a header '.repeat(10),
  );
  try {
    const r = run(['start-dev', '--port', '0', '--db-filename', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot open database file ${file}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
