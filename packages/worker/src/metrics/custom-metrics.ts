/**
 * Custom metrics: what workflows (through the `__temporal_metrics` sink), activities (`Context.metricMeter`) and
 * application code (`Runtime.instance().metricMeter`) record. They are kept in memory per series and exported
 * next to the core's metrics.
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
  NumericMetricValueType,
} from '@kairos/common';
import { type MetricSeries, seriesKey, type SeriesKind } from './metric-series';

/** Default histogram bounds of custom histograms (those of OpenTelemetry's explicit-bucket histograms). */
export const DEFAULT_HISTOGRAM_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

type InstrumentKind = 'counter' | 'up-down-counter' | 'gauge' | 'histogram';

interface Instrument {
  name: string;
  kind: InstrumentKind;
  valueType: NumericMetricValueType;
  unit?: string;
  description?: string;
  bounds: number[];
  series: Map<string, MetricSeries>;
}

function labelsOf(tags: MetricTags | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (value !== undefined && value !== null) labels[key] = String(value);
  }
  return labels;
}

/** Every custom metric, by name. A name is one instrument: recreating it with another kind throws. */
export class CustomMetricRegistry {
  private readonly instruments = new Map<string, Instrument>();

  constructor(private readonly bucketOverrides: Record<string, number[]> = {}) {}

  instrument(
    name: string,
    kind: InstrumentKind,
    valueType: NumericMetricValueType,
    unit?: string,
    description?: string,
  ): Instrument {
    const existing = this.instruments.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) {
        throw new TypeError(`Metric '${name}' was created as a ${existing.kind}; it cannot also be a ${kind}`);
      }
      return existing;
    }
    const bounds = [...(this.bucketOverrides[name] ?? DEFAULT_HISTOGRAM_BOUNDS)].sort((a, b) => a - b);
    const created: Instrument = { name, kind, valueType, unit, description, bounds, series: new Map() };
    this.instruments.set(name, created);
    return created;
  }

  /** The instrument of `name`, if one was created. */
  find(name: string): { kind: InstrumentKind } | undefined {
    return this.instruments.get(name);
  }

  private seriesOf(instrument: Instrument, tags: MetricTags | undefined): MetricSeries {
    const labels = labelsOf(tags);
    const key = seriesKey(instrument.name, labels);
    let series = instrument.series.get(key);
    if (series === undefined) {
      const kind: SeriesKind =
        instrument.kind === 'counter' ? 'counter' : instrument.kind === 'histogram' ? 'histogram' : 'gauge';
      series = {
        name: instrument.name,
        kind,
        monotonic: instrument.kind === 'counter',
        description: instrument.description,
        unit: instrument.unit,
        labels,
        value: 0,
        count: 0,
        bucketBounds: kind === 'histogram' ? instrument.bounds : [],
        bucketCounts: kind === 'histogram' ? instrument.bounds.map(() => 0) : [],
      };
      instrument.series.set(key, series);
    }
    return series;
  }

  add(instrument: Instrument, value: number, tags: MetricTags | undefined): void {
    this.seriesOf(instrument, tags).value += value;
  }

  set(instrument: Instrument, value: number, tags: MetricTags | undefined): void {
    this.seriesOf(instrument, tags).value = value;
  }

  record(instrument: Instrument, value: number, tags: MetricTags | undefined): void {
    const series = this.seriesOf(instrument, tags);
    series.value += value;
    series.count++;
    const bounds = series.bucketBounds;
    for (let i = bounds.length - 1; i >= 0 && value <= bounds[i]; i--) series.bucketCounts[i]++;
  }

  /** A copy of every series. */
  snapshot(): MetricSeries[] {
    const out: MetricSeries[] = [];
    for (const instrument of this.instruments.values()) {
      for (const series of instrument.series.values()) out.push({ ...series, bucketCounts: [...series.bucketCounts] });
    }
    return out;
  }
}

function checkNonNegative(kind: string, name: string, value: number): void {
  if (value < 0) throw new Error(`${kind} '${name}' only accepts non-negative values (got ${value})`);
}

function roundIfInt(valueType: NumericMetricValueType, value: number): number {
  return valueType === 'int' ? Math.round(value) : value;
}

/**
 * The meter behind `Runtime.metricMeter` when metrics are exported: metrics it creates record into a
 * {@link CustomMetricRegistry}. `withTags` and the per-call tags give the series' labels.
 */
export class RuntimeMetricMeter implements MetricMeter {
  constructor(
    private readonly registry: CustomMetricRegistry,
    private readonly tags: MetricTags = {},
  ) {}

  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    const instrument = this.registry.instrument(name, 'counter', 'int', unit, description);
    const registry = this.registry;
    const make = (tags: MetricTags): MetricCounter => ({
      name,
      unit,
      description,
      kind: 'counter',
      valueType: 'int',
      add(value, extraTags) {
        checkNonNegative('MetricCounter', name, value);
        registry.add(instrument, Math.round(value), { ...tags, ...extraTags });
      },
      withTags: (more) => make({ ...tags, ...more }),
    });
    return make(this.tags);
  }

  createUpDownCounter(name: string, unit?: string, description?: string): MetricUpDownCounter {
    const instrument = this.registry.instrument(name, 'up-down-counter', 'int', unit, description);
    const registry = this.registry;
    const make = (tags: MetricTags): MetricUpDownCounter => ({
      name,
      unit,
      description,
      kind: 'up-down-counter',
      valueType: 'int',
      add(value, extraTags) {
        registry.add(instrument, Math.round(value), { ...tags, ...extraTags });
      },
      withTags: (more) => make({ ...tags, ...more }),
    });
    return make(this.tags);
  }

  createHistogram(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricHistogram {
    const instrument = this.registry.instrument(name, 'histogram', valueType, unit, description);
    const registry = this.registry;
    const make = (tags: MetricTags): MetricHistogram => ({
      name,
      unit,
      description,
      kind: 'histogram',
      valueType,
      record(value, extraTags) {
        checkNonNegative('MetricHistogram', name, value);
        registry.record(instrument, roundIfInt(valueType, value), { ...tags, ...extraTags });
      },
      withTags: (more) => make({ ...tags, ...more }),
    });
    return make(this.tags);
  }

  createGauge(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricGauge {
    const instrument = this.registry.instrument(name, 'gauge', valueType, unit, description);
    const registry = this.registry;
    const make = (tags: MetricTags): MetricGauge => ({
      name,
      unit,
      description,
      kind: 'gauge',
      valueType,
      set(value, extraTags) {
        registry.set(instrument, roundIfInt(valueType, value), { ...tags, ...extraTags });
      },
      withTags: (more) => make({ ...tags, ...more }),
    });
    return make(this.tags);
  }

  withTags(tags: MetricTags): MetricMeter {
    return new RuntimeMetricMeter(this.registry, { ...this.tags, ...tags });
  }
}
