/**
 * Configuration of the servers a {@link TestWorkflowEnvironment} starts. The names and shapes are those of
 * `@temporalio/testing`; by default both kinds of server are the embedded Kairos dev server, so nothing is
 * downloaded.
 *
 * @module
 */
import type { Duration, SearchAttributeType } from '@kairos/common';
import type { SearchAttributeKey } from '@kairos/common/lib/search-attributes';

/**
 * Configuration of the server behind {@link TestWorkflowEnvironment.createLocal}: the embedded Kairos dev server
 * (in memory or SQLite), or any executable that understands `temporal server start-dev`'s flags.
 */
export interface DevServerConfig {
  type: 'dev-server';
  /**
   * Which server to run. Unset, or `{ type: 'cached-download' }`: the embedded Kairos dev server (nothing is
   * downloaded; the download options are ignored). `{ type: 'existing-path', path }`: that executable, started
   * as `PATH server start-dev --ip ... --port ... --namespace ...` (the real `temporal` CLI, or `kairos-server`).
   */
  executable?: EphemeralServerExecutable;
  /** SQLite file that keeps the server's state; in memory when unset (the default). */
  dbFilename?: string;
  /**
   * Namespace created at start, besides `default`; also the namespace of the environment's client.
   *
   * @default "default"
   */
  namespace?: string;
  /**
   * Address to bind.
   *
   * @default 127.0.0.1
   */
  ip?: string;
  /** Port to listen on; a free port when unset. */
  port?: number;
  /**
   * Whether to start the web UI. The embedded server has no UI: `true` (or a `uiPort`) only applies to an
   * `existing-path` executable.
   *
   * @default false
   */
  ui?: boolean;
  /** Port of the UI of an `existing-path` executable; `port + 1000` by default when `ui` is true. */
  uiPort?: number;
  /**
   * Log format and level of the server. The embedded server knows the levels `debug`, `info`, `warn` and
   * `error` (`fatal` and `panic` mean `error`) and ignores the format.
   *
   * @default { format: "pretty", level: "warn" }
   */
  log?: { format: string; level: string };
  /**
   * More arguments in `temporal server start-dev` syntax. The embedded server reads the flags of its own command
   * line (`--search-attribute NAME=TYPE`, `--namespace NS`, ...) and ignores those that only concern the real
   * server's UI, HTTP API, metrics and dynamic config (`--dynamic-config-value ...`); any other flag is an error.
   */
  extraArgs?: string[];
  /** Custom search attributes registered on the server's namespaces. */
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  /**
   * Kairos only: run the embedded server in a child Node process instead of in the test's process. In-process
   * (the default) is ready about three times sooner; a child process keeps the server off the test's event loop
   * (useful when the test blocks it, e.g. with a debugger) at the cost of a Node start (about 400 ms).
   *
   * @default false
   */
  childProcess?: boolean;
}

/**
 * Configuration of the server behind {@link TestWorkflowEnvironment.createTimeSkipping}: the embedded Kairos dev
 * server with time skipping (the semantics of the Temporal time-skipping test server), or an executable that
 * takes the test server's command line (`PATH PORT`).
 */
export interface TimeSkippingServerConfig {
  type: 'time-skipping';
  /**
   * Which server to run. Unset, or `{ type: 'cached-download' }`: the embedded Kairos dev server with time
   * skipping. `{ type: 'existing-path', path }`: that executable, started as `PATH PORT ...extraArgs`.
   */
  executable?: EphemeralServerExecutable;
  /** Port to listen on; a free port when unset. */
  port?: number;
  /** More arguments; the embedded server accepts its own `start-dev` flags here (see {@link DevServerConfig.extraArgs}). */
  extraArgs?: string[];
  /**
   * Kairos only: run the embedded server in a child Node process; see {@link DevServerConfig.childProcess}.
   *
   * @default false
   */
  childProcess?: boolean;
}

/**
 * Which server executable to run. Kairos never downloads one: `cached-download` (the official default) selects
 * the embedded Kairos dev server and its download options are ignored.
 */
export type EphemeralServerExecutable =
  | {
      type: 'cached-download';
      /** Ignored: nothing is downloaded. */
      downloadDir?: string;
      /** Ignored: nothing is downloaded. */
      version?: string;
      /** Ignored: nothing is downloaded. */
      ttl?: Duration;
    }
  | {
      type: 'existing-path';
      /** Path of the executable. */
      path: string;
    };
