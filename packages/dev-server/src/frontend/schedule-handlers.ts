import { temporal } from '../internal/proto';
import { invalidArgument, notFound, failedPrecondition, ServiceError, workflowNotFound } from '../errors';
import { decodePageToken, encodePageToken } from '../internal/page-token';
import { WorkflowServiceHandlers } from './service-definition';
import { durationMs, enums, errordetails, msDuration, msTimestamp, timestampMs } from '../internal/proto';
import { canonicalSpec } from '../schedules/calendar-spec';
import { Scheduler, ScheduleState } from '../schedules/scheduler';
import { typedSearchAttributes, validateSearchAttributes } from '../visibility/validation';
import { NamespaceRecord } from '../persistence/persistence';
import { SYSTEM_SEARCH_ATTRIBUTES, visibilitySearchAttributes } from '../visibility/search-attributes';
import { compileScheduleQuery } from '../visibility/visibility';
import { Execution } from '../history/mutable-state';
import * as grpc from '@grpc/grpc-js';
import type { ServerContext } from '../server-context';

/**
 * NOT_FOUND for a schedule, worded as the real server words it: it runs each schedule as a workflow
 * `temporal-sys-scheduler:<id>`, which it does not find for an unknown schedule; a deleted schedule's workflow has
 * closed (describing it says so in its own words).
 */
function scheduleNotFound(id: string, deleted: boolean, describing: boolean): ServiceError {
  if (!deleted) return workflowNotFound(`temporal-sys-scheduler:${id}`);
  return notFound(describing ? 'schedule not found' : 'workflow execution already completed');
}

/** The real server's catch-up window when a schedule sets none: one year. */
const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;

/** The schedule as stored: its start-workflow action's search attributes carry their registered types. */
function typedSchedule(
  ns: NamespaceRecord,
  schedule: temporal.api.schedule.v1.ISchedule,
): temporal.api.schedule.v1.ISchedule {
  const action = schedule.action?.startWorkflow;
  if (!action?.searchAttributes) return schedule;
  return {
    ...schedule,
    action: {
      ...schedule.action,
      startWorkflow: { ...action, searchAttributes: typedSearchAttributes(ns, action.searchAttributes) },
    },
  };
}

/** The conflict token as the real server makes it: the schedule's version as a big-endian int64. */
function token(st: ScheduleState): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(st.conflictToken));
  return b;
}

/** Whether a conflict token names the schedule's current version (tokens of older servers were decimal text). */
function tokenMatches(st: ScheduleState, given: Uint8Array): boolean {
  const b = Buffer.from(given);
  if (b.length === 8) return b.readBigInt64BE() === BigInt(st.conflictToken);
  return b.toString() === String(st.conflictToken);
}

/** Schedule RPCs: create, describe, update, patch, delete, list and list matching times. */
export function scheduleHandlers(ctx: ServerContext, scheduler: Scheduler): WorkflowServiceHandlers {
  const { engine } = ctx;
  const find = (ns: string | null | undefined, id: string | null | undefined, describing = false): ScheduleState => {
    engine.namespace(ns ?? '');
    if (!id) throw invalidArgument('schedule_id is not set');
    const st = scheduler.get(ns!, id);
    if (!st) throw scheduleNotFound(id, scheduler.wasDeleted(ns!, id), describing);
    return st;
  };
  const listInfo = (st: ScheduleState, now: number): temporal.api.schedule.v1.IScheduleListInfo => ({
    spec: canonicalSpec(st.schedule.spec ?? {}),
    workflowType: st.schedule.action?.startWorkflow?.workflowType ?? null,
    notes: st.schedule.state?.notes ?? '',
    paused: !!st.schedule.state?.paused,
    recentActions: scheduler.recentActions(st).slice(-5),
    futureActionTimes: scheduler.futureTimes(st, 5, now).map(msTimestamp),
  });
  return {
    CreateSchedule: (req: temporal.api.workflowservice.v1.ICreateScheduleRequest) => {
      const ns = engine.namespace(req.namespace ?? '');
      if (!req.scheduleId) throw invalidArgument('schedule_id is not set');
      if (scheduler.get(ns.name, req.scheduleId)) {
        throw new ServiceError(grpc.status.ALREADY_EXISTS, `schedule ${req.scheduleId} is already registered`, [
          {
            typeName: 'WorkflowExecutionAlreadyStartedFailure',
            value: errordetails.WorkflowExecutionAlreadyStartedFailure.encode({
              startRequestId: req.requestId ?? '',
            }).finish(),
          },
        ]);
      }
      scheduler.validate(ns.name, req.schedule);
      validateSearchAttributes(ns, req.searchAttributes);
      const st = engine.tx((tx) => {
        const state: ScheduleState = {
          namespace: ns.name,
          scheduleId: req.scheduleId!,
          schedule: typedSchedule(ns, req.schedule!),
          memo: req.memo ?? null,
          searchAttributes: typedSearchAttributes(ns, req.searchAttributes),
          actionCount: 0,
          missedCatchupWindow: 0,
          overlapSkipped: 0,
          bufferDropped: 0,
          running: [],
          recent: [],
          createTime: tx.now,
          conflictToken: 1,
          buffered: [],
        };
        scheduler.planNext(state, tx.now);
        if (req.initialPatch) scheduler.patch(tx, state, req.initialPatch);
        scheduler.save(tx, state);
        return state;
      });
      return { conflictToken: token(st) };
    },
    DescribeSchedule: (req: temporal.api.workflowservice.v1.IDescribeScheduleRequest) => {
      const st = find(req.namespace, req.scheduleId, true);
      const now = ctx.time.now();
      const policies = st.schedule.policies ?? {};
      return {
        schedule: {
          ...st.schedule,
          spec: canonicalSpec(st.schedule.spec ?? {}),
          // The defaults the real server fills in.
          policies: {
            ...policies,
            overlapPolicy: policies.overlapPolicy || enums.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP,
            catchupWindow:
              policies.catchupWindow && durationMs(policies.catchupWindow) > 0
                ? policies.catchupWindow
                : msDuration(DEFAULT_CATCHUP_WINDOW_MS),
          },
        },
        info: {
          actionCount: st.actionCount,
          missedCatchupWindow: st.missedCatchupWindow,
          overlapSkipped: st.overlapSkipped,
          bufferDropped: st.bufferDropped,
          bufferSize: st.buffered.length,
          runningWorkflows: st.running.filter((r) => engine.executions.get(r.runId)?.state.status === 1),
          recentActions: scheduler.recentActions(st),
          // The real server lists them for a paused schedule too (they are the spec's next times).
          futureActionTimes: scheduler.futureTimes(st, 10, now).map(msTimestamp),
          createTime: msTimestamp(st.createTime),
          updateTime: st.updateTime !== undefined ? msTimestamp(st.updateTime) : null,
        },
        memo: st.memo ?? null,
        searchAttributes: st.searchAttributes ?? null,
        conflictToken: token(st),
      };
    },
    UpdateSchedule: (req: temporal.api.workflowservice.v1.IUpdateScheduleRequest) => {
      const st = find(req.namespace, req.scheduleId);
      if (req.conflictToken?.length && !tokenMatches(st, req.conflictToken)) {
        throw failedPrecondition('conflict token mismatch: the schedule changed since it was described');
      }
      scheduler.validate(st.namespace, req.schedule);
      const ns = engine.namespace(st.namespace);
      validateSearchAttributes(ns, req.searchAttributes);
      engine.tx((tx) => {
        st.schedule = typedSchedule(ns, req.schedule!);
        if (req.searchAttributes) st.searchAttributes = typedSearchAttributes(ns, req.searchAttributes);
        if (req.memo) st.memo = req.memo;
        st.updateTime = tx.now;
        st.conflictToken += 1;
        scheduler.planNext(st, tx.now);
        scheduler.save(tx, st);
      });
      return {};
    },
    PatchSchedule: (req: temporal.api.workflowservice.v1.IPatchScheduleRequest) => {
      const st = find(req.namespace, req.scheduleId);
      if (!req.patch) throw invalidArgument('patch is not set');
      engine.tx((tx) => {
        scheduler.patch(tx, st, req.patch!);
        st.conflictToken += 1;
        if (req.patch!.unpause) scheduler.planNext(st, tx.now);
        scheduler.save(tx, st);
      });
      return {};
    },
    DeleteSchedule: (req: temporal.api.workflowservice.v1.IDeleteScheduleRequest) => {
      const st = find(req.namespace, req.scheduleId);
      engine.tx((tx) => scheduler.delete(tx, st));
      return {};
    },
    ListSchedules: (req: temporal.api.workflowservice.v1.IListSchedulesRequest) => {
      const ns = engine.namespace(req.namespace ?? '');
      const q = compileScheduleQuery(ns, req.query);
      const now = ctx.time.now();
      const all = scheduler.list(ns.name).filter((st) => q.matches(asPseudoExecution(st)));
      const size = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
      const offset = decodePageToken(req.nextPageToken);
      return {
        schedules: all.slice(offset, offset + size).map((st) => ({
          scheduleId: st.scheduleId,
          memo: st.memo ?? { fields: {} },
          searchAttributes: Object.keys(st.searchAttributes?.indexedFields ?? {}).length
            ? visibilitySearchAttributes(st.searchAttributes, { ...SYSTEM_SEARCH_ATTRIBUTES, ...ns.searchAttributes })
            : null,
          info: listInfo(st, now),
        })),
        nextPageToken: offset + size < all.length ? encodePageToken(offset + size) : Buffer.alloc(0),
      };
    },
    CountSchedules: (req: temporal.api.workflowservice.v1.ICountSchedulesRequest) => {
      const ns = engine.namespace(req.namespace ?? '');
      const q = compileScheduleQuery(ns, req.query);
      return { count: scheduler.list(ns.name).filter((st) => q.matches(asPseudoExecution(st))).length, groups: [] };
    },
    ListScheduleMatchingTimes: (req: temporal.api.workflowservice.v1.IListScheduleMatchingTimesRequest) => {
      const st = find(req.namespace, req.scheduleId);
      const start = timestampMs(req.startTime);
      const end = timestampMs(req.endTime);
      if (end < start) throw invalidArgument('end_time is before start_time');
      return { startTime: scheduler.matchingTimes(st, start, end, true).map(msTimestamp) };
    },
  };
}

/** Lets the visibility query language filter schedules by their search attributes (and ScheduleId as WorkflowId). */
function asPseudoExecution(st: ScheduleState): Execution {
  return {
    state: {
      namespace: st.namespace,
      workflowId: st.scheduleId,
      runId: '',
      workflowType: st.schedule.action?.startWorkflow?.workflowType?.name ?? '',
      taskQueue: st.schedule.action?.startWorkflow?.taskQueue?.name ?? '',
      status: 1,
      startTime: st.createTime,
      executionTime: st.createTime,
      searchAttributes: {
        indexedFields: {
          ...st.searchAttributes?.indexedFields,
          TemporalSchedulePaused: {
            metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Bool') },
            data: Buffer.from(String(!!st.schedule.state?.paused)),
          },
        },
      },
      nextEventId: 1,
      historySizeBytes: 0,
      stateTransitions: 0,
    },
    events: [],
    persistedEvents: 0,
  } as unknown as Execution;
}
