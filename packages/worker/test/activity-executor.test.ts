/**
 * The activity executor, driven with hand-built core tasks (no server and no core involved): results, failures,
 * async completion, heartbeats and local activities (cancellation, conformance with the official worker and
 * interceptors: activity-executor-cancellation.test.ts).
 */
import {
  activityInfo,
  cancelled,
  CompleteAsyncError,
  Context,
  heartbeat,
  setActivityOptions,
  sleep,
} from '@kairos/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure, type Payload } from '@kairos/common';
import { encode as utf8, decode as fromUtf8 } from '@kairos/common/lib/encoding';
import { kairos, temporal } from '@kairos/proto';
import {
  WrappingCodec,
  toPayload,
  fromPayload,
  nextToken,
  startTask,
  cancelTask,
  harness,
  startRunning,
  completedValue,
  failureOf,
  SlowCodec,
  sleep0,
} from './helpers/activity-executor';

const { ActivityCancelReason } = kairos.core.activity;

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
});
