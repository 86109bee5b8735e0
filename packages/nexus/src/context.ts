/**
 * The context of the Nexus operation handler that is running: the worker's client, logger and metric meter,
 * and where the operation runs. The worker sets it around every handler call.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as nexus from 'nexus-rpc';
import type { Client } from '@kairos/client';
import { IllegalStateError } from '@kairos/common';
import type { Logger, LogLevel, LogMetadata, MetricMeter } from '@kairos/common';

/**
 * What the worker hands to the Nexus helpers of this package while a handler runs.
 *
 * @internal
 * @hidden
 */
export interface HandlerContext {
  /** Logger with the operation's attributes and `sdkComponent: 'nexus'`. */
  log: Logger;
  /** Metric meter with the operation's tags. */
  metrics: MetricMeter;
  /** Client on the worker's connection and namespace. */
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Endpoint the request came through (empty when the server does not say). */
  endpoint: string;
}

/**
 * Registered symbol under which the storage lives on `globalThis`, so that every copy of this package loaded in
 * one process (the worker's and the user's) sees the same handler context.
 */
const STORAGE_KEY = Symbol.for('__kairos_nexus_handler_context_storage__');

function sharedStorage(): AsyncLocalStorage<HandlerContext> {
  const holder = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<HandlerContext> };
  holder[STORAGE_KEY] ??= new AsyncLocalStorage<HandlerContext>();
  return holder[STORAGE_KEY];
}

/**
 * The storage that carries the {@link HandlerContext} through a handler's promises and callbacks.
 *
 * @internal
 * @hidden
 */
export const asyncLocalStorage: AsyncLocalStorage<HandlerContext> = sharedStorage();

/**
 * The context of the running Nexus handler.
 *
 * @throws {@link IllegalStateError} outside a Nexus operation handler run by a worker.
 * @internal
 * @hidden
 */
export function getHandlerContext(): HandlerContext {
  const ctx = asyncLocalStorage.getStore();
  if (ctx === undefined) {
    throw new IllegalStateError(
      'Nexus handler context not initialized: the @kairos/nexus context functions (getClient, log, metricMeter, ' +
        'operationInfo, startWorkflow, ...) only work inside a Nexus operation handler run by a Worker',
    );
  }
  return ctx;
}

/** Where the current Nexus operation runs. */
export interface OperationInfo {
  /** Namespace of the worker handling the operation. */
  readonly namespace: string;
  /** Task queue of the worker handling the operation. */
  readonly taskQueue: string;
  /** Nexus endpoint the operation was routed through (empty when the server does not report it). */
  readonly endpoint: string;
}

/** Context given to a {@link TemporalOperationHandler}'s start handler. */
// Declared as an interface (not an alias) so that it shows under its own name in signatures, as upstream does.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TemporalStartOperationContext extends nexus.StartOperationContext {}

/** Context given to a {@link TemporalOperationHandler}'s cancel handlers. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TemporalCancelOperationContext extends nexus.CancelOperationContext {}

function logAt(level: Lowercase<LogLevel>) {
  return (message: string, meta?: LogMetadata) => getHandlerContext().log[level](message, meta);
}

/**
 * Logger of the current Nexus handler: the worker's logger (the `Runtime` logger by default) with the operation's
 * namespace, task queue, service and operation, and `sdkComponent: 'nexus'`, on every entry. A Nexus outbound
 * interceptor's `getLogAttributes` can change the attributes.
 */
export const log: Logger = {
  log(level: LogLevel, message: string, meta?: LogMetadata) {
    getHandlerContext().log.log(level, message, meta);
  },
  trace: logAt('trace'),
  debug: logAt('debug'),
  info: logAt('info'),
  warn: logAt('warn'),
  error: logAt('error'),
};

/**
 * Metric meter of the current Nexus handler: the worker's meter with the operation's namespace, task queue,
 * service and operation as tags. A Nexus outbound interceptor's `getMetricTags` can change the tags.
 */
export const metricMeter: MetricMeter = {
  createCounter(name, unit, description) {
    return getHandlerContext().metrics.createCounter(name, unit, description);
  },
  createHistogram(name, valueType, unit, description) {
    return getHandlerContext().metrics.createHistogram(name, valueType, unit, description);
  },
  createGauge(name, valueType, unit, description) {
    return getHandlerContext().metrics.createGauge(name, valueType, unit, description);
  },
  createUpDownCounter(name, unit, description) {
    const meter = getHandlerContext().metrics;
    if (meter.createUpDownCounter === undefined) {
      throw new TypeError("The worker's metric meter cannot create up-down counters");
    }
    return meter.createUpDownCounter(name, unit, description);
  },
  withTags(tags) {
    return getHandlerContext().metrics.withTags(tags);
  },
};

/** A client on the worker's connection and namespace, for use inside a Nexus operation handler. */
export function getClient(): Client {
  return getHandlerContext().client;
}

/** Where the current Nexus operation runs. */
export function operationInfo(): OperationInfo {
  const { namespace, taskQueue, endpoint } = getHandlerContext();
  return { namespace, taskQueue, endpoint };
}
