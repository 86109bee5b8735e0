// The standalone activity RPCs (StartActivityExecution and the describe, poll, cancel, terminate, delete, list and
// count RPCs of its executions), and the routing of the activity RPCs workers and async completions use
// (RespondActivityTask*, RecordActivityTaskHeartbeat*): a standalone attempt's token, or an activity id given
// without a workflow id, reaches the standalone execution; everything else goes on to the workflow activity path.
import * as grpc from '@grpc/grpc-js';
import { Reader, Writer } from 'protobufjs/minimal';
import { temporal } from '../internal/proto';
import { enums, jsonPayload } from '../internal/proto';
import { Execution, ExecutionState } from '../history/mutable-state';
import { compileQuery, countGroups, visibilityOrder } from '../visibility/visibility';
import { SYSTEM_SEARCH_ATTRIBUTES, visibilitySearchAttributes } from '../visibility/search-attributes';
import { NamespaceRecord } from '../persistence/persistence';
import type { ServerContext } from '../server-context';
import { StandaloneActivities, StandaloneAddress } from '../activities/standalone-activities';
import {
  describeInfo,
  isOpen,
  listInfo,
  outcomeProto,
  StandaloneActivityState,
} from '../activities/standalone-activity-state';
import { invalidArgument, ServiceError } from '../errors';
import { decodePageToken, encodePageToken } from '../internal/page-token';
import { WorkflowServiceHandlers, UnaryHandler } from './service-definition';

type Call = grpc.ServerUnaryCall<unknown, unknown>;
const wfs = temporal.api.workflowservice.v1;
const T = enums.IndexedValueType;
const AS = enums.ActivityExecutionStatus;
const WS = enums.WorkflowExecutionStatus;

const MAX_PAGE = 1000;

/** Activity statuses as the workflow statuses of the same name (visibility compares and groups by name). */
const STATUS_AS_WORKFLOW_STATUS: Record<number, number> = {
  [AS.ACTIVITY_EXECUTION_STATUS_RUNNING]: WS.WORKFLOW_EXECUTION_STATUS_RUNNING,
  [AS.ACTIVITY_EXECUTION_STATUS_COMPLETED]: WS.WORKFLOW_EXECUTION_STATUS_COMPLETED,
  [AS.ACTIVITY_EXECUTION_STATUS_FAILED]: WS.WORKFLOW_EXECUTION_STATUS_FAILED,
  [AS.ACTIVITY_EXECUTION_STATUS_CANCELED]: WS.WORKFLOW_EXECUTION_STATUS_CANCELED,
  [AS.ACTIVITY_EXECUTION_STATUS_TERMINATED]: WS.WORKFLOW_EXECUTION_STATUS_TERMINATED,
  [AS.ACTIVITY_EXECUTION_STATUS_TIMED_OUT]: WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
};

/** The attributes a standalone activity query may name besides the workflow ones and the custom ones. */
const ACTIVITY_ATTRIBUTES = { ActivityId: T.INDEXED_VALUE_TYPE_KEYWORD, ActivityType: T.INDEXED_VALUE_TYPE_KEYWORD };

/**
 * An execution as the workflow visibility query engine reads one: its id, type, status, times, task queue and
 * search attributes, with `ActivityId` and `ActivityType` as keyword attributes. Workflow-only attributes
 * (WorkflowId, WorkflowType) are empty, so they match nothing, as on the real server.
 */
function visibilityView(s: StandaloneActivityState): Execution {
  const state: Partial<ExecutionState> = {
    namespace: s.namespace,
    workflowId: '',
    runId: s.runId,
    firstRunId: s.runId,
    workflowType: '',
    taskQueue: s.taskQueue,
    status: STATUS_AS_WORKFLOW_STATUS[s.status] ?? s.status,
    startTime: s.scheduleTime,
    executionTime: s.executionTime,
    closeTime: s.closeTime,
    nextEventId: 1,
    historySizeBytes: 0,
    stateTransitions: s.stateTransitions,
    searchAttributes: {
      indexedFields: {
        ...(s.searchAttributes?.indexedFields ?? {}),
        ActivityId: jsonPayload(s.activityId, { type: 'Keyword' }),
        ActivityType: jsonPayload(s.activityType, { type: 'Keyword' }),
      },
    },
  };
  return { state: state as ExecutionState, events: [], persistedEvents: 0 };
}

/** Long-poll tokens of DescribeActivityExecution: the run and the state transition it described. */
function encodeDescribeToken(s: StandaloneActivityState): Buffer {
  const w = Writer.create();
  w.uint32(10).string(s.runId);
  w.uint32(16).int64(s.stateTransitions);
  return Buffer.from(w.finish());
}

function decodeDescribeToken(bytes: Uint8Array): { runId: string; transitions: number } {
  try {
    const r = Reader.create(bytes);
    let runId = '';
    let transitions = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) runId = r.string();
      else if (tag === 16) transitions = Number(r.int64());
      else r.skipType(tag & 7);
    }
    return { runId, transitions };
  } catch {
    throw invalidArgument('invalid long poll token');
  }
}

/** Handlers of the standalone activity RPCs, and of the activity RPCs of `base` routed for standalone attempts. */
export function standaloneActivityHandlers(ctx: ServerContext, base: WorkflowServiceHandlers): WorkflowServiceHandlers {
  const { engine } = ctx;
  const activities: StandaloneActivities = ctx.standaloneActivities;
  const enabled = () => {
    if (!engine.config.bool('activity.enableStandalone')) {
      throw new ServiceError(
        grpc.status.UNIMPLEMENTED,
        'standalone activities are disabled on this server (dynamic config activity.enableStandalone=false)',
      );
    }
  };
  const ns = (name: string | null | undefined): NamespaceRecord => engine.namespace(name ?? '');
  const longPollMs = () => engine.config.durationMs('activity.longPollTimeout');

  const queryTypes = (namespace: NamespaceRecord) => ({
    ...SYSTEM_SEARCH_ATTRIBUTES,
    ...namespace.searchAttributes,
    ...ACTIVITY_ATTRIBUTES,
  });
  const select = (namespace: string | null | undefined, query: string | null | undefined) => {
    enabled();
    const record = ns(namespace);
    const q = compileQuery(
      { ...record, searchAttributes: { ...record.searchAttributes, ...ACTIVITY_ATTRIBUTES } },
      query,
    );
    const matched: Array<{ s: StandaloneActivityState; view: Execution }> = [];
    for (const s of activities.inNamespace(record.name)) {
      const view = visibilityView(s);
      if (q.matches(view)) matched.push({ s, view });
    }
    return { record, matched, groupBy: q.groupBy };
  };

  /** The address of a worker RPC when it is a standalone attempt's (a token of one, or an id without workflow id). */
  const tokenTarget = (req: { taskToken?: Uint8Array | null; namespace?: string | null }) =>
    activities.target({ token: req.taskToken, namespace: req.namespace });
  const idTarget = (
    req: {
      namespace?: string | null;
      workflowId?: string | null;
      runId?: string | null;
      activityId?: string | null;
    },
    scheduledToo = false,
  ) => {
    if (req.workflowId || !req.activityId) return undefined;
    ns(req.namespace);
    const addr: StandaloneAddress = { namespace: req.namespace!, activityId: req.activityId, runId: req.runId };
    return activities.target(addr, scheduledToo);
  };
  /** A worker RPC: handled here for a standalone attempt, by the workflow path otherwise. */
  function routed<R>(
    method: keyof WorkflowServiceHandlers,
    find: (req: R) => StandaloneActivityState | undefined,
    handle: (s: StandaloneActivityState, req: R) => object,
  ): UnaryHandler {
    const fallback = base[method];
    return ((req: R, call: Call) => {
      const s = find(req);
      if (s) return handle(s, req);
      if (!fallback) throw new ServiceError(grpc.status.UNIMPLEMENTED, `${method} is not implemented`);
      return fallback(req as never, call);
    }) as UnaryHandler;
  }
  type Req = temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest;
  type ByIdReq = temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest;
  type FailReq = temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest;
  type FailByIdReq = temporal.api.workflowservice.v1.IRespondActivityTaskFailedByIdRequest;
  type CancelReq = temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest;
  type CancelByIdReq = temporal.api.workflowservice.v1.IRespondActivityTaskCanceledByIdRequest;
  type BeatReq = temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest;
  type BeatByIdReq = temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatByIdRequest;

  return {
    StartActivityExecution: (req: temporal.api.workflowservice.v1.IStartActivityExecutionRequest) => {
      enabled();
      return activities.start(req);
    },

    DescribeActivityExecution: async (
      req: temporal.api.workflowservice.v1.IDescribeActivityExecutionRequest,
      call: Call,
    ) => {
      enabled();
      ns(req.namespace);
      let s = activities.get(req.namespace!, req.activityId, req.runId);
      if (req.longPollToken?.length) {
        // Answers once the run changed since the described state (or closed), or when the long poll ends.
        const token = decodeDescribeToken(req.longPollToken);
        if (token.runId !== s.runId) throw invalidArgument('long poll token does not match the activity run');
        const seen = s;
        await activities.waitFor(
          s.runId,
          () => (seen.stateTransitions !== token.transitions || !isOpen(seen) ? true : undefined),
          longPollMs(),
          call,
        );
        s = activities.get(req.namespace!, req.activityId, s.runId);
      }
      return {
        runId: s.runId,
        info: describeInfo(s, {
          heartbeatDetails: !!req.includeHeartbeatDetails,
          lastFailure: !!req.includeLastFailure,
        }),
        input: req.includeInput ? (s.input ?? { payloads: [] }) : null,
        outcome: req.includeOutcome ? outcomeProto(s) : null,
        longPollToken: encodeDescribeToken(s),
        callbacks: [],
      };
    },

    PollActivityExecution: async (req: temporal.api.workflowservice.v1.IPollActivityExecutionRequest, call: Call) => {
      enabled();
      ns(req.namespace);
      const s = activities.get(req.namespace!, req.activityId, req.runId);
      const closed = await activities.waitFor(s.runId, () => (isOpen(s) ? undefined : s), longPollMs(), call);
      // Like the real server, a long poll that ends before the execution closes answers with an empty message.
      if (!closed) return {};
      return { runId: closed.runId, outcome: outcomeProto(closed) };
    },

    RequestCancelActivityExecution: (req: temporal.api.workflowservice.v1.IRequestCancelActivityExecutionRequest) => {
      enabled();
      activities.requestCancel(req);
      return {};
    },

    TerminateActivityExecution: (req: temporal.api.workflowservice.v1.ITerminateActivityExecutionRequest) => {
      enabled();
      activities.terminate(req);
      return {};
    },

    DeleteActivityExecution: (req: temporal.api.workflowservice.v1.IDeleteActivityExecutionRequest) => {
      enabled();
      activities.delete(req);
      return {};
    },

    ListActivityExecutions: (req: temporal.api.workflowservice.v1.IListActivityExecutionsRequest) => {
      const { record, matched, groupBy } = select(req.namespace, req.query);
      if (groupBy) throw invalidArgument("invalid query: 'GROUP BY' clause is only supported in Count");
      matched.sort((a, b) => visibilityOrder(a.view, b.view));
      const size = req.pageSize && req.pageSize > 0 ? Math.min(req.pageSize, MAX_PAGE) : MAX_PAGE;
      const offset = decodePageToken(req.nextPageToken);
      const types = queryTypes(record);
      return wfs.ListActivityExecutionsResponse.create({
        executions: matched
          .slice(offset, offset + size)
          .map(({ s }) => listInfo(s, visibilitySearchAttributes(s.searchAttributes, types))),
        nextPageToken: offset + size < matched.length ? encodePageToken(offset + size) : Buffer.alloc(0),
      });
    },

    CountActivityExecutions: (req: temporal.api.workflowservice.v1.ICountActivityExecutionsRequest) => {
      const { matched, groupBy } = select(req.namespace, req.query);
      const views = matched.map((m) => m.view);
      if (!groupBy) return { count: views.length, groups: [] };
      // The real server orders the groups of activity executions by status name.
      const groups = countGroups(views).sort((a, b) =>
        Buffer.compare(Buffer.from(a.groupValues?.[0]?.data ?? []), Buffer.from(b.groupValues?.[0]?.data ?? [])),
      );
      return { count: views.length, groups };
    },

    RespondActivityTaskCompleted: routed('RespondActivityTaskCompleted', tokenTarget, (s, req: Req) => {
      activities.complete(s, req.result);
      return {};
    }),
    // Unlike the others, completing by id also reaches an execution no worker has started (as on the real server).
    RespondActivityTaskCompletedById: routed(
      'RespondActivityTaskCompletedById',
      (req: ByIdReq) => idTarget(req, true),
      (s, req: ByIdReq) => {
        activities.complete(s, req.result);
        return {};
      },
    ),
    RespondActivityTaskFailed: routed('RespondActivityTaskFailed', tokenTarget, (s, req: FailReq) => {
      activities.fail(s, req.failure, req.lastHeartbeatDetails);
      return { failures: [] };
    }),
    RespondActivityTaskFailedById: routed('RespondActivityTaskFailedById', idTarget, (s, req: FailByIdReq) => {
      activities.fail(s, req.failure, req.lastHeartbeatDetails);
      return { failures: [] };
    }),
    RespondActivityTaskCanceled: routed('RespondActivityTaskCanceled', tokenTarget, (s, req: CancelReq) => {
      activities.canceled(s, req.details, req.identity ?? '');
      return {};
    }),
    RespondActivityTaskCanceledById: routed('RespondActivityTaskCanceledById', idTarget, (s, req: CancelByIdReq) => {
      activities.canceled(s, req.details, req.identity ?? '');
      return {};
    }),
    RecordActivityTaskHeartbeat: routed('RecordActivityTaskHeartbeat', tokenTarget, (s, req: BeatReq) =>
      activities.heartbeat(s, req.details),
    ),
    RecordActivityTaskHeartbeatById: routed('RecordActivityTaskHeartbeatById', idTarget, (s, req: BeatByIdReq) =>
      activities.heartbeat(s, req.details),
    ),
  };
}
