/**
 * Shortcuts to the current activity's {@link Context}: each one looks the context up when it is called, so they
 * can be imported at module level and used anywhere inside an activity.
 */
import type { Client } from '@kairos/client';
import type {
  ActivityCancellationDetails,
  LogLevel,
  LogMetadata,
  Logger,
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
  MetricUpDownCounter,
  NumericMetricValueType,
} from '@kairos/common';
import type { Duration } from '@kairos/common/lib/time';
import { Context } from './context';
import type { Info } from './info';

/**
 * The {@link Info} of the current activity; shortcut for `Context.current().info`.
 *
 * @throws `IllegalStateError` outside an activity, like every function of this module.
 */
export function activityInfo(): Info {
  return Context.current().info;
}

/** Waits unless the activity is cancelled first; shortcut for `Context.current().sleep(ms)`. */
export function sleep(ms: Duration): Promise<void> {
  return Context.current().sleep(ms);
}

/** Records a heartbeat with optional checkpoint details; shortcut for `Context.current().heartbeat(details)`. */
export function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/**
 * A promise that rejects with a `CancelledFailure` when the activity is cancelled and never resolves; shortcut for
 * `Context.current().cancelled`.
 */
export function cancelled(): Promise<never> {
  return Context.current().cancelled;
}

/**
 * Why the activity was cancelled, or `undefined` while it is not; shortcut for
 * `Context.current().cancellationDetails`.
 *
 * @experimental Cancellation details cover experimental server features (pause, reset) and may change.
 */
export function cancellationDetails(): ActivityCancellationDetails | undefined {
  return Context.current().cancellationDetails;
}

/** An `AbortSignal` aborted when the activity is cancelled; shortcut for `Context.current().cancellationSignal`. */
export function cancellationSignal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/**
 * The worker's client, bound to its namespace; shortcut for `Context.current().client`.
 *
 * @throws `IllegalStateError` when the activity runs without a client.
 */
export function getClient(): Client {
  return Context.current().client;
}

/**
 * The current activity's logger (see {@link Context.log}). Messages carry the activity's attributes and
 * `sdkComponent: 'activity'`. The logger is looked up at every call because `Context.log` may be replaced while
 * the activity runs.
 */
export const log: Logger = {
  log(level: LogLevel, message: string, meta?: LogMetadata): unknown {
    return Context.current().log.log(level, message, meta);
  },
  trace(message: string, meta?: LogMetadata): unknown {
    return Context.current().log.trace(message, meta);
  },
  debug(message: string, meta?: LogMetadata): unknown {
    return Context.current().log.debug(message, meta);
  },
  info(message: string, meta?: LogMetadata): unknown {
    return Context.current().log.info(message, meta);
  },
  warn(message: string, meta?: LogMetadata): unknown {
    return Context.current().log.warn(message, meta);
  },
  error(message: string, meta?: LogMetadata): unknown {
    return Context.current().log.error(message, meta);
  },
};

/**
 * The current activity's metric meter (see {@link Context.metricMeter}); metrics carry the activity's tags.
 *
 * @experimental
 */
export const metricMeter: MetricMeter = {
  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    return Context.current().metricMeter.createCounter(name, unit, description);
  },
  createHistogram(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricHistogram {
    return Context.current().metricMeter.createHistogram(name, valueType, unit, description);
  },
  createGauge(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricGauge {
    return Context.current().metricMeter.createGauge(name, valueType, unit, description);
  },
  createUpDownCounter(name: string, unit?: string, description?: string): MetricUpDownCounter {
    const meter = Context.current().metricMeter;
    if (meter.createUpDownCounter === undefined) {
      throw new TypeError('The metric meter of this activity does not support up-down counters');
    }
    return meter.createUpDownCounter(name, unit, description);
  },
  withTags(tags: MetricTags): MetricMeter {
    return Context.current().metricMeter.withTags(tags);
  },
};
