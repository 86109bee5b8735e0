/**
 * The activity executor, driven with hand-built core tasks: no server and no core involved.
 */
import {
  activityInfo,
  cancellationDetails,
  cancellationSignal,
  cancelled,
  CompleteAsyncError,
  Context,
  getClient,
  heartbeat,
  log,
  metricMeter,
  setActivityOptions,
  sleep,
} from '@kairos/activity';
import type { Client } from '@kairos/client';
import {
  ApplicationFailure,
  ApplicationFailureCategory,
  CancelledFailure,
  defaultFailureConverter,
  defaultPayloadConverter,
  noopMetricMeter,
  type LogLevel,
  type LogMetadata,
  type Logger,
  type MetricMeter,
  type MetricTags,
  type Payload,
  type PayloadCodec,
} from '@kairos/common';
import { encode as utf8, decode as fromUtf8 } from '@kairos/common/lib/encoding';
import { kairos, temporal } from '@kairos/proto';
import { ActivityExecutor, type ActivityExecutorOptions } from '../src/activity';
import type { ActivityInterceptorsFactory } from '../src/activity-interceptors';

type StartActivity = kairos.core.activity.IStartActivity;
type ActivityTaskCompletion = kairos.core.activity.IActivityTaskCompletion;
const { ActivityCancelReason } = kairos.core.activity;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

interface LogLine {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.lines.push({ level, message, meta });
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

/** A codec that wraps every payload into another one with encoding `binary/test-wrapped`. */
class WrappingCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => ({
      metadata: { encoding: utf8('binary/test-wrapped') },
      data: temporal.api.common.v1.Payload.encode(p).finish(),
    }));
  }
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (fromUtf8(p.metadata?.encoding ?? new Uint8Array()) !== 'binary/test-wrapped') return p;
      return temporal.api.common.v1.Payload.decode(p.data ?? new Uint8Array());
    });
  }
}

const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | null | undefined): unknown =>
  payload ? defaultPayloadConverter.fromPayload(payload) : undefined;

let tokenCounter = 0;
function nextToken(): Uint8Array {
  tokenCounter++;
  return new Uint8Array([7, tokenCounter & 0xff, (tokenCounter >> 8) & 0xff]);
}

function startTask(activityType: string, args: unknown[] = [], overrides: StartActivity = {}) {
  const taskToken = nextToken();
  const start: StartActivity = {
    workflowNamespace: 'default',
    workflowType: 'parentWorkflow',
    workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
    activityId: '1',
    activityType,
    headers: {},
    input: args.map(toPayload),
    heartbeatDetails: [],
    scheduledTime: { seconds: 1_700_000_000, nanos: 500_000_000 },
    currentAttemptScheduledTime: { seconds: 1_700_000_010, nanos: 0 },
    startedTime: { seconds: 1_700_000_011, nanos: 0 },
    attempt: 1,
    scheduleToCloseTimeout: { seconds: 60 },
    startToCloseTimeout: { seconds: 10 },
    heartbeatTimeout: { seconds: 2 },
    retryPolicy: {
      initialInterval: { seconds: 1 },
      backoffCoefficient: 2,
      maximumInterval: { seconds: 100 },
      maximumAttempts: 5,
      nonRetryableErrorTypes: ['Fatal'],
    },
    priority: { priorityKey: 2 },
    isLocal: false,
    taskQueue: 'tq',
    ...overrides,
  };
  return { taskToken, start };
}

function cancelTask(taskToken: Uint8Array, reason: kairos.core.activity.ActivityCancelReason, withDetails = true) {
  const flag = {
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_NOT_FOUND]: 'isNotFound',
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED]: 'isCancelled',
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_TIMED_OUT]: 'isTimedOut',
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_WORKER_SHUTDOWN]: 'isWorkerShutdown',
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_PAUSED]: 'isPaused',
    [ActivityCancelReason.ACTIVITY_CANCEL_REASON_RESET]: 'isReset',
  }[reason as number];
  return { taskToken, cancel: { reason, details: withDetails && flag ? { [flag]: true } : undefined } };
}

interface Harness {
  executor: ActivityExecutor;
  logger: RecordingLogger;
  heartbeats: { taskToken: Uint8Array; details: Payload[] }[];
  options: ActivityExecutorOptions;
}

function harness(
  activities: Record<string, (...args: any[]) => any>,
  overrides: Partial<ActivityExecutorOptions> = {},
): Harness {
  const logger = new RecordingLogger();
  const heartbeats: Harness['heartbeats'] = [];
  const options: ActivityExecutorOptions = {
    activities,
    namespace: 'default',
    taskQueue: 'tq',
    payloadConverter: defaultPayloadConverter,
    failureConverter: defaultFailureConverter,
    payloadCodecs: [],
    interceptors: [],
    logger,
    metricMeter: noopMetricMeter,
    recordHeartbeat: (taskToken, details) => heartbeats.push({ taskToken, details }),
    ...overrides,
  };
  const h = { executor: new ActivityExecutor(options), logger, heartbeats, options };
  harnesses.set(h.executor, h);
  return h;
}

const harnesses = new WeakMap<ActivityExecutor, Harness>();

/** Resolves once `predicate` holds, polling on the event loop. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Hands a start task to the executor and resolves once the activity function has been called (the executor logs
 * "Activity started" right before calling it), with the promise of the completion.
 */
async function startRunning(
  executor: ActivityExecutor,
  task: ReturnType<typeof startTask>,
): Promise<{ completion: Promise<ActivityTaskCompletion | undefined> }> {
  const h = harnesses.get(executor);
  if (h === undefined) throw new Error('startRunning needs an executor made by harness()');
  const completion = executor.handleTask(task);
  const token = Buffer.from(task.taskToken).toString('base64');
  await until(
    () => h.logger.lines.some((l) => l.message === 'Activity started' && l.meta?.taskToken === token),
    'the activity to start',
  );
  // Wrapped: an async function returning the promise itself would wait for the activity to finish.
  return { completion };
}

function completedValue(completion: ActivityTaskCompletion | undefined): unknown {
  const payload = completion?.result?.completed?.result;
  if (!payload) throw new Error(`Expected a completed result, got ${JSON.stringify(completion?.result)}`);
  return fromPayload(payload);
}

function failureOf(completion: ActivityTaskCompletion | undefined) {
  const failure = completion?.result?.failed?.failure;
  if (!failure) throw new Error(`Expected a failed result, got ${JSON.stringify(completion?.result)}`);
  return failure;
}

// ---------------------------------------------------------------------------------------------------------------

describe('ActivityExecutor', () => {
  describe('success', () => {
    it('runs the activity with the decoded arguments and reports the encoded result', async () => {
      const { executor } = harness({ add: async (a: number, b: number) => a + b });
      const task = startTask('add', [2, 3]);
      const completion = await executor.handleTask(task);
      expect(completion?.taskToken).toBe(task.taskToken);
      expect(Object.keys(completion?.result ?? {})).toEqual(['completed']);
      expect(completedValue(completion)).toBe(5);
    });

    it('accepts synchronous activity functions', async () => {
      const { executor } = harness({ sync: (s: string) => s.toUpperCase() });
      expect(completedValue(await executor.handleTask(startTask('sync', ['hi'])))).toBe('HI');
    });

    it('reports undefined as a binary/null payload', async () => {
      const { executor } = harness({ nothing: async () => undefined });
      const completion = await executor.handleTask(startTask('nothing'));
      const payload = completion?.result?.completed?.result;
      expect(fromUtf8(payload?.metadata?.encoding ?? new Uint8Array())).toBe('binary/null');
    });

    it('builds the activity info from the start task', async () => {
      let seen: ReturnType<typeof activityInfo> | undefined;
      const { executor } = harness({
        inspect: async () => {
          seen = activityInfo();
        },
      });
      const task = startTask('inspect', [], { attempt: 3 });
      await executor.handleTask(task);
      expect(seen).toEqual({
        taskToken: task.taskToken,
        base64TaskToken: Buffer.from(task.taskToken).toString('base64'),
        activityId: '1',
        activityType: 'inspect',
        activityNamespace: 'default',
        attempt: 3,
        isLocal: false,
        workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
        workflowNamespace: 'default',
        workflowType: 'parentWorkflow',
        scheduledTimestampMs: 1_700_000_000_500,
        scheduleToCloseTimeoutMs: 60_000,
        startToCloseTimeoutMs: 10_000,
        currentAttemptScheduledTimestampMs: 1_700_000_010_000,
        heartbeatTimeoutMs: 2000,
        heartbeatDetails: undefined,
        taskQueue: 'tq',
        priority: { priorityKey: 2, fairnessKey: undefined, fairnessWeight: undefined },
        retryPolicy: {
          initialInterval: 1000,
          backoffCoefficient: 2,
          maximumInterval: 100_000,
          maximumAttempts: 5,
          nonRetryableErrorTypes: ['Fatal'],
        },
        namespace: 'default',
        activityRunId: undefined,
        inWorkflow: true,
      });
    });

    it('falls back to the function registered as "default" for unknown types', async () => {
      const { executor } = harness({ default: async (...args: unknown[]) => `${activityInfo().activityType}:${args}` });
      expect(completedValue(await executor.handleTask(startTask('anything', [1, 2])))).toBe('anything:1,2');
    });

    it('runs the payload codecs: decode on the arguments, encode on the result', async () => {
      const codec = new WrappingCodec();
      const { executor } = harness({ echo: async (v: unknown) => v }, { payloadCodecs: [codec] });
      const task = startTask('echo');
      task.start.input = await codec.encode([toPayload({ nested: ['value'] })]);
      const completion = await executor.handleTask(task);
      const encoded = completion?.result?.completed?.result;
      expect(fromUtf8(encoded?.metadata?.encoding ?? new Uint8Array())).toBe('binary/test-wrapped');
      const [decoded] = await codec.decode([encoded as Payload]);
      expect(fromPayload(decoded)).toEqual({ nested: ['value'] });
    });

    it('applies the type info attached with setActivityOptions', async () => {
      const dateInfo = {
        transferTypeConverter: {
          toTransferType: (d: Date) => d.toISOString(),
          fromTransferType: (s: string) => new Date(s),
        },
      };
      async function nextDay(d: Date): Promise<Date> {
        expect(d).toBeInstanceOf(Date);
        return new Date(d.getTime() + 86_400_000);
      }
      setActivityOptions({ typeInfo: { inputTypes: [dateInfo], outputType: dateInfo } }, nextDay);
      const { executor } = harness({ nextDay });
      const completion = await executor.handleTask(startTask('nextDay', ['2024-01-01T00:00:00.000Z']));
      expect(completedValue(completion)).toBe('2024-01-02T00:00:00.000Z');
    });

    it('counts running activities', async () => {
      let release: () => void = () => undefined;
      const { executor } = harness({ wait: () => new Promise<void>((resolve) => (release = resolve)) });
      expect(executor.numRunning).toBe(0);
      const { completion: running } = await startRunning(executor, startTask('wait'));
      expect(executor.numRunning).toBe(1);
      release();
      await running;
      expect(executor.numRunning).toBe(0);
    });
  });

  describe('failure', () => {
    it('reports a thrown Error as a retryable ApplicationFailure named after its class', async () => {
      class DatabaseDown extends Error {
        override name = 'DatabaseDown';
      }
      const { executor, logger } = harness({
        fail: async () => {
          throw new DatabaseDown('no connection');
        },
      });
      const failure = failureOf(await executor.handleTask(startTask('fail')));
      expect(failure.message).toBe('no connection');
      expect(failure.source).toBe('TypeScriptSDK');
      expect(failure.applicationFailureInfo).toMatchObject({ type: 'DatabaseDown', nonRetryable: false });
      expect(failure.stackTrace).toContain('DatabaseDown');
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'Activity failed',
          meta: expect.objectContaining({ activityType: 'fail' }),
        }),
      );
    });

    it('keeps nonRetryable, nextRetryDelay, category and details of an ApplicationFailure', async () => {
      const { executor, logger } = harness({
        fail: async () => {
          throw ApplicationFailure.create({
            message: 'try later',
            type: 'Busy',
            nonRetryable: true,
            nextRetryDelay: '5s',
            category: ApplicationFailureCategory.BENIGN,
            details: [{ retryIn: 5 }],
          });
        },
      });
      const failure = failureOf(await executor.handleTask(startTask('fail')));
      expect(failure.message).toBe('try later');
      const info = failure.applicationFailureInfo;
      expect(info?.type).toBe('Busy');
      expect(info?.nonRetryable).toBe(true);
      expect(Number(info?.nextRetryDelay?.seconds)).toBe(5);
      expect(info?.category).toBe(temporal.api.enums.v1.ApplicationErrorCategory.APPLICATION_ERROR_CATEGORY_BENIGN);
      expect(fromPayload(info?.details?.payloads?.[0])).toEqual({ retryIn: 5 });
      // Benign failures are logged at DEBUG level only.
      expect(logger.lines.filter((l) => l.message === 'Activity failed').map((l) => l.level)).toEqual(['DEBUG']);
    });

    it('encodes the payloads inside the failure with the codecs', async () => {
      const { executor } = harness(
        {
          fail: async () => {
            throw ApplicationFailure.retryable('with details', 'Detailed', 'secret');
          },
        },
        { payloadCodecs: [new WrappingCodec()] },
      );
      const failure = failureOf(await executor.handleTask(startTask('fail')));
      const detail = failure.applicationFailureInfo?.details?.payloads?.[0];
      expect(fromUtf8(detail?.metadata?.encoding ?? new Uint8Array())).toBe('binary/test-wrapped');
    });

    it('fails an unknown activity type with a retryable NotFoundError listing the registered ones', async () => {
      const { executor } = harness({ a: async () => 1, b: async () => 2 });
      const failure = failureOf(await executor.handleTask(startTask('missing')));
      expect(failure.message).toBe(
        'Activity function missing is not registered on this Worker, available activities: ["a","b"]',
      );
      expect(failure.applicationFailureInfo).toMatchObject({ type: 'NotFoundError', nonRetryable: false });
    });

    it('does not mistake inherited object properties for activities', async () => {
      const { executor } = harness({ a: async () => 1 });
      const failure = failureOf(await executor.handleTask(startTask('toString')));
      expect(failure.applicationFailureInfo?.type).toBe('NotFoundError');
    });

    it('fails a task whose argument cannot be decoded, naming the encoding', async () => {
      const { executor, logger } = harness({ echo: async (v: unknown) => v });
      const task = startTask('echo');
      task.start.input = [{ metadata: { encoding: utf8('binary/mystery') }, data: new Uint8Array([1]) }];
      const failure = failureOf(await executor.handleTask(task));
      expect(failure.message).toMatch(/^Failed to parse activity args for activity echo: /);
      expect(failure.message).toContain('binary/mystery');
      expect(failure.applicationFailureInfo?.nonRetryable).toBe(false);
      expect(logger.lines.some((l) => l.level === 'ERROR' && l.message.includes('binary/mystery'))).toBe(true);
    });

    it('fails a task whose result cannot be converted', async () => {
      const { executor } = harness({ bigint: async () => 10n });
      const failure = failureOf(await executor.handleTask(startTask('bigint')));
      expect(failure.applicationFailureInfo).toBeTruthy();
      expect(failure.message).toBe('Unable to convert 10 to payload');
    });

    it('refuses a second start for a token that is still running, leaving the first alone', async () => {
      let release: () => void = () => undefined;
      const { executor } = harness({
        wait: () => new Promise<string>((resolve) => (release = () => resolve('first'))),
      });
      const task = startTask('wait');
      const { completion: first } = await startRunning(executor, task);
      const failure = failureOf(await executor.handleTask(task));
      expect(failure.message).toMatch(/already running/);
      release();
      expect(completedValue(await first)).toBe('first');
    });

    it('rejects a task with neither start nor cancel', async () => {
      const { executor } = harness({});
      await expect(executor.handleTask({ taskToken: nextToken() })).rejects.toThrow(TypeError);
    });
  });

  describe('async completion', () => {
    it('reports willCompleteAsync when the activity throws CompleteAsyncError', async () => {
      const { executor } = harness({
        later: async () => {
          throw new CompleteAsyncError();
        },
      });
      const completion = await executor.handleTask(startTask('later'));
      expect(completion?.result).toEqual({ willCompleteAsync: {} });
    });
  });

  describe('heartbeats', () => {
    it('exposes the details of the previous attempt as info.heartbeatDetails (first payload)', async () => {
      const { executor } = harness({ resume: async () => activityInfo().heartbeatDetails });
      const task = startTask('resume', [], { attempt: 2, heartbeatDetails: [toPayload({ step: 42 }), toPayload('x')] });
      expect(completedValue(await executor.handleTask(task))).toEqual({ step: 42 });
    });

    it('decodes previous heartbeat details through the codecs', async () => {
      const codec = new WrappingCodec();
      const { executor } = harness({ resume: async () => activityInfo().heartbeatDetails }, { payloadCodecs: [codec] });
      const task = startTask('resume', [], { heartbeatDetails: await codec.encode([toPayload(7)]) });
      task.start.input = [];
      const completion = await executor.handleTask(task);
      const [decoded] = await codec.decode([completion?.result?.completed?.result as Payload]);
      expect(fromPayload(decoded)).toBe(7);
    });

    it('fails the task when the previous heartbeat details cannot be decoded', async () => {
      const { executor } = harness({ resume: async () => 1 });
      const task = startTask('resume', [], {
        heartbeatDetails: [{ metadata: { encoding: utf8('binary/mystery') }, data: new Uint8Array() }],
      });
      const failure = failureOf(await executor.handleTask(task));
      expect(failure.message).toMatch(/^Failed to parse heartbeat details for activity 1: .*binary\/mystery/);
    });

    it('sends heartbeat details, converted and encoded, to recordHeartbeat in order', async () => {
      const codec = new WrappingCodec();
      const { executor, heartbeats } = harness(
        {
          beat: async () => {
            heartbeat(1);
            await sleep(5);
            heartbeat({ progress: 2 });
            await sleep(5);
            Context.current().heartbeat();
            await sleep(5);
          },
        },
        { payloadCodecs: [codec] },
      );
      const task = startTask('beat');
      await executor.handleTask(task);
      expect(heartbeats.map((h) => h.taskToken)).toEqual([task.taskToken, task.taskToken, task.taskToken]);
      const decoded = await Promise.all(heartbeats.map(async (h) => (await codec.decode(h.details)).map(fromPayload)));
      expect(decoded).toEqual([[1], [{ progress: 2 }], [undefined]]);
    });

    it('keeps only the latest of the heartbeats recorded while one is being encoded', async () => {
      const { executor, heartbeats } = harness(
        {
          burst: async () => {
            for (let i = 1; i <= 5; i++) heartbeat(i);
            await sleep(20);
          },
        },
        { payloadCodecs: [new SlowCodec(5)] },
      );
      await executor.handleTask(startTask('burst'));
      const values = await Promise.all(
        heartbeats.map(async (h) => fromPayload((await new SlowCodec(0).decode(h.details))[0])),
      );
      expect(values).toEqual([1, 5]);
    });

    it('hands the last heartbeat to the core before reporting a failure', async () => {
      const { executor, heartbeats } = harness(
        {
          beatThenFail: async () => {
            heartbeat('checkpoint');
            throw new Error('boom');
          },
        },
        { payloadCodecs: [new SlowCodec(10)] },
      );
      const completion = await executor.handleTask(startTask('beatThenFail'));
      expect(completion?.result?.failed).toBeTruthy();
      expect(heartbeats).toHaveLength(1);
    });

    it('ignores heartbeats sent after the activity completed', async () => {
      let lateBeat: (() => void) | undefined;
      const { executor, heartbeats } = harness({
        leaky: async () => {
          const ctx = Context.current();
          lateBeat = () => ctx.heartbeat('late');
        },
      });
      await executor.handleTask(startTask('leaky'));
      lateBeat?.();
      await sleep0();
      expect(heartbeats).toEqual([]);
    });

    it('keeps running when recordHeartbeat throws, and logs it', async () => {
      const { executor, logger } = harness(
        {
          beat: async () => {
            heartbeat(1);
            await sleep(5);
            return 'done';
          },
        },
        {
          recordHeartbeat: () => {
            throw new Error('core said no');
          },
        },
      );
      expect(completedValue(await executor.handleTask(startTask('beat')))).toBe('done');
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'WARN', message: 'Failed to record activity heartbeat' }),
      );
    });

    it('cancels the activity when its heartbeat details cannot be converted', async () => {
      let reason: unknown;
      const { executor, heartbeats } = harness({
        badBeat: async () => {
          heartbeat(10n);
          try {
            await cancelled();
          } catch (err) {
            reason = err;
            throw err;
          }
        },
      });
      const failure = failureOf(await executor.handleTask(startTask('badBeat')));
      expect(reason).toBeInstanceOf(CancelledFailure);
      expect((reason as Error).message).toBe('HEARTBEAT_DETAILS_CONVERSION_FAILED');
      expect(failure.message).toBe('HEARTBEAT_DETAILS_CONVERSION_FAILED');
      expect(failure.applicationFailureInfo).toMatchObject({ type: 'CancelledFailure', nonRetryable: false });
      expect(heartbeats).toEqual([]);
    });
  });

  describe('local activities', () => {
    it('runs a local activity the same way, with info.isLocal set and no heartbeat sent', async () => {
      const { executor, heartbeats } = harness({
        local: async (x: number) => {
          heartbeat('ignored');
          const info = activityInfo();
          return { x, isLocal: info.isLocal, heartbeatTimeoutMs: info.heartbeatTimeoutMs };
        },
      });
      const task = startTask('local', [4], {
        isLocal: true,
        heartbeatTimeout: null,
        scheduleToCloseTimeout: null,
        retryPolicy: null,
      });
      task.taskToken = utf8('local_act_1');
      const completion = await executor.handleTask(task);
      expect(completedValue(completion)).toEqual({ x: 4, isLocal: true });
      expect(heartbeats).toEqual([]);
    });

    it('cancels a local activity without heartbeats', async () => {
      const { executor } = harness({ local: () => cancelled() });
      const task = startTask('local', [], { isLocal: true });
      const { completion: running } = await startRunning(executor, task);
      await executor.handleTask(cancelTask(task.taskToken, ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED));
      expect((await running)?.result?.cancelled).toBeTruthy();
    });
  });

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

/** A codec that takes `delayMs` for each call and changes nothing. */
class SlowCodec implements PayloadCodec {
  constructor(private readonly delayMs: number) {}
  async encode(payloads: Payload[]): Promise<Payload[]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return payloads;
  }
  async decode(payloads: Payload[]): Promise<Payload[]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return payloads;
  }
}

function sleep0(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}
