import {
  ActivityExecutionAlreadyStartedError,
  ActivityExecutionFailedError,
  ApplicationFailure,
  CancelledFailure,
  NotImplementedError,
  ServiceError,
  TerminatedFailure,
  TimeoutFailure,
  type ActivityClientInterceptor,
} from '../src';
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import type { activities } from './helpers/activities';
import { pendingActivities } from './helpers/activities';
import { useTestEnv } from './helpers/env';
import { selectedServers, serverTitle } from './helpers/servers';
import { eventually, waitFor } from './helpers/wait';

const customKeyword = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);

jest.setTimeout(30_000);

for (const kind of selectedServers()) {
  describe(`standalone Activities (client.activity) ${serverTitle(kind, [])}`, () => {
    const env = useTestEnv(kind);
    const options = (prefix: string) => ({
      id: env.id(prefix),
      taskQueue: env.taskQueue,
      startToCloseTimeout: '30s',
    });

    it('execute() runs the Activity on a worker, which sees it is not in a Workflow', async () => {
      const result = await env.client.activity.execute<{
        greeting: string;
        inWorkflow: boolean;
        activityRunId: string;
      }>('greetStandalone', { ...options('execute'), args: ['Kairos'] });
      expect(result.greeting).toBe('hello Kairos');
      expect(result.inWorkflow).toBe(false);
      expect(result.activityRunId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('start() returns a handle with the run id; result() and describe() report the outcome', async () => {
      const opts = { ...options('start'), args: ['handle'] as [string], summary: 'greets once' };
      const handle = await env.client.activity.typed<typeof activities>().start('greetStandalone', opts);
      expect(handle.activityId).toBe(opts.id);
      expect(handle.runId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await handle.result()).greeting).toBe('hello handle');
      const described = await handle.describe({ includeInput: true, includeOutcome: true });
      expect(described).toEqual(
        expect.objectContaining({
          activityId: opts.id,
          activityRunId: handle.runId,
          activityType: 'greetStandalone',
          status: 'COMPLETED',
          taskQueue: env.taskQueue,
          startToCloseTimeoutMs: 30_000,
          attempt: 1,
          hasInput: true,
          hasResult: true,
          hasOutcomeFailure: false,
        }),
      );
      expect(described.closeTime).toBeInstanceOf(Date);
      expect(await described.getInput()).toEqual(['handle']);
      expect(((await described.getResult()) as { greeting: string }).greeting).toBe('hello handle');
      expect(described.rawInfo.activityId).toBe(opts.id);
      // A handle by id alone follows the latest run.
      const byId = env.client.activity.getHandle(opts.id);
      expect(byId.runId).toBeUndefined();
      expect((await byId.describe()).activityRunId).toBe(handle.runId);
    });

    it('a second start with the same id fails with ActivityExecutionAlreadyStartedError, unless USE_EXISTING', async () => {
      const opts = { ...options('conflict'), args: [] };
      const first = await env.client.activity.start('heartbeatUntilCancelled', opts);
      const err = await env.client.activity.start('heartbeatUntilCancelled', opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActivityExecutionAlreadyStartedError);
      expect(err).toMatchObject({ activityId: opts.id, runId: first.runId });
      const existing = await env.client.activity.start('heartbeatUntilCancelled', {
        ...opts,
        idConflictPolicy: 'USE_EXISTING',
      });
      expect(existing.runId).toBe(first.runId);
      await first.terminate('done');
    });

    it('a retried Activity succeeds on a later attempt; one out of attempts fails with its last failure', async () => {
      const retry = { initialInterval: '50ms', maximumAttempts: 3 };
      expect(await env.client.activity.execute('succeedOnAttempt', { ...options('retry-ok'), args: [2], retry })).toBe(
        2,
      );
      const failed = await env.client.activity
        .execute('succeedOnAttempt', { ...options('retry-fail'), args: [9], retry })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ActivityExecutionFailedError);
      const cause = (failed as ActivityExecutionFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause?.message).toBe('attempt 3 failed');
      expect((failed as ActivityExecutionFailedError).runId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('cancel() stops a heartbeating Activity: its result fails with a CancelledFailure', async () => {
      const handle = await env.client.activity.start('heartbeatUntilCancelled', {
        ...options('cancel'),
        heartbeatTimeout: '2s',
      });
      await eventually(
        () => handle.describe({ includeHeartbeatDetails: true }),
        (d) => d.hasHeartbeatDetails,
        'a heartbeat',
      );
      const described = await handle.describe({ includeHeartbeatDetails: true });
      expect(described.runState).toBe('STARTED');
      expect(await described.getHeartbeatDetails()).toBe('beating');
      await handle.cancel('no longer needed');
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActivityExecutionFailedError);
      expect((err as ActivityExecutionFailedError).cause).toBeInstanceOf(CancelledFailure);
      const after = await handle.describe();
      expect(after.status).toBe('CANCELED');
      expect(after.canceledReason).toBe('no longer needed');
    });

    it('terminate() ends it at once with a TerminatedFailure; a schedule-to-start timeout with a TimeoutFailure', async () => {
      const handle = await env.client.activity.start('heartbeatUntilCancelled', options('terminate'));
      await handle.terminate('stop');
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as ActivityExecutionFailedError).cause).toBeInstanceOf(TerminatedFailure);
      expect((await handle.describe()).status).toBe('TERMINATED');

      const unserved = await env.client.activity
        .execute('greetStandalone', {
          id: env.id('timeout'),
          taskQueue: env.id('nobody-polls'),
          scheduleToStartTimeout: '1s',
          startToCloseTimeout: '5s',
        })
        .catch((e: unknown) => e);
      expect((unserved as ActivityExecutionFailedError).cause).toBeInstanceOf(TimeoutFailure);
    });

    it('async completion by task token and by Activity id (no Workflow id) completes standalone Activities', async () => {
      const [tokenKey, idKey] = [env.id('by-token'), env.id('by-id')];
      const byToken = await env.client.activity.start('completeLater', { ...options('async-token'), args: [tokenKey] });
      await waitFor(() => pendingActivities.has(tokenKey), 'the Activity to start');
      const pending = pendingActivities.get(tokenKey);
      expect(pending?.workflowId).toBe('');
      await env.client.activity.heartbeat(pending!.taskToken, 'progress');
      await env.client.activity.complete(pending!.taskToken, 'done by token');
      expect(await byToken.result()).toBe('done by token');

      const byId = await env.client.activity.start('completeLater', { ...options('async-id'), args: [idKey] });
      await waitFor(() => pendingActivities.has(idKey), 'the Activity to start');
      await env.client.activity.complete({ activityId: byId.activityId }, 'done by id');
      expect(await byId.result()).toBe('done by id');
    });

    it('list() and count() find executions by visibility query', async () => {
      const tag = env.id('tag');
      const handle = await env.client.activity.start('heartbeatUntilCancelled', {
        ...options('listed'),
        typedSearchAttributes: [{ key: customKeyword, value: tag }],
      });
      const query = `CustomKeywordField = '${tag}'`;
      const listed = await eventually(
        async () => {
          const out = [];
          for await (const info of env.client.activity.list(query)) out.push(info);
          return out;
        },
        (l) => l.length === 1,
        'the Activity to be listed',
      );
      expect(listed[0]).toEqual(
        expect.objectContaining({
          activityId: handle.activityId,
          activityRunId: handle.runId,
          activityType: 'heartbeatUntilCancelled',
          status: 'RUNNING',
        }),
      );
      expect(listed[0].typedSearchAttributes.get(customKeyword)).toBe(tag);
      expect((await env.client.activity.count(query)).count).toBe(1);
      await handle.terminate('listed');
      const grouped = await eventually(
        () => env.client.activity.count(`${query} GROUP BY ExecutionStatus`),
        (c) => JSON.stringify(c.groups?.[0]?.groupValues) === '[["Terminated"]]',
        'the terminated status',
      );
      // Group values decode as search attribute values do: as lists.
      expect(grouped.groups).toEqual([{ count: 1, groupValues: [['Terminated']] }]);
      const bad = await env.client.activity.count('NoSuchAttribute = 1').catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(ServiceError);
    });

    it('interceptors see the calls; unimplemented operator commands say so; bad options are TypeErrors', async () => {
      const seen: string[] = [];
      const interceptor: ActivityClientInterceptor = {
        async start(input, next) {
          seen.push(`start ${input.activityType}`);
          return next(input);
        },
        async getResult(input, next) {
          seen.push(`result ${input.activityId}`);
          return next(input);
        },
      };
      const client = env.makeClient({ interceptors: { activity: [interceptor] } });
      const opts = { ...options('intercepted'), args: ['x'] };
      await client.activity.execute('greetStandalone', opts);
      expect(seen).toEqual(['start greetStandalone', `result ${opts.id}`]);
      await expect(client.activity.getHandle(opts.id).pause()).rejects.toBeInstanceOf(NotImplementedError);
      await expect(
        env.client.activity.start('greetStandalone', { id: env.id('no-timeout'), taskQueue: env.taskQueue }),
      ).rejects.toThrow(new TypeError('Required either scheduleToCloseTimeout or startToCloseTimeout'));
      expect(() => env.client.activity.getHandle('')).toThrow(TypeError);
    });
  });
}
