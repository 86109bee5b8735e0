/**
 * The activity executor, driven with hand-built core tasks (no server and no core involved): cancellation, the
 * official worker's conformance cases, and interceptors.
 */
import {
  cancellationDetails,
  cancellationSignal,
  cancelled,
  getClient,
  log,
  metricMeter,
  sleep,
} from '@kairos/activity';
import type { Client } from '@kairos/client';
import { ApplicationFailure, CancelledFailure, type MetricMeter, type MetricTags } from '@kairos/common';
import type { ActivityInterceptorsFactory } from '../src/activity-interceptors';
import { kairos } from '@kairos/proto';
import {
  toPayload,
  nextToken,
  startTask,
  cancelTask,
  harness,
  startRunning,
  completedValue,
  failureOf,
  SlowCodec,
} from './helpers/activity-executor';

const { ActivityCancelReason } = kairos.core.activity;

describe('ActivityExecutor', () => {
  describe('cancellation', () => {
    type Outcome = 'cancelled' | 'failed';
    // Every row has all five values: jest passes a `done` callback to a test function with more parameters.
    const cases: [keyof typeof ActivityCancelReason, string, string, Outcome, string | undefined][] = [
      ['ACTIVITY_CANCEL_REASON_CANCELLED', 'CANCELLED', 'cancelRequested', 'cancelled', undefined],
      ['ACTIVITY_CANCEL_REASON_NOT_FOUND', 'NOT_FOUND', 'notFound', 'cancelled', undefined],
      ['ACTIVITY_CANCEL_REASON_TIMED_OUT', 'TIMED_OUT', 'timedOut', 'cancelled', undefined],
      ['ACTIVITY_CANCEL_REASON_WORKER_SHUTDOWN', 'WORKER_SHUTDOWN', 'workerShutdown', 'cancelled', undefined],
      ['ACTIVITY_CANCEL_REASON_PAUSED', 'PAUSED', 'paused', 'failed', 'ActivityPause'],
      ['ACTIVITY_CANCEL_REASON_RESET', 'RESET', 'reset', 'failed', 'ActivityReset'],
    ];

    it.each(cases)(
      'a %s cancel rejects cancelled with CancelledFailure(%s), sets %s and reports the task %s',
      async (enumName, message, flag, outcome, failureType) => {
        const seen: { error?: unknown; signalReason?: unknown; details?: unknown } = {};
        const { executor } = harness({
          waitForCancel: async () => {
            const signal = cancellationSignal();
            try {
              await cancelled();
            } catch (err) {
              seen.error = err;
              seen.signalReason = signal.reason;
              seen.details = cancellationDetails();
              throw err;
            }
          },
        });
        const task = startTask('waitForCancel');
        const { completion: running } = await startRunning(executor, task);
        expect(await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason[enumName]))).toBeUndefined();
        const completion = await running;

        expect(seen.error).toBeInstanceOf(CancelledFailure);
        expect((seen.error as Error).message).toBe(message);
        expect(seen.signalReason).toBe(seen.error);
        const details = seen.details as Record<string, boolean>;
        const setFlags = Object.keys(details).filter((k) => details[k]);
        expect(setFlags).toEqual([flag]);

        expect(Object.keys(completion?.result ?? {})).toEqual([outcome]);
        if (outcome === 'cancelled') {
          const failure = completion?.result?.cancelled?.failure;
          expect(failure?.message).toBe(message);
          expect(failure?.canceledFailureInfo).toBeTruthy();
          expect(failure?.stackTrace).toBeUndefined();
        } else {
          expect(failureOf(completion).applicationFailureInfo?.type).toBe(failureType);
        }
      },
    );

    it('derives the details from the reason when the cancel task carries none', async () => {
      let details: unknown;
      const { executor } = harness({
        wait: async () => {
          await cancelled().catch((err) => {
            details = cancellationDetails();
            throw err;
          });
        },
      });
      const task = startTask('wait');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(
        cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_TIMED_OUT, false),
      );
      await running;
      expect(details).toMatchObject({ timedOut: true, cancelRequested: false });
    });

    it('interrupts sleep() with the cancellation', async () => {
      const { executor } = harness({ nap: () => sleep('1 hour') });
      const task = startTask('nap');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect((await running)?.result?.cancelled?.failure?.message).toBe('CANCELLED');
    });

    it('reports success when the activity completes despite the cancellation', async () => {
      const { executor } = harness({
        stubborn: async () => {
          await cancelled().catch(() => undefined);
          return 'finished anyway';
        },
      });
      const task = startTask('stubborn');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect(completedValue(await running)).toBe('finished anyway');
    });

    it('reports a failure when the activity throws another error after the cancellation', async () => {
      const { executor } = harness({
        cleanupFails: async () => {
          await cancelled().catch(() => undefined);
          throw new Error('cleanup failed');
        },
      });
      const task = startTask('cleanupFails');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect(failureOf(await running).message).toBe('cleanup failed');
    });

    it('reports an AbortError thrown after the cancellation as cancelled', async () => {
      const { executor } = harness({
        aborted: async () => {
          await cancelled().catch(() => undefined);
          throw new DOMException('The operation was aborted', 'AbortError');
        },
      });
      const task = startTask('aborted');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect((await running)?.result).toEqual({
        cancelled: { failure: { source: 'TypeScriptSDK', canceledFailureInfo: {} } },
      });
    });

    it('reports a CancelledFailure thrown without any cancellation request as a failure', async () => {
      const { executor } = harness({
        selfCancel: async () => {
          throw new CancelledFailure('by myself');
        },
      });
      const failure = failureOf(await executor.handleTask(startTask('selfCancel')));
      expect(failure.message).toBe('by myself');
    });

    it('applies a cancel that arrives while the arguments are still being decoded', async () => {
      let aborted: boolean | undefined;
      const { executor } = harness(
        {
          check: async () => {
            aborted = cancellationSignal().aborted;
            await cancelled();
          },
        },
        { payloadCodecs: [new SlowCodec(20)] },
      );
      const task = startTask('check', [1]);
      const running = executor.handleTask(task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect((await running)?.result?.cancelled).toBeTruthy();
      expect(aborted).toBe(true);
    });

    it('ignores a cancel for a token it does not know', async () => {
      const { executor, logger } = harness({});
      const result = await executor.handleTask(
        cancelTask(nextToken(), ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED),
      );
      expect(result).toBeUndefined();
      expect(logger.lines.map((l) => l.message)).toContain('Tried to cancel a non-existing activity');
    });

    it('only the first cancellation counts', async () => {
      const { executor } = harness({ wait: () => cancelled() });
      const task = startTask('wait');
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_RESET));
      expect((await running)?.result?.cancelled?.failure?.message).toBe('CANCELLED');
    });

    it('cancelAll cancels every running activity with WORKER_SHUTDOWN', async () => {
      const seen: unknown[] = [];
      const { executor } = harness({
        wait: async () => {
          await cancelled().catch((err) => {
            seen.push([err.message, cancellationDetails()?.workerShutdown]);
            throw err;
          });
        },
      });
      const running = [
        (await startRunning(executor, startTask('wait'))).completion,
        (await startRunning(executor, startTask('wait'))).completion,
      ];
      expect(executor.numRunning).toBe(2);
      executor.cancelAll('WORKER_SHUTDOWN');
      const completions = await Promise.all(running);
      expect(seen).toEqual([
        ['WORKER_SHUTDOWN', true],
        ['WORKER_SHUTDOWN', true],
      ]);
      expect(completions.map((c) => c?.result?.cancelled?.failure?.message)).toEqual([
        'WORKER_SHUTDOWN',
        'WORKER_SHUTDOWN',
      ]);
      expect(executor.numRunning).toBe(0);
    });

    it('aborts client calls made from the activity through the cancellation signal', async () => {
      const signals: AbortSignal[] = [];
      const client = {
        withAbortSignal: <R>(signal: AbortSignal, fn: () => Promise<R>) => {
          signals.push(signal);
          return fn();
        },
      } as unknown as Client;
      const { executor } = harness(
        {
          useClient: async () => {
            expect(getClient()).toBe(client);
            return cancellationSignal() === signals[0];
          },
        },
        { client },
      );
      expect(completedValue(await executor.handleTask(startTask('useClient')))).toBe(true);
    });

    it('throws a clear error from Context.client when the worker has no client', async () => {
      const { executor } = harness({ useClient: async () => getClient() });
      expect(failureOf(await executor.handleTask(startTask('useClient'))).message).toMatch(/No Client available/);
    });
  });

  describe('conformance with the official worker', () => {
    // The official activity runner (a test-only devDependency); it needs no native code.
    const official = {
      Activity: require('@temporalio/worker/lib/activity').Activity,
      activity: require('@temporalio/activity'),
      common: require('@temporalio/common'),
    };

    type Behaviour =
      'rethrows the CancelledFailure' | 'returns normally' | 'throws another error' | 'throws an AbortError';
    const behaviours: Behaviour[] = [
      'rethrows the CancelledFailure',
      'returns normally',
      'throws another error',
      'throws an AbortError',
    ];
    const reasons = ['CANCELLED', 'NOT_FOUND', 'TIMED_OUT', 'WORKER_SHUTDOWN', 'PAUSED', 'RESET'] as const;
    const protoFlag = {
      CANCELLED: 'isCancelled',
      NOT_FOUND: 'isNotFound',
      TIMED_OUT: 'isTimedOut',
      WORKER_SHUTDOWN: 'isWorkerShutdown',
      PAUSED: 'isPaused',
      RESET: 'isReset',
    } as const;

    /** The activity body for a behaviour, given how to wait for the cancellation. */
    function body(behaviour: Behaviour, waitCancelled: () => Promise<never>): () => Promise<unknown> {
      return async () => {
        try {
          await waitCancelled();
        } catch (err) {
          if (behaviour === 'rethrows the CancelledFailure') throw err;
          if (behaviour === 'throws another error') throw new Error('cleanup failed');
          if (behaviour === 'throws an AbortError') throw new DOMException('aborted', 'AbortError');
        }
        return 'finished';
      };
    }

    /** A comparable summary: outcome, failure type and message. */
    function summarize(result: any): [string, string | undefined, string | undefined] {
      const [outcome] = Object.keys(result ?? {});
      const failure = result?.failed?.failure ?? result?.cancelled?.failure;
      return [outcome, failure?.applicationFailureInfo?.type ?? undefined, failure?.message || undefined];
    }

    async function runOfficial(behaviour: Behaviour, reason: (typeof reasons)[number]): Promise<unknown> {
      const noopLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
      const info = { ...officialInfo(), activityType: 'x' };
      const act = new official.Activity(
        info,
        body(behaviour, () => official.activity.Context.current().cancelled),
        {
          payloadConverter: official.common.defaultPayloadConverter,
          failureConverter: official.common.defaultFailureConverter,
          payloadCodecs: [],
        },
        { type: 'activity', namespace: 'default', isLocal: false },
        undefined,
        () => undefined,
        undefined,
        noopLogger,
        official.common.noopMetricMeter,
        [],
      );
      const result = act.run({ args: [], headers: {} });
      await new Promise((resolve) => setTimeout(resolve, 1));
      act.cancel(reason, official.common.ActivityCancellationDetails.fromProto({ [protoFlag[reason]]: true }));
      return summarize(await result);
    }

    async function runKairos(behaviour: Behaviour, reason: (typeof reasons)[number]): Promise<unknown> {
      const { executor } = harness({ x: body(behaviour, () => cancelled()) });
      const task = startTask('x');
      const { completion } = await startRunning(executor, task);
      const enumValue = ActivityCancelReason[`ACTIVITY_CANCEL_REASON_${reason}`];
      await executor.handleTask(cancelTask(task.taskToken, enumValue));
      return summarize((await completion)?.result);
    }

    const combinations = reasons.flatMap((reason) => behaviours.map((behaviour) => [reason, behaviour] as const));
    it.each(combinations)(
      'after a %s cancel, an activity that %s reports what the official worker reports',
      async (reason, behaviour) => {
        expect(await runKairos(behaviour, reason)).toEqual(await runOfficial(behaviour, reason));
      },
    );

    function officialInfo() {
      return {
        taskToken: new Uint8Array([1]),
        base64TaskToken: 'AQ==',
        activityId: '1',
        activityType: 'x',
        activityNamespace: 'default',
        attempt: 1,
        isLocal: false,
        workflowExecution: { workflowId: 'wf', runId: 'run' },
        workflowNamespace: 'default',
        workflowType: 'wf',
        scheduledTimestampMs: 0,
        scheduleToCloseTimeoutMs: 0,
        startToCloseTimeoutMs: 0,
        currentAttemptScheduledTimestampMs: 0,
        heartbeatDetails: undefined,
        taskQueue: 'tq',
        namespace: 'default',
        inWorkflow: true,
      };
    }
  });

  describe('interceptors', () => {
    it('wraps the activity with inbound execute interceptors, first factory outermost', async () => {
      const order: string[] = [];
      const factory =
        (name: string): ActivityInterceptorsFactory =>
        (ctx) => ({
          inbound: {
            async execute(input, next) {
              order.push(`${name}:${ctx.info.activityType}:${Object.keys(input.headers)}`);
              const result = await next({ ...input, args: [...input.args, name] });
              return `${name}(${result})`;
            },
          },
        });
      const { executor } = harness(
        { join: async (...parts: string[]) => parts.join('+') },
        { interceptors: [factory('outer'), factory('inner')] },
      );
      const task = startTask('join', ['x'], { headers: { traceId: toPayload('abc') } });
      expect(completedValue(await executor.handleTask(task))).toBe('outer(inner(x+outer+inner))');
      expect(order).toEqual(['outer:join:traceId', 'inner:join:traceId']);
    });

    it('lets an inbound interceptor see and replace a failure', async () => {
      const { executor } = harness(
        {
          fail: async () => {
            throw new Error('original');
          },
        },
        {
          interceptors: [
            () => ({
              inbound: {
                execute: (input, next) =>
                  next(input).catch((err) => {
                    throw ApplicationFailure.nonRetryable(`wrapped: ${err.message}`, 'Wrapped');
                  }),
              },
            }),
          ],
        },
      );
      const failure = failureOf(await executor.handleTask(startTask('fail')));
      expect(failure.message).toBe('wrapped: original');
      expect(failure.applicationFailureInfo).toMatchObject({ type: 'Wrapped', nonRetryable: true });
    });

    it('fails the task when an interceptor factory throws', async () => {
      const { executor } = harness(
        { ok: async () => 'never' },
        {
          interceptors: [
            () => {
              throw new Error('factory broke');
            },
          ],
        },
      );
      expect(failureOf(await executor.handleTask(startTask('ok'))).message).toBe('factory broke');
      expect(executor.numRunning).toBe(0);
    });

    it('adds activity attributes, outbound log attributes and sdkComponent to the activity logger', async () => {
      const { executor, logger } = harness(
        {
          chatty: async () => {
            log.info('hello from the activity', { extra: 1 });
          },
        },
        {
          interceptors: [
            () => ({
              outbound: {
                getLogAttributes: (input, next) => next({ ...input, tenant: 'acme' }),
              },
            }),
          ],
        },
      );
      const task = startTask('chatty');
      await executor.handleTask(task);
      const line = logger.lines.find((l) => l.message === 'hello from the activity');
      expect(line?.level).toBe('INFO');
      expect(line?.meta).toEqual({
        sdkComponent: 'activity',
        isLocal: false,
        attempt: 1,
        namespace: 'default',
        taskToken: Buffer.from(task.taskToken).toString('base64'),
        activityId: '1',
        activityType: 'chatty',
        taskQueue: 'tq',
        workflowId: 'wf-1',
        workflowRunId: 'run-1',
        workflowType: 'parentWorkflow',
        tenant: 'acme',
        extra: 1,
      });
      // The executor's own messages carry the attributes too, but not sdkComponent 'activity'.
      const started = logger.lines.find((l) => l.message === 'Activity started');
      expect(started?.meta).toMatchObject({ activityType: 'chatty', tenant: 'acme' });
      expect(started?.meta?.sdkComponent).toBeUndefined();
    });

    it('adds activity tags and outbound metric tags to the activity metric meter', async () => {
      const recorded: [string, number, MetricTags][] = [];
      const meter: MetricMeter = {
        createCounter: (name) => ({
          name,
          kind: 'counter',
          valueType: 'int',
          add: (value: number, tags: MetricTags = {}) => recorded.push([name, value, tags]),
          withTags: () => {
            throw new Error('not used');
          },
        }),
        createHistogram: () => {
          throw new Error('not used');
        },
        createGauge: () => {
          throw new Error('not used');
        },
        withTags: () => meter,
      };
      const { executor } = harness(
        { count: async () => metricMeter.createCounter('widgets').add(3, { color: 'red' }) },
        {
          metricMeter: meter,
          interceptors: [() => ({ outbound: { getMetricTags: (input, next) => next({ ...input, tenant: 'acme' }) } })],
        },
      );
      await executor.handleTask(startTask('count'));
      expect(recorded).toEqual([
        ['widgets', 3, { namespace: 'default', taskQueue: 'tq', activityType: 'count', tenant: 'acme', color: 'red' }],
      ]);
    });
  });
});
