import type {
  Metric,
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricKind,
  MetricMeter,
  MetricTags,
  MetricUpDownCounter,
  NumericMetricValueType,
} from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { maybeGetActivator } from './global-attributes';
import { type Sink, type Sinks, proxySinks } from './sinks';

/** The reserved sink the worker routes workflow metrics through. */
export interface MetricSinks extends Sinks {
  __temporal_metrics: WorkflowMetricMeter;
}

/** What the workflow metric meter sends to the worker. */
export interface WorkflowMetricMeter extends Sink {
  addMetricCounterValue(
    metricName: string,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    attrs: MetricTags,
  ): void;
  /** Kairos: up-down counters have their own call (the official runtime sends them as counters). */
  addMetricUpDownCounterValue(
    metricName: string,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    attrs: MetricTags,
  ): void;
  recordMetricHistogramValue(
    metricName: string,
    valueType: NumericMetricValueType,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    attrs: MetricTags,
  ): void;
  setMetricGaugeValue(
    metricName: string,
    valueType: NumericMetricValueType,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    attrs: MetricTags,
  ): void;
}

const sink = proxySinks<MetricSinks>().__temporal_metrics;

/** Tags of the workflow plus the outbound interceptors' additions, plus `extra`. */
function tagsOf(base: MetricTags, extra?: MetricTags): MetricTags {
  const activator = maybeGetActivator();
  if (activator === undefined) return { ...base, ...extra };
  const info = activator.info;
  const getTags = composeInterceptors(activator.interceptors.outbound, 'getMetricTags', (t: MetricTags) => t);
  return {
    ...getTags({ namespace: info.namespace, taskQueue: info.taskQueue, workflowType: info.workflowType }),
    ...base,
    ...extra,
  };
}

/** Metrics are not emitted while history is replayed. */
function replaying(): boolean {
  return maybeGetActivator()?.isReplaying ?? false;
}

abstract class WorkflowMetric implements Metric {
  abstract readonly kind: MetricKind;
  constructor(
    public readonly name: string,
    public readonly valueType: NumericMetricValueType,
    public readonly unit: string | undefined,
    public readonly description: string | undefined,
    protected readonly tags: MetricTags,
  ) {}
}

class Counter extends WorkflowMetric implements MetricCounter {
  readonly kind = 'counter' as const;
  declare readonly valueType: 'int';
  add(value: number, extraTags?: MetricTags): void {
    if (value < 0) throw new Error(`MetricCounter value must be non-negative (got ${value})`);
    if (!replaying())
      sink.addMetricCounterValue(this.name, this.unit, this.description, value, tagsOf(this.tags, extraTags));
  }
  withTags(tags: MetricTags): MetricCounter {
    return new Counter(this.name, this.valueType, this.unit, this.description, { ...this.tags, ...tags });
  }
}

class UpDownCounter extends WorkflowMetric implements MetricUpDownCounter {
  readonly kind = 'up-down-counter' as const;
  declare readonly valueType: 'int';
  add(value: number, extraTags?: MetricTags): void {
    if (!replaying())
      sink.addMetricUpDownCounterValue(this.name, this.unit, this.description, value, tagsOf(this.tags, extraTags));
  }
  withTags(tags: MetricTags): MetricUpDownCounter {
    return new UpDownCounter(this.name, this.valueType, this.unit, this.description, { ...this.tags, ...tags });
  }
}

class Histogram extends WorkflowMetric implements MetricHistogram {
  readonly kind = 'histogram' as const;
  record(value: number, extraTags?: MetricTags): void {
    if (value < 0) throw new Error(`MetricHistogram value must be non-negative (got ${value})`);
    if (!replaying()) {
      sink.recordMetricHistogramValue(
        this.name,
        this.valueType,
        this.unit,
        this.description,
        value,
        tagsOf(this.tags, extraTags),
      );
    }
  }
  withTags(tags: MetricTags): MetricHistogram {
    return new Histogram(this.name, this.valueType, this.unit, this.description, { ...this.tags, ...tags });
  }
}

class Gauge extends WorkflowMetric implements MetricGauge {
  readonly kind = 'gauge' as const;
  set(value: number, extraTags?: MetricTags): void {
    if (!replaying()) {
      sink.setMetricGaugeValue(
        this.name,
        this.valueType,
        this.unit,
        this.description,
        value,
        tagsOf(this.tags, extraTags),
      );
    }
  }
  withTags(tags: MetricTags): MetricGauge {
    return new Gauge(this.name, this.valueType, this.unit, this.description, { ...this.tags, ...tags });
  }
}

class WorkflowMetricMeterImpl implements MetricMeter {
  constructor(private readonly tags: MetricTags = {}) {}
  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    return new Counter(name, 'int', unit, description, this.tags);
  }
  createHistogram(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricHistogram {
    return new Histogram(name, valueType, unit, description, this.tags);
  }
  createGauge(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricGauge {
    return new Gauge(name, valueType, unit, description, this.tags);
  }
  createUpDownCounter(name: string, unit?: string, description?: string): MetricUpDownCounter {
    return new UpDownCounter(name, 'int', unit, description, this.tags);
  }
  withTags(tags: MetricTags): MetricMeter {
    return new WorkflowMetricMeterImpl({ ...this.tags, ...tags });
  }
}

/**
 * Metrics from workflow code, tagged with the workflow's namespace, task queue and type, and sent to the
 * worker's metric meter (`Runtime.metricMeter`) except while history is replayed.
 */
export const metricMeter: MetricMeter = new WorkflowMetricMeterImpl();
