import * as grpc from '@grpc/grpc-js';
import type { HistoryEngine } from '../history/engine';
import type { PollCaller } from '../matching/matching';
import type { temporal } from '../internal/proto';
import type { ServerContext } from '../server-context';
import { pollerWorkerVersion } from '../visibility/build-ids';
import { failedPrecondition } from '../errors';

/** A unary call as handlers receive it: long polls watch its deadline and cancellation. */
export type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** What matching knows of a poll's caller: when it leaves, and the worker it polls for. */
export function pollCaller(call: Call | undefined, instanceKey: string | null | undefined): PollCaller {
  return {
    onCancel(cb: () => void) {
      call?.on('cancelled', cb);
    },
    cancelled: () => !!call?.cancelled,
    instanceKey: instanceKey ?? '',
  };
}

/** The shortest deadline a poll may have (the real server refuses shorter ones). */
const MIN_POLL_DEADLINE_MS = 2_000;
/** How long before its caller's deadline an unanswered poll gets its empty answer, as on the real server. */
const POLL_DEADLINE_MARGIN_MS = 1_000;

/**
 * How long a task-queue poll may wait: the long-poll interval, cut short to answer empty a second before the
 * caller's deadline. A deadline under two seconds is FAILED_PRECONDITION, as on the real server.
 */
export function pollWait(call: Call | undefined, longPollMs: number): number {
  const deadline = call?.getDeadline?.();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' ? deadline : Infinity;
  if (!Number.isFinite(deadlineMs)) return longPollMs;
  const remaining = deadlineMs - Date.now();
  if (remaining < MIN_POLL_DEADLINE_MS) throw failedPrecondition('Context timeout is too short.');
  return Math.min(longPollMs, remaining - POLL_DEADLINE_MARGIN_MS);
}

/** The fields a workflow or activity task-queue poll shares. */
type TaskQueuePoll = Pick<
  temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest,
  'namespace' | 'taskQueue' | 'identity' | 'deploymentOptions' | 'workerVersionCapabilities' | 'workerInstanceKey'
>;

/**
 * A worker's poll of a workflow or activity task queue: checks the namespace and limits, waits on the queue of the
 * deployment version the worker polls for, and answers with a task, or empty when the poll's time is up.
 */
export async function pollTaskQueue(
  ctx: ServerContext,
  kind: 'workflow' | 'activity',
  req: TaskQueuePoll,
  call: Call,
): Promise<object> {
  const { engine } = ctx;
  engine.namespace(req.namespace ?? '');
  engine.limits.taskQueue(req.taskQueue);
  engine.limits.identity(req.identity);
  const { key, version } = ctx.deployments.pollQueue(req.namespace!, kind, req.taskQueue!, req.deploymentOptions);
  const response = await ctx.matching.poll(
    key,
    req.identity ?? '',
    (task, identity) => ctx.startTask(task, identity, pollerWorkerVersion(req.workerVersionCapabilities), version),
    pollWait(call, ctx.options.longPollTimeoutMs),
    pollCaller(call, req.workerInstanceKey),
    req.workerVersionCapabilities,
  );
  return response ?? {};
}

/** Waits until `ready()` returns a value, the run changes past `timeoutMs`, or the call is cancelled. */
export function waitForRun<T>(
  engine: HistoryEngine,
  runId: string,
  ready: () => T | undefined,
  timeoutMs: number,
  call?: Call,
): Promise<T | undefined> {
  const first = ready();
  if (first !== undefined) return Promise.resolve(first);
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (v: T | undefined, err?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      unwatch();
      if (err) reject(err);
      else resolve(v);
    };
    const unwatch = engine.watch(runId, () => {
      try {
        const v = ready();
        if (v !== undefined) finish(v);
      } catch (err) {
        finish(undefined, err);
      }
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    call?.on('cancelled', () => finish(undefined));
  });
}
