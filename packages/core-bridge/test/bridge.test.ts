import { kairos, temporal } from '@kairos/proto';
import {
  convertError,
  IllegalStateError,
  InvalidArgumentError,
  NativeConnection,
  ShutdownError,
  UnexpectedError,
  Worker,
  drainLogs,
  metricsSnapshot,
  native,
} from '../src';
import {
  connection,
  counter,
  expectEviction,
  gauge,
  histogramCount,
  newWorker,
  nextActivation,
  server,
  shutdown,
  terminate,
  useTestServer,
} from './helpers/bridge';
import { serverKind } from './helpers/server';
import {
  decodeActivation,
  duration,
  fromPayload,
  jobNames,
  jsonPayload,
  startWorkflow,
  success,
  uniqueName,
  waitForClose,
} from './helpers/workflows';

const { EventType } = temporal.api.enums.v1;
const { EvictionReason } = kairos.core.activation;
const { ActivityTask, ActivityTaskCompletion, ActivityHeartbeat, ActivityCancelReason } = kairos.core.activity;

useTestServer();

const serverName = serverKind() === 'kairos' ? 'the Kairos dev server' : 'the Temporal CLI dev server';

describe(`core bridge against ${serverName}`, () => {
  it('round-trips workflow activations: init, timer, completion, eviction', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'sleeper', taskQueue, args: ['hello'] });

    const first = await nextActivation(worker);
    expect(first.runId).toBe(runId);
    expect(first.isReplaying).toBe(false);
    expect(jobNames(first)).toEqual(['initializeWorkflow']);
    const init = first.jobs[0].initializeWorkflow;
    expect(init?.workflowType).toBe('sleeper');
    expect(init?.workflowId).toBe(workflowId);
    expect(fromPayload(init?.arguments?.[0])).toBe('hello');
    expect(init?.randomnessSeed).toBeDefined();
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(50) } }]),
    );

    const second = await nextActivation(worker);
    expect(jobNames(second)).toEqual(['fireTimer']);
    expect(second.jobs[0].fireTimer?.seq).toBe(1);
    expect(worker.cachedWorkflows).toBe(1);
    await worker.completeWorkflowActivation(
      success(runId, [{ completeWorkflowExecution: { result: jsonPayload('done') } }]),
    );
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    expect(worker.cachedWorkflows).toBe(0);

    const events = await waitForClose(server, workflowId, runId);
    const types = events.map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    const timer = events.find((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    expect(timer?.timerStartedEventAttributes?.timerId).toBe('1');
    const completed = events[events.length - 1];
    expect(completed.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(fromPayload(completed.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0])).toBe('done');
    const wftCompleted = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(wftCompleted?.workflowTaskCompletedEventAttributes?.sdkMetadata?.coreUsedFlags).toEqual([1, 2, 3]);

    const names = metricsSnapshot().map((m) => m.name);
    expect(names).toContain('temporal_workflow_task_queue_poll_succeed');
    expect(names).toContain('temporal_request');
    expect(names).toContain('temporal_workflow_completed');
    expect(names).toContain('temporal_sticky_cache_size');
    expect(names).toContain('temporal_workflow_task_execution_latency');
    expect(histogramCount('temporal_workflow_endtoend_latency', { task_queue: taskQueue })).toBe(1);
    expect(histogramCount('temporal_workflow_task_schedule_to_start_latency', { task_queue: taskQueue })).toBe(2);
    expect(counter('temporal_long_request', { operation: 'PollWorkflowTaskQueue' })).toBeGreaterThanOrEqual(2);
    // Idle, the only slots in use are the ones reserved by the (at most 5) polls in flight.
    const wfSlots = { task_queue: taskQueue, worker_type: 'WorkflowWorker' };
    const used = gauge('temporal_worker_task_slots_used', wfSlots) ?? -1;
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThanOrEqual(5);
    expect(gauge('temporal_worker_task_slots_available', wfSlots)).toBe(40 - used);
    expect(
      gauge('temporal_num_pollers', { task_queue: taskQueue, poller_type: 'sticky_workflow_task' }),
    ).toBeGreaterThan(0);
    await shutdown(worker);
    expect(gauge('temporal_num_pollers', { task_queue: taskQueue, poller_type: 'workflow_task' })).toBe(0);
  });

  it('round-trips an activity with heartbeats, then cancels one through a heartbeat response', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'acts', taskQueue });
    const schedule = (seq: number, cancellationType: number) => ({
      scheduleActivity: {
        seq,
        activityId: `act-${seq}`,
        activityType: 'greet',
        arguments: [jsonPayload(seq)],
        startToCloseTimeout: duration(30_000),
        heartbeatTimeout: duration(1_000),
        cancellationType,
      },
    });
    const { ActivityCancellationType } = kairos.core.commands;
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [schedule(1, ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_TRY_CANCEL)]),
    );

    const task = ActivityTask.decode(await worker.pollActivityTask());
    expect(task.variant).toBe('start');
    expect(task.start?.activityType).toBe('greet');
    expect(task.start?.activityId).toBe('act-1');
    expect(task.start?.workflowExecution?.runId).toBe(runId);
    expect(fromPayload(task.start?.input?.[0])).toBe(1);
    expect(worker.outstandingActivities).toBe(1);
    worker.recordActivityHeartbeat(
      ActivityHeartbeat.encode({ taskToken: task.taskToken, details: [jsonPayload('beat')] }).finish(),
    );
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: task.taskToken,
        result: { completed: { result: jsonPayload('hi') } },
      }).finish(),
    );
    expect(worker.outstandingActivities).toBe(0);

    const resolved = await nextActivation(worker);
    expect(jobNames(resolved)).toEqual(['resolveActivity']);
    expect(fromPayload(resolved.jobs[0].resolveActivity?.result?.completed?.result)).toBe('hi');
    await worker.completeWorkflowActivation(
      success(runId, [schedule(2, ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED)]),
    );

    const second = ActivityTask.decode(await worker.pollActivityTask());
    expect(second.start?.activityId).toBe('act-2');
    worker.recordActivityHeartbeat(ActivityHeartbeat.encode({ taskToken: second.taskToken }).finish());
    await server.call(
      'RequestCancelWorkflowExecution',
      temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionRequest,
      temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionResponse,
      {
        namespace: 'default',
        workflowExecution: { workflowId, runId },
        identity: 'test',
        requestId: uniqueName('cancel'),
      },
    );
    const cancelJob = await nextActivation(worker);
    expect(jobNames(cancelJob)).toEqual(['cancelWorkflow']);
    await worker.completeWorkflowActivation(success(runId, [{ requestCancelActivity: { seq: 2 } }]));

    // Keep heartbeating until the server's answer turns into a cancel task.
    const cancelTask = worker.pollActivityTask();
    let done = false;
    void cancelTask.finally(() => (done = true));
    while (!done) {
      worker.recordActivityHeartbeat(ActivityHeartbeat.encode({ taskToken: second.taskToken }).finish());
      await new Promise((r) => setTimeout(r, 100));
    }
    const cancel = ActivityTask.decode(await cancelTask);
    expect(cancel.variant).toBe('cancel');
    expect(cancel.cancel?.reason).toBe(ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED);
    expect(cancel.cancel?.details?.isCancelled).toBe(true);
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: second.taskToken,
        result: { cancelled: { failure: { message: 'cancelled', canceledFailureInfo: {} } } },
      }).finish(),
    );
    const afterCancel = await nextActivation(worker);
    expect(jobNames(afterCancel)).toEqual(['resolveActivity']);
    expect(afterCancel.jobs[0].resolveActivity?.result?.status).toBe('cancelled');
    await worker.completeWorkflowActivation(success(runId, [{ cancelWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    expect(events.map((e) => e.eventType)).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
    expect(events[events.length - 1].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
    const greet = { task_queue: taskQueue, activity_type: 'greet' };
    expect(histogramCount('temporal_activity_execution_latency', greet)).toBe(2);
    expect(histogramCount('temporal_activity_schedule_to_start_latency', greet)).toBe(2);
    expect(histogramCount('temporal_activity_succeed_endtoend_latency', greet)).toBe(1);
    expect(counter('temporal_workflow_canceled', { task_queue: taskQueue })).toBe(1);
    await shutdown(worker);
  });

  it('runs a local activity through the activity poll, retries it in core and records its marker', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'local', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [
        {
          scheduleLocalActivity: {
            seq: 1,
            activityId: '1',
            activityType: 'quick',
            attempt: 1,
            arguments: [jsonPayload('x')],
            startToCloseTimeout: duration(5_000),
            retryPolicy: { initialInterval: duration(10), backoffCoefficient: 1, maximumAttempts: 3 },
            cancellationType:
              kairos.core.commands.ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED,
          },
        },
      ]),
    );
    const first = ActivityTask.decode(await worker.pollActivityTask());
    expect(first.start?.isLocal).toBe(true);
    expect(first.start?.attempt).toBe(1);
    expect(Buffer.from(first.taskToken).toString()).toMatch(/^local_act_/);
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: first.taskToken,
        result: { failed: { failure: { message: 'try again', applicationFailureInfo: { type: 'Flaky' } } } },
      }).finish(),
    );
    const second = ActivityTask.decode(await worker.pollActivityTask());
    expect(second.start?.attempt).toBe(2);
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: second.taskToken,
        result: { completed: { result: jsonPayload('local ok') } },
      }).finish(),
    );
    const resolved = await nextActivation(worker);
    expect(jobNames(resolved)).toEqual(['resolveActivity']);
    expect(resolved.jobs[0].resolveActivity?.isLocal).toBe(true);
    expect(fromPayload(resolved.jobs[0].resolveActivity?.result?.completed?.result)).toBe('local ok');
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    const marker = events.find((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED);
    expect(marker?.markerRecordedEventAttributes?.markerName).toBe('core_local_activity');
    const data = JSON.parse(
      Buffer.from(marker?.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data ?? []).toString(),
    );
    expect(data).toMatchObject({ seq: 1, attempt: 2, activity_id: '1', activity_type: 'quick' });
    const quick = { task_queue: taskQueue, activity_type: 'quick' };
    expect(counter('temporal_local_activity_total', quick)).toBe(2);
    expect(counter('temporal_local_activity_execution_failed', quick)).toBe(1);
    expect(histogramCount('temporal_local_activity_execution_latency', quick)).toBe(2);
    expect(histogramCount('temporal_local_activity_succeed_endtoend_latency', quick)).toBe(1);
    await shutdown(worker);
  });

  it('times a local activity out with SCHEDULE_TO_START when no worker takes it in time', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'unstarted-local', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [
        {
          scheduleLocalActivity: {
            seq: 1,
            activityId: '1',
            activityType: 'neverPolled',
            attempt: 1,
            scheduleToStartTimeout: duration(100),
            startToCloseTimeout: duration(5_000),
          },
        },
      ]),
    );
    // Nobody polls activity tasks, so the activity is never started.
    const resolved = await nextActivation(worker);
    expect(jobNames(resolved)).toEqual(['resolveActivity']);
    // As with the official SDK, the workflow sees an activity failure caused by the timeout.
    const failed = resolved.jobs[0].resolveActivity?.result?.failed?.failure;
    expect(failed?.message).toBe('Local Activity timed out');
    expect(failed?.activityFailureInfo?.activityType?.name).toBe('neverPolled');
    expect(failed?.cause?.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    );
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    const marker = events.find((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED);
    expect(marker?.markerRecordedEventAttributes?.failure?.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    );
    // The expired start is never handed out: the activity poll goes straight to shutdown.
    await shutdown(worker);
  });

  it('cancels a running local activity when its run is evicted and ignores its result', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'evicted-local', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [
        {
          scheduleLocalActivity: {
            seq: 1,
            activityId: '1',
            activityType: 'slowLocal',
            attempt: 1,
            startToCloseTimeout: duration(30_000),
            cancellationType:
              kairos.core.commands.ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED,
          },
        },
      ]),
    );
    const start = ActivityTask.decode(await worker.pollActivityTask());
    expect(start.start?.isLocal).toBe(true);
    expect(worker.requestWorkflowEviction(runId)).toBe(true);
    await expectEviction(worker, EvictionReason.EVICTION_REASON_LANG_REQUESTED);
    const cancel = ActivityTask.decode(await worker.pollActivityTask());
    expect(cancel.variant).toBe('cancel');
    expect(Buffer.from(cancel.taskToken).equals(Buffer.from(start.taskToken))).toBe(true);
    expect(cancel.cancel?.reason).toBe(ActivityCancelReason.ACTIVITY_CANCEL_REASON_CANCELLED);
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: start.taskToken,
        result: { cancelled: { failure: { message: 'cancelled', canceledFailureInfo: {} } } },
      }).finish(),
    );
    expect(worker.cachedWorkflows).toBe(0);
    await terminate(workflowId, runId);
    // Nothing is left running: both polls reach ShutdownError.
    await shutdown(worker);
  });

  it('answers a legacy query on a cached run and returns the answer to the client', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'queried', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(60_000) } }]),
    );
    const ws = temporal.api.workflowservice.v1;
    const answer = server.call('QueryWorkflow', ws.QueryWorkflowRequest, ws.QueryWorkflowResponse, {
      namespace: 'default',
      execution: { workflowId, runId },
      query: { queryType: 'state', queryArgs: { payloads: [jsonPayload('arg')] } },
    });
    const query = await nextActivation(worker);
    expect(query.isReplaying).toBe(true);
    expect(jobNames(query)).toEqual(['queryWorkflow']);
    expect(query.jobs[0].queryWorkflow?.queryId).toBe('legacy_query');
    expect(query.jobs[0].queryWorkflow?.queryType).toBe('state');
    expect(fromPayload(query.jobs[0].queryWorkflow?.arguments?.[0])).toBe('arg');
    await worker.completeWorkflowActivation(
      success(runId, [
        { respondToQuery: { queryId: 'legacy_query', succeeded: { response: jsonPayload({ waiting: true }) } } },
      ]),
    );
    const res = await answer;
    expect(fromPayload(res.queryResult?.payloads?.[0])).toEqual({ waiting: true });
    await server.call(
      'TerminateWorkflowExecution',
      ws.TerminateWorkflowExecutionRequest,
      ws.TerminateWorkflowExecutionResponse,
      {
        namespace: 'default',
        workflowExecution: { workflowId, runId },
        reason: 'test over',
      },
    );
    await shutdown(worker);
  });

  it('evicts a cached run on request and replays it from full history on the next task', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'evictee', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(300) } }]),
    );
    expect(worker.requestWorkflowEviction('no-such-run')).toBe(false);
    expect(worker.requestWorkflowEviction(runId)).toBe(true);
    await expectEviction(worker, EvictionReason.EVICTION_REASON_LANG_REQUESTED);
    expect(worker.cachedWorkflows).toBe(0);

    // The timer's task comes to the sticky queue, misses the cache, and is replayed from event 1.
    const replay = await nextActivation(worker);
    expect(jobNames(replay)).toEqual(['initializeWorkflow']);
    expect(replay.isReplaying).toBe(true);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(300) } }]),
    );
    const fired = await nextActivation(worker);
    expect(jobNames(fired)).toEqual(['fireTimer']);
    expect(fired.isReplaying).toBe(false);
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    await waitForClose(server, workflowId, runId);
    await shutdown(worker);
  });

  it('drains polls at shutdown: an in-flight activity gets a WORKER_SHUTDOWN cancel after the grace period', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue, { gracefulShutdownPeriodMs: 200 });
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'long', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [
        { scheduleActivity: { seq: 1, activityId: '1', activityType: 'slow', startToCloseTimeout: duration(30_000) } },
      ]),
    );
    const task = ActivityTask.decode(await worker.pollActivityTask());
    expect(task.variant).toBe('start');
    worker.initiateShutdown();
    await expect(worker.pollWorkflowActivation()).rejects.toBeInstanceOf(ShutdownError);
    const cancel = ActivityTask.decode(await worker.pollActivityTask());
    expect(cancel.variant).toBe('cancel');
    expect(cancel.cancel?.reason).toBe(ActivityCancelReason.ACTIVITY_CANCEL_REASON_WORKER_SHUTDOWN);
    await worker.completeActivityTask(
      ActivityTaskCompletion.encode({
        taskToken: task.taskToken,
        result: { cancelled: { failure: { message: 'worker shutdown', canceledFailureInfo: {} } } },
      }).finish(),
    );
    await expect(worker.pollActivityTask()).rejects.toBeInstanceOf(ShutdownError);
    await worker.finalizeShutdown();
    await terminate(workflowId, runId);
  });

  it('ends a workflow poll waiting out a shutdown once the last open workflow task has been reported', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'idle', taskQueue });
    expect((await nextActivation(worker)).runId).toBe(runId);
    worker.initiateShutdown();
    // The run's task is still open, so this poll waits for it once the pollers have stopped.
    let settled = false;
    const polled = worker.pollWorkflowActivation().then(
      (bytes) => jobNames(decodeActivation(bytes)),
      (err: unknown) => err,
    );
    void polled.finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    // No commands: the workflow stays open and its run stays cached, with nothing left to do.
    await worker.completeWorkflowActivation(success(runId, []));
    expect(await polled).toBeInstanceOf(ShutdownError);
    expect(worker.cachedWorkflows).toBe(1);
    await expect(worker.pollActivityTask()).rejects.toBeInstanceOf(ShutdownError);
    await worker.finalizeShutdown();
    await terminate(workflowId, runId);
  }, 20_000);

  it('replays a recorded history with a replay worker and reports non-determinism as an eviction', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'recorded', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(10) } }]),
    );
    const fired = await nextActivation(worker);
    await worker.completeWorkflowActivation(success(fired.runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    await shutdown(worker);
    const bytes = temporal.api.history.v1.History.encode({ events }).finish();

    const replayer = Worker.createReplay({ namespace: 'default', taskQueue: 'replay', identity: 'replayer' });
    const pushed = (async () => {
      await replayer.pushHistory(workflowId, bytes);
      await replayer.pushHistory(`${workflowId}-bad`, bytes);
      replayer.closeHistoryStream();
    })();
    // Good replay.
    let a = await nextActivation(replayer);
    expect(a.isReplaying).toBe(true);
    expect(jobNames(a)).toEqual(['initializeWorkflow']);
    await replayer.completeWorkflowActivation(
      success(a.runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(10) } }]),
    );
    a = await nextActivation(replayer);
    expect(jobNames(a)).toEqual(['fireTimer']);
    await replayer.completeWorkflowActivation(success(a.runId, [{ completeWorkflowExecution: {} }]));
    a = await nextActivation(replayer);
    expect(a.jobs[0].removeFromCache?.reason).not.toBe(EvictionReason.EVICTION_REASON_NONDETERMINISM);
    await replayer.completeWorkflowActivation(success(a.runId, []));
    // Bad replay: a different command.
    a = await nextActivation(replayer);
    await replayer.completeWorkflowActivation(success(a.runId, [{ completeWorkflowExecution: {} }]));
    a = await nextActivation(replayer);
    expect(a.jobs[0].removeFromCache?.reason).toBe(EvictionReason.EVICTION_REASON_NONDETERMINISM);
    expect(a.jobs[0].removeFromCache?.message).toMatch(/history event 5 is EVENT_TYPE_TIMER_STARTED/);
    await replayer.completeWorkflowActivation(success(a.runId, []));
    await pushed;
    await expect(replayer.pollWorkflowActivation()).rejects.toBeInstanceOf(ShutdownError);
  });
});

describe('core bridge error handling', () => {
  it('turns a panic inside the core into a rejected promise or thrown error with context', async () => {
    await expect(native().panicInCoreForTest('kaboom')).rejects.toThrow(/panicked in panicInCoreForTest: kaboom/);
    const err = await native()
      .panicInCoreForTest('again')
      .catch((e: unknown) => convertError(e));
    expect(err).toBeInstanceOf(UnexpectedError);
    expect(() => native().panicInCoreSyncForTest('sync boom')).toThrow(/panicked in panicInCoreSyncForTest: sync boom/);
    // The process and the runtime survive.
    await expect(native().panicInCoreForTest('')).resolves.toBeUndefined();
  });

  it('rejects bad input from JS with clear errors', async () => {
    expect(() =>
      Worker.create(connection, { namespace: 'default', taskQueue: 5 as unknown as string, identity: 'x' }),
    ).toThrow(/taskQueue|task_queue|String/);
    expect(() => Worker.create(connection, { namespace: 'default', taskQueue: '', identity: 'x' })).toThrow(
      InvalidArgumentError,
    );
    const worker = newWorker(uniqueName('tq'));
    await expect(worker.completeWorkflowActivation(Buffer.from([0xff, 0xff, 0xff]))).rejects.toThrow(
      /could not decode WorkflowActivationCompletion/,
    );
    await expect(worker.completeWorkflowActivation(success('unknown-run', []))).rejects.toBeInstanceOf(
      IllegalStateError,
    );
    await expect(worker.completeWorkflowActivation(success('unknown-run', []))).rejects.toThrow(
      /unknown run id unknown-run/,
    );
    await expect(
      worker.completeActivityTask(ActivityTaskCompletion.encode({ taskToken: Buffer.from('nope') }).finish()),
    ).rejects.toBeInstanceOf(IllegalStateError);
    expect(() =>
      worker.recordActivityHeartbeat(ActivityHeartbeat.encode({ taskToken: Buffer.from('nope') }).finish()),
    ).toThrow(/unknown task token/);
    await expect(worker.pushHistory('x', Buffer.alloc(0))).rejects.toBeInstanceOf(IllegalStateError);
    await expect(NativeConnection.connect({ address: '127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toThrow(
      /TransportError|failed to connect/,
    );
    worker.initiateShutdown();
    await worker.finalizeShutdown();
    expect(Array.isArray(drainLogs())).toBe(true);
  });
});
