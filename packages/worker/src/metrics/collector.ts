/**
 * Gathers what the exporters publish: the core's metrics (`metricsSnapshot()` of `@kairos/core-bridge`, official
 * names and labels) and the custom metrics, with the runtime's prefix, global tags and service name applied.
 *
 * @module
 */
import * as bridge from '@kairos/core-bridge';
import type { CustomMetricRegistry } from './custom-metrics';
import type { MetricSeries } from './metric-series';

/** The prefix the core puts on its metric names; the collector replaces it with the configured one. */
const CORE_PREFIX = 'temporal_';

/** The core's histograms (durations, recorded in milliseconds). */
export const CORE_DURATION_HISTOGRAMS = [
  'workflow_endtoend_latency',
  'workflow_task_schedule_to_start_latency',
  'workflow_task_replay_latency',
  'workflow_task_execution_latency',
  'activity_schedule_to_start_latency',
  'activity_execution_latency',
  'activity_succeed_endtoend_latency',
  'local_activity_execution_latency',
  'local_activity_succeed_endtoend_latency',
  'nexus_task_schedule_to_start_latency',
  'nexus_task_endtoend_latency',
  'nexus_task_execution_latency',
  'request_latency',
  'long_request_latency',
];

/** Settings shared by the exporters (see `MetricsExporterConfig`). */
export interface CollectorOptions {
  /** Prefix of the core's metric names. Default `temporal_`. */
  metricPrefix: string;
  /** Labels added to every series. */
  globalTags: Record<string, string>;
  /** Add `service_name="temporal-core-sdk"` to every series. */
  attachServiceName: boolean;
  /** Core durations in seconds instead of milliseconds. */
  useSecondsForDurations: boolean;
}

/** The service name the official core reports its metrics under. */
export const SERVICE_NAME = 'temporal-core-sdk';

/** Reads the current series of the core and of the custom metrics. */
export class MetricsCollector {
  constructor(
    readonly options: CollectorOptions,
    readonly registry: CustomMetricRegistry,
  ) {}

  /** Labels every series gets, besides its own. */
  commonLabels(): Record<string, string> {
    return {
      ...(this.options.attachServiceName ? { service_name: SERVICE_NAME } : {}),
      ...this.options.globalTags,
    };
  }

  /** Every series, core metrics first; `withCommonLabels` false leaves the common labels out (OTLP puts them on the resource). */
  collect(withCommonLabels = true): MetricSeries[] {
    const common = withCommonLabels ? this.commonLabels() : {};
    const out: MetricSeries[] = [];
    for (const point of bridge.metricsSnapshot()) {
      const bare = point.name.startsWith(CORE_PREFIX) ? point.name.slice(CORE_PREFIX.length) : point.name;
      const duration = point.kind === 'histogram' && CORE_DURATION_HISTOGRAMS.includes(bare);
      const scale = duration && this.options.useSecondsForDurations ? 1 / 1000 : 1;
      out.push({
        name: this.options.metricPrefix + bare,
        kind: point.kind,
        monotonic: point.kind === 'counter',
        unit: duration ? (scale === 1 ? 'milliseconds' : 'seconds') : undefined,
        labels: { ...common, ...point.labels },
        value: point.value * scale,
        count: point.count,
        bucketBounds: point.bucketBounds.map((bound) => bound * scale),
        bucketCounts: point.bucketCounts,
      });
    }
    for (const series of this.registry.snapshot()) {
      out.push({ ...series, labels: { ...common, ...series.labels } });
    }
    return out;
  }
}
