/**
 * The OpenTelemetry exporter: pushes every metric to an OTLP/HTTP endpoint (the collector's `/v1/metrics`) as
 * OTLP JSON, every `metricsExportInterval`, and once more on shutdown.
 *
 * @module
 */
import type { Logger } from '@kairos/common';
import { SdkComponent } from '@kairos/common';
import { type MetricsCollector, SERVICE_NAME } from './collector';
import { type MetricSeries, seriesKey } from './metric-series';

/** Settings of the OTLP exporter. */
export interface OtlpExporterOptions {
  /** The OTLP/HTTP metrics endpoint, e.g. `http://localhost:4318/v1/metrics`. */
  url: string;
  /** Extra HTTP headers (authentication, say). */
  headers?: Record<string, string>;
  /** How often to export, in milliseconds. */
  intervalMs: number;
  /** `cumulative` (the default) or `delta` sums and histograms. */
  temporality: 'cumulative' | 'delta';
}

type AnyValue = { stringValue: string };
type KeyValue = { key: string; value: AnyValue };

function attributes(labels: Record<string, string>): KeyValue[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

/** OTLP `AggregationTemporality`: 1 delta, 2 cumulative. */
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

/** Builds OTLP `ExportMetricsServiceRequest` bodies and keeps what delta temporality needs. */
export class OtlpMetricsEncoder {
  private readonly startTimeUnixNano = nowUnixNano();
  private lastExportUnixNano = this.startTimeUnixNano;
  private readonly previous = new Map<string, MetricSeries>();

  constructor(
    private readonly collector: MetricsCollector,
    private readonly temporality: 'cumulative' | 'delta',
  ) {}

  /** The request body for the metrics as they are now. */
  encode(): object {
    const now = nowUnixNano();
    const start = this.temporality === 'delta' ? this.lastExportUnixNano : this.startTimeUnixNano;
    this.lastExportUnixNano = now;
    const byName = new Map<string, { series: MetricSeries; point: object }[]>();
    for (const series of this.collector.collect(false)) {
      const point = this.dataPoint(series, start, now);
      let group = byName.get(series.name);
      if (group === undefined) byName.set(series.name, (group = []));
      group.push({ series, point });
    }
    const metrics = [...byName.entries()].map(([name, group]) => {
      const { series } = group[0];
      const points = group.map((g) => g.point);
      const base = { name, description: series.description ?? '', unit: series.unit ?? '' };
      const aggregationTemporality = TEMPORALITY[this.temporality];
      if (series.kind === 'histogram') return { ...base, histogram: { dataPoints: points, aggregationTemporality } };
      if (series.kind === 'counter') {
        return { ...base, sum: { dataPoints: points, aggregationTemporality, isMonotonic: true } };
      }
      if (!series.monotonic && series.kind === 'gauge' && this.isUpDown(series)) {
        // Up-down counters are cumulative sums that may go down.
        return {
          ...base,
          sum: { dataPoints: points, aggregationTemporality: TEMPORALITY.cumulative, isMonotonic: false },
        };
      }
      return { ...base, gauge: { dataPoints: points } };
    });
    const common = this.collector.commonLabels();
    const { service_name: serviceName, ...globalTags } = common;
    return {
      resourceMetrics: [
        {
          resource: { attributes: attributes({ 'service.name': serviceName ?? SERVICE_NAME, ...globalTags }) },
          scopeMetrics: [{ scope: { name: 'kairos-worker' }, metrics }],
        },
      ],
    };
  }

  private isUpDown(series: MetricSeries): boolean {
    return this.collector.registry.find(series.name)?.kind === 'up-down-counter';
  }

  private dataPoint(series: MetricSeries, start: string, now: string): object {
    const key = seriesKey(series.name, series.labels);
    const before = this.temporality === 'delta' ? this.previous.get(key) : undefined;
    this.previous.set(key, series);
    const base = { attributes: attributes(series.labels), startTimeUnixNano: start, timeUnixNano: now };
    if (series.kind === 'histogram') {
      const cumulative = series.bucketCounts.map((c, i) => c - (before?.bucketCounts[i] ?? 0));
      const count = series.count - (before?.count ?? 0);
      // OTLP counts each bucket on its own, with one more bucket for values above the last bound.
      const perBucket = [...cumulative, count].map((c, i, all) => String(i === 0 ? c : c - all[i - 1]));
      return {
        ...base,
        count: String(count),
        sum: series.value - (before?.value ?? 0),
        bucketCounts: perBucket,
        explicitBounds: series.bucketBounds,
      };
    }
    const value = series.kind === 'counter' ? series.value - (before?.value ?? 0) : series.value;
    return { ...base, asDouble: value };
  }
}

function nowUnixNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

/** Posts the metrics to the collector on a timer. */
export class OtlpMetricsExporter {
  private readonly encoder: OtlpMetricsEncoder;
  private readonly timer: NodeJS.Timeout;
  private exporting: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    collector: MetricsCollector,
    private readonly options: OtlpExporterOptions,
    private readonly logger: Logger,
  ) {
    this.encoder = new OtlpMetricsEncoder(collector, options.temporality);
    this.timer = setInterval(() => void this.exportNow(), options.intervalMs);
    this.timer.unref();
  }

  /** Exports once now (after any export in progress). */
  exportNow(): Promise<void> {
    this.exporting = this.exporting.then(() => this.post());
    return this.exporting;
  }

  private async post(): Promise<void> {
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.options.headers },
        body: JSON.stringify(this.encoder.encode()),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status} ${await response.text().catch(() => '')}`);
      this.failing = false;
    } catch (error) {
      // Logged once per outage, not on every interval.
      if (!this.failing) {
        this.logger.warn(`Failed to export metrics to ${this.options.url}`, {
          sdkComponent: SdkComponent.worker,
          error,
        });
      }
      this.failing = true;
    }
  }

  /** Stops the timer after a last export. */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.exportNow();
  }
}
