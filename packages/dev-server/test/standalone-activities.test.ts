// Standalone activity executions (StartActivityExecution and the RPCs on its executions), driven by a raw worker
// and client over gRPC, against both servers: id conflict and reuse policies, retries, timeouts, heartbeats,
// cancellation, termination, async completion by token and by id, deletion, visibility queries and validation.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { uniqueId, waitUntil } from './helpers';
import { rejection, RawClient } from './raw-client';
import { onEachServer, TestServer } from './servers';

const E = temporal.api.enums.v1;
const AS = E.ActivityExecutionStatus;
const PS = E.PendingActivityState;

const json = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(v)),
});
const keyword = (v: string) => ({
  metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Keyword') },
  data: Buffer.from(JSON.stringify(v)),
});
const decode = (p: { data?: Uint8Array } | undefined) => JSON.parse(Buffer.from(p?.data ?? []).toString());
const num = (v: unknown) => Number(v ?? 0);

const LONG_POLL_MS = 3_000;

interface Started {
  activityId: string;
  runId: string;
  taskQueue: string;
}

async function startActivity(raw: RawClient, extra: object = {}): Promise<Started> {
  const activityId = uniqueId('act');
  const taskQueue = uniqueId('tq');
  const r = await raw.wf('StartActivityExecution', {
    activityId,
    activityType: { name: 'Greet' },
    taskQueue: { name: taskQueue },
    requestId: uniqueId('req'),
    identity: 'starter',
    input: { payloads: [json('world')] },
    startToCloseTimeout: { seconds: 30 },
    ...extra,
  });
  return {
    activityId,
    runId: r.runId,
    taskQueue: (extra as { taskQueue?: { name: string } }).taskQueue?.name ?? taskQueue,
  };
}

/** Polls the activity queue until a task arrives. */
async function pollTask(raw: RawClient, taskQueue: string) {
  return waitUntil(async () => {
    const t = await raw.wf('PollActivityTaskQueue', { taskQueue: { name: taskQueue }, identity: 'worker-1' }, 10_000);
    return t.taskToken?.length ? t : undefined;
  }, 20_000);
}

function describe_(raw: RawClient, activityId: string, extra: object = {}) {
  return raw.wf('DescribeActivityExecution', { activityId, ...extra });
}

describe('standalone activity executions', () => {
  onEachServer(
    {
      dynamicConfig: { 'activity.longPollTimeout': `${LONG_POLL_MS}ms` },
      searchAttributes: { CustomKeywordField: 'Keyword' },
    },
    (server: () => TestServer) => {
      const raw = () => server().raw;

      test('the namespace reports the standalone activities capability', async () => {
        const ns = await raw().wf('DescribeNamespace', { namespace: 'default' });
        expect(ns.namespaceInfo.capabilities.standaloneActivities).toBe(true);
      });

      test('a worker runs it: the task names no workflow and carries the run id; the result is polled and described', async () => {
        const a = await startActivity(raw());
        expect(a.runId).toMatch(/^[0-9a-f-]{36}$/);
        const task = await pollTask(raw(), a.taskQueue);
        expect(task.activityId).toBe(a.activityId);
        expect(task.activityRunId).toBe(a.runId);
        expect(task.activityType.name).toBe('Greet');
        expect(task.workflowExecution?.workflowId ?? '').toBe('');
        expect(task.workflowType?.name ?? '').toBe('');
        expect(task.attempt).toBe(1);
        expect(decode(task.input.payloads[0])).toBe('world');
        const running = await describe_(raw(), a.activityId);
        expect(running.info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_RUNNING);
        expect(running.info.runState).toBe(PS.PENDING_ACTIVITY_STATE_STARTED);
        expect(running.info.lastWorkerIdentity).toBe('worker-1');
        await raw().wf('RespondActivityTaskCompleted', {
          taskToken: task.taskToken,
          result: { payloads: [json('hello world')] },
          identity: 'worker-1',
        });
        const polled = await raw().wf('PollActivityExecution', { activityId: a.activityId });
        expect(polled.runId).toBe(a.runId);
        expect(decode(polled.outcome.result.payloads[0])).toBe('hello world');
        const d = await describe_(raw(), a.activityId, { includeInput: true, includeOutcome: true });
        expect(d.runId).toBe(a.runId);
        expect(d.info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_COMPLETED);
        expect(d.info.runState ?? 0).toBe(PS.PENDING_ACTIVITY_STATE_UNSPECIFIED);
        expect(d.info.activityType.name).toBe('Greet');
        expect(d.info.taskQueue).toBe(a.taskQueue);
        expect(num(d.info.startToCloseTimeout.seconds)).toBe(30);
        expect(d.info.closeTime).toBeTruthy();
        expect(decode(d.input.payloads[0])).toBe('world');
        expect(decode(d.outcome.result.payloads[0])).toBe('hello world');
        // Without the flags, neither input nor outcome comes back.
        const plain = await describe_(raw(), a.activityId);
        expect(plain.input).toBeNull();
        expect(plain.outcome).toBeNull();
      });

      test('an id in use: FAIL is ALREADY_EXISTS naming the run, USE_EXISTING and a retried request id return it', async () => {
        const a = await startActivity(raw(), { requestId: 'first-request' });
        const again = (extra: object) =>
          raw().wf('StartActivityExecution', {
            activityId: a.activityId,
            activityType: { name: 'Greet' },
            taskQueue: { name: a.taskQueue },
            startToCloseTimeout: { seconds: 30 },
            requestId: uniqueId('req'),
            ...extra,
          });
        const err = await rejection(again({}));
        expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
        expect(err.statusDetails[0]).toEqual({
          typeName: 'temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure',
          message: expect.objectContaining({ runId: a.runId }),
        });
        const existing = await again({
          idConflictPolicy: E.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING,
        });
        expect(existing.runId).toBe(a.runId);
        expect(existing.started).toBe(false);
        expect(existing.link.activity).toEqual(
          expect.objectContaining({ namespace: 'default', activityId: a.activityId, runId: a.runId }),
        );
        const retried = await again({ requestId: 'first-request' });
        expect(retried.runId).toBe(a.runId);
      });

      test('a closed id: reused by default, refused by REJECT_DUPLICATE, and by FAILED_ONLY unless the last run failed', async () => {
        const a = await startActivity(raw());
        const task = await pollTask(raw(), a.taskQueue);
        await raw().wf('RespondActivityTaskCompleted', { taskToken: task.taskToken, result: { payloads: [] } });
        const again = (idReusePolicy: number) =>
          raw().wf('StartActivityExecution', {
            activityId: a.activityId,
            activityType: { name: 'Greet' },
            taskQueue: { name: a.taskQueue },
            startToCloseTimeout: { seconds: 30 },
            requestId: uniqueId('req'),
            idReusePolicy,
          });
        const RP = E.ActivityIdReusePolicy;
        expect((await rejection(again(RP.ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE))).code).toBe(
          grpc.status.ALREADY_EXISTS,
        );
        expect((await rejection(again(RP.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY))).code).toBe(
          grpc.status.ALREADY_EXISTS,
        );
        const second = await again(RP.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE);
        expect(second.started).toBe(true);
        expect(second.runId).not.toBe(a.runId);
        // The id now names the new run; the old one is still there by run id.
        expect((await describe_(raw(), a.activityId)).runId).toBe(second.runId);
        expect((await describe_(raw(), a.activityId, { runId: a.runId })).info.status).toBe(
          AS.ACTIVITY_EXECUTION_STATUS_COMPLETED,
        );
        await raw().wf('TerminateActivityExecution', {
          activityId: a.activityId,
          reason: 'done',
          requestId: uniqueId(),
        });
        const third = await again(RP.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY);
        expect(third.started).toBe(true);
      });

      test('a failed attempt is retried after the backoff with its heartbeat details, until attempts run out', async () => {
        const a = await startActivity(raw(), {
          retryPolicy: { initialInterval: { nanos: 100_000_000 }, maximumAttempts: 2 },
        });
        const first = await pollTask(raw(), a.taskQueue);
        await raw().wf('RecordActivityTaskHeartbeat', { taskToken: first.taskToken, details: { payloads: [json(7)] } });
        await raw().wf('RespondActivityTaskFailed', {
          taskToken: first.taskToken,
          failure: { message: 'boom 1', applicationFailureInfo: { type: 'Boom' } },
        });
        const second = await pollTask(raw(), a.taskQueue);
        expect(second.attempt).toBe(2);
        expect(decode(second.heartbeatDetails.payloads[0])).toBe(7);
        const between = await describe_(raw(), a.activityId, {
          includeLastFailure: true,
          includeHeartbeatDetails: true,
        });
        expect(between.info.attempt).toBe(2);
        expect(between.info.lastFailure.message).toBe('boom 1');
        expect(decode(between.info.heartbeatDetails.payloads[0])).toBe(7);
        expect(num(between.info.totalHeartbeatCount)).toBe(1);
        await raw().wf('RespondActivityTaskFailed', {
          taskToken: second.taskToken,
          failure: { message: 'boom 2', applicationFailureInfo: { type: 'Boom' } },
        });
        const polled = await raw().wf('PollActivityExecution', { activityId: a.activityId });
        expect(polled.outcome.failure.message).toBe('boom 2');
        expect(polled.outcome.retryState).toBe(E.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
        expect((await describe_(raw(), a.activityId)).info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_FAILED);
        // The token of an attempt that is over is refused.
        expect((await rejection(raw().wf('RespondActivityTaskCompleted', { taskToken: first.taskToken }))).code).toBe(
          grpc.status.NOT_FOUND,
        );
      });

      test('schedule-to-start and start-to-close timeouts end it as timed out', async () => {
        const unpolled = await startActivity(raw(), { scheduleToStartTimeout: { seconds: 1 } });
        const a = await raw().wf('PollActivityExecution', { activityId: unpolled.activityId });
        expect(a.outcome.failure.timeoutFailureInfo.timeoutType).toBe(E.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
        expect(a.outcome.retryState).toBe(E.RetryState.RETRY_STATE_TIMEOUT);
        const slow = await startActivity(raw(), {
          startToCloseTimeout: { seconds: 1 },
          retryPolicy: { maximumAttempts: 1 },
        });
        await pollTask(raw(), slow.taskQueue);
        const b = await raw().wf('PollActivityExecution', { activityId: slow.activityId });
        expect(b.outcome.failure.timeoutFailureInfo.timeoutType).toBe(E.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
        expect(b.outcome.retryState).toBe(E.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
        expect((await describe_(raw(), slow.activityId)).info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_TIMED_OUT);
      });

      test('cancellation reaches a running attempt through its heartbeat; one not yet started is canceled at once', async () => {
        const a = await startActivity(raw(), { heartbeatTimeout: { seconds: 10 } });
        const task = await pollTask(raw(), a.taskQueue);
        expect((await raw().wf('RecordActivityTaskHeartbeat', { taskToken: task.taskToken })).cancelRequested).toBe(
          false,
        );
        await raw().wf('RequestCancelActivityExecution', {
          activityId: a.activityId,
          reason: 'not needed',
          requestId: uniqueId(),
          identity: 'client',
        });
        expect((await describe_(raw(), a.activityId)).info.runState).toBe(PS.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED);
        expect((await raw().wf('RecordActivityTaskHeartbeat', { taskToken: task.taskToken })).cancelRequested).toBe(
          true,
        );
        await raw().wf('RespondActivityTaskCanceled', { taskToken: task.taskToken, identity: 'worker-1' });
        const d = await describe_(raw(), a.activityId, { includeOutcome: true });
        expect(d.info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_CANCELED);
        expect(d.info.canceledReason).toBe('not needed');
        expect(d.outcome.failure.canceledFailureInfo).toBeTruthy();
        const again = await rejection(
          raw().wf('RequestCancelActivityExecution', { activityId: a.activityId, requestId: uniqueId() }),
        );
        expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(again.details).toBe('activity is in terminal state Canceled');

        const waiting = await startActivity(raw());
        await raw().wf('RequestCancelActivityExecution', { activityId: waiting.activityId, requestId: uniqueId() });
        const polled = await raw().wf('PollActivityExecution', { activityId: waiting.activityId });
        expect(polled.outcome.failure.canceledFailureInfo).toBeTruthy();
      });

      test('termination ends it at once; the worker is told NOT_FOUND; a second termination is refused', async () => {
        const a = await startActivity(raw());
        const task = await pollTask(raw(), a.taskQueue);
        await raw().wf('TerminateActivityExecution', {
          activityId: a.activityId,
          reason: 'stop now',
          requestId: 'terminate-1',
          identity: 'operator',
        });
        const polled = await raw().wf('PollActivityExecution', { activityId: a.activityId });
        expect(polled.outcome.failure.message).toBe('stop now');
        expect(polled.outcome.failure.terminatedFailureInfo).toBeTruthy();
        expect((await describe_(raw(), a.activityId)).info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_TERMINATED);
        expect((await rejection(raw().wf('RecordActivityTaskHeartbeat', { taskToken: task.taskToken }))).code).toBe(
          grpc.status.NOT_FOUND,
        );
        const again = await rejection(
          raw().wf('TerminateActivityExecution', { activityId: a.activityId, requestId: uniqueId() }),
        );
        expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(again.details).toBe('already terminated with request ID terminate-1');
      });

      test('async completion by activity id (no workflow id) completes it; completing again is refused', async () => {
        const a = await startActivity(raw());
        await pollTask(raw(), a.taskQueue);
        await raw().wf('RecordActivityTaskHeartbeatById', {
          activityId: a.activityId,
          details: { payloads: [json(1)] },
        });
        await raw().wf('RespondActivityTaskCompletedById', {
          activityId: a.activityId,
          runId: a.runId,
          result: { payloads: [json('by id')] },
        });
        const polled = await raw().wf('PollActivityExecution', { activityId: a.activityId, runId: a.runId });
        expect(decode(polled.outcome.result.payloads[0])).toBe('by id');
        const again = await rejection(
          raw().wf('RespondActivityTaskCompletedById', { activityId: a.activityId, result: { payloads: [] } }),
        );
        expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(again.details).toBe('invalid transition from Completed');
      });

      test('completing by id reaches an execution no worker started; failing, canceling or heartbeating does not', async () => {
        const refused = await startActivity(raw());
        const byId = { activityId: refused.activityId };
        for (const method of [
          'RespondActivityTaskFailedById',
          'RespondActivityTaskCanceledById',
          'RecordActivityTaskHeartbeatById',
        ]) {
          const e = await rejection(raw().wf(method, { ...byId, failure: { message: 'x' } }));
          expect([method, e.code, e.details]).toEqual([
            method,
            grpc.status.NOT_FOUND,
            `activity not found for ID: ${refused.activityId}`,
          ]);
        }
        await raw().wf('TerminateActivityExecution', { ...byId, reason: 'done' });
        const a = await startActivity(raw());
        await raw().wf('RespondActivityTaskCompletedById', {
          activityId: a.activityId,
          result: { payloads: [json('early')] },
        });
        const d = await describe_(raw(), a.activityId, { includeOutcome: true });
        expect(d.info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_COMPLETED);
        expect(decode(d.outcome.result.payloads[0])).toBe('early');
        // Its queued task is gone: a worker polling the queue gets nothing.
        const task = await raw().wf('PollActivityTaskQueue', { taskQueue: { name: a.taskQueue } }, 3_000);
        expect(task.taskToken?.length ?? 0).toBe(0);
      });

      test('failing by id with the retry policy exhausted fails it', async () => {
        const a = await startActivity(raw(), { retryPolicy: { maximumAttempts: 1 } });
        await pollTask(raw(), a.taskQueue);
        await raw().wf('RespondActivityTaskFailedById', {
          activityId: a.activityId,
          failure: { message: 'no', applicationFailureInfo: { type: 'X' } },
        });
        expect((await describe_(raw(), a.activityId)).info.status).toBe(AS.ACTIVITY_EXECUTION_STATUS_FAILED);
      });

      test('a poll for the outcome of a running execution answers empty when its long poll ends', async () => {
        const a = await startActivity(raw());
        const startedAt = Date.now();
        const polled = await raw().wf('PollActivityExecution', { activityId: a.activityId });
        expect(polled.outcome ?? null).toBeNull();
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(LONG_POLL_MS - 1_500);
      });

      test('deleted executions are gone; unknown ids and malformed run ids are refused', async () => {
        const a = await startActivity(raw());
        await raw().wf('DeleteActivityExecution', { activityId: a.activityId });
        const gone = await rejection(describe_(raw(), a.activityId));
        expect(gone.code).toBe(grpc.status.NOT_FOUND);
        expect(gone.details).toBe(`activity not found for ID: ${a.activityId}`);
        for (const method of [
          'PollActivityExecution',
          'RequestCancelActivityExecution',
          'TerminateActivityExecution',
        ]) {
          const e = await rejection(raw().wf(method, { activityId: 'no-such-activity', requestId: uniqueId() }));
          expect([method, e.code, e.details]).toEqual([
            method,
            grpc.status.NOT_FOUND,
            'activity not found for ID: no-such-activity',
          ]);
        }
        const bad = await rejection(describe_(raw(), a.activityId, { runId: 'not-a-uuid' }));
        expect([bad.code, bad.details]).toEqual([grpc.status.INVALID_ARGUMENT, 'invalid run id: must be a valid UUID']);
      });

      test('start requests are validated, naming the field', async () => {
        const base = {
          activityId: uniqueId('v'),
          activityType: { name: 'T' },
          taskQueue: { name: uniqueId('tq') },
          requestId: uniqueId(),
          startToCloseTimeout: { seconds: 5 },
        };
        const cases: Array<[object, string]> = [
          [{ activityId: '' }, 'activityId is not set'],
          [{ activityType: null }, 'activityType is not set'],
          [{ taskQueue: null }, 'taskQueue is not set'],
          [{ startToCloseTimeout: { seconds: -1 } }, 'invalid StartToCloseTimeout: negative duration'],
          [
            { startToCloseTimeout: null },
            `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${base.activityId} ActivityType=T`,
          ],
        ];
        for (const [change, message] of cases) {
          const e = await rejection(raw().wf('StartActivityExecution', { ...base, ...change }));
          expect([e.code, e.details]).toEqual([grpc.status.INVALID_ARGUMENT, message]);
        }
      });

      test('List and Count filter by activity id, type, status, task queue and custom attributes', async () => {
        const taskQueue = uniqueId('list');
        const tag = uniqueId('tag');
        const one = await startActivity(raw(), {
          taskQueue: { name: taskQueue },
          searchAttributes: { indexedFields: { CustomKeywordField: keyword(tag) } },
        });
        const two = await startActivity(raw(), { taskQueue: { name: taskQueue }, activityType: { name: 'Other' } });
        await raw().wf('TerminateActivityExecution', { activityId: two.activityId, requestId: uniqueId() });
        const ids = async (query: string) =>
          ((await raw().wf('ListActivityExecutions', { query })).executions as Array<{ activityId: string }>)
            .map((e) => e.activityId)
            .sort();
        // Visibility is eventually consistent on the real server.
        await waitUntil(async () => (await ids(`TaskQueue = '${taskQueue}'`)).length === 2, 10_000, 'visibility');
        expect(await ids(`TaskQueue = '${taskQueue}'`)).toEqual([one.activityId, two.activityId].sort());
        expect(await ids(`ActivityId = '${one.activityId}'`)).toEqual([one.activityId]);
        expect(await ids(`TaskQueue = '${taskQueue}' AND ActivityType = 'Other'`)).toEqual([two.activityId]);
        expect(await ids(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).toEqual([one.activityId]);
        expect(await ids(`CustomKeywordField = '${tag}'`)).toEqual([one.activityId]);
        expect(await ids(`WorkflowType = 'Greet' AND TaskQueue = '${taskQueue}'`)).toEqual([]);
        const listed = (await raw().wf('ListActivityExecutions', { query: `ActivityId = '${one.activityId}'` }))
          .executions[0];
        expect(listed).toEqual(
          expect.objectContaining({
            runId: one.runId,
            activityType: expect.objectContaining({ name: 'Greet' }),
            taskQueue,
            status: AS.ACTIVITY_EXECUTION_STATUS_RUNNING,
          }),
        );
        expect(decode(listed.searchAttributes.indexedFields.CustomKeywordField)).toBe(tag);
        const count = await raw().wf('CountActivityExecutions', { query: `TaskQueue = '${taskQueue}'` });
        expect(num(count.count)).toBe(2);
        const grouped = await raw().wf('CountActivityExecutions', {
          query: `TaskQueue = '${taskQueue}' GROUP BY ExecutionStatus`,
        });
        expect(
          (grouped.groups as Array<{ groupValues: Array<{ data: Uint8Array }>; count: unknown }>).map((g) => [
            decode(g.groupValues[0]),
            num(g.count),
          ]),
        ).toEqual([
          ['Running', 1],
          ['Terminated', 1],
        ]);
        const bad = await rejection(raw().wf('CountActivityExecutions', { query: 'Bogus = 1' }));
        expect([bad.code, bad.details]).toEqual([
          grpc.status.INVALID_ARGUMENT,
          'invalid query: invalid search attribute: Bogus',
        ]);
      });
    },
  );
});
