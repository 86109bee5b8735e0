import { temporal, enums, GO_ZERO_TIME, msDuration, msTimestamp } from '../internal/proto';
import { Matching } from '../matching/matching';
import { invalidArgument } from '../errors';
import { WorkflowServiceHandlers } from './service-definition';
import type { ServerContext } from '../server-context';

/** The figures the real dev server reports for task queues and their pollers (no rate limit applies here). */
const POLLER_RATE_PER_SECOND = 100_000;
const TASK_QUEUE_RATE_PER_SECOND = 4_000;
/** The priority key of tasks without a priority (the middle of the real server's default five). */
const DEFAULT_PRIORITY_KEY = 3;

/** WorkflowService handlers that describe task queues. */
export function taskQueueHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine, matching } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');

  return {
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
