// Operator controls of a run's pending activities, as the real server has them: PauseActivity, UnpauseActivity,
// ResetActivity and UpdateActivityOptions. None writes history; a running attempt learns of a pause or a reset in
// its next heartbeat response (the SDKs then cancel it with details saying why).
import { temporal } from '../internal/proto';
import { invalidArgument, notFound } from '../errors';
import { validateExecution } from '../internal/validation';
import { durationMs, enums, msDuration } from '../internal/proto';
import { HistoryEngine } from './engine';
import { ActivityInfo, Execution } from './mutable-state';
import { normalizeRetryPolicy, retryPolicyProto } from './retry';

/** Which activities a request names: one id, every one of a type, or all. */
interface Selector {
  id?: string | null;
  type?: string | null;
  all?: boolean | null;
}

interface RunAddress {
  namespace?: string | null;
  execution?: temporal.api.common.v1.IWorkflowExecution | null;
}

/** The open run and the pending activities a request selects (NOT_FOUND when it names none). */
function select(engine: HistoryEngine, req: RunAddress, sel: Selector): { ex: Execution; activities: ActivityInfo[] } {
  engine.namespace(req.namespace ?? '');
  validateExecution(req.execution);
  const ex = engine.getOpenExecution(req.namespace!, req.execution.workflowId, req.execution.runId);
  const all = Object.values(ex.state.activities);
  if (sel.all) return { ex, activities: all };
  if (!sel.id && !sel.type) throw invalidArgument('Either Activity.Id or Activity.Type should be set on request.');
  const activities = sel.id
    ? all.filter((a) => a.activityId === sel.id)
    : all.filter((a) => a.activityType === sel.type);
  if (activities.length === 0) {
    throw notFound("Can't find pending activity with such ID. Invalid activityID or activity already completed");
  }
  return { ex, activities };
}

/** Lets a waiting attempt go to matching: one waiting out a retry backoff is dispatched once it ends. */
function release(a: ActivityInfo, now: number, jitterMs: number): void {
  if (a.state === 'started') return;
  const at = now + (jitterMs > 0 ? Math.floor(Math.random() * jitterMs) : 0);
  if (a.state === 'scheduled' && at <= now) return;
  a.state = at > now ? 'backoff' : 'scheduled';
  a.currentAttemptScheduledTime = at;
}

export function pauseActivity(engine: HistoryEngine, req: temporal.api.workflowservice.v1.IPauseActivityRequest): void {
  const { ex, activities } = select(engine, { namespace: req.namespace, execution: req.execution }, req);
  engine.tx((tx) => {
    for (const a of activities) {
      if (a.paused) continue;
      a.paused = { time: tx.now, identity: req.identity ?? '', reason: req.reason ?? '' };
    }
    tx.touch(ex);
  });
}

export function unpauseActivity(
  engine: HistoryEngine,
  req: temporal.api.workflowservice.v1.IUnpauseActivityRequest,
): void {
  const { ex, activities } = select(
    engine,
    { namespace: req.namespace, execution: req.execution },
    { id: req.id, type: req.type, all: req.unpauseAll },
  );
  engine.tx((tx) => {
    for (const a of activities) {
      if (!a.paused) continue;
      a.paused = undefined;
      if (req.resetAttempts) a.attempt = 1;
      if (req.resetHeartbeat) a.heartbeatDetails = null;
      release(a, tx.now, durationMs(req.jitter));
    }
    tx.touch(ex);
  });
}

export function resetActivity(engine: HistoryEngine, req: temporal.api.workflowservice.v1.IResetActivityRequest): void {
  const { ex, activities } = select(
    engine,
    { namespace: req.namespace, execution: req.execution },
    { id: req.id, type: req.type, all: req.matchAll },
  );
  engine.tx((tx) => {
    for (const a of activities) {
      if (req.resetHeartbeat) a.heartbeatDetails = null;
      if (req.restoreOriginalOptions) restoreOriginal(a);
      if (!req.keepPaused) a.paused = undefined;
      if (a.state === 'started') {
        // The running attempt is told at its next heartbeat; whatever it reports, the next attempt is 1.
        a.resetRequested = true;
      } else {
        a.attempt = 1;
        if (!a.paused) release(a, tx.now, durationMs(req.jitter));
      }
    }
    tx.touch(ex);
  });
}

function currentOptions(a: ActivityInfo): temporal.api.activity.v1.IActivityOptions {
  return {
    taskQueue: { name: a.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    scheduleToCloseTimeout: msDuration(a.scheduleToCloseMs),
    scheduleToStartTimeout: msDuration(a.scheduleToStartMs),
    startToCloseTimeout: msDuration(a.startToCloseMs),
    heartbeatTimeout: msDuration(a.heartbeatMs),
    retryPolicy: retryPolicyProto(a.retry),
    priority: a.priority ?? null,
  };
}

function restoreOriginal(a: ActivityInfo): void {
  const o = a.originalOptions;
  if (!o) return;
  a.taskQueue = o.taskQueue;
  [a.scheduleToCloseMs, a.scheduleToStartMs, a.startToCloseMs, a.heartbeatMs] = o.timeouts;
  a.retry = o.retry;
  a.originalOptions = undefined;
}

/** UpdateActivityOptions: applies the masked options (unknown mask paths are ignored, as on the real server). */
export function updateActivityOptions(
  engine: HistoryEngine,
  req: temporal.api.workflowservice.v1.IUpdateActivityOptionsRequest,
): temporal.api.activity.v1.IActivityOptions {
  const { ex, activities } = select(
    engine,
    { namespace: req.namespace, execution: req.execution },
    { id: req.id, type: req.type, all: req.matchAll },
  );
  const paths = req.updateMask?.paths ?? [];
  const has = (name: string) => paths.some((p) => p === name || p.startsWith(`${name}.`));
  const o = req.activityOptions ?? {};
  engine.tx((tx) => {
    for (const a of activities) {
      if (req.restoreOriginal) {
        restoreOriginal(a);
        continue;
      }
      a.originalOptions ??= {
        taskQueue: a.taskQueue,
        timeouts: [a.scheduleToCloseMs, a.scheduleToStartMs, a.startToCloseMs, a.heartbeatMs],
        retry: a.retry,
      };
      if ((has('task_queue.name') || has('task_queue')) && o.taskQueue?.name) a.taskQueue = o.taskQueue.name;
      if (has('schedule_to_close_timeout')) a.scheduleToCloseMs = durationMs(o.scheduleToCloseTimeout);
      if (has('schedule_to_start_timeout')) a.scheduleToStartMs = durationMs(o.scheduleToStartTimeout);
      if (has('start_to_close_timeout')) a.startToCloseMs = durationMs(o.startToCloseTimeout);
      if (has('heartbeat_timeout')) a.heartbeatMs = durationMs(o.heartbeatTimeout);
      if (has('retry_policy')) a.retry = normalizeRetryPolicy({ ...retryPolicyProto(a.retry), ...o.retryPolicy });
      if (has('priority')) a.priority = o.priority ?? null;
    }
    tx.touch(ex);
  });
  return currentOptions(activities[0]);
}
