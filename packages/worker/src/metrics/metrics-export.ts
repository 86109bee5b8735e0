/**
 * Sets up metrics export from `RuntimeOptions.telemetryOptions.metrics`: the custom metric registry behind
 * `Runtime.metricMeter`, and the Prometheus or OTLP exporter of the core's and the custom metrics.
 *
 * @module
 */
import type { Logger, MetricMeter } from '@kairos/common';
import { msToNumber } from '@kairos/common/lib/time';
import type { MetricsExporterConfig } from '../runtime-options';
import { CORE_DURATION_HISTOGRAMS, MetricsCollector } from './collector';
import { CustomMetricRegistry, RuntimeMetricMeter } from './custom-metrics';
import { OtlpMetricsExporter } from './otlp';
import { PrometheusServer } from './prometheus';

/** The running metrics export of a runtime. */
export class MetricsExport {
  readonly meter: MetricMeter;
  readonly collector: MetricsCollector;
  readonly prometheus?: PrometheusServer;
  readonly otlp?: OtlpMetricsExporter;

  constructor(config: MetricsExporterConfig, noTemporalPrefix: boolean, logger: Logger) {
    const prometheus = 'prometheus' in config ? config.prometheus : undefined;
    const otel = 'otel' in config ? config.otel : undefined;
    if ('buffer' in config && config.buffer !== undefined) {
      throw new TypeError('not implemented: metrics buffer (telemetryOptions.metrics.buffer); use prometheus or otel');
    }
    if (prometheus === undefined && otel === undefined) {
      throw new TypeError('telemetryOptions.metrics needs an exporter: prometheus: { bindAddress } or otel: { url }');
    }
    if (prometheus !== undefined && otel !== undefined) {
      throw new TypeError('telemetryOptions.metrics takes one exporter: prometheus or otel, not both');
    }
    if (otel !== undefined && otel.http !== true) {
      throw new TypeError(
        'not implemented: OTLP/gRPC metrics export (telemetryOptions.metrics.otel without http: true); set ' +
          "http: true and give the collector's OTLP/HTTP metrics endpoint, e.g. http://localhost:4318/v1/metrics",
      );
    }
    const overrides = (prometheus ?? otel)?.histogramBucketOverrides ?? {};
    const prefix = config.metricPrefix ?? (noTemporalPrefix ? '' : 'temporal_');
    for (const name of Object.keys(overrides)) {
      const bare = name.startsWith(prefix) ? name.slice(prefix.length) : name;
      if (CORE_DURATION_HISTOGRAMS.includes(bare)) {
        throw new TypeError(
          `not implemented: histogramBucketOverrides for the core metric '${name}' (the core's histograms have ` +
            'fixed buckets); overrides apply to custom histograms only',
        );
      }
    }
    const registry = new CustomMetricRegistry(overrides);
    this.collector = new MetricsCollector(
      {
        metricPrefix: prefix,
        globalTags: config.globalTags ?? {},
        attachServiceName: config.attachServiceName ?? true,
        useSecondsForDurations: (prometheus ?? otel)?.useSecondsForDurations ?? false,
      },
      registry,
    );
    this.meter = new RuntimeMetricMeter(registry);
    if (prometheus !== undefined) {
      this.prometheus = new PrometheusServer(prometheus.bindAddress, this.collector, prometheus, logger);
    }
    if (otel !== undefined) {
      this.otlp = new OtlpMetricsExporter(
        this.collector,
        {
          url: otel.url,
          headers: otel.headers,
          intervalMs: msToNumber(otel.metricsExportInterval ?? '1s'),
          temporality: otel.temporality ?? config.temporality ?? 'cumulative',
        },
        logger,
      );
    }
  }

  /** Stops the exporter (the OTLP exporter exports a last time first). */
  async shutdown(): Promise<void> {
    await this.prometheus?.close();
    await this.otlp?.shutdown();
  }
}
