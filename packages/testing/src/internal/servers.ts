/**
 * Starts the server a test environment runs on: the embedded Kairos dev server (in this process or in a child
 * Node process), or an executable named by an `existing-path` executable option.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { TypedSearchAttributes } from '@kairos/common';
import { startDevServer, type DevServerOptions } from '@kairos/dev-server';
import { parseArgs, UsageError } from '@kairos/dev-server/lib/cli';
import type { DevServerConfig, TimeSkippingServerConfig } from '../ephemeral-server';

/** A server a test environment started, and how to stop it. */
export interface StartedServer {
  /** `host:port` to connect to. */
  readonly address: string;
  /** Stops the server (and its process, if it has one). */
  shutdown(): Promise<void>;
}

const LOG_LEVELS: Record<string, string> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
  panic: 'error',
};

/** Starts the server that `config` describes. */
export async function startServer(config: DevServerConfig | TimeSkippingServerConfig): Promise<StartedServer> {
  const executable = config.executable ?? { type: 'cached-download' };
  if (executable.type === 'existing-path') {
    if (typeof executable.path !== 'string' || executable.path === '') {
      throw new TypeError(`server.executable.path must name an executable, not ${JSON.stringify(executable.path)}`);
    }
    return await startExecutable(executable.path, config);
  }
  if (executable.type !== 'cached-download') {
    throw new TypeError(
      `server.executable.type must be 'cached-download' or 'existing-path', not ${JSON.stringify((executable as { type: unknown }).type)}`,
    );
  }
  const options = embeddedServerOptions(config);
  return config.childProcess ? await startChildProcess(options) : await startDevServer(options);
}

/**
 * The embedded server's options for `config`: the options become `start-dev` flags, `extraArgs` follow them (so
 * they win), and the dev server's own command-line parser reads the lot.
 */
export function embeddedServerOptions(config: DevServerConfig | TimeSkippingServerConfig): DevServerOptions {
  const args = ['start-dev', '--port', String(portOf(config) ?? 0)];
  if (config.type === 'time-skipping') {
    args.push('--time-skipping');
  } else {
    args.push('--ip', config.ip ?? '127.0.0.1', '--log-level', logLevelOf(config));
    const namespace = namespaceOf(config);
    if (namespace !== 'default') args.push('--namespace', namespace);
    if (config.dbFilename !== undefined) args.push('--db-filename', config.dbFilename);
    for (const flag of searchAttributeFlags(config)) args.push(flag);
  }
  args.push(...extraArgsOf(config));
  try {
    return parseArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      throw new TypeError(`server.extraArgs ${JSON.stringify(config.extraArgs)} are not understood: ${err.message}`);
    }
    throw err;
  }
}

function portOf(config: DevServerConfig | TimeSkippingServerConfig): number | undefined {
  const { port } = config;
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`server.port must be an integer from 0 to 65535, not ${JSON.stringify(port)}`);
  }
  return port;
}

function namespaceOf(config: DevServerConfig): string {
  const namespace = config.namespace ?? 'default';
  if (typeof namespace !== 'string' || namespace === '') {
    throw new TypeError(`server.namespace must be a non-empty string, not ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

function logLevelOf(config: DevServerConfig): string {
  const level = config.log?.level ?? 'warn';
  const mapped = typeof level === 'string' ? LOG_LEVELS[level.toLowerCase()] : undefined;
  if (mapped === undefined) {
    throw new TypeError(
      `server.log.level must be one of ${Object.keys(LOG_LEVELS).join(', ')}, not ${JSON.stringify(level)}`,
    );
  }
  return mapped;
}

function extraArgsOf(config: DevServerConfig | TimeSkippingServerConfig): string[] {
  const extra = config.extraArgs ?? [];
  if (!Array.isArray(extra) || extra.some((a) => typeof a !== 'string')) {
    throw new TypeError(`server.extraArgs must be an array of strings, not ${JSON.stringify(extra)}`);
  }
  return extra;
}

function searchAttributeFlags(config: DevServerConfig): string[] {
  const flags: string[] = [];
  for (const key of config.searchAttributes ?? []) {
    if (typeof key?.name !== 'string' || key.name === '') {
      throw new TypeError(`server.searchAttributes: each key needs a name, got ${JSON.stringify(key)}`);
    }
    let type: string;
    try {
      type = TypedSearchAttributes.toMetadataType(key.type);
    } catch {
      throw new TypeError(
        `server.searchAttributes: ${key.name} has an unknown type ${JSON.stringify(key.type)} ` +
          `(use a SearchAttributeType such as 'KEYWORD')`,
      );
    }
    flags.push('--search-attribute', `${key.name}=${type}`);
  }
  return flags;
}

/** A free TCP port on the loopback interface. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs the embedded server in a child Node process. The child stops when its standard input closes, so it does
 * not outlive a test process that dies without tearing down.
 */
async function startChildProcess(options: DevServerOptions): Promise<StartedServer> {
  const child = spawn(
    process.execPath,
    ['-e', CHILD_SCRIPT, require.resolve('@kairos/dev-server'), JSON.stringify(options)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const output = collectOutput(child);
  const address = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline).trim());
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the dev server process exited (${signal ?? `code ${code}`}) before it was ready: ${output()}`)),
    );
    child.once('error', reject);
  });
  return { address, shutdown: () => stopProcess(child, () => child.stdin?.end()) };
}

/** Run with `node -e`: argv[1] is the dev server module, argv[2] its options. */
const CHILD_SCRIPT = `
const { startDevServer } = require(process.argv[1]);
startDevServer(JSON.parse(process.argv[2])).then(
  (server) => {
    const stop = () => server.shutdown().then(() => process.exit(0));
    process.stdin.on('end', stop);
    process.stdin.resume();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.stdout.write(server.address + '\\n');
  },
  (err) => {
    process.stderr.write(String(err && err.message ? err.message : err));
    process.exit(1);
  },
);`;

/** Runs another server executable with the command line of `temporal server start-dev` or of the test server. */
async function startExecutable(
  path: string,
  config: DevServerConfig | TimeSkippingServerConfig,
): Promise<StartedServer> {
  const port = portOf(config) || (await freePort());
  let host = '127.0.0.1';
  let args: string[];
  if (config.type === 'time-skipping') {
    args = [String(port), ...extraArgsOf(config)];
  } else {
    host = config.ip ?? '127.0.0.1';
    args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--namespace', namespaceOf(config)];
    args.push('--log-format', config.log?.format ?? 'pretty', '--log-level', config.log?.level ?? 'warn');
    if (config.dbFilename !== undefined) args.push('--db-filename', config.dbFilename);
    if (config.ui || config.uiPort !== undefined) args.push('--ui-port', String(config.uiPort ?? port + 1000));
    else args.push('--headless');
    args.push(...searchAttributeFlags(config), ...extraArgsOf(config));
  }
  const child = spawn(path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const output = collectOutput(child);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run server executable ${path}: ${err.message}`)));
    child.once('exit', (code, signal) =>
      reject(
        new Error(`server executable ${path} exited (${signal ?? `code ${code}`}) before it was ready: ${output()}`),
      ),
    );
  });
  exited.catch(() => undefined);
  const connectHost = host === '0.0.0.0' || host === 'localhost' ? '127.0.0.1' : host;
  try {
    await Promise.race([exited, waitForPort(connectHost, port, 60_000)]);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    address: `${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`,
    shutdown: () => stopProcess(child),
  };
}

/** Resolves once something accepts TCP connections on `host:port`. */
async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`no server answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The last few kilobytes a child wrote to stderr, for error messages. */
function collectOutput(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4096);
  });
  return () => text.trim();
}

/** Asks a child to stop (closing its stdin and sending SIGTERM), killing it if it is still there after 10 s. */
async function stopProcess(child: ChildProcess, ask?: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (ask) ask();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
