/**
 * What the activity test files share: the test environment (`useTestEnv`), a worker running the test activities,
 * workflows that call them, and readers of the histories and outcomes the tests check.
 */
import { randomUUID } from 'node:crypto';
import { type WorkflowHandle } from '@kairos/client';
import { defaultPayloadConverter } from '@kairos/common';
import { temporal } from '@kairos/proto';
import type { Worker, WorkerOptions } from '../../src';
import * as activities from '../activities';
import { probes } from '../activities/more';
import { taskQueueFor, TestEnv } from './env';
import * as wf from '../workflows';
import type { CallOptions, Outcome } from '../workflows/activities';

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.IHistory;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export let env: TestEnv;

/** Starts the file's test environment (server, client, runtime) before its tests and tears it down after them. */
export function useTestEnv(): void {
  jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 30_000));
  beforeAll(async () => {
    env = await TestEnv.start();
  });
  afterAll(async () => {
    await env?.teardown();
  });
}

/** Heartbeats reach the server (and cancellations the activity) within 50 ms instead of seconds. */
export const WORKER_OPTIONS: Partial<WorkerOptions> = {
  activities,
  maxHeartbeatThrottleInterval: 50,
  defaultHeartbeatThrottleInterval: 50,
};

/** Retries that wait 20 ms between attempts. */
export const FAST_RETRY = { initialInterval: 20, backoffCoefficient: 1 };

export async function withWorker<R>(
  fn: (taskQueue: string, worker: Worker) => Promise<R>,
  options: Partial<WorkerOptions> = {},
  taskQueue = taskQueueFor('activities'),
): Promise<R> {
  const worker = await env.createWorker({ taskQueue, ...WORKER_OPTIONS, ...options });
  return worker.runUntil(async () => {
    try {
      return await fn(taskQueue, worker);
    } finally {
      // A failed assertion must not leave an activity waiting for a release that never comes.
      probes.releaseAll();
    }
  });
}

export type ActivityName = Parameters<typeof wf.callActivity>[0];

export function startCall(taskQueue: string, name: ActivityName, args: unknown[], options: CallOptions) {
  return env.client.workflow.start(wf.callActivity, {
    taskQueue,
    workflowId: randomUUID(),
    args: [name, args, options],
  });
}

export function startCancellable(
  taskQueue: string,
  name: ActivityName,
  args: unknown[],
  options: CallOptions,
  workflowTaskTimeoutMs?: number,
) {
  return env.client.workflow.start(wf.cancelActivityOnSignal, {
    taskQueue,
    workflowId: randomUUID(),
    args: [name, args, options],
    workflowTaskTimeout: workflowTaskTimeoutMs,
  });
}

/** Resolves with the first value of `read` that is neither undefined nor null, polling it. */
export async function eventually<T>(
  read: () => Promise<T | undefined | null>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function typeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}

export async function history(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return ((await handle.fetchHistory()) as History).events ?? [];
}

export async function eventTypes(handle: WorkflowHandle): Promise<string[]> {
  return (await history(handle)).map(typeName);
}

/** Resolves with the history once it holds an event of `type`. */
export function historyWith(handle: WorkflowHandle, type: string): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = await history(handle);
    return events.some((e) => typeName(e) === type) ? events : undefined;
  }, `a ${type} event in ${handle.workflowId}`);
}

/** The counter `heartbeatUntilReleased` last heartbeated, as the server recorded it (0 before any). */
export async function lastHeartbeat(handle: WorkflowHandle): Promise<number> {
  const payload = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<number>(payload) : 0;
}

/** Resolves once three more heartbeats of the running activity reached the server: it is alive and running. */
export async function moreHeartbeats(handle: WorkflowHandle): Promise<void> {
  const before = await lastHeartbeat(handle);
  await eventually(async () => ((await lastHeartbeat(handle)) >= before + 3 ? true : undefined), 'more heartbeats');
}

export function outcomeOf(handle: WorkflowHandle): Promise<Outcome | null> {
  return handle.query(wf.callOutcomeQuery);
}

/** What the workflow sees when its call of `heartbeatUntilReleased` is cancelled (the official cores' messages). */
export const cancelledOutcome = (message = 'Activity cancelled') => ({
  failure: expect.objectContaining({
    message,
    isActivityFailure: true,
    activityType: 'heartbeatUntilReleased',
    cause: expect.objectContaining({ isCancelledFailure: true, name: 'CancelledFailure' }),
  }),
});

export const cancellationRequested = {
  attempt: 1,
  errorName: 'CancelledFailure',
  message: 'CANCELLED',
  isCancelledFailure: true,
  details: {
    notFound: false,
    cancelRequested: true,
    paused: false,
    timedOut: false,
    workerShutdown: false,
    reset: false,
  },
  signalAborted: true,
  signalReasonIsCancelledFailure: true,
};
