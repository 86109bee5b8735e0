import { appendContributor, type Contributor, resolveContributors } from './internal/contributor-chain';

/**
 * Factory of metrics (counters, histograms, gauges) on which values are recorded.
 *
 * @experimental
 */
export interface MetricMeter {
  /** Creates a counter (values only go up). */
  createCounter(name: string, unit?: string, description?: string): MetricCounter;

  /**
   * Creates a histogram.
   *
   * @param valueType the type of the recorded values; default `'int'`.
   */
  createHistogram(
    name: string,
    valueType?: NumericMetricValueType,
    unit?: string,
    description?: string,
  ): MetricHistogram;

  /**
   * Creates a gauge (values are set).
   *
   * @param valueType the type of the values; default `'int'`.
   */
  createGauge(name: string, valueType?: NumericMetricValueType, unit?: string, description?: string): MetricGauge;

  /** Creates a counter that also accepts negative values. Not every meter supports it. */
  createUpDownCounter?(name: string, unit?: string, description?: string): MetricUpDownCounter;

  /** A meter adding `tags` to every metric it creates. */
  withTags(tags: MetricTags): MetricMeter;
}

/**
 * What all metrics have in common.
 *
 * @experimental
 */
export interface Metric {
  /** The metric name. */
  name: string;
  /** The unit, if any. */
  unit?: string;
  /** The description, if any. */
  description?: string;
  /** The kind of metric. */
  kind: MetricKind;
  /** Whether values are integers or floats. */
  valueType: NumericMetricValueType;
}

/**
 * Tags (attributes) attached to metric values.
 *
 * @experimental
 */
export type MetricTags = Record<string, string | number | boolean>;

/**
 * Whether a metric is configured for integer or float values (both are JavaScript numbers).
 *
 * @experimental
 */
export type NumericMetricValueType = 'int' | 'float';

/**
 * The kind of a metric.
 *
 * @experimental
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge' | 'up-down-counter';

/**
 * A counter.
 *
 * @experimental
 */
export interface MetricCounter extends Metric {
  /** Adds `value` (non-negative), with `extraTags` on top of the counter's tags. */
  add(value: number, extraTags?: MetricTags): void;
  /** A counter adding `tags` to every value. */
  withTags(tags: MetricTags): MetricCounter;
  /** Always `'counter'`. */
  kind: 'counter';
  /** Always `'int'`. */
  valueType: 'int';
}

/**
 * A histogram.
 *
 * @experimental
 */
export interface MetricHistogram extends Metric {
  /** Records `value` (non-negative; rounded if the histogram is `int`), with `extraTags` on top of its tags. */
  record(value: number, extraTags?: MetricTags): void;
  /** A histogram adding `tags` to every value. */
  withTags(tags: MetricTags): MetricHistogram;
  /** Always `'histogram'`. */
  kind: 'histogram';
}

/**
 * A gauge.
 *
 * @experimental
 */
export interface MetricGauge extends Metric {
  /** Sets the gauge to `value`, with `extraTags` on top of its tags. */
  set(value: number, extraTags?: MetricTags): void;
  /** A gauge adding `tags` to every value. */
  withTags(tags: MetricTags): MetricGauge;
  /** Always `'gauge'`. */
  kind: 'gauge';
}

/**
 * A counter that accepts negative values.
 *
 * @experimental
 */
export interface MetricUpDownCounter extends Metric {
  /** Adds `value` (may be negative), with `extraTags` on top of the counter's tags. */
  add(value: number, extraTags?: MetricTags): void;
  /** A counter adding `tags` to every value. */
  withTags(tags: MetricTags): MetricUpDownCounter;
  /** Always `'up-down-counter'`. */
  kind: 'up-down-counter';
  /** Always `'int'`. */
  valueType: 'int';
}

/** `withTags` of the no-op metrics: tags change nothing, so the metric it is called on is returned. */
function sameMetric<M>(this: M, _tags: MetricTags): M {
  return this;
}

/** The recording method of the no-op metrics. */
function discard(_value: number, _extraTags?: MetricTags): void {
  // Nothing is recorded.
}

/** `'int'` unless a value type was given. */
function intUnlessGiven(valueType: NumericMetricValueType | undefined): NumericMetricValueType {
  return valueType === undefined ? 'int' : valueType;
}

/** The descriptive fields every metric carries. */
type MetricLabel = Pick<Metric, 'name' | 'unit' | 'description'>;

/** Hands out metrics that accept values and drop them. */
class NoopMetricMeter implements MetricMeter {
  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    const label: MetricLabel = { name, unit, description };
    return { ...label, kind: 'counter', valueType: 'int', add: discard, withTags: sameMetric };
  }

  createHistogram(
    name: string,
    valueType?: NumericMetricValueType,
    unit?: string,
    description?: string,
  ): MetricHistogram {
    const label: MetricLabel = { name, unit, description };
    return { ...label, kind: 'histogram', valueType: intUnlessGiven(valueType), record: discard, withTags: sameMetric };
  }

  createGauge(name: string, valueType?: NumericMetricValueType, unit?: string, description?: string): MetricGauge {
    const label: MetricLabel = { name, unit, description };
    return { ...label, kind: 'gauge', valueType: intUnlessGiven(valueType), set: discard, withTags: sameMetric };
  }

  createUpDownCounter(name: string, unit?: string, description?: string): MetricUpDownCounter {
    const label: MetricLabel = { name, unit, description };
    return { ...label, kind: 'up-down-counter', valueType: 'int', add: discard, withTags: sameMetric };
  }

  withTags(_tags: MetricTags): MetricMeter {
    // Tags would be dropped along with the values anyway.
    return this;
  }
}

/** The meter used when metrics are not configured: every metric it creates ignores what is recorded. */
export const noopMetricMeter: NoopMetricMeter = new NoopMetricMeter();

/**
 * Tags, or a function computing them each time a value is recorded.
 *
 * @experimental
 */
export type MetricTagsOrFunc = MetricTags | (() => MetricTags);

type TagChain = readonly Contributor<MetricTags>[];

/**
 * A meter that adds tags to every value before passing it to a parent meter.
 *
 * @experimental
 * @internal
 * @hidden
 */
export class MetricMeterWithComposedTags implements MetricMeter {
  /**
   * A meter adding `tagsOrFunc` (static tags, or a function evaluated at each record) to `meter`'s values. Returns
   * `meter` itself when there is nothing to add unless `force` is set, which is useful to give tag support to a
   * meter that has none. Nested compositions are flattened.
   */
  public static compose(meter: MetricMeter, tagsOrFunc: MetricTagsOrFunc, force = false): MetricMeter {
    const [parent, chain] =
      meter instanceof MetricMeterWithComposedTags ? [meter.parentMeter, meter.contributors] : [meter, []];
    const contributors = appendContributor(chain, tagsOrFunc);
    if (contributors === undefined && !force) return meter;
    return new MetricMeterWithComposedTags(parent, contributors ?? chain);
  }

  private constructor(
    private readonly parentMeter: MetricMeter,
    private readonly contributors: TagChain,
  ) {}

  /** Creates a counter on the parent meter that gets the composed tags. */
  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    return new CounterWithComposedTags(this.parentMeter.createCounter(name, unit, description), this.contributors);
  }

  /** Creates a histogram on the parent meter that gets the composed tags (value type `'int'` by default). */
  createHistogram(
    name: string,
    valueType?: NumericMetricValueType,
    unit?: string,
    description?: string,
  ): MetricHistogram {
    const inner = this.parentMeter.createHistogram(name, intUnlessGiven(valueType), unit, description);
    return new HistogramWithComposedTags(inner, this.contributors);
  }

  /** Creates a gauge on the parent meter that gets the composed tags (value type `'int'` by default). */
  createGauge(name: string, valueType?: NumericMetricValueType, unit?: string, description?: string): MetricGauge {
    const inner = this.parentMeter.createGauge(name, intUnlessGiven(valueType), unit, description);
    return new GaugeWithComposedTags(inner, this.contributors);
  }

  /**
   * Creates an up-down counter on the parent meter that gets the composed tags.
   *
   * @throws `Error` when the parent meter has no `createUpDownCounter` (it is optional in {@link MetricMeter}).
   */
  createUpDownCounter(name: string, unit?: string, description?: string): MetricUpDownCounter {
    const parent = this.parentMeter;
    const create = parent.createUpDownCounter;
    if (!create) throw new Error('createUpDownCounter is not supported by the underlying meter');
    return new UpDownCounterWithComposedTags(create.call(parent, name, unit, description), this.contributors);
  }

  /** A meter with `tags` added to the composed ones. */
  withTags(tags: MetricTags): MetricMeter {
    return MetricMeterWithComposedTags.compose(this, tags);
  }
}

abstract class MetricWithComposedTags<M extends Metric> {
  constructor(
    protected readonly parent: M,
    protected readonly contributors: TagChain,
  ) {}

  get name(): string {
    return this.parent.name;
  }

  get unit(): string | undefined {
    return this.parent.unit;
  }

  get description(): string | undefined {
    return this.parent.description;
  }

  get valueType(): M['valueType'] {
    return this.parent.valueType;
  }

  protected tags(extraTags: MetricTags | undefined): MetricTags {
    return resolveContributors(this.contributors, extraTags);
  }

  /** The chain with `extraTags` appended, or `undefined` when it would not change. */
  protected chainWith(extraTags: MetricTags): TagChain | undefined {
    return appendContributor(this.contributors, extraTags);
  }
}

class CounterWithComposedTags extends MetricWithComposedTags<MetricCounter> implements MetricCounter {
  readonly kind = 'counter';
  override get valueType(): 'int' {
    return 'int';
  }

  add(value: number, extraTags?: MetricTags): void {
    this.parent.add(value, this.tags(extraTags));
  }

  withTags(extraTags: MetricTags): MetricCounter {
    const chain = this.chainWith(extraTags);
    return chain ? new CounterWithComposedTags(this.parent, chain) : this;
  }
}

class HistogramWithComposedTags extends MetricWithComposedTags<MetricHistogram> implements MetricHistogram {
  readonly kind = 'histogram';

  record(value: number, extraTags?: MetricTags): void {
    this.parent.record(value, this.tags(extraTags));
  }

  withTags(extraTags: MetricTags): MetricHistogram {
    const chain = this.chainWith(extraTags);
    return chain ? new HistogramWithComposedTags(this.parent, chain) : this;
  }
}

class GaugeWithComposedTags extends MetricWithComposedTags<MetricGauge> implements MetricGauge {
  readonly kind = 'gauge';

  set(value: number, extraTags?: MetricTags): void {
    this.parent.set(value, this.tags(extraTags));
  }

  withTags(extraTags: MetricTags): MetricGauge {
    const chain = this.chainWith(extraTags);
    return chain ? new GaugeWithComposedTags(this.parent, chain) : this;
  }
}

class UpDownCounterWithComposedTags extends MetricWithComposedTags<MetricUpDownCounter> implements MetricUpDownCounter {
  readonly kind = 'up-down-counter';
  override get valueType(): 'int' {
    return 'int';
  }

  add(value: number, extraTags?: MetricTags): void {
    this.parent.add(value, this.tags(extraTags));
  }

  withTags(extraTags: MetricTags): MetricUpDownCounter {
    const chain = this.chainWith(extraTags);
    return chain ? new UpDownCounterWithComposedTags(this.parent, chain) : this;
  }
}
