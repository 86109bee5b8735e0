import {
  decodeHistoryToken,
  encodeHistoryToken,
  forwardPageEnd,
  historyPageSize,
  reversePageStart,
} from '../history/history-pages';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import { HistoryEngine } from '../history/engine';
import { Execution, isRunning } from '../history/mutable-state';
import { startWorkflowInTx, startResponse, validateStart } from '../history/start-workflow';
import {
  requestCancelRun,
  resetPointsProto,
  signalRun,
  terminateRun,
  timeoutField,
  workflowTimeoutFailure,
} from '../history/workflow-lifecycle';
import {
  completeWorkflowTask,
  failWorkflowTask,
  startWorkflowTask,
  transientWorkflowTaskEvents,
} from '../history/workflow-tasks';
import { randomUUID } from 'node:crypto';
import { updateWorkflowOptions } from '../history/workflow-options';
import { resetWorkflow } from '../history/reset';
import { pauseActivity, resetActivity, unpauseActivity, updateActivityOptions } from '../history/activity-controls';
import {
  cancelActivityReported,
  completeActivity,
  failActivity,
  heartbeatActivity,
  pendingActivityInfo,
} from '../history/activities';
import { Matching, PollCaller } from '../matching/matching';
import { callbackInfo, completeNexusTask, failNexusTask, pendingNexusOperationInfo } from '../nexus/nexus-operations';
import { durationMs, enums, GO_ZERO_TIME, IHistoryEvent, msDuration, msTimestamp } from '../internal/proto';
import { NamespaceRegistry, searchAttributeFields } from '../namespaces/namespace-registry';
import { failedPrecondition, invalidArgument, namespaceAlreadyExists, notFound, ServiceError } from '../errors';
import { validateExecution } from './validation';
import type { DynamicConfig } from '../config/dynamic-config';
import { ServiceHandlers } from './service-definition';
import { SYSTEM_SEARCH_ATTRIBUTES } from '../visibility/search-attributes';
import { pollerWorkerVersion } from '../visibility/build-ids';
import type { ServerContext } from '../server-context';

const ET = enums.EventType;
type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** Server version reported by GetSystemInfo. */
export const SERVER_VERSION = '1.29.0';

/** The client versions the real server (1.x) says it supports, which GetClusterInfo reports as it does. */
const SUPPORTED_CLIENTS: Record<string, string> = {
  'Nexus-go-sdk': '<2.0.0',
  'temporal-cli': '<2.0.0',
  'temporal-go': '<2.0.0',
  'temporal-java': '<2.0.0',
  'temporal-php': '<2.0.0',
  'temporal-server': '<2.0.0',
  'temporal-typescript': '<2.0.0',
  'temporal-ui': '<3.0.0',
};

/** The figures the real dev server reports for task queues and their pollers (no rate limit applies here). */
const POLLER_RATE_PER_SECOND = 100_000;
const TASK_QUEUE_RATE_PER_SECOND = 4_000;
/** The priority key of tasks without a priority (the middle of the real server's default five). */
const DEFAULT_PRIORITY_KEY = 3;

/** The name of the one cluster, as the real dev server names its own. */
export const CLUSTER_NAME = 'active';

/** What matching knows of a poll's caller: when it leaves, and the worker it polls for. */
function pollCaller(call: Call | undefined, instanceKey: string | null | undefined): PollCaller {
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
function pollWait(call: Call | undefined, longPollMs: number): number {
  const deadline = call?.getDeadline?.();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' ? deadline : Infinity;
  if (!Number.isFinite(deadlineMs)) return longPollMs;
  const remaining = deadlineMs - Date.now();
  if (remaining < MIN_POLL_DEADLINE_MS) throw failedPrecondition('Context timeout is too short.');
  return Math.min(longPollMs, remaining - POLL_DEADLINE_MARGIN_MS);
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

function namespaceDescription(
  ns: ReturnType<NamespaceRegistry['get']> & object,
  config: DynamicConfig,
): temporal.api.workflowservice.v1.IDescribeNamespaceResponse {
  return {
    namespaceInfo: {
      name: ns.name,
      state: enums.NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: ns.description,
      ownerEmail: ns.ownerEmail,
      data: ns.data,
      id: ns.id,
      // Worker heartbeats are accepted (and kept); worker commands are not offered, so workers poll no control queue.
      capabilities: {
        eagerWorkflowStart: config.bool('system.enableEagerWorkflowStart'),
        syncUpdate: true,
        asyncUpdate: true,
        workerHeartbeats: true,
        standaloneActivities: config.bool('activity.enableStandalone'),
        workerPollCompleteOnShutdown: config.bool('frontend.enableCancelWorkerPollsOnShutdown'),
      },
      limits: {
        blobSizeLimitError: config.number('limit.blobSize.error'),
        memoSizeLimitError: config.number('limit.memoSize.error'),
      },
      supportsSchedules: true,
    },
    config: {
      workflowExecutionRetentionTtl: msDuration(ns.retentionMs),
      badBinaries: { binaries: {} },
      historyArchivalState: enums.ArchivalState.ARCHIVAL_STATE_DISABLED,
      visibilityArchivalState: enums.ArchivalState.ARCHIVAL_STATE_DISABLED,
      customSearchAttributeAliases: Object.fromEntries(
        Object.entries(searchAttributeFields(ns)).map(([name, field]) => [field, name]),
      ),
    },
    // One local cluster, as the real dev server reports it (the CLI prints these fields). Namespaces created at
    // start have no replication state; registered ones are NORMAL.
    replicationConfig: {
      activeClusterName: CLUSTER_NAME,
      clusters: [{ clusterName: CLUSTER_NAME }],
      state: ns.registered ? enums.ReplicationState.REPLICATION_STATE_NORMAL : 0,
    },
    isGlobalNamespace: false,
    failoverVersion: 0,
    failoverHistory: [],
  };
}

/**
 * The close event as the close-event history filter returns it. A run that closed and was followed by another
 * (a retry, or the next cron run) is reported as continued-as-new, as the real server does: the event keeps
 * its id and time, and carries only the next run id and the failure (or, for a completed cron run, its result).
 * History itself keeps the original close event.
 */
function closeEventForFilter(ev: IHistoryEvent): IHistoryEvent {
  const completed = ev.workflowExecutionCompletedEventAttributes;
  const failed = ev.workflowExecutionFailedEventAttributes;
  const timedOut = ev.workflowExecutionTimedOutEventAttributes;
  const newExecutionRunId =
    completed?.newExecutionRunId || failed?.newExecutionRunId || timedOut?.newExecutionRunId || '';
  if (!newExecutionRunId) return ev;
  return {
    eventId: ev.eventId,
    eventTime: ev.eventTime,
    eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    version: ev.version,
    taskId: ev.taskId,
    workflowExecutionContinuedAsNewEventAttributes: {
      newExecutionRunId,
      failure: failed ? (failed.failure ?? null) : timedOut ? workflowTimeoutFailure() : null,
      lastCompletionResult: completed ? (completed.result ?? null) : null,
    },
  };
}

/**
 * WorkflowExecutionInfo of a run as Describe (or, with `forList`, List) reports it. Like the real server's
 * visibility store, List leaves out what it does not index: reset points, the last worker stamp, the first run
 * id and the parent's namespace id, and for a running run its history length, size and transition count (known once it closes).
 */
export function executionInfo(
  engine: HistoryEngine,
  ex: Execution,
  forList = false,
): temporal.api.workflow.v1.IWorkflowExecutionInfo {
  const s = ex.state;
  const closed = s.closeTime !== undefined;
  const progress = !forList || closed;
  return {
    execution: { workflowId: s.workflowId, runId: s.runId },
    type: { name: s.workflowType },
    startTime: msTimestamp(s.startTime),
    closeTime: closed ? msTimestamp(s.closeTime!) : null,
    status: s.status,
    historyLength: progress ? (s.closeEventId ?? s.nextEventId - 1) : 0,
    parentNamespaceId: s.parent && !forList ? (engine.namespaces.get(s.parent.namespace)?.id ?? '') : '',
    parentExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : null,
    executionTime: msTimestamp(s.executionTime),
    memo: s.memo ?? { fields: {} },
    searchAttributes: s.searchAttributes ?? { indexedFields: {} },
    autoResetPoints: !forList && s.resetPoints?.length ? resetPointsProto(s.resetPoints) : null,
    taskQueue: s.taskQueue,
    stateTransitionCount: progress ? s.stateTransitions : 0,
    historySizeBytes: progress ? s.historySizeBytes : 0,
    // Negative when the run closed before its first workflow task was due, as the real server reports it.
    executionDuration: closed ? msDuration(s.closeTime! - s.executionTime) : null,
    // A closed run's summary leaves out a root that is the run itself.
    rootExecution: s.root
      ? { workflowId: s.root.workflowId, runId: s.root.runId }
      : ex.summary && !s.parent
        ? { workflowId: s.workflowId, runId: s.runId }
        : null,
    firstRunId: forList ? '' : s.firstRunId,
    mostRecentWorkerVersionStamp: forList ? null : (s.mostRecentWorkerVersionStamp ?? null),
    priority: s.priority ?? null,
    versioningInfo:
      engine.hooks.versioning?.versioningInfo(s) ??
      (s.versioningOverride ? { versioningOverride: s.versioningOverride } : null),
  };
}

/** The extended info of Describe, as the real server fills it in. */
function extendedInfo(ex: Execution): temporal.api.workflow.v1.IWorkflowExecutionExtendedInfo {
  const s = ex.state;
  return {
    executionExpirationTime:
      s.executionTimeoutMs > 0 && s.executionExpirationTime !== undefined
        ? msTimestamp(s.executionExpirationTime)
        : null,
    runExpirationTime: s.runTimeoutMs > 0 ? msTimestamp(s.executionTime + s.runTimeoutMs) : GO_ZERO_TIME,
    cancelRequested: s.cancelRequested,
    originalStartTime: msTimestamp(s.startTime),
    requestIdInfos: s.startRequestId
      ? { [s.startRequestId]: { eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, eventId: 1, buffered: false } }
      : {},
  };
}

/** Handlers of temporal.api.workflowservice.v1.WorkflowService. */
export function workflowServiceHandlers(ctx: ServerContext): ServiceHandlers {
  const { engine, queries, matching } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');
  /** Checks the namespace of a `...ById` activity request and locates its activity. */
  const byId = (req: {
    namespace?: string | null;
    workflowId?: string | null;
    runId?: string | null;
    activityId?: string | null;
  }) => {
    ns(req.namespace);
    return {
      namespace: req.namespace ?? '',
      workflowId: req.workflowId ?? '',
      runId: req.runId,
      activityId: req.activityId ?? '',
    };
  };

  const pollTimeout = ctx.options.longPollTimeoutMs;
  /** A namespace's retention must be set and at least `system.namespaceMinRetentionLocal` (1 h). */
  const checkRetention = (retentionMs: number) => {
    if (retentionMs <= 0 || retentionMs < engine.config.durationMs('system.namespaceMinRetentionLocal')) {
      throw invalidArgument('A valid retention period is not set on request.');
    }
  };

  return {
    GetSystemInfo: () => ({
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: true,
        encodedFailureAttributes: true,
        buildIdBasedVersioning: true,
        upsertMemo: true,
        eagerWorkflowStart: engine.config.bool('system.enableEagerWorkflowStart'),
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        nexus: true,
      },
    }),

    GetClusterInfo: () => ({
      supportedClients: SUPPORTED_CLIENTS,
      serverVersion: SERVER_VERSION,
      clusterId: ctx.clusterId,
      clusterName: CLUSTER_NAME,
      historyShardCount: 1,
      persistenceStore: ctx.options.dbFilename ? 'sqlite' : 'memory',
      visibilityStore: ctx.options.dbFilename ? 'sqlite' : 'memory',
      initialFailoverVersion: 1,
      failoverVersionIncrement: 10,
    }),

    // ---- namespaces ----
    DescribeNamespace: (req: temporal.api.workflowservice.v1.IDescribeNamespaceRequest) => {
      if (req.id) {
        const byId = engine.namespaces.getById(req.id);
        if (!byId) throw notFound(`Namespace with id ${req.id} is not found.`);
        return namespaceDescription(byId, engine.config);
      }
      if (!req.namespace) throw invalidArgument('Namespace not set on request.');
      return namespaceDescription(ns(req.namespace), engine.config);
    },
    RegisterNamespace: (req: temporal.api.workflowservice.v1.IRegisterNamespaceRequest) => {
      if (!req.namespace) throw invalidArgument('Namespace not set on request.');
      engine.limits.checkLength(req.namespace, 'Namespace length exceeds limit.');
      const retention = durationMs(req.workflowExecutionRetentionPeriod);
      checkRetention(retention);
      if (engine.namespaces.get(req.namespace)) throw namespaceAlreadyExists(req.namespace);
      ctx.registerNamespace(req.namespace, {
        description: req.description ?? '',
        ownerEmail: req.ownerEmail ?? '',
        data: { ...(req.data ?? {}) },
        retentionMs: retention || undefined,
        registered: true,
      });
      return {};
    },
    ListNamespaces: (req: temporal.api.workflowservice.v1.IListNamespacesRequest) => {
      const all = engine.namespaces.list();
      const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : 100;
      const start = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
      const page = all.slice(start, start + pageSize);
      const next = start + pageSize < all.length ? Buffer.from(String(start + pageSize)) : Buffer.alloc(0);
      return { namespaces: page.map((n) => namespaceDescription(n, engine.config)), nextPageToken: next };
    },
    UpdateNamespace: (req: temporal.api.workflowservice.v1.IUpdateNamespaceRequest) => {
      const record = ns(req.namespace);
      const updated = { ...record };
      if (req.updateInfo) {
        if (req.updateInfo.description) updated.description = req.updateInfo.description;
        if (req.updateInfo.ownerEmail) updated.ownerEmail = req.updateInfo.ownerEmail;
        if (req.updateInfo.data) updated.data = { ...updated.data, ...req.updateInfo.data };
      }
      if (req.config?.workflowExecutionRetentionTtl) {
        const retention = durationMs(req.config.workflowExecutionRetentionTtl);
        checkRetention(retention);
        updated.retentionMs = retention;
      }
      ctx.saveNamespace(updated);
      const d = namespaceDescription(updated, engine.config);
      return {
        namespaceInfo: d.namespaceInfo,
        config: d.config,
        replicationConfig: d.replicationConfig,
        isGlobalNamespace: false,
        failoverVersion: 0,
      };
    },

    // ---- starting and addressing workflows ----
    StartWorkflowExecution: (req: temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest) => {
      validateStart(engine, req);
      return engine.tx((tx) => {
        const outcome = startWorkflowInTx(engine, tx, req);
        const response = startResponse(outcome);
        // Eager start: the first workflow task starts now and comes back in the response, so it never reaches
        // the queue (a run that waits for its first task, or one already running, gets none).
        const wft = outcome.ex.state.wft;
        if (
          req.requestEagerExecution &&
          outcome.started &&
          engine.config.bool('system.enableEagerWorkflowStart') &&
          wft &&
          wft.startedEventId === undefined
        ) {
          response.eagerWorkflowTask =
            startWorkflowTask(engine, outcome.ex, wft.seq, req.identity ?? '', randomUUID()) ?? null;
        }
        return response;
      });
    },

    SignalWithStartWorkflowExecution: (
      req: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest,
    ) => {
      ns(req.namespace);
      engine.limits.workflowId(req.workflowId);
      if (!req.signalName) throw invalidArgument('signal not set');
      const signalNameLength = Buffer.byteLength(req.signalName);
      if (signalNameLength > engine.limits.maxIdLength) {
        throw invalidArgument(
          `signal name exceeds maximum allowed length (${signalNameLength}/${engine.limits.maxIdLength})`,
        );
      }
      engine.blobs.check(req.signalInput, {
        namespace: req.namespace ?? '',
        workflowId: req.workflowId ?? '',
        operation: 'SignalWithStartWorkflowExecution',
      });
      const startReq: temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest = {
        namespace: req.namespace,
        workflowId: req.workflowId,
        workflowType: req.workflowType,
        taskQueue: req.taskQueue,
        input: req.input,
        workflowExecutionTimeout: req.workflowExecutionTimeout,
        workflowRunTimeout: req.workflowRunTimeout,
        workflowTaskTimeout: req.workflowTaskTimeout,
        identity: req.identity,
        requestId: req.requestId,
        workflowIdReusePolicy: req.workflowIdReusePolicy,
        workflowIdConflictPolicy: req.workflowIdConflictPolicy,
        retryPolicy: req.retryPolicy,
        cronSchedule: req.cronSchedule,
        memo: req.memo,
        searchAttributes: req.searchAttributes,
        header: req.header,
        workflowStartDelay: req.workflowStartDelay,
        userMetadata: req.userMetadata,
        links: req.links,
        priority: req.priority,
      };
      validateStart(engine, startReq, 'signalWithStart');
      if (req.workflowIdConflictPolicy === enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL) {
        // Signal-with-start exists to reach a running workflow, so the real server refuses FAIL outright.
        throw invalidArgument(
          'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
        );
      }
      const outcome = engine.tx((tx) =>
        startWorkflowInTx(engine, tx, startReq, {
          name: req.signalName!,
          input: req.signalInput ?? null,
          identity: req.identity ?? '',
          header: req.header ?? null,
          requestId: req.requestId ?? '',
        }),
      );
      return { runId: outcome.ex.state.runId, started: outcome.started };
    },

    SignalWorkflowExecution: (req: temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest) => {
      ns(req.namespace);
      validateExecution(req.workflowExecution);
      if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
      engine.limits.checkLength(req.signalName, 'SignalName length exceeds limit.');
      engine.limits.requestId(req.requestId);
      engine.blobs.check(req.input, {
        namespace: req.namespace ?? '',
        workflowId: req.workflowExecution!.workflowId!,
        runId: req.workflowExecution!.runId ?? '',
        operation: 'SignalWorkflowExecution',
      });
      const ex = engine.getOpenExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
      engine.tx((tx) =>
        signalRun(engine, tx, ex, {
          name: req.signalName!,
          input: req.input ?? null,
          identity: req.identity ?? '',
          header: req.header ?? null,
          requestId: req.requestId ?? '',
          links: req.links ?? null,
        }),
      );
      return {};
    },

    RequestCancelWorkflowExecution: (req: temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionRequest) => {
      ns(req.namespace);
      validateExecution(req.workflowExecution);
      const ex = engine.getExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
      if (req.firstExecutionRunId && ex.state.firstRunId !== req.firstExecutionRunId) {
        throw notFound('workflow execution not found for the given first_execution_run_id');
      }
      if (isRunning(ex.state)) {
        engine.tx((tx) =>
          requestCancelRun(engine, tx, ex, {
            cause: req.reason ?? '',
            identity: req.identity ?? '',
            requestId: req.requestId ?? '',
          }),
        );
      }
      return {};
    },

    TerminateWorkflowExecution: (req: temporal.api.workflowservice.v1.ITerminateWorkflowExecutionRequest) => {
      ns(req.namespace);
      validateExecution(req.workflowExecution);
      const ex = engine.getOpenExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
      if (req.firstExecutionRunId && ex.state.firstRunId !== req.firstExecutionRunId) {
        throw notFound('workflow execution not found for the given first_execution_run_id');
      }
      engine.tx((tx) => terminateRun(engine, tx, ex, req.reason ?? '', req.details ?? null, req.identity ?? ''));
      return {};
    },

    DeleteWorkflowExecution: (req: temporal.api.workflowservice.v1.IDeleteWorkflowExecutionRequest) => {
      ns(req.namespace);
      validateExecution(req.workflowExecution);
      const ex = engine.getExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
      engine.tx((tx) => {
        if (isRunning(ex.state)) terminateRun(engine, tx, ex, 'Delete workflow execution', null, '');
        engine.removeExecution(ex, tx);
      });
      return {};
    },

    StartBatchOperation: (req: temporal.api.workflowservice.v1.IStartBatchOperationRequest) => {
      ctx.batches.start(req);
      return {};
    },
    DescribeBatchOperation: (req: temporal.api.workflowservice.v1.IDescribeBatchOperationRequest) =>
      ctx.batches.describe(req),
    ListBatchOperations: (req: temporal.api.workflowservice.v1.IListBatchOperationsRequest) => ctx.batches.list(req),
    StopBatchOperation: (req: temporal.api.workflowservice.v1.IStopBatchOperationRequest) => {
      ctx.batches.stop(req);
      return {};
    },

    ResetWorkflowExecution: (req: temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest) => ({
      runId: resetWorkflow(engine, req),
    }),

    UpdateWorkflowExecutionOptions: (req: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionOptionsRequest) => {
      ns(req.namespace);
      validateExecution(req.workflowExecution);
      const ex = engine.getOpenExecution(req.namespace!, req.workflowExecution.workflowId, req.workflowExecution.runId);
      const workflowExecutionOptions = updateWorkflowOptions(
        engine,
        ex,
        req.workflowExecutionOptions,
        req.updateMask?.paths ?? [],
        req.identity ?? '',
      );
      return { workflowExecutionOptions };
    },

    DescribeWorkflowExecution: (req: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest) => {
      ns(req.namespace);
      validateExecution(req.execution);
      const ex = engine.getExecution(req.namespace!, req.execution.workflowId, req.execution.runId);
      const s = ex.state;
      const PW = enums.PendingWorkflowTaskState;
      return {
        executionConfig: {
          taskQueue: { name: s.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          workflowExecutionTimeout: timeoutField(s.executionTimeoutMs, s.executionTimeoutSet),
          workflowRunTimeout: timeoutField(s.runTimeoutMs, s.runTimeoutSet),
          defaultWorkflowTaskTimeout: msDuration(s.taskTimeoutMs),
          userMetadata: s.userMetadata ?? null,
        },
        workflowExecutionInfo: executionInfo(engine, ex),
        workflowExtendedInfo: extendedInfo(ex),
        pendingActivities: Object.values(s.activities).map(pendingActivityInfo),
        pendingNexusOperations: Object.values(s.nexusOperations ?? {}).map(pendingNexusOperationInfo),
        callbacks: (s.callbacks ?? []).map(callbackInfo),
        pendingChildren: Object.values(s.children)
          .filter((c) => c.runId)
          .map((c) => ({
            workflowId: c.workflowId,
            runId: c.runId,
            workflowTypeName: c.workflowType,
            initiatedId: c.initiatedEventId,
            parentClosePolicy: c.parentClosePolicy,
          })),
        pendingWorkflowTask: s.wft
          ? {
              state:
                s.wft.startedEventId !== undefined
                  ? PW.PENDING_WORKFLOW_TASK_STATE_STARTED
                  : PW.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
              scheduledTime: msTimestamp(s.wft.scheduledTime),
              originalScheduledTime: msTimestamp(s.wft.scheduledTime),
              startedTime: s.wft.startedTime ? msTimestamp(s.wft.startedTime) : null,
              attempt: s.wft.attempt,
            }
          : null,
      };
    },

    GetWorkflowExecutionHistory: async (
      req: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest,
      call: Call,
    ) => {
      ns(req.namespace);
      validateExecution(req.execution);
      const token = decodeHistoryToken(req.nextPageToken);
      const ex = engine.getExecution(req.namespace!, req.execution.workflowId, token?.rid ?? req.execution.runId);
      const s = ex.state;
      const closeOnly =
        req.historyEventFilterType === enums.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
      if (closeOnly) {
        const closed = await waitForRun(
          engine,
          s.runId,
          () => (isRunning(s) ? undefined : true),
          req.waitNewEvent ? ctx.options.historyLongPollMs : 0,
          call,
        );
        if (!closed) {
          return {
            history: { events: [] },
            nextPageToken: req.waitNewEvent
              ? encodeHistoryToken({ rid: s.runId, next: s.nextEventId })
              : Buffer.alloc(0),
          };
        }
        return {
          history: { events: [closeEventForFilter(ex.events[(s.closeEventId ?? ex.events.length) - 1])] },
          nextPageToken: Buffer.alloc(0),
        };
      }
      const from = token?.next ?? 1;
      if (req.waitNewEvent && isRunning(s) && from >= s.nextEventId) {
        await waitForRun(
          engine,
          s.runId,
          () => (s.nextEventId > from || !isRunning(s) ? true : undefined),
          ctx.options.historyLongPollMs,
          call,
        );
      }
      // Pages hold whole batches (the events one change wrote), so a page may hold more events than its size. A
      // token from a workflow task's first page stops where that task's history stopped.
      const available = token?.end ? Math.min(token.end - 1, ex.events.length) : ex.events.length;
      const endIndex = forwardPageEnd(ex.events, from - 1, available, historyPageSize(req.maximumPageSize));
      const events = ex.events.slice(from - 1, endIndex);
      const next = endIndex + 1;
      const more = endIndex < available;
      const keepWaiting = req.waitNewEvent && isRunning(s) && !token?.end;
      // The last page ends with the transient workflow task's events, as the real server's does.
      const transient = more ? [] : transientWorkflowTaskEvents(engine, ex, false);
      return {
        history: { events: transient.length > 0 ? [...events, ...transient] : events },
        nextPageToken: more || keepWaiting ? encodeHistoryToken({ ...token, rid: s.runId, next }) : Buffer.alloc(0),
        archived: false,
      };
    },

    GetWorkflowExecutionHistoryReverse: (
      req: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryReverseRequest,
    ) => {
      ns(req.namespace);
      validateExecution(req.execution);
      const token = decodeHistoryToken(req.nextPageToken);
      const ex = engine.getExecution(req.namespace!, req.execution.workflowId, token?.rid ?? req.execution.runId);
      const upTo = token?.next ?? ex.events.length;
      const start = reversePageStart(ex.events, upTo, historyPageSize(req.maximumPageSize));
      const events = ex.events.slice(start, upTo).reverse();
      return {
        history: { events },
        nextPageToken: start > 0 ? encodeHistoryToken({ rid: ex.state.runId, next: start }) : Buffer.alloc(0),
      };
    },

    // ---- workflow tasks ----
    PollWorkflowTaskQueue: async (req: temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest, call: Call) => {
      ns(req.namespace);
      engine.limits.taskQueue(req.taskQueue);
      engine.limits.identity(req.identity);
      const { key, version } = ctx.deployments.pollQueue(
        req.namespace!,
        'workflow',
        req.taskQueue!,
        req.deploymentOptions,
      );
      const response = await matching.poll(
        key,
        req.identity ?? '',
        (task, identity) => ctx.startTask(task, identity, pollerWorkerVersion(req.workerVersionCapabilities), version),
        pollWait(call, pollTimeout),
        pollCaller(call, req.workerInstanceKey),
        req.workerVersionCapabilities,
      );
      return response ?? {};
    },
    RespondWorkflowTaskCompleted: (req: temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest) =>
      completeWorkflowTask(engine, req),
    RespondWorkflowTaskFailed: (req: temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest) => {
      failWorkflowTask(engine, req);
      return {};
    },
    RespondQueryTaskCompleted: (req: temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest) => {
      queries.respond(req);
      return {};
    },
    ResetStickyTaskQueue: (req: temporal.api.workflowservice.v1.IResetStickyTaskQueueRequest) => {
      ns(req.namespace);
      validateExecution(req.execution);
      const ex = engine.getOpenExecution(req.namespace!, req.execution.workflowId, req.execution.runId);
      engine.tx((tx) => {
        ex.state.sticky = undefined;
        tx.touch(ex);
      });
      return {};
    },
    ShutdownWorker: (req: temporal.api.workflowservice.v1.IShutdownWorkerRequest) => {
      ns(req.namespace);
      if (req.stickyTaskQueue) ctx.releaseStickyQueue(req.namespace!, req.stickyTaskQueue);
      // With frontend.enableCancelWorkerPollsOnShutdown, the worker's own polls on its queue end at once (empty).
      if (engine.config.bool('frontend.enableCancelWorkerPollsOnShutdown') && req.workerInstanceKey && req.taskQueue) {
        const TQT = enums.TaskQueueType;
        for (const type of req.taskQueueTypes ?? []) {
          const kind =
            type === TQT.TASK_QUEUE_TYPE_WORKFLOW
              ? 'workflow'
              : type === TQT.TASK_QUEUE_TYPE_ACTIVITY
                ? 'activity'
                : undefined;
          if (kind)
            matching.releasePollers(Matching.queueKey(req.namespace!, kind, req.taskQueue), req.workerInstanceKey);
        }
      }
      // A worker's last heartbeat comes with its shutdown.
      if (req.workerHeartbeat) ctx.workerHeartbeats.record(req.namespace!, req.workerHeartbeat);
      return {};
    },
    RecordWorkerHeartbeat: (req: temporal.api.workflowservice.v1.IRecordWorkerHeartbeatRequest) => {
      ns(req.namespace);
      for (const hb of req.workerHeartbeat ?? []) ctx.workerHeartbeats.record(req.namespace!, hb);
      return {};
    },

    // ---- activities ----
    PollActivityTaskQueue: async (req: temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest, call: Call) => {
      ns(req.namespace);
      engine.limits.taskQueue(req.taskQueue);
      engine.limits.identity(req.identity);
      const { key, version } = ctx.deployments.pollQueue(
        req.namespace!,
        'activity',
        req.taskQueue!,
        req.deploymentOptions,
      );
      const response = await matching.poll(
        key,
        req.identity ?? '',
        (task, identity) => ctx.startTask(task, identity, pollerWorkerVersion(req.workerVersionCapabilities), version),
        pollWait(call, pollTimeout),
        pollCaller(call, req.workerInstanceKey),
        req.workerVersionCapabilities,
      );
      return response ?? {};
    },
    RespondActivityTaskCompleted: (req: temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest) => {
      completeActivity(engine, { token: req.taskToken, namespace: req.namespace }, req.result, req.identity ?? '');
      return {};
    },
    RespondActivityTaskCompletedById: (
      req: temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest,
    ) => {
      completeActivity(engine, byId(req), req.result, req.identity ?? '');
      return {};
    },
    RespondActivityTaskFailed: (req: temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest) => {
      const failures = failActivity(
        engine,
        { token: req.taskToken, namespace: req.namespace },
        req.failure,
        req.lastHeartbeatDetails,
        req.identity ?? '',
      );
      return { failures };
    },
    RespondActivityTaskFailedById: (req: temporal.api.workflowservice.v1.IRespondActivityTaskFailedByIdRequest) => {
      const failures = failActivity(engine, byId(req), req.failure, req.lastHeartbeatDetails, req.identity ?? '');
      return { failures };
    },
    RespondActivityTaskCanceled: (req: temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest) => {
      cancelActivityReported(
        engine,
        { token: req.taskToken, namespace: req.namespace },
        req.details,
        req.identity ?? '',
      );
      return {};
    },
    RespondActivityTaskCanceledById: (req: temporal.api.workflowservice.v1.IRespondActivityTaskCanceledByIdRequest) => {
      cancelActivityReported(engine, byId(req), req.details, req.identity ?? '');
      return {};
    },
    RecordActivityTaskHeartbeat: (req: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest) => {
      const r = heartbeatActivity(engine, { token: req.taskToken, namespace: req.namespace }, req.details);
      return {
        cancelRequested: r.cancelRequested,
        activityPaused: !!r.activityPaused,
        activityReset: !!r.activityReset,
      };
    },
    RecordActivityTaskHeartbeatById: (req: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatByIdRequest) => {
      const r = heartbeatActivity(engine, byId(req), req.details);
      return {
        cancelRequested: r.cancelRequested,
        activityPaused: !!r.activityPaused,
        activityReset: !!r.activityReset,
      };
    },

    PauseActivity: (req: temporal.api.workflowservice.v1.IPauseActivityRequest) => {
      pauseActivity(engine, req);
      return {};
    },
    UnpauseActivity: (req: temporal.api.workflowservice.v1.IUnpauseActivityRequest) => {
      unpauseActivity(engine, req);
      return {};
    },
    ResetActivity: (req: temporal.api.workflowservice.v1.IResetActivityRequest) => {
      resetActivity(engine, req);
      return {};
    },
    UpdateActivityOptions: (req: temporal.api.workflowservice.v1.IUpdateActivityOptionsRequest) => ({
      activityOptions: updateActivityOptions(engine, req),
    }),

    // ---- nexus ----
    PollNexusTaskQueue: async (req: temporal.api.workflowservice.v1.IPollNexusTaskQueueRequest, call: Call) => {
      ns(req.namespace);
      engine.limits.taskQueue(req.taskQueue);
      engine.limits.identity(req.identity);
      const key = Matching.queueKey(req.namespace!, 'nexus', req.taskQueue!.name!);
      const response = await matching.poll(
        key,
        req.identity ?? '',
        (task, identity) => ctx.startTask(task, identity),
        pollWait(call, pollTimeout),
        pollCaller(call, req.workerInstanceKey),
      );
      return response ?? {};
    },
    RespondNexusTaskCompleted: (req: temporal.api.workflowservice.v1.IRespondNexusTaskCompletedRequest) => {
      completeNexusTask(engine, req);
      return {};
    },
    RespondNexusTaskFailed: (req: temporal.api.workflowservice.v1.IRespondNexusTaskFailedRequest) => {
      failNexusTask(engine, req);
      return {};
    },

    // ---- queries ----
    QueryWorkflow: (req: temporal.api.workflowservice.v1.IQueryWorkflowRequest, call: Call) =>
      queries.query(req, ctx.options.queryTimeoutMs, call),

    GetSearchAttributes: () => {
      const keys: Record<string, number> = { ...SYSTEM_SEARCH_ATTRIBUTES };
      for (const n of engine.namespaces.list()) Object.assign(keys, n.searchAttributes);
      return { keys };
    },

    // One partition per task queue (the real server has four by default), owned by this server.
    ListTaskQueuePartitions: (req: temporal.api.workflowservice.v1.IListTaskQueuePartitionsRequest) => {
      ns(req.namespace);
      if (!req.taskQueue?.name) throw invalidArgument('taskQueue is not set');
      const partitions = [{ key: req.taskQueue.name, ownerHostName: ctx.frontendAddress }];
      return { activityTaskQueuePartitions: partitions, workflowTaskQueuePartitions: partitions };
    },

    DescribeTaskQueue: (req: temporal.api.workflowservice.v1.IDescribeTaskQueueRequest) => {
      ns(req.namespace);
      if (!req.taskQueue?.name) throw invalidArgument('taskQueue is not set');
      const TQT = enums.TaskQueueType;
      const keyOf = (type: number) =>
        Matching.queueKey(
          req.namespace!,
          type === TQT.TASK_QUEUE_TYPE_ACTIVITY ? 'activity' : 'workflow',
          req.taskQueue!.name!,
        );
      const pollersOf = (type: number): temporal.api.taskqueue.v1.IPollerInfo[] =>
        matching.pollers(keyOf(type)).map((p) => ({
          identity: p.identity,
          lastAccessTime: msTimestamp(p.lastAccessTime),
          ratePerSecond: POLLER_RATE_PER_SECOND,
          workerVersionCapabilities: p.buildId ? { buildId: p.buildId, useVersioning: !!p.useVersioning } : null,
        }));
      // Backlog count and age are measured; add and dispatch rates are not tracked (reported as 0).
      const statsOf = (type: number): temporal.api.taskqueue.v1.ITaskQueueStats => ({
        approximateBacklogCount: matching.backlog(keyOf(type)),
        approximateBacklogAge: msDuration(matching.backlogAgeMs(keyOf(type))),
        tasksAddRate: 0,
        tasksDispatchRate: 0,
      });
      if (req.apiMode === enums.DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED) {
        // Tasks are not routed by build id: everything is in the unversioned set (key "").
        const types = req.taskQueueTypes?.length
          ? req.taskQueueTypes
          : [TQT.TASK_QUEUE_TYPE_WORKFLOW, TQT.TASK_QUEUE_TYPE_ACTIVITY];
        const typesInfo: Record<number, temporal.api.taskqueue.v1.ITaskQueueTypeInfo> = {};
        for (const type of types) {
          typesInfo[type] = {
            pollers: req.reportPollers ? pollersOf(type) : [],
            stats: req.reportStats ? statsOf(type) : null,
          };
        }
        return { versionsInfo: { '': { typesInfo } } };
      }
      const type = req.taskQueueType || TQT.TASK_QUEUE_TYPE_WORKFLOW;
      const stats = req.reportStats ? statsOf(type) : null;
      return {
        pollers: pollersOf(type),
        stats,
        statsByPriorityKey: stats ? { [DEFAULT_PRIORITY_KEY]: stats } : {},
        taskQueueStatus: req.includeTaskQueueStatus
          ? {
              backlogCountHint: matching.backlog(keyOf(type)),
              ratePerSecond: TASK_QUEUE_RATE_PER_SECOND,
              taskIdBlock: { startId: 1, endId: 100_000 },
            }
          : null,
        versioningInfo: { currentVersion: '__unversioned__', updateTime: GO_ZERO_TIME },
        effectiveRateLimit: {
          requestsPerSecond: TASK_QUEUE_RATE_PER_SECOND,
          rateLimitSource: enums.RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM,
        },
      };
    },
  };
}

void ServiceError;
