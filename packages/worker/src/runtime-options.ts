import type { LogLevel, Logger } from '@kairos/common';
import type { Duration } from '@kairos/common/lib/time';

/** Options of `Runtime.install`. */
export interface RuntimeOptions {
  /** Where the SDK's, the workflows' and (when forwarded) the core's logs go. Default `new DefaultLogger('INFO')`. */
  logger?: Logger;
  /** Telemetry of the core: log filtering and forwarding, metrics. */
  telemetryOptions?: TelemetryOptions;
  /** How often workers report heartbeats to the server. Accepted; worker heartbeats are not sent by Kairos. */
  workerHeartbeatInterval?: Duration;
  /** Signals that make every running worker shut down gracefully. Default SIGINT, SIGTERM, SIGQUIT, SIGUSR2. */
  shutdownSignals?: NodeJS.Signals[];
}

/** Telemetry of the core. */
export interface TelemetryOptions {
  /** @deprecated Use `logging.filter`. */
  tracingFilter?: string;
  /** @deprecated Use `metrics.metricPrefix`. */
  noTemporalPrefixForMetrics?: boolean;
  /** What happens to the core's own log records. */
  logging?: LogExporterConfig;
  /** Metrics export (not implemented in Kairos yet: giving it throws). */
  metrics?: MetricsExporterConfig;
  /** @deprecated Ignored. */
  tracing?: unknown;
}

/** Core log settings: which records, and whether they go to the console or to the runtime's logger. */
export type LogExporterConfig = {
  /** A filter string (see {@link makeTelemetryFilterString}) or per-component levels. Default core WARN. */
  filter?: string | CoreLogFilterOptions;
} & Partial<ConsoleLogger | ForwardLogger>;

/** Core logs printed to the console (Kairos forwards them to the runtime's logger either way). */
export interface ConsoleLogger {
  console: { format?: 'compact' | 'pretty' | 'json' };
}

/** Core logs forwarded to the runtime's logger. */
export interface ForwardLogger {
  forward: { level?: LogLevel };
}

/** Levels for the core and for everything else. */
export interface CoreLogFilterOptions {
  core: LogLevel;
  other?: LogLevel;
}

/** Metrics export settings (accepted by type; Kairos does not export metrics yet). */
export type MetricsExporterConfig = {
  temporality?: 'cumulative' | 'delta';
  metricPrefix?: string;
  globalTags?: Record<string, string>;
  attachServiceName?: boolean;
} & Partial<PrometheusMetricsExporter | OtelCollectorExporter | { buffer: unknown }>;

/** Prometheus scrape endpoint settings. */
export interface PrometheusMetricsExporter {
  prometheus: {
    bindAddress: string;
    countersTotalSuffix?: boolean;
    unitSuffix?: boolean;
    useSecondsForDurations?: boolean;
    histogramBucketOverrides?: Record<string, number[]>;
  };
}

/** OpenTelemetry collector settings. */
export interface OtelCollectorExporter {
  otel: {
    url: string;
    http?: boolean;
    headers?: Record<string, string>;
    metricsExportInterval?: Duration;
    useSecondsForDurations?: boolean;
    temporality?: 'cumulative' | 'delta';
    histogramBucketOverrides?: Record<string, number[]>;
  };
}

/** Options of {@link makeTelemetryFilterString}. */
export type MakeTelemetryFilterStringOptions = CoreLogFilterOptions;

/** A log filter string: `other` for everything, `core` for the SDK's core crates. */
export function makeTelemetryFilterString(options: CoreLogFilterOptions): string {
  const { core, other = 'ERROR' } = options;
  return `${other},temporal_sdk_core=${core},temporal_client=${core},temporal_sdk=${core},kairos_core=${core}`;
}

/** The core log level a filter asks for. */
export function coreLevelOfFilter(filter: string | CoreLogFilterOptions | undefined): LogLevel {
  if (filter === undefined) return 'WARN';
  if (typeof filter !== 'string') return filter.core;
  const match = /(?:^|,)(?:kairos_core|temporal_sdk_core)=(\w+)/i.exec(filter) ?? /^(\w+)(?:,|$)/.exec(filter);
  const level = match?.[1]?.toUpperCase();
  return level === 'TRACE' || level === 'DEBUG' || level === 'INFO' || level === 'WARN' || level === 'ERROR'
    ? level
    : 'WARN';
}
