// The kairos-server command line: flag parsing, the clear messages for bad input, help and version, the banner,
// Ctrl-C and request logs.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, parseCommand, UsageError } from '../src/cli';
import { parseGoDuration } from '../src/config/dynamic-config';
import { waitUntil } from './helpers';
import { RawClient } from './raw-client';

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

test('dynamic config durations take every unit Go does (micro sign and Greek mu alike), in whole milliseconds', () => {
  expect(parseGoDuration('1h30m')).toBe(5_400_000);
  expect(parseGoDuration('1.5s')).toBe(1500);
  for (const micro of ['1500000us', '1500000\u00b5s', '1500000\u03bcs']) expect(parseGoDuration(micro)).toBe(1500);
  expect(parseGoDuration('2000000000ns')).toBe(2000);
  expect(parseGoDuration('5 s')).toBeUndefined();
  expect(parseGoDuration('5d')).toBeUndefined();
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

test('a second server on a database file in use exits with status 1, names the file and leaves the first serving', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-cli-'));
  const file = path.join(dir, 'held.db');
  const { child, stdout } = await spawnServer(['start-dev', '--port', '0', '--db-filename', file]);
  const raw = new RawClient(/listening on (\S+)/.exec(stdout)![1]);
  try {
    const second = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [cliPath, 'start-dev', '--port', '0', '--db-filename', file]);
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.once('exit', (status) => resolve({ status, stderr }));
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`cannot open database file ${file}: the file is in use by another dev server`);
    expect((await raw.wf('DescribeNamespace', {})).namespaceInfo.name).toBe('default');
  } finally {
    raw.close();
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--help, --version and per-command help print and exit 0', () => {
  const version = (require('../package.json') as { version: string }).version;
  expect(run(['--version'])).toMatchObject({ status: 0, stdout: `kairos-server ${version}\n` });
  const help = run(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('kairos-server start-dev [flags]');
  for (const args of [
    ['start-dev', '--help'],
    ['help', 'start-dev'],
    ['server', 'start-dev', '-h'],
  ]) {
    const r = run(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--dynamic-config-value KEY=JSON');
    expect(r.stdout).toContain('--headless, --ui-port');
  }
});

test('flags of temporal server start-dev that do not apply are accepted and listed as ignored', () => {
  const command = parseCommand(['start-dev', '--headless', '--ui-port', '8233', '--sqlite-pragma', 'journal_mode=WAL']);
  expect(command).toMatchObject({ kind: 'serve', ignored: ['headless', 'ui-port', 'sqlite-pragma'] });
  expect(() => parseArgs(['start-dev', '--log-format', 'yaml'])).toThrow(/invalid log format yaml/);
  expect(parseArgs(['start-dev', '--log-format', 'pretty', '--metrics-port', '0'])).toMatchObject({
    logFormat: 'text',
    metricsPort: 0,
  });
});

/** Runs the CLI in the background, resolving once it prints its banner. */
function spawnServer(args: string[]): Promise<{ child: ChildProcess; stdout: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('listening on')) resolve({ child, stdout, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
}

test('prints a banner with the address, namespaces, storage, time skipping and metrics', async () => {
  const { child, stdout } = await spawnServer([
    'start-dev',
    '--port',
    '0',
    '-n',
    'extra',
    '--time-skipping',
    '--metrics-port',
    '0',
  ]);
  try {
    expect(stdout).toMatch(/gRPC: +127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/Namespaces: +default, extra, temporal-system\n/);
    expect(stdout).toMatch(/Storage: +in memory\n/);
    expect(stdout).toMatch(/Time skipping: +on \(locked\)\n/);
    expect(stdout).toMatch(/Metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics\n/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a second Ctrl-C exits at once, without waiting for the graceful shutdown', async () => {
  const { child, stdout, stderr } = await spawnServer(['start-dev', '--port', '0']);
  const address = /listening on (\S+)/.exec(stdout)![1];
  const raw = new RawClient(address);
  try {
    await raw.wf('StartWorkflowExecution', {
      workflowId: 'ctrl-c',
      workflowType: { name: 'Wf' },
      taskQueue: { name: 'q' },
      requestId: 'r',
    });
    // A history long poll (20 s) keeps the graceful shutdown waiting.
    const waiting = raw
      .wf('GetWorkflowExecutionHistory', {
        execution: { workflowId: 'ctrl-c' },
        waitNewEvent: true,
        historyEventFilterType: 2,
      })
      .catch(() => undefined);
    // A call made after it on the same connection reaches the server after it: once it is answered, the long
    // poll is in.
    await raw.wf('DescribeNamespace', {});
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );
    child.kill('SIGINT');
    await waitUntil(() => stderr().includes('shutting down'));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await waiting;
  } finally {
    raw.close();
    child.kill('SIGKILL');
  }
});

test('--log-level debug --log-format json logs every request as JSON with its method, namespace, status and latency', async () => {
  const { child, stdout, stderr } = await spawnServer([
    'start-dev',
    '--port',
    '0',
    '--log-level',
    'debug',
    '--log-format',
    'json',
  ]);
  const address = /listening on (\S+)/.exec(stdout)![1];
  const raw = new RawClient(address);
  try {
    await raw.wf('DescribeNamespace', {});
    await raw.wf('DescribeWorkflowExecution', { execution: { workflowId: 'missing' } }).catch(() => undefined);
    const requests = await waitUntil(() => {
      const lines = stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request');
      return lines.length >= 2 ? lines : undefined;
    });
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'debug',
          service: 'WorkflowService',
          method: 'DescribeNamespace',
          namespace: 'default',
          status: 'OK',
          latencyMs: expect.any(Number),
        }),
        expect.objectContaining({
          method: 'DescribeWorkflowExecution',
          status: 'NOT_FOUND',
          error: 'workflow not found for ID: missing',
        }),
      ]),
    );
  } finally {
    raw.close();
    child.kill('SIGKILL');
  }
});
