/**
 * What the activity executor tests share: hand-built core tasks, a harness around an executor with a recording
 * logger, and codecs.
 */
import {
  defaultFailureConverter,
  defaultPayloadConverter,
  noopMetricMeter,
  type Payload,
  type PayloadCodec,
} from '@kairos/common';
import { encode as utf8, decode as fromUtf8 } from '@kairos/common/lib/encoding';
import { kairos, temporal } from '@kairos/proto';
import { RecordingLogger } from '@kairos/test-support';
import { ActivityExecutor, type ActivityExecutorOptions } from '../../src/activity';

export type StartActivity = kairos.core.activity.IStartActivity;
export type ActivityTaskCompletion = kairos.core.activity.IActivityTaskCompletion;
const { ActivityCancelReason } = kairos.core.activity;

export { RecordingLogger };

/** A codec that wraps every payload into another one with encoding `binary/test-wrapped`. */
export class WrappingCodec implements PayloadCodec {
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

export const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
export const fromPayload = (payload: Payload | null | undefined): unknown =>
  payload ? defaultPayloadConverter.fromPayload(payload) : undefined;

let tokenCounter = 0;
export function nextToken(): Uint8Array {
  tokenCounter++;
  return new Uint8Array([7, tokenCounter & 0xff, (tokenCounter >> 8) & 0xff]);
}

export function startTask(activityType: string, args: unknown[] = [], overrides: StartActivity = {}) {
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

export function cancelTask(
  taskToken: Uint8Array,
  reason: kairos.core.activity.ActivityCancelReason,
  withDetails = true,
) {
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

export interface Harness {
  executor: ActivityExecutor;
  logger: RecordingLogger;
  heartbeats: { taskToken: Uint8Array; details: Payload[] }[];
  options: ActivityExecutorOptions;
}

export function harness(
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
export async function until(predicate: () => boolean, what: string): Promise<void> {
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
export async function startRunning(
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

export function completedValue(completion: ActivityTaskCompletion | undefined): unknown {
  const payload = completion?.result?.completed?.result;
  if (!payload) throw new Error(`Expected a completed result, got ${JSON.stringify(completion?.result)}`);
  return fromPayload(payload);
}

export function failureOf(completion: ActivityTaskCompletion | undefined) {
  const failure = completion?.result?.failed?.failure;
  if (!failure) throw new Error(`Expected a failed result, got ${JSON.stringify(completion?.result)}`);
  return failure;
}

/** A codec that takes `delayMs` for each call and changes nothing. */
export class SlowCodec implements PayloadCodec {
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

export function sleep0(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}
