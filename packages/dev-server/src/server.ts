import { MAX_HISTORY_PAGE_SIZE } from './history/history-pages';
import * as grpc from '@grpc/grpc-js';
import type { temporal } from '@kairos/proto';
import { ServerContext, ServerOptions } from './server-context';
import { TimeSource } from './time/time-source';
import { MemoryPersistence, Persistence } from './persistence/persistence';
import { buildService } from './frontend/service-definition';
import { workflowServiceHandlers } from './frontend/workflow-service';
import { healthHandlers } from './frontend/health-service';
import { scheduleHandlers } from './frontend/schedule-handlers';
import { testServiceHandlers } from './frontend/test-service';
import { operatorServiceHandlers } from './frontend/operator-service';
import { updateHandlers } from './frontend/update-handlers';
import { visibilityHandlers } from './frontend/visibility-handlers';
import { consoleLogger, LogFormat, Logger, LogLevel } from './logger';
import { HealthState } from './frontend/health-service';
import { addReflectionService } from './frontend/reflection-service';
import { Metrics, serveMetrics } from './observability/metrics';
import { requestObserver } from './observability/request-observer';
import { parseIndexedValueType } from './visibility/search-attributes';
import { DynamicConfig } from './config/dynamic-config';
import { MAX_RECEIVE_MESSAGE_BYTES, rewordOversizedMessageErrors } from './frontend/request-decoding';
import { withFeatureHandlers } from './frontend/feature-handlers';

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** Port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Address to bind; default `127.0.0.1`. */
  ip?: string;
  /** SQLite file that keeps all state across restarts; in memory when unset. */
  dbFilename?: string;
  /** Serve the TestService and let time skip to the next timer when nothing holds a lock. Default false. */
  timeSkipping?: boolean;
  /**
   * With time skipping, whether the clock may skip from the start. Default false: like the Temporal test
   * server, skipping starts locked and test environments unlock it while they wait for results.
   */
  timeSkippingUnlocked?: boolean;
  /** Namespaces to create in addition to `default`. */
  namespaces?: string[];
  /** Custom search attributes registered on `default` and `namespaces` (not on namespaces registered later): name → type (`Keyword`, `Text`, `Int`, `Double`, `Bool`, `Datetime`, `KeywordList`). */
  searchAttributes?: Record<string, string>;
  /** Log level for the server's own messages; default `warn`. At `debug`, every request is logged. */
  logLevel?: LogLevel;
  /** `text` (default) or `json` (one object a line) log lines. */
  logFormat?: LogFormat;
  /** Serve Prometheus metrics at `http://IP:PORT/metrics` (0 = a free port); not served when unset. */
  metricsPort?: number;
  /** How long task-queue long polls wait before an empty answer, in ms; default 60 000 (the real server's value). */
  longPollTimeoutMs?: number;
  /** How long history long polls wait, in ms; default 20 000. */
  historyLongPollMs?: number;
  /**
   * How many batches of events (see the README) the first page of a workflow task's history holds; the worker
   * fetches the rest with GetWorkflowExecutionHistory and the poll's `next_page_token`. Default 256, as on the real
   * server; lower it to exercise a worker's history paging.
   */
  workflowTaskHistoryPageSize?: number;
  /**
   * The real server's dynamic config values (`--dynamic-config-value KEY=JSON`): key → value, e.g.
   * `{ 'limit.blobSize.error': 1000 }`. The keys this server honours are listed in the README; others are ignored.
   */
  dynamicConfig?: Record<string, unknown>;
}

/** A running dev server. */
export interface DevServer {
  /** `host:port` to connect clients and workers to. */
  readonly address: string;
  readonly port: number;
  /** `http://host:port/metrics` when metrics are served. */
  readonly metricsUrl?: string;
  /** The namespaces the server has (including `temporal-system`). */
  namespaces(): string[];
  /**
   * The last heartbeat each worker of a namespace sent (RecordWorkerHeartbeat, or the final one with
   * ShutdownWorker), least recently heard from first. Kept in memory only.
   */
  workerHeartbeats(namespace?: string): temporal.api.worker.v1.IWorkerHeartbeat[];
  /** Stops serving, ends waiting polls and closes the database. */
  shutdown(): Promise<void>;
}

/** Thrown when the server cannot listen on the requested address. */
export class ServerBindError extends Error {
  override readonly name = 'ServerBindError';
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        const inUse = /EADDRINUSE|address already in use|No address added/i.test(err.message);
        reject(
          new ServerBindError(
            inUse
              ? `cannot listen on ${address}: the port is already in use`
              : `cannot listen on ${address}: ${err.message}`,
            { cause: err },
          ),
        );
      } else resolve(port);
    });
  });
}

/** Starts an embedded Temporal-API server (WorkflowService, OperatorService, health, and TestService with time skipping). */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log: Logger = consoleLogger(options.logLevel ?? 'warn', options.logFormat ?? 'text');
  const searchAttributes: Record<string, number> = {};
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    const t = parseIndexedValueType(type);
    if (t === undefined) throw new TypeError(`unknown search attribute type ${type} for ${name}`);
    searchAttributes[name] = t;
  }
  const pageSize = options.workflowTaskHistoryPageSize ?? MAX_HISTORY_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new TypeError(`workflowTaskHistoryPageSize must be a positive integer, not ${pageSize}`);
  }
  const config = new DynamicConfig(options.dynamicConfig);
  const serverOptions: ServerOptions = {
    dbFilename: options.dbFilename,
    longPollTimeoutMs: options.longPollTimeoutMs ?? config.durationMs('matching.longPollExpirationInterval'),
    historyLongPollMs: options.historyLongPollMs ?? config.durationMs('history.longPollExpirationInterval'),
    queryTimeoutMs: 60_000,
    updateWaitMs: 20_000,
    workflowTaskHistoryPageSize: pageSize,
    searchAttributes,
    config,
  };
  // The SQLite driver (a native module) is loaded only when a database file is used.
  const store: Persistence = options.dbFilename
    ? new (
        require('./persistence/sqlite-persistence') as typeof import('./persistence/sqlite-persistence')
      ).SqlitePersistence(options.dbFilename)
    : new MemoryPersistence();
  const time = new TimeSource(!!options.timeSkipping, !options.timeSkippingUnlocked);
  const ctx = new ServerContext(serverOptions, time, store, log);
  try {
    ctx.load();
    for (const name of ['default', ...(options.namespaces ?? [])]) ctx.ensureNamespace(name);
    ctx.ensureSystemNamespace();
  } catch (err) {
    store.close();
    throw err;
  }

  rewordOversizedMessageErrors();
  const metrics = new Metrics();
  metrics.gauge('open_workflows', 'Workflow runs that are open, by namespace.', () => ctx.openWorkflowCounts());
  metrics.gauge('approximate_backlog_count', 'Tasks waiting in task queues, by queue and task type.', () =>
    ctx.matching.backlogs().map((b) => ({
      labels: { namespace: b.namespace, task_queue: b.taskQueue, task_type: b.kind },
      value: b.count,
    })),
  );
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
    interceptors: [requestObserver(log, metrics)],
  });
  const logError = (method: string, err: unknown) =>
    log.error(`${method} failed: ${(err as Error)?.stack ?? String(err)}`);
  const services: Array<[string, Record<string, unknown>]> = [
    [
      'temporal.api.workflowservice.v1.WorkflowService',
      withFeatureHandlers(ctx, {
        ...workflowServiceHandlers(ctx),
        ...updateHandlers(ctx),
        ...visibilityHandlers(ctx),
        ...scheduleHandlers(ctx, ctx.scheduler),
      }),
    ],
    ['temporal.api.operatorservice.v1.OperatorService', operatorServiceHandlers(ctx)],
  ];
  if (options.timeSkipping) services.push(['temporal.api.testservice.v1.TestService', testServiceHandlers(ctx)]);
  const health = new HealthState(services.map(([name]) => name));
  services.push(['grpc.health.v1.Health', healthHandlers(health)]);
  for (const [name, handlers] of services) {
    const { definition, implementation } = buildService(name, handlers as never, logError);
    server.addService(definition, implementation);
  }
  addReflectionService(
    server,
    services.map(([name]) => name),
  );
  const host = options.ip ?? '127.0.0.1';
  let port: number;
  try {
    port = await bind(server, `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`);
  } catch (err) {
    ctx.deadlines.stop();
    store.close();
    throw err;
  }
  log.info(`listening on ${host}:${port}`);
  ctx.frontendAddress = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let metricsServer: { server: import('node:http').Server; port: number } | undefined;
  if (options.metricsPort !== undefined) {
    try {
      metricsServer = await serveMetrics(metrics, host, options.metricsPort, log);
    } catch (err) {
      server.forceShutdown();
      ctx.deadlines.stop();
      store.close();
      throw new ServerBindError(`cannot serve metrics on ${host}:${options.metricsPort}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  // Closed runs past their namespace's retention are deleted at start, then when the next one expires.
  ctx.sweepRetention();
  let stopped: Promise<void> | undefined;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    metricsUrl: metricsServer
      ? `http://${host.includes(':') ? `[${host}]` : host}:${metricsServer.port}/metrics`
      : undefined,
    namespaces: () => ctx.namespaces.list().map((n) => n.name),
    workerHeartbeats: (namespace = 'default') => ctx.workerHeartbeats.list(namespace),
    shutdown() {
      stopped ??= (async () => {
        health.setAll(false);
        health.endWatches();
        metricsServer?.server.close();
        ctx.matching.close();
        ctx.deadlines.stop();
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        server.forceShutdown();
        store.close();
      })();
      return stopped;
    },
  };
}
