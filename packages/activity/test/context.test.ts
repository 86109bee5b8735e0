import type { Client } from '@kairos/client';
import {
  ActivityCancellationDetails,
  CancelledFailure,
  IllegalStateError,
  isActivityFunctionWithOptions,
  type MetricMeter,
} from '@kairos/common';
import {
  activityInfo,
  asyncLocalStorage,
  cancellationDetails,
  cancellationSignal,
  cancelled,
  Context,
  getClient,
  heartbeat,
  log,
  metricMeter,
  setActivityOptions,
  sleep,
} from '../src';
import { makeTestContext, sampleInfo } from './helpers/test-context';

describe('outside an activity', () => {
  it('Context.current() throws an IllegalStateError that says where it works', () => {
    expect(() => Context.current()).toThrow(IllegalStateError);
    expect(() => Context.current()).toThrow(/Activity context not initialized/);
  });

  it('every shortcut function throws the same error', () => {
    const calls: [string, () => unknown][] = [
      ['activityInfo', () => activityInfo()],
      ['heartbeat', () => heartbeat(1)],
      ['sleep', () => sleep(1)],
      ['cancelled', () => cancelled()],
      ['cancellationSignal', () => cancellationSignal()],
      ['cancellationDetails', () => cancellationDetails()],
      ['getClient', () => getClient()],
      ['log.info', () => log.info('hello')],
      ['metricMeter.createCounter', () => metricMeter.createCounter('c')],
    ];
    for (const [name, call] of calls) {
      let thrown: unknown;
      try {
        call();
      } catch (err) {
        thrown = err;
      }
      expect([name, thrown]).toEqual([name, expect.any(IllegalStateError)]);
    }
  });
});

describe('inside an activity', () => {
  it('Context.current() returns the context through awaits, timers and callbacks', async () => {
    const { context } = makeTestContext();
    const seen = await asyncLocalStorage.run(context, async () => {
      const direct = Context.current();
      await Promise.resolve();
      const afterAwait = Context.current();
      const inTimer = await new Promise<Context>((resolve) => setTimeout(() => resolve(Context.current()), 1));
      return [direct, afterAwait, inTimer];
    });
    expect(seen).toEqual([context, context, context]);
  });

  it('activityInfo() returns the info the worker built', () => {
    const { context } = makeTestContext({ info: { attempt: 3, heartbeatDetails: { step: 7 } } });
    const info = asyncLocalStorage.run(context, () => activityInfo());
    expect(info).toEqual({ ...sampleInfo, attempt: 3, heartbeatDetails: { step: 7 } });
  });

  it('heartbeat() passes its details to the worker, from the method and from the shortcut', () => {
    const { context, heartbeats } = makeTestContext();
    asyncLocalStorage.run(context, () => {
      heartbeat({ progress: 1 });
      heartbeat();
    });
    // The method is an own arrow function, so it works when detached from the context.
    const { heartbeat: detached } = context;
    detached('detached');
    expect(heartbeats).toEqual([{ progress: 1 }, undefined, 'detached']);
  });

  it('log writes to the context logger', () => {
    const { context, logger } = makeTestContext();
    asyncLocalStorage.run(context, () => {
      log.info('hello', { a: 1 });
      log.log('WARN', 'careful');
      log.error('bad');
    });
    expect(logger.lines).toEqual([
      { level: 'INFO', message: 'hello', meta: { a: 1 } },
      { level: 'WARN', message: 'careful', meta: undefined },
      { level: 'ERROR', message: 'bad', meta: undefined },
    ]);
  });

  it('log follows a logger replaced while the activity runs', () => {
    const { context, logger } = makeTestContext();
    const replacement = makeTestContext().logger;
    asyncLocalStorage.run(context, () => {
      log.info('first');
      context.log = replacement;
      log.info('second');
    });
    expect(logger.lines.map((l) => l.message)).toEqual(['first']);
    expect(replacement.lines.map((l) => l.message)).toEqual(['second']);
  });

  it('metricMeter creates metrics on the context meter', () => {
    const created: string[] = [];
    const fake = {
      createCounter: (name: string) => (created.push(`counter:${name}`), { name }),
      createHistogram: (name: string, valueType?: string) => (created.push(`histogram:${name}:${valueType}`), { name }),
      createGauge: (name: string, valueType?: string) => (created.push(`gauge:${name}:${valueType}`), { name }),
      withTags: () => fake,
    } as unknown as MetricMeter;
    const { context } = makeTestContext({ metricMeter: fake });
    asyncLocalStorage.run(context, () => {
      metricMeter.createCounter('c');
      metricMeter.createHistogram('h');
      metricMeter.createGauge('g', 'float');
      expect(metricMeter.withTags({ a: 1 })).toBe(fake);
      expect(() => metricMeter.createUpDownCounter?.('u')).toThrow(/up-down counters/);
    });
    expect(created).toEqual(['counter:c', 'histogram:h:int', 'gauge:g:float']);
  });

  it('client throws an IllegalStateError without a client and returns the one it was given', () => {
    const without = makeTestContext().context;
    expect(() => without.client).toThrow(IllegalStateError);
    expect(() => without.client).toThrow(/No Client available/);
    const client = { workflow: {} } as unknown as Client;
    const { context } = makeTestContext({ client });
    expect(context.client).toBe(client);
    expect(asyncLocalStorage.run(context, () => getClient())).toBe(client);
  });
});

describe('cancellation', () => {
  it('cancelled rejects with the CancelledFailure and the signal aborts with it', async () => {
    const { context, cancel } = makeTestContext();
    const [promise, signal] = asyncLocalStorage.run(context, () => [cancelled(), cancellationSignal()] as const);
    expect(signal.aborted).toBe(false);
    const onAbort = jest.fn();
    signal.addEventListener('abort', onAbort);
    cancel('CANCELLED');
    await expect(promise).rejects.toBeInstanceOf(CancelledFailure);
    await expect(promise).rejects.toThrow('CANCELLED');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CancelledFailure);
    expect(onAbort).toHaveBeenCalledTimes(1);
  });

  it('cancellationDetails is undefined until cancelled, then shows the reason', () => {
    const { context, cancel } = makeTestContext();
    expect(context.cancellationDetails).toBeUndefined();
    cancel('PAUSED', new ActivityCancellationDetails({ paused: true }));
    const details = asyncLocalStorage.run(context, () => cancellationDetails());
    expect(details).toBeInstanceOf(ActivityCancellationDetails);
    expect(details).toMatchObject({ paused: true, cancelRequested: false, timedOut: false });
  });

  it('sleep() resolves after the delay, given in milliseconds or as a duration string', async () => {
    const { context } = makeTestContext();
    const started = Date.now();
    await asyncLocalStorage.run(context, async () => {
      await sleep(20);
      await context.sleep('20ms');
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('sleep() rejects with the CancelledFailure as soon as the activity is cancelled', async () => {
    const { context, cancel } = makeTestContext();
    const sleeping = asyncLocalStorage.run(context, () => sleep('1 hour'));
    setTimeout(() => cancel('TIMED_OUT'), 5);
    await expect(sleeping).rejects.toThrow(CancelledFailure);
    await expect(sleeping).rejects.toThrow('TIMED_OUT');
  });

  it('sleep() clears its timer when cancelled, so nothing keeps the process alive', async () => {
    jest.useFakeTimers();
    try {
      const { context, cancel } = makeTestContext();
      const sleeping = context.sleep(60_000);
      expect(jest.getTimerCount()).toBe(1);
      cancel();
      await expect(sleeping).rejects.toThrow(CancelledFailure);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sleep() called after cancellation rejects at once', async () => {
    const { context, cancel } = makeTestContext();
    cancel();
    await expect(context.sleep(60_000)).rejects.toThrow(CancelledFailure);
  });

  it('sleep() rejects an invalid duration string', async () => {
    const { context } = makeTestContext();
    await expect(context.sleep('soon' as never)).rejects.toThrow(/Invalid duration/);
  });
});

describe('setActivityOptions', () => {
  it('attaches definition options that the worker recognises', () => {
    async function greet(name: string): Promise<string> {
      return `hello ${name}`;
    }
    const typeInfo = { inputTypes: [], outputType: undefined };
    setActivityOptions({ typeInfo }, greet);
    expect(isActivityFunctionWithOptions(greet)).toBe(true);
    expect((greet as unknown as { activityDefinitionOptions: unknown }).activityDefinitionOptions).toEqual({
      typeInfo,
    });
  });
});

describe('context storage', () => {
  it('lives on a registered symbol of globalThis, shared by every copy of the package', () => {
    const key = Symbol.for('__kairos_activity_context_storage__');
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(asyncLocalStorage);
    let secondCopy: typeof import('../src') | undefined;
    jest.isolateModules(() => {
      secondCopy = require('../src');
    });
    expect(secondCopy?.Context).not.toBe(Context);
    expect(secondCopy?.asyncLocalStorage).toBe(asyncLocalStorage);
    const { context } = makeTestContext();
    expect(asyncLocalStorage.run(context, () => secondCopy?.activityInfo())).toBe(context.info);
  });
});
