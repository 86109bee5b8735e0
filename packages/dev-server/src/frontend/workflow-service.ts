import { randomUUID } from 'node:crypto';
import { temporal, enums, IHistoryEvent, msDuration, msTimestamp } from '../internal/proto';
import {
  decodeHistoryToken,
  encodeHistoryToken,
  forwardPageEnd,
  historyPageSize,
  reversePageStart,
} from '../history/history-pages';
import { isRunning } from '../history/mutable-state';
import { startWorkflowInTx, startResponse, validateStart } from '../history/start-workflow';
import {
  requestCancelRun,
  signalRun,
  terminateRun,
  timeoutField,
  workflowTimeoutFailure,
} from '../history/workflow-lifecycle';
import { startWorkflowTask, transientWorkflowTaskEvents } from '../history/workflow-tasks';
import { updateWorkflowOptions } from '../history/workflow-options';
import { resetWorkflow } from '../history/reset';
import { pendingActivityInfo } from '../history/activities';
import { callbackInfo, pendingNexusOperationInfo } from '../nexus/nexus-operations';
import { invalidArgument, notFound } from '../errors';
import { validateExecution } from '../internal/validation';
import { WorkflowServiceHandlers } from './service-definition';
import type { ServerContext } from '../server-context';
import { executionInfo, extendedInfo } from './execution-info';
import { namespaceHandlers } from './namespace-handlers';
import { workflowTaskHandlers } from './workflow-task-handlers';
import { activityTaskHandlers } from './activity-task-handlers';
import { nexusTaskHandlers } from './nexus-task-handlers';
import { taskQueueHandlers } from './task-queue-handlers';
import { Call, waitForRun } from './polling';

const ET = enums.EventType;

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
 * Handlers of temporal.api.workflowservice.v1.WorkflowService: the handlers that start, address, describe and
 * read workflow runs, with the other families (namespaces, tasks, task queues) merged in.
 */
export function workflowServiceHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  return {
    ...namespaceHandlers(ctx),
    ...workflowExecutionHandlers(ctx),
    ...workflowTaskHandlers(ctx),
    ...activityTaskHandlers(ctx),
    ...nexusTaskHandlers(ctx),
    ...taskQueueHandlers(ctx),
  };
}

/** WorkflowService handlers that start, signal, cancel, reset, describe and read workflow runs. */
function workflowExecutionHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine, queries } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');

  return {
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

    // ---- queries ----
    QueryWorkflow: (req: temporal.api.workflowservice.v1.IQueryWorkflowRequest, call: Call) =>
      queries.query(req, ctx.options.queryTimeoutMs, call),
  };
}
