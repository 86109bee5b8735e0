import { kairos, temporal } from '@kairos/proto';
import { NativeConnection, Worker } from '../src';
import {
  counter,
  expectEviction,
  histogramCount,
  historyFetches,
  newWorker,
  nextActivation,
  server,
  shutdown,
  terminate,
  useTestServer,
} from './helpers/bridge';
import { serverKind, TestServer } from './helpers/server';
import {
  Activation,
  duration,
  history,
  historyPages,
  jobNames,
  jsonPayload,
  startWorkflow,
  success,
  uniqueName,
  waitForClose,
} from './helpers/workflows';

const { EventType } = temporal.api.enums.v1;
const { EvictionReason } = kairos.core.activation;

useTestServer();

const serverName = serverKind() === 'kairos' ? 'the Kairos dev server' : 'the Temporal CLI dev server';

describe(`workflow histories through the core bridge against ${serverName}`, () => {
  it('fetches history page by page after a sticky cache miss, only as far as replay needs', async () => {
    const pageSize = 4;
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue, { historyPageSize: pageSize });
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'paged', taskQueue });
    const rounds = 8;
    const timer = (seq: number, ms: number) => ({ startTimer: { seq, startToFireTimeout: duration(ms) } });
    expect(jobNames(await nextActivation(worker))).toEqual(['initializeWorkflow']);
    for (let seq = 1; seq <= rounds; seq++) {
      await worker.completeWorkflowActivation(success(runId, [timer(seq, 1)]));
      expect(jobNames(await nextActivation(worker))).toEqual(['fireTimer']);
    }
    await worker.completeWorkflowActivation(success(runId, [timer(rounds + 1, 300)]));
    expect(worker.requestWorkflowEviction(runId)).toBe(true);
    await expectEviction(worker, EvictionReason.EVICTION_REASON_LANG_REQUESTED);
    const before = historyFetches();

    // The last timer's task goes to the sticky queue with partial history: a cache miss.
    const first = await nextActivation(worker);
    expect(jobNames(first)).toEqual(['initializeWorkflow']);
    expect(first.isReplaying).toBe(true);
    // Nothing happens to the run while its task is out, so this is the history the core pages
    // through: page it the same way, with the same page size, to see where the server ends pages.
    const pages = await historyPages(server, workflowId, runId, pageSize);
    // Pages fetched by the time each activation (one per workflow task in history) arrives.
    const fetchedBy = [historyFetches() - before];
    for (let seq = 1; seq <= rounds + 1; seq++) {
      await worker.completeWorkflowActivation(success(runId, [timer(seq, seq <= rounds ? 1 : 300)]));
      const fired = await nextActivation(worker);
      expect(jobNames(fired)).toEqual(['fireTimer']);
      expect(fired.jobs[0].fireTimer?.seq).toBe(seq);
      expect(fired.isReplaying).toBe(seq <= rounds);
      fetchedBy.push(historyFetches() - before);
    }
    const fetched = historyFetches() - before;
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    const started = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const missTaskStarted = Number(started[started.length - 1].eventId);

    // The server's pages run up to the task's started event, and the core fetched each of them
    // once: as many fetches as the server has pages of `pageSize` batches (servers page by batches
    // of events written together, so this is not a count of events).
    const paged = pages.flat();
    expect(paged.map((e) => Number(e.eventId))).toEqual(paged.map((_, i) => i + 1));
    expect(paged[paged.length - 1].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    expect(Number(paged[paged.length - 1].eventId)).toBe(missTaskStarted);
    expect(pages.length).toBeGreaterThan(2);
    expect(fetched).toBe(pages.length);
    // Pages were fetched only as replay needed them: a workflow task is applied once it and the
    // next one are complete, so the activation of task k came with no more pages than the one
    // holding task k+1's WorkflowTaskCompleted (and the command events written with it); the last
    // replayed tasks, whose next task is the one being worked on, needed them all.
    const pageOf = (eventId: number) => pages.findIndex((p) => p.some((e) => Number(e.eventId) === eventId));
    const completions = paged
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
      .map((e) => Number(e.eventId));
    expect(fetchedBy).toHaveLength(completions.length + 1);
    fetchedBy.forEach((n, k) => {
      const lookAhead = completions[k + 1];
      expect(n).toBeLessThanOrEqual(lookAhead === undefined ? pages.length : pageOf(lookAhead) + 1);
    });
    expect(fetchedBy[0]).toBeGreaterThan(0);
    expect(fetchedBy[0]).toBeLessThan(fetched);
    expect(counter('temporal_sticky_cache_miss', { task_queue: taskQueue })).toBe(1);
    expect(histogramCount('temporal_workflow_task_replay_latency', { task_queue: taskQueue })).toBe(1);
    expect(counter('temporal_sticky_cache_hit', { task_queue: taskQueue })).toBeGreaterThanOrEqual(rounds);
    await shutdown(worker);
  });

  // The Temporal CLI dev server has no setting for the size of a poll's first history page.
  const itOnKairos = serverKind() === 'kairos' ? it : it.skip;

  itOnKairos('processes a long history whose poll response is paged, fetching the rest with its token', async () => {
    const pollPageSize = 3; // batches of events in a poll's first page
    const pageSize = 2; // batches a page the core asks for
    const pagedServer = await TestServer.start({ workflowTaskHistoryPageSize: pollPageSize });
    const pagedConnection = await NativeConnection.connect({ address: pagedServer.address });
    try {
      const taskQueue = uniqueName('tq');
      // Without a workflow cache every task goes to the normal queue with the whole history, whose
      // first page comes with the poll and the rest behind its next_page_token.
      const worker = Worker.create(pagedConnection, {
        namespace: 'default',
        taskQueue,
        identity: 'core-bridge-test',
        maxCachedWorkflows: 0,
        historyPageSize: pageSize,
      });
      const workflowId = uniqueName('wf');
      const runId = await startWorkflow(pagedServer, { workflowId, workflowType: 'poll-paged', taskQueue });
      const rounds = 6;
      const timer = (seq: number) => ({ startTimer: { seq, startToFireTimeout: duration(1) } });
      const fetchedAtFirst: number[] = [];
      const fetched: number[] = [];
      const serverPages: number[] = [];
      for (let task = 1; task <= rounds + 1; task++) {
        const before = historyFetches();
        let a = await nextActivation(worker);
        expect(a.runId).toBe(runId);
        expect(jobNames(a)).toEqual(['initializeWorkflow']);
        expect(a.isReplaying).toBe(task > 1);
        fetchedAtFirst.push(historyFetches() - before);
        // The history stands still while the task is out: page it as the server paged it for
        // the task (first page as in the poll, the rest as the core asks) to count the pages
        // behind the poll's token.
        const pages = await historyPages(pagedServer, workflowId, runId, pageSize, pollPageSize);
        const paged = pages.flat();
        expect(paged[paged.length - 1].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        serverPages.push(pages.length - 1);
        for (let seq = 1; seq < task; seq++) {
          await worker.completeWorkflowActivation(success(runId, [timer(seq)]));
          a = await nextActivation(worker);
          expect(jobNames(a)).toEqual(['fireTimer']);
          expect(a.jobs[0].fireTimer?.seq).toBe(seq);
          expect(a.isReplaying).toBe(seq < task - 1);
        }
        expect(Number(a.historyLength)).toBe(Number(paged[paged.length - 1].eventId));
        fetched.push(historyFetches() - before);
        const last = task > rounds;
        await worker.completeWorkflowActivation(
          success(runId, [last ? { completeWorkflowExecution: {} } : timer(task)]),
        );
        await expectEviction(
          worker,
          last ? EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING : EvictionReason.EVICTION_REASON_CACHE_FULL,
        );
      }
      // Each page behind the token was fetched once; the first task's history fit in the poll.
      expect(fetched).toEqual(serverPages);
      expect(serverPages[0]).toBe(0);
      expect(serverPages[rounds]).toBeGreaterThan(2);
      // The first activation of the longest task did not wait for the whole history.
      expect(fetchedAtFirst[rounds]).toBeLessThan(fetched[rounds]);
      const events = await waitForClose(pagedServer, workflowId, runId);
      expect(events.map((e) => e.eventType)).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(
        events
          .filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED)
          .map((e) => e.timerStartedEventAttributes?.timerId),
      ).toEqual(Array.from({ length: rounds }, (_, i) => String(i + 1)));
      expect(counter('temporal_sticky_cache_miss', { task_queue: taskQueue })).toBe(0);
      await shutdown(worker);
    } finally {
      pagedConnection.close();
      await pagedServer.stop();
    }
  });

  /** Sends an update that the test waits on until it completes (or is rejected). */
  function sendUpdate(workflowId: string, runId: string, name: string, arg: unknown) {
    const ws = temporal.api.workflowservice.v1;
    return server.call(
      'UpdateWorkflowExecution',
      ws.UpdateWorkflowExecutionRequest,
      ws.UpdateWorkflowExecutionResponse,
      {
        namespace: 'default',
        workflowExecution: { workflowId, runId },
        waitPolicy: {
          lifecycleStage:
            temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
              .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
        },
        request: {
          meta: { updateId: uniqueName('upd'), identity: 'test' },
          input: { name, args: { payloads: [jsonPayload(arg)] } },
        },
      },
    );
  }

  function signal(workflowId: string, runId: string, signalName: string) {
    const ws = temporal.api.workflowservice.v1;
    return server.call(
      'SignalWorkflowExecution',
      ws.SignalWorkflowExecutionRequest,
      ws.SignalWorkflowExecutionResponse,
      {
        namespace: 'default',
        workflowExecution: { workflowId, runId },
        signalName,
        identity: 'test',
        requestId: uniqueName('sig'),
      },
    );
  }

  /** Answers a doUpdate activation by rejecting the update from its validator. */
  async function rejectUpdate(worker: Worker, update: Activation, message: string): Promise<void> {
    const job = update.jobs[0].doUpdate;
    expect(job?.runValidator).toBe(true);
    await worker.completeWorkflowActivation(
      success(update.runId, [
        { updateResponse: { protocolInstanceId: job?.protocolInstanceId, rejected: { message } } },
      ]),
    );
  }

  const updateEvents = new Set([
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
  ]);

  it('rolls the run back after the workflow rejects an update in a speculative task, then carries on', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'guarded', taskQueue });
    // The first task completes with no commands, so its WorkflowTaskCompleted is the run's last
    // event: a speculative task that only rejects updates then leaves nothing behind.
    await nextActivation(worker);
    await worker.completeWorkflowActivation(success(runId, []));
    const settled = await history(server, workflowId, runId);
    const last = settled[settled.length - 1];
    expect(last.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const checkpoint = Number(last.workflowTaskCompletedEventAttributes?.startedEventId);
    expect(checkpoint).toBe(settled.length - 1);

    // No workflow task is pending, so the update rides on a speculative one (scheduled and
    // started events right after the settled history).
    const outcome = sendUpdate(workflowId, runId, 'setLimit', -1);
    const update = await nextActivation(worker);
    expect(jobNames(update)).toEqual(['doUpdate']);
    expect(update.jobs[0].doUpdate?.name).toBe('setLimit');
    expect(update.isReplaying).toBe(false);
    expect(Number(update.historyLength)).toBe(settled.length + 2);
    await rejectUpdate(worker, update, 'limit must be positive');
    expect((await outcome).outcome?.failure?.message).toBe('limit must be positive');
    // The server discarded the task: nothing about it or the update is in history, and the
    // completion's reset_history_event_id sent the core back to the last completed task's started
    // event (the checkpoint).
    const afterRejection = await history(server, workflowId, runId);
    expect(afterRejection.map((e) => e.eventType)).toEqual(settled.map((e) => e.eventType));

    // The next real task reuses the discarded task's event ids. The core carries on from the
    // checkpoint with the run it has cached: no replay, no failed task, no eviction.
    await signal(workflowId, runId, 'wake');
    const woke = await nextActivation(worker);
    expect(woke.runId).toBe(runId);
    expect(jobNames(woke)).toEqual(['signalWorkflow']);
    expect(woke.isReplaying).toBe(false);
    expect(Number(woke.historyLength)).toBe(checkpoint + 4);
    expect(worker.cachedWorkflows).toBe(1);
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    expect(events.slice(settled.length).map((e) => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ]);
    expect(Number(events[settled.length].eventId)).toBe(checkpoint + 2);
    expect(events.filter((e) => updateEvents.has(e.eventType ?? 0))).toEqual([]);
    expect(counter('temporal_sticky_cache_miss', { task_queue: taskQueue })).toBe(0);
    expect(counter('temporal_sticky_cache_total_forced_eviction', { task_queue: taskQueue })).toBe(0);
    expect(counter('temporal_workflow_task_execution_failed', { task_queue: taskQueue })).toBe(0);
    await shutdown(worker);
  });

  it('carries on after rejecting an update whether the server keeps or discards a speculative task with command events', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'guarded', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(60_000) } }]),
    );
    // TimerStarted follows the last WorkflowTaskCompleted, so the speculative task ships it. A
    // server may keep such a task (writing its events) or, since the core's completions say it
    // can take the same events twice (`discard_speculative_workflow_task_with_events`), discard it
    // and reset the core to the last completed task's started event. Either way the core goes on.
    const settled = await history(server, workflowId, runId);
    expect(settled[settled.length - 1].eventType).toBe(EventType.EVENT_TYPE_TIMER_STARTED);
    const outcome = sendUpdate(workflowId, runId, 'setLimit', -1);
    const update = await nextActivation(worker);
    expect(jobNames(update)).toEqual(['doUpdate']);
    expect(Number(update.historyLength)).toBe(settled.length + 2);
    await rejectUpdate(worker, update, 'limit must be positive');
    expect((await outcome).outcome?.failure?.message).toBe('limit must be positive');
    const afterRejection = await history(server, workflowId, runId);
    const kept = afterRejection.length > settled.length;
    expect(afterRejection.slice(settled.length).map((e) => e.eventType)).toEqual(
      kept
        ? [
            EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
          ]
        : [],
    );

    await signal(workflowId, runId, 'wake');
    const woke = await nextActivation(worker);
    expect(jobNames(woke)).toEqual(['signalWorkflow']);
    expect(woke.isReplaying).toBe(false);
    expect(Number(woke.historyLength)).toBe(afterRejection.length + 3);
    expect(worker.cachedWorkflows).toBe(1);
    await worker.completeWorkflowActivation(success(runId, [{ completeWorkflowExecution: {} }]));
    await expectEviction(worker, EvictionReason.EVICTION_REASON_WORKFLOW_EXECUTION_ENDING);
    const events = await waitForClose(server, workflowId, runId);
    expect(events[afterRejection.length].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    expect(events.filter((e) => updateEvents.has(e.eventType ?? 0))).toEqual([]);
    expect(events.map((e) => e.eventType)).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(counter('temporal_sticky_cache_miss', { task_queue: taskQueue })).toBe(0);
    expect(counter('temporal_sticky_cache_total_forced_eviction', { task_queue: taskQueue })).toBe(0);
    await shutdown(worker);
  });

  it('fails the workflow task and evicts with NONDETERMINISM when replay disagrees with history', async () => {
    const taskQueue = uniqueName('tq');
    const worker = newWorker(taskQueue);
    const workflowId = uniqueName('wf');
    const runId = await startWorkflow(server, { workflowId, workflowType: 'flaky', taskQueue });
    await nextActivation(worker);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 1, startToFireTimeout: duration(300) } }]),
    );
    worker.requestWorkflowEviction(runId);
    await expectEviction(worker, EvictionReason.EVICTION_REASON_LANG_REQUESTED);
    const replay = await nextActivation(worker);
    expect(replay.isReplaying).toBe(true);
    await worker.completeWorkflowActivation(
      success(runId, [{ startTimer: { seq: 9, startToFireTimeout: duration(300) } }]),
    );
    const evict = await nextActivation(worker);
    expect(evict.jobs[0].removeFromCache?.reason).toBe(EvictionReason.EVICTION_REASON_NONDETERMINISM);
    expect(evict.jobs[0].removeFromCache?.message).toMatch(
      /TMPRL1100.*timer id 1 in history does not match the workflow's timer 9/,
    );
    await worker.completeWorkflowActivation(success(runId, []));
    await new Promise((r) => setTimeout(r, 50));
    const events = await history(server, workflowId, runId);
    const failed = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed?.workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    );
    expect(
      counter('temporal_workflow_task_execution_failed', {
        task_queue: taskQueue,
        failure_reason: 'NonDeterminismError',
      }),
    ).toBe(1);
    expect(counter('temporal_sticky_cache_total_forced_eviction', { task_queue: taskQueue })).toBe(2);
    await terminate(workflowId, runId);
    await shutdown(worker);
  });
});
