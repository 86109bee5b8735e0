import { temporal } from '../internal/proto';
import { durationMs, enums, jsonPayload, msTimestamp, timestampMs } from '../internal/proto';
import { HistoryEngine, Transaction } from '../history/engine';
import { Execution, isRunning } from '../history/mutable-state';
import { startWorkflowInTx, validateStart } from '../history/start-workflow';
import { requestCancelRun, terminateRun } from '../history/workflow-lifecycle';
import { DeadlineQueue } from '../timers/deadline-queue';
import { ScheduleRecord } from '../persistence/persistence';
import { compileSpec, nextMatchingTime } from './schedule-spec';

const OP = enums.ScheduleOverlapPolicy;
const WS = enums.WorkflowExecutionStatus;
const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;
const RECENT_ACTIONS = 10;

export interface ActionRecord {
  scheduleTime: number;
  actualTime: number;
  workflowId: string;
  runId: string;
}

/** Everything about one schedule; persisted whole after every change. */
export interface ScheduleState {
  namespace: string;
  scheduleId: string;
  schedule: temporal.api.schedule.v1.ISchedule;
  memo?: temporal.api.common.v1.IMemo | null;
  searchAttributes?: temporal.api.common.v1.ISearchAttributes | null;
  actionCount: number;
  missedCatchupWindow: number;
  overlapSkipped: number;
  bufferDropped: number;
  running: Array<{ workflowId: string; runId: string }>;
  recent: ActionRecord[];
  createTime: number;
  /** When UpdateSchedule last replaced the schedule (patches leave it); absent until then. */
  updateTime?: number;
  conflictToken: number;
  /** Nominal time of the next action and when it actually runs (with jitter). */
  nextNominal?: number;
  nextActual?: number;
  buffered: Array<{ nominal: number; overlapPolicy: number }>;
}

/** Runs schedules: computes their action times on the server clock and starts their workflows. */
export class Scheduler {
  private readonly schedules = new Map<string, ScheduleState>();
  /** Schedules deleted since the server started (the real server still knows them: their workflow has closed). */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly engine: HistoryEngine,
    private readonly deadlines: DeadlineQueue,
  ) {}

  static key(namespace: string, scheduleId: string): string {
    return `${namespace}\u0000${scheduleId}`;
  }

  load(records: ScheduleRecord[]): void {
    for (const r of records) {
      const st = r.state as ScheduleState;
      this.schedules.set(Scheduler.key(st.namespace, st.scheduleId), st);
      this.arm(st);
    }
  }

  get(namespace: string, scheduleId: string): ScheduleState | undefined {
    return this.schedules.get(Scheduler.key(namespace, scheduleId));
  }

  /** Whether a schedule that no longer exists was deleted since the server started. */
  wasDeleted(namespace: string, scheduleId: string): boolean {
    return this.deleted.has(Scheduler.key(namespace, scheduleId));
  }

  /** The schedules of a namespace, newest first (as the real server lists them). */
  list(namespace: string): ScheduleState[] {
    return [...this.schedules.values()]
      .filter((s) => s.namespace === namespace)
      .sort((a, b) => b.createTime - a.createTime || a.scheduleId.localeCompare(b.scheduleId));
  }

  /** Checks a schedule before it is stored (spec and action). */
  validate(namespace: string, schedule: temporal.api.schedule.v1.ISchedule | null | undefined): void {
    compileSpec(schedule?.spec);
    const action = schedule?.action?.startWorkflow;
    // A schedule without an action is accepted, as on the real server; its action times pass without a start.
    if (!action) return;
    validateStart(this.engine, this.startRequest(namespace, 'validation', action, 0, false), 'schedule');
  }

  save(tx: Transaction, st: ScheduleState): void {
    this.schedules.set(Scheduler.key(st.namespace, st.scheduleId), st);
    this.deleted.delete(Scheduler.key(st.namespace, st.scheduleId));
    tx.schedules.set(Scheduler.key(st.namespace, st.scheduleId), {
      namespace: st.namespace,
      scheduleId: st.scheduleId,
      state: st,
    });
    tx.afterCommit.push(() => this.arm(st));
  }

  delete(tx: Transaction, st: ScheduleState): void {
    const key = Scheduler.key(st.namespace, st.scheduleId);
    this.schedules.delete(key);
    this.deleted.add(key);
    tx.schedules.set(key, { namespace: st.namespace, scheduleId: st.scheduleId, deleted: true });
    tx.afterCommit.push(() => this.deadlines.set(`schedule:${key}`, undefined));
  }

  /** Computes the next action time after `afterMs` and stores it in the state. */
  planNext(st: ScheduleState, afterMs: number): void {
    const remaining = st.schedule.state?.limitedActions ? Number(st.schedule.state.remainingActions ?? 0) : Infinity;
    if (remaining <= 0) {
      st.nextNominal = undefined;
      st.nextActual = undefined;
      return;
    }
    const spec = compileSpec(st.schedule.spec);
    const next = nextMatchingTime(spec, afterMs);
    st.nextNominal = next;
    st.nextActual =
      next === undefined ? undefined : next + (spec.jitterMs > 0 ? Math.floor(Math.random() * spec.jitterMs) : 0);
  }

  /** Future nominal action times (for describe and list). */
  futureTimes(st: ScheduleState, count: number, fromMs: number): number[] {
    const remaining = st.schedule.state?.limitedActions ? Number(st.schedule.state.remainingActions ?? 0) : count;
    const spec = compileSpec(st.schedule.spec);
    const out: number[] = [];
    let t = fromMs;
    while (out.length < Math.min(count, remaining)) {
      const n = nextMatchingTime(spec, t);
      if (n === undefined) break;
      out.push(n);
      t = n;
    }
    return out;
  }

  /** Nominal times in [startMs, endMs] (backfills), or in (startMs, endMs] with `exclusiveStart` (as ListScheduleMatchingTimes). */
  matchingTimes(st: ScheduleState, startMs: number, endMs: number, exclusiveStart = false): number[] {
    const spec = compileSpec(st.schedule.spec);
    const out: number[] = [];
    let t = exclusiveStart ? startMs : startMs - 1;
    while (out.length < 1000) {
      const n = nextMatchingTime(spec, t);
      if (n === undefined || n > endMs) break;
      out.push(n);
      t = n;
    }
    return out;
  }

  private arm(st: ScheduleState): void {
    const key = Scheduler.key(st.namespace, st.scheduleId);
    if (!this.schedules.has(key)) return;
    const paused = !!st.schedule.state?.paused;
    this.deadlines.set(`schedule:${key}`, paused ? undefined : st.nextActual);
  }

  /** A schedule's action time came. */
  onDeadline(owner: string): void {
    const key = owner.slice('schedule:'.length);
    const st = this.schedules.get(key);
    if (!st || st.nextNominal === undefined || st.schedule.state?.paused) return;
    this.engine.tx((tx) => {
      const nominal = st.nextNominal!;
      const catchup = durationMs(st.schedule.policies?.catchupWindow) || DEFAULT_CATCHUP_WINDOW_MS;
      if (tx.now - nominal > catchup) {
        st.missedCatchupWindow += 1;
      } else {
        this.act(tx, st, nominal, st.schedule.policies?.overlapPolicy || OP.SCHEDULE_OVERLAP_POLICY_SKIP);
      }
      this.planNext(st, Math.max(nominal, tx.now - catchup));
      this.save(tx, st);
    });
  }

  /** Takes one action under an overlap policy (also for trigger-immediately and backfills). */
  act(tx: Transaction, st: ScheduleState, nominal: number, overlapPolicy: number): void {
    this.refreshRunning(st);
    const policy = overlapPolicy || OP.SCHEDULE_OVERLAP_POLICY_SKIP;
    if (st.running.length === 0 || policy === OP.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
      this.start(tx, st, nominal);
      return;
    }
    switch (policy) {
      case OP.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:
        if (st.buffered.length === 0) st.buffered.push({ nominal, overlapPolicy: policy });
        else st.bufferDropped += 1;
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL:
        st.buffered.push({ nominal, overlapPolicy: policy });
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER:
        for (const r of st.running) {
          const ex = this.engine.executions.get(r.runId);
          if (ex && isRunning(ex.state))
            requestCancelRun(this.engine, tx, ex, {
              cause: `canceled by schedule ${st.scheduleId}`,
              identity: 'kairos-scheduler',
            });
        }
        st.buffered = [{ nominal, overlapPolicy: policy }];
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER:
        for (const r of st.running) {
          const ex = this.engine.executions.get(r.runId);
          if (ex && isRunning(ex.state))
            terminateRun(this.engine, tx, ex, `terminated by schedule ${st.scheduleId}`, null, 'kairos-scheduler');
        }
        st.running = [];
        this.start(tx, st, nominal);
        break;
      default:
        st.overlapSkipped += 1;
    }
  }

  /** A workflow closed: buffered actions of its schedule may start now, and pause-on-failure applies. */
  onWorkflowClosed(ex: Execution): void {
    for (const st of this.schedules.values()) {
      if (!st.running.some((r) => r.runId === ex.state.runId)) continue;
      this.engine.tx((tx) => {
        this.refreshRunning(st);
        const failed = [WS.WORKFLOW_EXECUTION_STATUS_FAILED, WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT].includes(
          ex.state.status,
        );
        if (failed && st.schedule.policies?.pauseOnFailure) {
          st.schedule.state = {
            ...(st.schedule.state ?? {}),
            paused: true,
            notes: `paused because workflow ${ex.state.workflowId} failed`,
          };
        }
        while (
          st.buffered.length > 0 &&
          (st.running.length === 0 || st.buffered[0].overlapPolicy === OP.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL)
        ) {
          const b = st.buffered.shift()!;
          this.start(tx, st, b.nominal);
        }
        this.save(tx, st);
      });
    }
  }

  private refreshRunning(st: ScheduleState): void {
    st.running = st.running.filter((r) => {
      const ex = this.engine.executions.get(r.runId);
      return !!ex && isRunning(ex.state);
    });
  }

  private startRequest(
    namespace: string,
    scheduleId: string,
    action: temporal.api.workflow.v1.INewWorkflowExecutionInfo,
    nominal: number,
    keepOriginalId: boolean,
  ): temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest {
    const iso = new Date(nominal).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      namespace,
      workflowId: action.workflowId ? (keepOriginalId ? action.workflowId : `${action.workflowId}-${iso}`) : '',
      workflowType: action.workflowType,
      taskQueue: action.taskQueue,
      input: action.input,
      workflowExecutionTimeout: action.workflowExecutionTimeout,
      workflowRunTimeout: action.workflowRunTimeout,
      workflowTaskTimeout: action.workflowTaskTimeout,
      workflowIdReusePolicy: action.workflowIdReusePolicy,
      retryPolicy: action.retryPolicy,
      cronSchedule: action.cronSchedule,
      memo: action.memo,
      header: action.header,
      userMetadata: action.userMetadata,
      priority: action.priority,
      identity: 'kairos-scheduler',
      requestId: `${scheduleId}-${nominal}`,
      searchAttributes: {
        indexedFields: {
          ...(action.searchAttributes?.indexedFields ?? {}),
          TemporalScheduledStartTime: jsonPayload(iso, { type: 'Datetime' }),
          TemporalScheduledById: jsonPayload(scheduleId, { type: 'Keyword' }),
        },
      },
    };
  }

  private start(tx: Transaction, st: ScheduleState, nominal: number): void {
    const action = st.schedule.action?.startWorkflow;
    if (!action) return;
    const req = this.startRequest(
      st.namespace,
      st.scheduleId,
      action,
      nominal,
      !!st.schedule.policies?.keepOriginalWorkflowId,
    );
    let ex: Execution;
    try {
      ex = startWorkflowInTx(this.engine, tx, req).ex;
    } catch (err) {
      this.engine.log.warn(`schedule ${st.scheduleId} could not start ${req.workflowId}: ${(err as Error).message}`);
      return;
    }
    st.actionCount += 1;
    st.running.push({ workflowId: ex.state.workflowId, runId: ex.state.runId });
    st.recent.push({
      scheduleTime: nominal,
      actualTime: tx.now,
      workflowId: ex.state.workflowId,
      runId: ex.state.runId,
    });
    if (st.recent.length > RECENT_ACTIONS) st.recent.splice(0, st.recent.length - RECENT_ACTIONS);
    if (st.schedule.state?.limitedActions) {
      st.schedule.state.remainingActions = Math.max(0, Number(st.schedule.state.remainingActions ?? 0) - 1);
    }
  }

  /** ScheduleActionResult list for describe/list. */
  recentActions(st: ScheduleState): temporal.api.schedule.v1.IScheduleActionResult[] {
    return st.recent.map((r) => ({
      scheduleTime: msTimestamp(r.scheduleTime),
      actualTime: msTimestamp(r.actualTime),
      startWorkflowResult: { workflowId: r.workflowId, runId: r.runId },
      startWorkflowStatus:
        this.engine.executions.get(r.runId)?.state.status ?? WS.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED,
    }));
  }

  /** Applies a patch: trigger now, backfill, pause or unpause. */
  patch(tx: Transaction, st: ScheduleState, patch: temporal.api.schedule.v1.ISchedulePatch): void {
    if (patch.triggerImmediately) {
      const at = timestampMs(patch.triggerImmediately.scheduledTime) || tx.now;
      this.act(
        tx,
        st,
        at,
        patch.triggerImmediately.overlapPolicy ||
          st.schedule.policies?.overlapPolicy ||
          OP.SCHEDULE_OVERLAP_POLICY_SKIP,
      );
    }
    for (const b of patch.backfillRequest ?? []) {
      for (const t of this.matchingTimes(st, timestampMs(b.startTime), timestampMs(b.endTime))) {
        this.act(tx, st, t, b.overlapPolicy || st.schedule.policies?.overlapPolicy || OP.SCHEDULE_OVERLAP_POLICY_SKIP);
      }
    }
    if (patch.pause) st.schedule.state = { ...(st.schedule.state ?? {}), paused: true, notes: patch.pause };
    if (patch.unpause) st.schedule.state = { ...(st.schedule.state ?? {}), paused: false, notes: patch.unpause };
  }
}
