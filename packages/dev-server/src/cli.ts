#!/usr/bin/env node
import { startDevServer, DevServerOptions, ServerBindError } from './server';
import { DatabaseOpenError } from './persistence/sqlite-persistence';
import { isLogLevel } from './logger';
import { DynamicConfigError, parseDynamicConfigValue } from './config/dynamic-config';

/** Thrown for a command line the CLI does not understand; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `Usage:
  kairos-server start-dev [--ip IP] [--port|-p PORT] [--db-filename|-f FILE] [--namespace|-n NS]...
                          [--search-attribute NAME=TYPE]... [--time-skipping] [--log-level LEVEL]
  kairos-server PORT [--enable-time-skipping]      (the Temporal test server's form: time skipping on PORT)

Flags of \`temporal server start-dev\` that only concern its UI, HTTP API, metrics, dynamic config or
SQLite pragmas (--headless, --ui-port, --ui-ip, --http-port, --metrics-port, --dynamic-config-value,
--sqlite-pragma, --log-format, --log-config, ...) are accepted and ignored.`;

/** Flags of `temporal server start-dev` we accept and ignore, and whether each takes a value. */
const IGNORED: Record<string, boolean> = {
  '--headless': false,
  '--log-config': false,
  '--ui-disable-news-fetch': false,
  '--ui-port': true,
  '--ui-ip': true,
  '--ui-public-path': true,
  '--ui-asset-path': true,
  '--ui-codec-endpoint': true,
  '--http-port': true,
  '--metrics-port': true,
  '--sqlite-pragma': true,
  '--log-format': true,
};

/** Parses the command line into server options. */
export function parseArgs(argv: string[]): DevServerOptions {
  const opts: DevServerOptions = { port: 7233, logLevel: 'warn', namespaces: [], searchAttributes: {} };
  let args = argv;
  if (args[0] === 'start-dev') {
    args = args.slice(1);
  } else if (args[0] === 'server' && args[1] === 'start-dev') {
    args = args.slice(2);
  } else if (args[0] !== undefined && /^\d+$/.test(args[0])) {
    // The Java test server's form: a bare port, time skipping (locked unless enabled).
    opts.port = Number(args[0]);
    opts.timeSkipping = true;
    for (const a of args.slice(1)) {
      if (a === '--enable-time-skipping') opts.timeSkippingUnlocked = true;
      else throw new UsageError(`unknown argument ${a}`);
    }
    return opts;
  } else {
    throw new UsageError(args[0] === undefined ? 'missing command' : `unknown command ${args[0]}`);
  }
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`flag ${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--ip':
        opts.ip = value();
        if (opts.ip === 'localhost') opts.ip = '127.0.0.1';
        break;
      case '-p':
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`invalid port ${v}`);
        opts.port = Number(v);
        break;
      }
      case '-f':
      case '--db-filename':
        opts.dbFilename = value();
        break;
      case '-n':
      case '--namespace':
        opts.namespaces!.push(value());
        break;
      case '--search-attribute': {
        const v = value();
        const [name, type] = v.split('=');
        if (!name || !type) throw new UsageError(`--search-attribute needs NAME=TYPE, got ${v}`);
        opts.searchAttributes![name] = type;
        break;
      }
      case '--dynamic-config-value': {
        const v = value();
        try {
          const [key, parsed] = parseDynamicConfigValue(v);
          opts.dynamicConfig = { ...opts.dynamicConfig, [key]: parsed };
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        break;
      }
      case '--time-skipping':
        opts.timeSkipping = true;
        break;
      case '--enable-time-skipping':
        opts.timeSkipping = true;
        opts.timeSkippingUnlocked = true;
        break;
      case '--log-level': {
        const v = value();
        if (!isLogLevel(v)) throw new UsageError(`invalid log level ${v} (debug, info, warn, error, never)`);
        opts.logLevel = v;
        break;
      }
      default:
        if (arg in IGNORED) {
          if (IGNORED[arg] && inline === undefined) i++;
          break;
        }
        throw new UsageError(`unknown flag ${arg}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: DevServerOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`kairos-server: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  try {
    const server = await startDevServer(opts);
    process.stdout.write(
      `Kairos dev server listening on ${server.address}${opts.dbFilename ? ` (database ${opts.dbFilename})` : ''}${opts.timeSkipping ? ' with time skipping' : ''}\n`,
    );
    const stop = () => {
      void server.shutdown().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    if (
      err instanceof ServerBindError ||
      err instanceof DatabaseOpenError ||
      err instanceof TypeError ||
      err instanceof DynamicConfigError
    ) {
      process.stderr.write(`kairos-server: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) void main();
