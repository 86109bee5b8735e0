import { temporal } from '../internal/proto';
import { Matching } from '../matching/matching';
import { completeNexusTask, failNexusTask } from '../nexus/nexus-tasks';
import { WorkflowServiceHandlers } from './service-definition';
import { Call, pollCaller, pollWait } from './polling';
import type { ServerContext } from '../server-context';

/** WorkflowService handlers of Nexus tasks. */
export function nexusTaskHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine, matching } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');
  const pollTimeout = ctx.options.longPollTimeoutMs;

  return {
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
  };
}
