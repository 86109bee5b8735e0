import { type Logger, type MetricMeter, noopMetricMeter, SdkComponent } from '@kairos/common';
import type { History } from '@kairos/common/lib/proto-utils';
import * as bridge from '@kairos/core-bridge';
import { DefaultLogger, LogTimestamp } from './logger';
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
  /** The metric meter of SDK components (a no-op meter: Kairos does not export metrics yet). */
  readonly metricMeter: MetricMeter = noopMetricMeter;
  readonly options: RuntimeOptions;

  private static _instance?: Runtime;
  private readonly shutdownCallbacks = new Set<() => void>();
  private readonly signalHandler = () => this.startShutdownSequence();
  private logTimer?: NodeJS.Timeout;
  private activeUsers = 0;
  private signalsInstalled = false;

  protected constructor(options: RuntimeOptions) {
    this.options = options;
    this.logger = options.logger ?? new DefaultLogger('INFO');
    if (options.telemetryOptions?.metrics !== undefined) {
      throw new TypeError('not implemented: metrics export (telemetryOptions.metrics) in @kairos/worker');
    }
    const logging = options.telemetryOptions?.logging;
    const level = coreLevelOfFilter(logging?.filter ?? options.telemetryOptions?.tracingFilter);
    bridge.initTelemetry({ logLevel: level });
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

  /** Flushes logs and forgets the instance (a new one can be installed afterwards). */
  async shutdown(): Promise<void> {
    this.flushLogs();
    if (this.logTimer !== undefined) clearInterval(this.logTimer);
    this.logTimer = undefined;
    if (Runtime._instance === this) Runtime._instance = undefined;
  }
}
