import {
  type Logger,
  type MetricMeter,
  MetricMeterWithComposedTags,
  noopMetricMeter,
  SdkComponent,
} from '@kairos/common';
import type { History } from '@kairos/common/lib/proto-utils';
import * as bridge from '@kairos/core-bridge';
import { DefaultLogger, LogTimestamp } from './logger';
import { MetricsExport } from './metrics/metrics-export';
import { coreLevelOfFilter, type RuntimeOptions } from './runtime-options';

export type { History };

const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];
const LOG_FORWARD_INTERVAL_MS = 100;

/**
 * Process-wide settings of the SDK: the logger, the core's telemetry and the shutdown signals. Install it once
 * with {@link Runtime.install} before creating workers, or let the first worker create it with the defaults.
 */
export class Runtime {
  /** The logger every worker (and the workflow and activity loggers) writes to. */
  readonly logger: Logger;
  /**
   * The meter of custom metrics (application code, and through the worker, activities and workflows). With
   * `telemetryOptions.metrics` its metrics are exported next to the core's; without, it is a no-op meter.
   */
  readonly metricMeter: MetricMeter;
  readonly options: RuntimeOptions;

  private static _instance?: Runtime;
  /** The metrics exporter, when `telemetryOptions.metrics` asks for one. */
  private readonly metricsExport?: MetricsExport;
  private readonly shutdownCallbacks = new Set<() => void>();
  private readonly signalHandler = () => this.startShutdownSequence();
  private logTimer?: NodeJS.Timeout;
  private activeUsers = 0;
  private signalsInstalled = false;

  protected constructor(options: RuntimeOptions) {
    this.options = options;
    this.logger = options.logger ?? new DefaultLogger('INFO');
    const logging = options.telemetryOptions?.logging;
    const level = coreLevelOfFilter(logging?.filter ?? options.telemetryOptions?.tracingFilter);
    // The core always names its metrics with the default prefix; the exporters apply the configured one.
    bridge.initTelemetry({ logLevel: level });
    const metrics = options.telemetryOptions?.metrics;
    if (metrics !== undefined) {
      const noPrefix = options.telemetryOptions?.noTemporalPrefixForMetrics ?? false;
      this.metricsExport = new MetricsExport(metrics, noPrefix, this.logger);
      // Composed so that `withTags` chains (worker, activity) stay flat.
      this.metricMeter = MetricMeterWithComposedTags.compose(this.metricsExport.meter, {}, true);
    } else {
      this.metricMeter = noopMetricMeter;
    }
  }

  /** Creates the runtime with `options`; throws if it already exists. */
  static install(options: RuntimeOptions): Runtime {
    if (Runtime._instance !== undefined) {
      throw new Error(
        'Runtime is already installed: call Runtime.install() once, before creating workers or connections',
      );
    }
    Runtime._instance = new Runtime(options);
    return Runtime._instance;
  }

  /** The runtime, created with the defaults if nothing installed one. */
  static instance(): Runtime {
    Runtime._instance ??= new Runtime({});
    return Runtime._instance;
  }

  /** Forwards the core's buffered log records to the logger now. */
  flushLogs(): void {
    for (const entry of bridge.drainLogs()) {
      const level = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const).find((l) => l === entry.level) ?? 'INFO';
      this.logger.log(level, entry.message, {
        sdkComponent: SdkComponent.core,
        target: entry.target,
        ...entry.fields,
        [LogTimestamp]: BigInt(Math.round(entry.timestampMs)) * 1_000_000n,
      });
    }
  }

  /** Called by workers and connections while they run: keeps log forwarding and signal handlers active. */
  registerUser(): void {
    this.activeUsers++;
    if (this.logTimer === undefined) {
      this.logTimer = setInterval(() => this.flushLogs(), LOG_FORWARD_INTERVAL_MS);
      this.logTimer.unref();
    }
  }

  /** The counterpart of {@link registerUser}. */
  deregisterUser(): void {
    this.activeUsers = Math.max(0, this.activeUsers - 1);
    if (this.activeUsers === 0 && this.logTimer !== undefined) {
      clearInterval(this.logTimer);
      this.logTimer = undefined;
      this.flushLogs();
    }
  }

  /** Calls `callback` when a shutdown signal arrives. */
  registerShutdownSignalCallback(callback: () => void): void {
    this.shutdownCallbacks.add(callback);
    if (!this.signalsInstalled) {
      this.signalsInstalled = true;
      for (const signal of this.options.shutdownSignals ?? DEFAULT_SIGNALS) process.on(signal, this.signalHandler);
    }
  }

  /** Stops calling `callback` on shutdown signals. */
  deregisterShutdownSignalCallback(callback: () => void): void {
    this.shutdownCallbacks.delete(callback);
    if (this.shutdownCallbacks.size === 0 && this.signalsInstalled) {
      this.signalsInstalled = false;
      for (const signal of this.options.shutdownSignals ?? DEFAULT_SIGNALS) process.off(signal, this.signalHandler);
    }
  }

  private startShutdownSequence(): void {
    for (const callback of [...this.shutdownCallbacks]) callback();
  }

  /** Address the Prometheus endpoint listens on, once it does (Kairos; useful with port 0). */
  async prometheusAddress(): Promise<string | undefined> {
    await this.metricsExport?.prometheus?.listening;
    return this.metricsExport?.prometheus?.address();
  }

  /** Stops the metrics exporter, flushes logs and forgets the instance (a new one can be installed afterwards). */
  async shutdown(): Promise<void> {
    await this.metricsExport?.shutdown();
    this.flushLogs();
    if (this.logTimer !== undefined) clearInterval(this.logTimer);
    this.logTimer = undefined;
    if (Runtime._instance === this) Runtime._instance = undefined;
  }
}
