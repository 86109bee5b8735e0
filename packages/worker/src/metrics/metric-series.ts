/**
 * The exporters' view of a metric: one series (a name and its labels) with its current value. The core's metrics
 * and the custom metrics of workflows, activities and application code both become lists of these.
 *
 * @module
 */

/** How a series is aggregated. An up-down counter is a `gauge` whose value is a running sum. */
export type SeriesKind = 'counter' | 'gauge' | 'histogram';

/** One metric series with its current (cumulative) value. */
export interface MetricSeries {
  name: string;
  kind: SeriesKind;
  /** For sums: whether the value only goes up (counters); up-down counters are gauges that are not monotonic. */
  monotonic: boolean;
  description?: string;
  unit?: string;
  labels: Record<string, string>;
  /** Counter total, gauge value, or histogram sum. */
  value: number;
  /** Histogram: number of observations. */
  count: number;
  /** Histogram: upper bounds, ascending (the `+Inf` bucket is implied). */
  bucketBounds: number[];
  /** Histogram: cumulative counts per bound (observations ≤ bound). */
  bucketCounts: number[];
}

/** A unique key of a series: its name and its sorted labels. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  return `${name}{${sorted.join(',')}}`;
}
