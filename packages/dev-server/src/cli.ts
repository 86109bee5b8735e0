#!/usr/bin/env node
// The kairos-server command: `start-dev` with the flags of `temporal server start-dev` (those that do not apply are
// accepted and ignored), the Temporal time-skipping test server's `PORT [--enable-time-skipping]` form (so
// @temporalio/testing can launch it), `--help` and `--version`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
import type { DevServerOptions, DevServer } from './server';
import { enableCompileCache, requireFile, writeCompileCache } from './compile-cache';
import { isLogFormat, isLogLevel } from './logger';
import { parseDynamicConfigValue } from './config/dynamic-config';

/** Thrown for a command line the CLI does not understand; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `Usage:
  kairos-server start-dev [flags]         start the dev server (also: kairos-server server start-dev)
  kairos-server PORT [--enable-time-skipping]
                                          the Temporal test server's form: time skipping on PORT
  kairos-server help [start-dev]          this help, or the flags of start-dev
  kairos-server --version                 the version

Run 'kairos-server start-dev --help' for the flags.`;

const START_DEV_HELP = `Usage: kairos-server start-dev [flags]

Starts an embedded Temporal dev server: in memory unless --db-filename is given.

Flags:
  --ip IP                        address to bind (default 127.0.0.1; localhost means 127.0.0.1)
  -p, --port PORT                gRPC port (default 7233; 0 picks a free port)
  -f, --db-filename FILE         keep everything in this SQLite file across restarts
  -n, --namespace NS             create this namespace besides default (repeatable)
  --search-attribute NAME=TYPE   register a custom search attribute (Text, Keyword, Int, Double, Bool,
                                 Datetime, KeywordList; repeatable)
  --dynamic-config-value KEY=JSON
                                 set a server limit as on the real server, e.g. limit.blobSize.error=1000
                                 (repeatable; see the README for the keys honoured)
  --time-skipping                serve the TestService; time skips to the next timer when nothing holds a lock
  --enable-time-skipping         the same, with skipping unlocked from the start
  --log-level LEVEL              debug, info, warn (default), error or never; debug logs every request
  --log-format FORMAT            text (default) or json (pretty is read as text)
  --metrics-port PORT            serve Prometheus metrics at http://IP:PORT/metrics
  -h, --help                     this help

Accepted for compatibility with 'temporal server start-dev' and ignored (this server has no web UI, no HTTP API,
and sets its own SQLite pragmas):
  --headless, --ui-port, --ui-ip, --ui-public-path, --ui-asset-path, --ui-codec-endpoint, --ui-disable-news-fetch,
  --http-port, --sqlite-pragma, --log-config`;

/** Flags of `temporal server start-dev` that do not apply here, and why (logged at info level when given). */
const IGNORED_FLAGS: Record<string, string> = {
  headless: 'there is no web UI',
  'ui-port': 'there is no web UI',
  'ui-ip': 'there is no web UI',
  'ui-public-path': 'there is no web UI',
  'ui-asset-path': 'there is no web UI',
  'ui-codec-endpoint': 'there is no web UI',
  'ui-disable-news-fetch': 'there is no web UI',
  'http-port': 'there is no HTTP API',
  'sqlite-pragma': 'the server sets its own SQLite pragmas (WAL)',
  'log-config': 'there is no server config file to print',
};

const START_DEV_OPTIONS = {
  ip: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'db-filename': { type: 'string', short: 'f' },
  namespace: { type: 'string', short: 'n', multiple: true },
  'search-attribute': { type: 'string', multiple: true },
  'dynamic-config-value': { type: 'string', multiple: true },
  'time-skipping': { type: 'boolean' },
  'enable-time-skipping': { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  headless: { type: 'boolean' },
  'ui-port': { type: 'string' },
  'ui-ip': { type: 'string' },
  'ui-public-path': { type: 'string' },
  'ui-asset-path': { type: 'string' },
  'ui-codec-endpoint': { type: 'string' },
  'ui-disable-news-fetch': { type: 'boolean' },
  'http-port': { type: 'string' },
  'sqlite-pragma': { type: 'string', multiple: true },
  'log-config': { type: 'boolean' },
} as const;

/** What the command line asks for: run the server, or print something. */
export type Command = { kind: 'serve'; options: DevServerOptions; ignored: string[] } | { kind: 'print'; text: string };

function version(): string {
  return (require('../package.json') as { version: string }).version;
}

function portNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`invalid port ${value} for --${flag}`);
  return Number(value);
}

/** Node's parseArgs errors, reworded to name the flag. */
function parseStrict(argv: string[]) {
  try {
    return parseCommandLine({ args: argv, options: START_DEV_OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    const e = err as Error & { code?: string };
    const flag = /'(-[^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${flag ?? e.message}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /Option '(?:-\w, )?(--[\w-]+)/.exec(e.message)?.[1] ?? flag;
      throw new UsageError(`flag ${name} needs a value`);
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`unexpected argument ${/'([^']+)'/.exec(e.message)?.[1] ?? ''}`.trim());
    }
    throw new UsageError(e.message);
  }
}

/** Parses the command line of `kairos-server`. */
export function parseCommand(argv: string[]): Command {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError('missing command');
  if (first === '--help' || first === '-h' || (first === 'help' && second === undefined)) {
    return { kind: 'print', text: USAGE };
  }
  if (first === 'help') {
    if (second === 'start-dev') return { kind: 'print', text: START_DEV_HELP };
    throw new UsageError(`unknown command ${second}`);
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    return { kind: 'print', text: `kairos-server ${version()}` };
  }
  if (/^\d+$/.test(first)) {
    // The Java test server's form: a bare port, time skipping (locked unless enabled).
    const options: DevServerOptions = {
      port: portNumber('port', first),
      logLevel: 'warn',
      namespaces: [],
      searchAttributes: {},
      timeSkipping: true,
    };
    for (const a of argv.slice(1)) {
      if (a === '--enable-time-skipping') options.timeSkippingUnlocked = true;
      else throw new UsageError(`unknown argument ${a}`);
    }
    return { kind: 'serve', options, ignored: [] };
  }
  let rest: string[];
  if (first === 'start-dev') rest = argv.slice(1);
  else if (first === 'server' && second === 'start-dev') rest = argv.slice(2);
  else throw new UsageError(`unknown command ${first}`);
  const { values } = parseStrict(rest);
  if (values.help) return { kind: 'print', text: START_DEV_HELP };
  const options: DevServerOptions = { port: 7233, logLevel: 'warn', namespaces: [], searchAttributes: {} };
  if (values.ip !== undefined) options.ip = values.ip === 'localhost' ? '127.0.0.1' : values.ip;
  if (values.port !== undefined) options.port = portNumber('port', values.port);
  if (values['db-filename'] !== undefined) options.dbFilename = values['db-filename'];
  options.namespaces = [...(values.namespace ?? [])];
  for (const v of values['search-attribute'] ?? []) {
    const [name, type] = v.split('=');
    if (!name || !type) throw new UsageError(`--search-attribute needs NAME=TYPE, got ${v}`);
    options.searchAttributes![name] = type;
  }
  for (const v of values['dynamic-config-value'] ?? []) {
    try {
      const [key, parsed] = parseDynamicConfigValue(v);
      options.dynamicConfig = { ...options.dynamicConfig, [key]: parsed };
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (values['time-skipping']) options.timeSkipping = true;
  if (values['enable-time-skipping']) {
    options.timeSkipping = true;
    options.timeSkippingUnlocked = true;
  }
  if (values['log-level'] !== undefined) {
    const level = values['log-level'];
    if (!isLogLevel(level)) throw new UsageError(`invalid log level ${level} (debug, info, warn, error, never)`);
    options.logLevel = level;
  }
  if (values['log-format'] !== undefined) {
    // The Temporal CLI's legacy `pretty` is its text format.
    const format = values['log-format'] === 'pretty' ? 'text' : values['log-format'];
    if (!isLogFormat(format)) throw new UsageError(`invalid log format ${values['log-format']} (text, json)`);
    options.logFormat = format;
  }
  if (values['metrics-port'] !== undefined) options.metricsPort = portNumber('metrics-port', values['metrics-port']);
  const ignored = Object.keys(IGNORED_FLAGS).filter((f) => values[f as keyof typeof values] !== undefined);
  return { kind: 'serve', options, ignored };
}

/** Parses the command line into server options (for a command that runs the server). */
export function parseArgs(argv: string[]): DevServerOptions {
  const command = parseCommand(argv);
  if (command.kind !== 'serve') throw new UsageError('not a command that runs the server');
  return command.options;
}

/** The start-up banner: where the server listens and how it runs. */
export function banner(server: DevServer, options: DevServerOptions): string {
  const lines = [
    `Kairos dev server ${version()}`,
    `  gRPC:          ${server.address}`,
    `  Namespaces:    ${server.namespaces().join(', ')}`,
    `  Storage:       ${options.dbFilename ? `SQLite file ${options.dbFilename}` : 'in memory'}`,
    `  Time skipping: ${options.timeSkipping ? (options.timeSkippingUnlocked ? 'on (unlocked)' : 'on (locked)') : 'off'}`,
  ];
  if (server.metricsUrl) lines.push(`  Metrics:       ${server.metricsUrl}`);
  return `${lines.join('\n')}\nKairos dev server listening on ${server.address}\n`;
}

/**
 * The server module, from the single file the build bundles it into with its dependencies (grpc-js, protobufjs and
 * the generated code) when that file is there and not older than the module or the generated code; else the module
 * itself. One file loads much faster than the ~150 it replaces: no module resolution, and one entry in the compile
 * cache.
 */
function loadServer(): typeof import('./server') {
  const bundle = path.join(__dirname, 'server.bundle.js');
  try {
    const built = fs.statSync(bundle).mtimeMs;
    const sources = [path.join(__dirname, 'server.js'), require.resolve('@kairos/proto/generated/root')];
    if (sources.every((file) => fs.statSync(file).mtimeMs <= built))
      return requireFile(bundle, module) as typeof import('./server');
  } catch {
    // no bundle: running from the sources, or from a build that did not make one
  }
  return require('./server') as typeof import('./server');
}

/**
 * Node 20's `net.isIPv6` tests a large regular expression that V8 compiles on the first calls (about 5 ms, paid while
 * grpc-js binds the port and accepts the first connection). Every IPv6 address has a colon, so this process answers
 * false at once for a string without one and leaves the rest to Node: the same answers, without the compile for the
 * IPv4 addresses a dev server usually binds. Only in kairos-server's own process, never in a library user's.
 */
function skipIPv6RegexForIPv4(): void {
  const net = require('node:net') as { isIPv6(input: string): boolean };
  const isIPv6 = net.isIPv6;
  net.isIPv6 = (input: string) => String(input).includes(':') && isIPv6(input);
}

/** Errors that mean the server could not start as asked: reported in one line, no stack. */
const START_ERRORS = new Set(['ServerBindError', 'DatabaseOpenError', 'TypeError', 'DynamicConfigError']);

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`kairos-server: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (command.kind === 'print') {
    process.stdout.write(`${command.text}\n`);
    return;
  }
  const { options, ignored } = command;
  // Loaded now, after the compile cache is in place (most of start-up is loading code).
  enableCompileCache();
  skipIPv6RegexForIPv4();
  const { startDevServer } = loadServer();
  try {
    const server = await startDevServer(options);
    if (ignored.length > 0 && (options.logLevel === 'debug' || options.logLevel === 'info')) {
      for (const flag of ignored) process.stderr.write(`kairos-server: --${flag} ignored: ${IGNORED_FLAGS[flag]}\n`);
    }
    process.stdout.write(banner(server, options));
    setImmediate(writeCompileCache);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second Ctrl-C (or SIGTERM) does not wait for the graceful shutdown.
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      if (signal === 'SIGINT')
        process.stderr.write('kairos-server: shutting down (press Ctrl-C again to exit at once)\n');
      void server.shutdown().then(() => process.exit(0));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (err) {
    // By name: the server's classes come from the bundle, not from the modules this file imports.
    if (err instanceof Error && START_ERRORS.has(err.name)) {
      process.stderr.write(`kairos-server: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) void main();
