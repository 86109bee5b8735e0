/**
 * Workflow metrics: `metricMeter` in workflow code records through the reserved `__temporal_metrics` sink (never
 * while history is replayed); the worker hands each call to the runtime's metric meter here.
 *
 * @module
 */
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
  MetricUpDownCounter,
} from '@kairos/common';
import { noopMetricMeter } from '@kairos/common';

type Metric = MetricCounter | MetricUpDownCounter | MetricHistogram | MetricGauge;

const metricsByMeter = new WeakMap<MetricMeter, Map<string, Metric>>();

function metricOf<M extends Metric>(meter: MetricMeter, key: string, create: () => M): M {
  let metrics = metricsByMeter.get(meter);
  if (metrics === undefined) metricsByMeter.set(meter, (metrics = new Map()));
  let metric = metrics.get(key) as M | undefined;
  if (metric === undefined) metrics.set(key, (metric = create()));
  return metric;
}

/** Records one `__temporal_metrics` sink call on `meter`. */
export function recordWorkflowMetric(meter: MetricMeter, fnName: string, args: unknown[]): void {
  if (meter === noopMetricMeter) return;
  switch (fnName) {
    case 'addMetricCounterValue': {
      const [name, unit, description, value, tags] = args as [string, string?, string?, number?, MetricTags?];
      metricOf(meter, `counter:${name}`, () => meter.createCounter(name, unit, description)).add(value ?? 0, tags);
      return;
    }
    case 'addMetricUpDownCounterValue': {
      const [name, unit, description, value, tags] = args as [string, string?, string?, number?, MetricTags?];
      if (!meter.createUpDownCounter) return;
      const create = meter.createUpDownCounter.bind(meter);
      metricOf(meter, `updown:${name}`, () => create(name, unit, description)).add(value ?? 0, tags);
      return;
    }
    case 'recordMetricHistogramValue': {
      const [name, valueType, unit, description, value, tags] = args as [
        string,
        'int' | 'float',
        string?,
        string?,
        number?,
        MetricTags?,
      ];
      const create = () => meter.createHistogram(name, valueType, unit, description);
      metricOf(meter, `histogram:${valueType}:${name}`, create).record(value ?? 0, tags);
      return;
    }
    case 'setMetricGaugeValue': {
      const [name, valueType, unit, description, value, tags] = args as [
        string,
        'int' | 'float',
        string?,
        string?,
        number?,
        MetricTags?,
      ];
      const create = () => meter.createGauge(name, valueType, unit, description);
      metricOf(meter, `gauge:${valueType}:${name}`, create).set(value ?? 0, tags);
      return;
    }
  }
}
