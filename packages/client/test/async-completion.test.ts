import { ActivityCancelledError, ActivityNotFoundError, ApplicationFailure, AsyncCompletionClient } from '../src';
import { pendingActivities, type PendingActivity } from './helpers/activities';
import { useTestEnv } from './helpers/env';
import { selectedServers, serverTitle, supports } from './helpers/servers';
import { waitFor } from './helpers/wait';
import { asyncActivity } from './workflows';

for (const kind of selectedServers()) {
  describe(`async Activity completion ${serverTitle(kind, ['asyncCompletion'])}`, () => {
    const env = useTestEnv(kind);
    const test = (name: string, fn: () => Promise<void>) => {
      if (supports(kind, 'asyncCompletion')) it(name, fn);
    };

    async function startAndWaitForActivity(prefix: string) {
      const key = env.id(prefix);
      const handle = await env.client.workflow.start(asyncActivity, {
        taskQueue: env.taskQueue,
        workflowId: key,
        args: [key],
      });
      await waitFor(() => pendingActivities.has(key), 'the Activity to start');
      return { handle, activity: pendingActivities.get(key) as PendingActivity };
    }

    test('complete() by task token delivers the result to the Workflow', async () => {
      const { handle, activity } = await startAndWaitForActivity('complete-token');
      await env.client.activity.complete(activity.taskToken, 'done by token');
      expect(await handle.result()).toBe('done by token');
    });

    test('complete() by Workflow id, run id and Activity id delivers the result', async () => {
      const { handle, activity } = await startAndWaitForActivity('complete-id');
      expect(activity.workflowId).toBe(handle.workflowId);
      await env.client.activity.complete(
        { workflowId: activity.workflowId, runId: activity.runId, activityId: activity.activityId },
        'done by id',
      );
      expect(await handle.result()).toBe('done by id');
    });

    test('complete() by Workflow id and Activity id, without run id, targets the latest run', async () => {
      const { handle, activity } = await startAndWaitForActivity('complete-latest');
      await env.client.activity.complete(
        { workflowId: activity.workflowId, activityId: activity.activityId },
        'latest',
      );
      expect(await handle.result()).toBe('latest');
    });

    test('fail() fails the Activity with the given error', async () => {
      const { handle, activity } = await startAndWaitForActivity('fail');
      await env.client.activity.fail(activity.taskToken, new Error('async failure'));
      expect(await handle.result()).toBe('failed: async failure');
      const byId = await startAndWaitForActivity('fail-id');
      await env.client.activity.fail(
        { workflowId: byId.activity.workflowId, activityId: byId.activity.activityId },
        ApplicationFailure.nonRetryable('typed failure', 'AsyncError'),
      );
      expect(await byId.handle.result()).toBe('failed: typed failure');
    });

    test('heartbeat() records details that describe() shows as pending Activity heartbeat details', async () => {
      const { handle, activity } = await startAndWaitForActivity('heartbeat');
      await env.client.activity.heartbeat(activity.taskToken, { progress: 50 });
      await env.client.activity.heartbeat(
        { workflowId: activity.workflowId, activityId: activity.activityId },
        { progress: 75 },
      );
      const description = await handle.describe();
      const pending = description.raw.pendingActivities?.[0];
      expect(pending?.activityId).toBe(activity.activityId);
      const details = pending?.heartbeatDetails?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(details ?? []).toString())).toEqual({ progress: 75 });
      await env.client.activity.complete(activity.taskToken, 'after heartbeats');
      expect(await handle.result()).toBe('after heartbeats');
    });

    test('heartbeat() throws ActivityCancelledError once cancellation is requested; reportCancellation() ends the Activity', async () => {
      const { handle, activity } = await startAndWaitForActivity('cancel');
      await handle.cancel();
      await waitFor(async () => {
        try {
          await env.client.activity.heartbeat(activity.taskToken);
          return false;
        } catch (err) {
          if (err instanceof ActivityCancelledError) return true;
          throw err;
        }
      }, 'the heartbeat to report the cancellation');
      await env.client.activity.reportCancellation(
        { workflowId: activity.workflowId, runId: activity.runId, activityId: activity.activityId },
        'cleaned up',
      );
      expect(await handle.result()).toBe('cancelled');
    });

    test('calls for unknown or finished Activities throw ActivityNotFoundError', async () => {
      const { handle, activity } = await startAndWaitForActivity('not-found');
      await env.client.activity.complete(activity.taskToken, 'once');
      await handle.result();
      await expect(env.client.activity.complete(activity.taskToken, 'twice')).rejects.toBeInstanceOf(
        ActivityNotFoundError,
      );
      await expect(
        env.client.activity.heartbeat({ workflowId: activity.workflowId, activityId: 'no-such-activity' }),
      ).rejects.toBeInstanceOf(ActivityNotFoundError);
      await expect(
        env.client.activity.fail({ workflowId: env.id('no-such-workflow'), activityId: '1' }, new Error('x')),
      ).rejects.toBeInstanceOf(ActivityNotFoundError);
    });

    test('a standalone AsyncCompletionClient works on the same connection; bad targets fail before any call', async () => {
      const client = new AsyncCompletionClient({ connection: env.connection });
      const { handle, activity } = await startAndWaitForActivity('standalone');
      const before = env.calls.length;
      await expect(client.complete(new Uint8Array(), 'x')).rejects.toThrow(TypeError);
      await expect(client.complete({ activityId: '' }, 'x')).rejects.toThrow(TypeError);
      await expect(client.complete(activity.taskToken, 10n)).rejects.toThrow();
      expect(env.calls.slice(before)).toEqual([]);
      await client.complete(activity.taskToken, 'standalone');
      expect(await handle.result()).toBe('standalone');
    });
  });
}
