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
  /** Metrics export: the core's metrics and the custom ones, to Prometheus or an OTLP/HTTP collector. */
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

/** Metrics export settings: common options plus one exporter (`prometheus` or `otel`). */
export type MetricsExporterConfig = {
  /** Default temporality of the OTLP exporter (`otel.temporality` wins). Default `'cumulative'`. */
  temporality?: 'cumulative' | 'delta';
  /** Prefix of the core's metric names (custom metrics keep their names). Default `'temporal_'`. */
  metricPrefix?: string;
  /** Labels added to every exported series. Default none. */
  globalTags?: Record<string, string>;
  /** Add `service_name="temporal-core-sdk"` to every series (OTLP: the `service.name` resource). Default true. */
  attachServiceName?: boolean;
} & Partial<PrometheusMetricsExporter | OtelCollectorExporter | { buffer: unknown }>;

/** Prometheus scrape endpoint settings. */
export interface PrometheusMetricsExporter {
  prometheus: {
    /** `host:port` to serve `GET /metrics` on, e.g. `'0.0.0.0:9464'`. */
    bindAddress: string;
    /** Append `_total` to counter names. Default false. */
    countersTotalSuffix?: boolean;
    /** Append the unit to names that have one (`_milliseconds`). Default false. */
    unitSuffix?: boolean;
    /** Core durations in seconds instead of milliseconds. Default false. */
    useSecondsForDurations?: boolean;
    /** Bucket bounds of custom histograms by metric name (the core's histograms have fixed buckets). */
    histogramBucketOverrides?: Record<string, number[]>;
  };
}

/** OpenTelemetry collector settings. */
export interface OtelCollectorExporter {
  otel: {
    /** The collector's OTLP/HTTP metrics endpoint, e.g. `'http://localhost:4318/v1/metrics'`. */
    url: string;
    /** Must be `true` in Kairos (OTLP/HTTP, JSON encoding); OTLP/gRPC is not implemented. */
    http?: boolean;
    /** HTTP headers sent with every export. */
    headers?: Record<string, string>;
    /** How often to export. Default `'1s'`. */
    metricsExportInterval?: Duration;
    /** Core durations in seconds instead of milliseconds. Default false. */
    useSecondsForDurations?: boolean;
    /** Default `'cumulative'`. */
    temporality?: 'cumulative' | 'delta';
    /** Bucket bounds of custom histograms by metric name (the core's histograms have fixed buckets). */
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
