/**
 * The buffered metrics exporter of the official SDK. Kairos does not export core metrics yet: creating a
 * `MetricsBuffer` throws "not implemented".
 *
 * @module
 */
import type { MetricKind, MetricTags, NumericMetricValueType } from '@kairos/common';

/** Options of {@link MetricsBuffer}. */
export interface MetricsBufferOptions {
  maxBufferSize?: number;
  useSecondsForDurations?: boolean;
}

/** One buffered metric update. */
export interface BufferedMetricUpdate {
  metric: { name: string; kind: MetricKind; valueType: NumericMetricValueType; unit?: string; description?: string };
  value: number;
  attributes: MetricTags;
}

/** A buffer of metric updates read with `retrieveUpdates()`. Not implemented in Kairos. */
export class MetricsBuffer {
  constructor(_options?: MetricsBufferOptions) {
    throw new Error('not implemented: MetricsBuffer (buffered metrics export)');
  }

  retrieveUpdates(): ArrayIterator<BufferedMetricUpdate> {
    throw new Error('not implemented: MetricsBuffer (buffered metrics export)');
  }
}
