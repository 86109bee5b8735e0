// A run's life over raw gRPC: signals, cancel and terminate requests, workflow retries, cron, the chain of runs
// they make, and run timeouts.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, waitUntil, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload, decode, names, completeWf, type Event } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
const ET = E.EventType;
const CT = E.CommandType;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    namespaces: ['extra'],
    longPollTimeoutMs: 300,
    historyLongPollMs: 300,
  }));
});
afterAll(() => stopRawServer(server, raw));

const { start, eventTypes, startWf, pollWft, complete, history } = manualWorkflows(() => raw);

describe('signals, cancel and terminate', () => {
  test('signals are deduplicated by request id; a closed run gives NOT_FOUND', async () => {
    const id = uniqueId();
    await start(id);
    for (let i = 0; i < 2; i++) {
      await raw.wf('SignalWorkflowExecution', {
        workflowExecution: { workflowId: id },
        signalName: 'sig',
        input: { payloads: [payload(i)] },
        requestId: 'same',
      });
    }
    expect((await eventTypes(id)).filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(1);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    const err = await rejection(
      raw.wf('SignalWorkflowExecution', { workflowExecution: { workflowId: id }, signalName: 'sig' }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(
      (await rejection(raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } }))).code,
    ).toBe(grpc.status.NOT_FOUND);
  });

  test('cancel requests are written once; cancelling a closed run succeeds', async () => {
    const id = uniqueId();
    await start(id);
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id }, reason: 'why' });
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id } });
    const types = await eventTypes(id);
    expect(types.filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)).toHaveLength(1);
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: id } });
    await raw.wf('RequestCancelWorkflowExecution', { workflowExecution: { workflowId: id } });
  });

  test("an unknown workflow is NOT_FOUND with the real server's message and a NotFoundFailure without clusters", async () => {
    const calls: Array<[string, (execution: object) => object]> = [
      ['DescribeWorkflowExecution', (execution) => ({ execution })],
      ['GetWorkflowExecutionHistory', (execution) => ({ execution })],
      ['GetWorkflowExecutionHistoryReverse', (execution) => ({ execution })],
      ['SignalWorkflowExecution', (workflowExecution) => ({ workflowExecution, signalName: 's' })],
      ['QueryWorkflow', (execution) => ({ execution, query: { queryType: 'q' } })],
      ['RequestCancelWorkflowExecution', (workflowExecution) => ({ workflowExecution })],
      ['TerminateWorkflowExecution', (workflowExecution) => ({ workflowExecution })],
      [
        'PollWorkflowExecutionUpdate',
        (workflowExecution) => ({ updateRef: { workflowExecution, updateId: 'u' }, waitPolicy: {} }),
      ],
    ];
    const runId = '00000000-0000-0000-0000-000000000000';
    for (const [method, request] of calls) {
      const err = await rejection(raw.wf(method, request({ workflowId: 'missing' })));
      expect([method, err.code, err.details]).toEqual([
        method,
        grpc.status.NOT_FOUND,
        'workflow not found for ID: missing',
      ]);
      expect(err.statusDetails).toEqual([{ typeName: 'temporal.api.errordetails.v1.NotFoundFailure', message: {} }]);
      // With a run id the message names both.
      const withRun = await rejection(raw.wf(method, request({ workflowId: 'missing', runId })));
      expect([method, withRun.details]).toEqual([
        method,
        `workflow execution not found for workflow ID "missing" and run ID "${runId}"`,
      ]);
    }
  });
});

test('a failed run with a retry policy starts the next attempt after the backoff', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq, {
    retryPolicy: { initialInterval: { nanos: 50e6 }, maximumAttempts: 2 },
  });
  const fail = {
    commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
    failWorkflowExecutionCommandAttributes: { failure: { message: 'again', applicationFailureInfo: { type: 'X' } } },
  };
  await complete((await pollWft(tq)).taskToken, [fail]);
  const closed = (await history(workflowId, runId)).pop()!;
  const nextRunId = closed.workflowExecutionFailedEventAttributes!.newExecutionRunId!;
  expect(closed.workflowExecutionFailedEventAttributes!.retryState).toBe(E.RetryState.RETRY_STATE_IN_PROGRESS);
  const t = await pollWft(tq);
  expect(t.workflowExecution!.runId).toBe(nextRunId);
  const started = t.history!.events![0].workflowExecutionStartedEventAttributes!;
  expect(started.attempt).toBe(2);
  expect(started.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY);
  expect(started.continuedFailure!.message).toBe('again');
  expect(started.firstExecutionRunId).toBe(runId);
  await complete(t.taskToken, [fail]);
  const last = (await history(workflowId)).pop()!;
  expect(last.workflowExecutionFailedEventAttributes!.retryState).toBe(
    E.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
  );
});

test('the close-event filter reports a retried or cron run as continued-as-new; history keeps its close event', async () => {
  const closeEvent = async (workflowId: string, runId: string) =>
    (
      await raw.wf('GetWorkflowExecutionHistory', {
        execution: { workflowId, runId },
        historyEventFilterType: E.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        waitNewEvent: true,
      })
    ).history.events as Event[];
  const tq = uniqueId('tq');
  const failure = { message: 'again', applicationFailureInfo: { type: 'X' } };
  const retried = await startWf(tq, { retryPolicy: { initialInterval: { seconds: 60 }, maximumAttempts: 2 } });
  await complete((await pollWft(tq)).taskToken, [
    { commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure } },
  ]);
  const failed = (await history(retried.workflowId, retried.runId)).pop()!;
  expect(names([failed])).toEqual(['WORKFLOW_EXECUTION_FAILED']);
  const [asNew] = await closeEvent(retried.workflowId, retried.runId);
  expect(asNew).toMatchObject({
    eventId: failed.eventId,
    eventTime: failed.eventTime,
    eventType: ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  });
  expect(asNew.workflowExecutionContinuedAsNewEventAttributes).toMatchObject({
    newExecutionRunId: failed.workflowExecutionFailedEventAttributes!.newExecutionRunId,
    failure,
    lastCompletionResult: null,
  });
  expect(asNew.workflowExecutionContinuedAsNewEventAttributes!.workflowType).toBeNull();

  const timedOut = await startWf(tq, {
    workflowRunTimeout: { nanos: 200e6 },
    retryPolicy: { initialInterval: { seconds: 60 }, maximumAttempts: 2 },
  });
  const [timeoutAsNew] = await closeEvent(timedOut.workflowId, timedOut.runId);
  expect(timeoutAsNew.eventType).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(timeoutAsNew.workflowExecutionContinuedAsNewEventAttributes!.failure).toMatchObject({
    message: 'workflow timeout',
    source: 'Server',
    timeoutFailureInfo: { timeoutType: E.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
  });

  const cronTq = uniqueId('tq');
  const cron = await startWf(cronTq, { cronSchedule: '@every 1s' });
  await complete((await pollWft(cronTq)).taskToken, [completeWf('tick')]);
  const [cronAsNew] = await closeEvent(cron.workflowId, cron.runId);
  expect(cronAsNew.eventType).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(decode(cronAsNew.workflowExecutionContinuedAsNewEventAttributes!.lastCompletionResult!.payloads![0])).toBe(
    'tick',
  );
  expect(names([(await history(cron.workflowId, cron.runId)).pop()!])).toEqual(['WORKFLOW_EXECUTION_COMPLETED']);

  // A run that closes for good keeps its own close event.
  const last = await startWf(tq, { retryPolicy: { maximumAttempts: 1 } });
  await complete((await pollWft(tq)).taskToken, [
    { commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure } },
  ]);
  expect(names(await closeEvent(last.workflowId, last.runId))).toEqual(['WORKFLOW_EXECUTION_FAILED']);
  for (const w of [retried, timedOut, cron]) {
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId: w.workflowId } });
  }
});

test('a cron workflow starts its next run at the next cron time', async () => {
  const tq = uniqueId('tq');
  const { workflowId, runId } = await startWf(tq, { cronSchedule: '@every 1s' });
  const first = (await history(workflowId, runId))[0].workflowExecutionStartedEventAttributes!;
  expect(first.cronSchedule).toBe('@every 1s');
  await complete((await pollWft(tq)).taskToken, [completeWf('tick')]);
  const closed = (await history(workflowId, runId)).pop()!;
  const next = closed.workflowExecutionCompletedEventAttributes!.newExecutionRunId!;
  expect(next).toBeTruthy();
  const nextStarted = (await history(workflowId, next))[0].workflowExecutionStartedEventAttributes!;
  expect(nextStarted.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
  expect(decode(nextStarted.lastCompletionResult!.payloads![0])).toBe('tick');
  expect(nextStarted.firstWorkflowTaskBackoff).toBeTruthy();
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('every run of a continue-as-new, retry or cron chain is its own original run and root, as on the real server', async () => {
  const upsert = {
    commandType: CT.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    upsertWorkflowSearchAttributesCommandAttributes: {
      searchAttributes: { indexedFields: { CustomKeyword: payload('upserted') } },
    },
  };
  const continueAsNew = {
    commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
    continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Manual' }, taskQueue: { name: 'next' } },
  };
  const fail = {
    commandType: CT.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
    failWorkflowExecutionCommandAttributes: { failure: { message: 'again' } },
  };
  const startAttributes = { searchAttributes: { indexedFields: { CustomKeyword: payload('at start') } } };
  const chains = {
    continueAsNew: await startWf(uniqueId('tq'), startAttributes),
    retry: await startWf(uniqueId('tq'), {
      ...startAttributes,
      retryPolicy: { initialInterval: { nanos: 10e6 }, maximumAttempts: 2 },
    }),
    cron: await startWf(uniqueId('tq'), { ...startAttributes, cronSchedule: '@every 1s' }),
  };
  const closing = { continueAsNew: [upsert, continueAsNew], retry: [upsert, fail], cron: [upsert, completeWf('tick')] };
  for (const kind of Object.keys(chains) as Array<keyof typeof chains>) {
    const { workflowId, runId } = chains[kind];
    const { workflowExecutionInfo: info } = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
    await complete((await pollWft(info.taskQueue)).taskToken, closing[kind]);
    const described = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
    const nextRunId = described.workflowExecutionInfo.execution.runId;
    expect([kind, nextRunId === runId]).toEqual([kind, false]);
    const first = (await history(workflowId, runId))[0].workflowExecutionStartedEventAttributes!;
    const next = (await history(workflowId, nextRunId))[0].workflowExecutionStartedEventAttributes!;
    expect([kind, first.originalExecutionRunId, next.originalExecutionRunId]).toEqual([kind, runId, nextRunId]);
    expect([kind, next.firstExecutionRunId, next.continuedExecutionRunId]).toEqual([kind, runId, runId]);
    expect([kind, described.workflowExecutionInfo.rootExecution.runId]).toEqual([kind, nextRunId]);
    expect([kind, next.rootWorkflowExecution]).toEqual([kind, null]);
    // The next run starts with the first run's start search attributes: no upsert and no BuildIds carry over.
    expect([kind, Object.keys(next.searchAttributes!.indexedFields!)]).toEqual([kind, ['CustomKeyword']]);
    expect([kind, decode(next.searchAttributes!.indexedFields!.CustomKeyword)]).toEqual([kind, 'at start']);
  }
  // A cron workflow's first run is already a cron run.
  const cronFirst = (await history(chains.cron.workflowId, chains.cron.runId))[0]
    .workflowExecutionStartedEventAttributes!;
  expect(cronFirst.initiator).toBe(E.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
  for (const { workflowId } of Object.values(chains)) {
    await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  }
});

test('a run timeout closes the run with WorkflowExecutionTimedOut', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq, { workflowRunTimeout: { nanos: 200e6 } });
  await waitUntil(
    async () => names(await history(workflowId)).pop() === 'WORKFLOW_EXECUTION_TIMED_OUT',
    10_000,
    'run timeout',
  );
  const d = await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } });
  expect(d.workflowExecutionInfo.status).toBe(E.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
});
