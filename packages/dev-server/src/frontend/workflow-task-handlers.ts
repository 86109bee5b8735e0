import { temporal, enums } from '../internal/proto';
import { completeWorkflowTask, failWorkflowTask } from '../history/workflow-tasks';
import { Matching } from '../matching/matching';
import { validateExecution } from '../internal/validation';
import { WorkflowServiceHandlers } from './service-definition';
import { Call, pollTaskQueue } from './polling';
import type { ServerContext } from '../server-context';

/** WorkflowService handlers of workflow tasks and of the workers that poll for them. */
export function workflowTaskHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine, queries, matching } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');
  return {
    PollWorkflowTaskQueue: (req: temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest, call: Call) =>
      pollTaskQueue(ctx, 'workflow', req, call),
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
  };
}
