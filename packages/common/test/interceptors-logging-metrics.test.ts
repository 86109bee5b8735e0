import {
  type Logger,
  LoggerWithComposedMetadata,
  type LogLevel,
  type LogMetadata,
  type MetricMeter,
  MetricMeterWithComposedTags,
  type MetricTags,
  type Next,
  noopMetricMeter,
} from '../src';
import { composeInterceptors, composeInterceptorsWith } from '../src/interceptors';

interface Interceptor {
  execute?(input: { value: string }, next: Next<Interceptor, 'execute'>): Promise<string>;
}

describe('composeInterceptors', () => {
  test('calls interceptors from first to last, then the original function', async () => {
    const calls: string[] = [];
    const tagging = (name: string): Interceptor => ({
      async execute(input, next) {
        calls.push(`before ${name}`);
        const result = await next({ value: `${input.value}>${name}` });
        calls.push(`after ${name}`);
        return `${result}<${name}`;
      },
    });
    const composed = composeInterceptors([tagging('a'), {}, tagging('b')], 'execute', async (input) => {
      calls.push(`original ${input.value}`);
      return 'result';
    });
    expect(await composed({ value: 'in' })).toBe('result<b<a');
    expect(calls).toEqual(['before a', 'before b', 'original in>a>b', 'after b', 'after a']);
  });

  test('calls interceptor methods with the interceptor as this', async () => {
    class Prefixer implements Interceptor {
      prefix = 'p:';
      async execute(input: { value: string }, next: Next<Interceptor, 'execute'>): Promise<string> {
        return next({ value: this.prefix + input.value });
      }
    }
    const composed = composeInterceptors([new Prefixer()], 'execute', async ({ value }) => value);
    expect(await composed({ value: 'x' })).toBe('p:x');
  });

  test('returns the original function when no interceptor has the method', () => {
    const original = async (): Promise<string> => 'x';
    expect(composeInterceptors<Interceptor, 'execute'>([{}, {}], 'execute', original)).toBe(original);
  });

  test('composeInterceptorsWith wraps every next function', async () => {
    const wrapped: number[] = [];
    const interceptor: Interceptor = { execute: (input, next) => next(input) };
    const composed = composeInterceptorsWith(
      [interceptor, interceptor],
      'execute',
      async ({ value }) => value,
      (next) => {
        wrapped.push(wrapped.length);
        return next;
      },
    );
    expect(await composed({ value: 'v' })).toBe('v');
    expect(wrapped).toEqual([0, 1]);
  });
});

class RecordingLogger implements Logger {
  readonly entries: [LogLevel, string, LogMetadata | undefined][] = [];
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.entries.push([level, message, meta]);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

describe('LoggerWithComposedMetadata', () => {
  test('adds static and computed metadata, with per-call metadata last and nullish values dropped', () => {
    const parent = new RecordingLogger();
    let counter = 0;
    const logger = LoggerWithComposedMetadata.compose(
      LoggerWithComposedMetadata.compose(parent, { sdkComponent: 'worker', taskQueue: 'q' }),
      () => ({ counter: ++counter, dropped: undefined }),
    );
    logger.info('first', { taskQueue: 'override', extra: null });
    logger.error('second');
    logger.log('WARN', 'third');
    logger.trace('t');
    logger.debug('d');
    logger.warn('w');
    expect(parent.entries.slice(0, 3)).toEqual([
      ['INFO', 'first', { sdkComponent: 'worker', taskQueue: 'override', counter: 1 }],
      ['ERROR', 'second', { sdkComponent: 'worker', taskQueue: 'q', counter: 2 }],
      ['WARN', 'third', { sdkComponent: 'worker', taskQueue: 'q', counter: 3 }],
    ]);
    expect(parent.entries.map(([level]) => level).slice(3)).toEqual(['TRACE', 'DEBUG', 'WARN']);
  });

  test('returns the same logger when there is nothing to add and flattens nested compositions', () => {
    const parent = new RecordingLogger();
    expect(LoggerWithComposedMetadata.compose(parent, {})).toBe(parent);
    const once = LoggerWithComposedMetadata.compose(parent, { a: 1 });
    expect(LoggerWithComposedMetadata.compose(once, { a: 1 })).toBe(once);
    const twice = LoggerWithComposedMetadata.compose(once, { b: 2 });
    twice.info('m');
    expect(parent.entries).toEqual([['INFO', 'm', { a: 1, b: 2 }]]);
    expect((twice as unknown as { parentLogger: Logger }).parentLogger).toBe(parent);
  });
});

describe('metrics', () => {
  test('the no-op meter creates metrics that accept values and tags', () => {
    const counter = noopMetricMeter.createCounter('c', 'unit', 'desc');
    expect(counter).toMatchObject({ name: 'c', unit: 'unit', description: 'desc', kind: 'counter', valueType: 'int' });
    counter.add(1);
    expect(counter.withTags({ a: 1 })).toBe(counter);
    expect(noopMetricMeter.createHistogram('h', 'float')).toMatchObject({ kind: 'histogram', valueType: 'float' });
    expect(noopMetricMeter.createGauge('g')).toMatchObject({ kind: 'gauge', valueType: 'int' });
    expect(noopMetricMeter.createUpDownCounter('u')).toMatchObject({ kind: 'up-down-counter' });
    expect(noopMetricMeter.withTags({ x: 'y' })).toBe(noopMetricMeter);
  });

  function recordingMeter(): { meter: MetricMeter; records: [string, number, MetricTags | undefined][] } {
    const records: [string, number, MetricTags | undefined][] = [];
    const meter: MetricMeter = {
      createCounter: (name) => ({ ...noopMetricMeter.createCounter(name), add: (v, t) => records.push([name, v, t]) }),
      createHistogram: (name, valueType) => ({
        ...noopMetricMeter.createHistogram(name, valueType),
        record: (v, t) => records.push([name, v, t]),
      }),
      createGauge: (name, valueType) => ({
        ...noopMetricMeter.createGauge(name, valueType),
        set: (v, t) => records.push([name, v, t]),
      }),
      withTags: () => meter,
    };
    return { meter, records };
  }

  test('MetricMeterWithComposedTags adds its tags to every recorded value', () => {
    const { meter, records } = recordingMeter();
    let calls = 0;
    const composed = MetricMeterWithComposedTags.compose(meter, { namespace: 'default' }).withTags({ worker: 'w1' });
    const dynamic = MetricMeterWithComposedTags.compose(composed, () => ({ call: ++calls }));
    dynamic.createCounter('requests').add(1, { status: 'ok' });
    dynamic.createHistogram('latency', 'float').record(1.5);
    dynamic.createGauge('slots').withTags({ kind: 'activity' }).set(3);
    expect(records).toEqual([
      ['requests', 1, { namespace: 'default', worker: 'w1', call: 1, status: 'ok' }],
      ['latency', 1.5, { namespace: 'default', worker: 'w1', call: 2 }],
      ['slots', 3, { namespace: 'default', worker: 'w1', call: 3, kind: 'activity' }],
    ]);
    expect(dynamic.createHistogram('latency', 'float').valueType).toBe('float');
    expect(dynamic.createCounter('requests').name).toBe('requests');
  });

  test('compose returns the meter itself when there is nothing to add, unless forced', () => {
    const { meter } = recordingMeter();
    expect(MetricMeterWithComposedTags.compose(meter, {})).toBe(meter);
    expect(MetricMeterWithComposedTags.compose(meter, {}, true)).toBeInstanceOf(MetricMeterWithComposedTags);
  });

  test('up-down counters need support from the parent meter', () => {
    const { meter } = recordingMeter();
    const composed = MetricMeterWithComposedTags.compose(meter, { a: 1 });
    expect(() => composed.createUpDownCounter!('u')).toThrow(
      'createUpDownCounter is not supported by the underlying meter',
    );
    const supported = MetricMeterWithComposedTags.compose(noopMetricMeter, { a: 1 });
    expect(supported.createUpDownCounter!('u').kind).toBe('up-down-counter');
  });
});
