import { temporal } from '../internal/proto';
import { pauseActivity, resetActivity, unpauseActivity, updateActivityOptions } from '../history/activity-controls';
import { cancelActivityReported, completeActivity, failActivity, heartbeatActivity } from '../history/activities';
import { WorkflowServiceHandlers } from './service-definition';
import { Call, pollTaskQueue } from './polling';
import type { ServerContext } from '../server-context';

/** WorkflowService handlers of activity tasks (by task token or by id) and of the activity controls. */
export function activityTaskHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine } = ctx;
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

  return {
    PollActivityTaskQueue: (req: temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest, call: Call) =>
      pollTaskQueue(ctx, 'activity', req, call),
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
  };
}
