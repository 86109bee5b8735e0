// Workflow updates driven by hand over raw gRPC: update-with-start errors, rejected and speculative update
// tasks, and updates of runs that close or continue as new.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, waitUntil, startRawServer, stopRawServer } from './helpers';
import { manualWorkflows, payload, names, timer, completeWf } from './manual-workflows';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;
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

const { start, startWf, pollWft, complete, history } = manualWorkflows(() => raw);

describe('update-with-start errors', () => {
  const ABORTED_TYPE = 'type.googleapis.com/temporal.api.failure.v1.MultiOperationExecutionAborted';
  const multiOp = (workflowId: string, startExtra: object = {}, updateExtra: object = {}) =>
    raw.wf(
      'ExecuteMultiOperation',
      {
        operations: [
          {
            startWorkflow: {
              namespace: 'default',
              workflowId,
              workflowType: { name: 'Wf' },
              taskQueue: { name: 'tq-frontend' },
              requestId: uniqueId('req'),
              ...startExtra,
            },
          },
          {
            updateWorkflow: {
              namespace: 'default',
              workflowExecution: { workflowId },
              request: { meta: { updateId: uniqueId('upd') }, input: { name: 'u' } },
              waitPolicy: {
                lifecycleStage:
                  E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
              },
              ...updateExtra,
            },
          },
        ],
      },
      3_000,
    );
  type Status = { code: number; message: string; details: Array<{ type_url: string }> };
  const statusesOf = (err: { statusDetails: Array<{ typeName: string; message: Record<string, unknown> }> }) => {
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.MultiOperationExecutionFailure');
    return err.statusDetails[0].message.statuses as Status[];
  };

  test('the operation that did not fail is ABORTED with a MultiOperationExecutionAborted detail', async () => {
    const id = uniqueId();
    await start(id);
    // The start fails (the id is taken and the conflict policy is unset, which means FAIL): the update is aborted.
    const startFails = await rejection(multiOp(id));
    expect([startFails.code, startFails.details]).toEqual([
      grpc.status.ALREADY_EXISTS,
      'Update-with-Start could not be executed.',
    ]);
    const [failedStart, abortedUpdate] = statusesOf(startFails);
    expect(failedStart.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(failedStart.details[0].type_url).toBe(
      'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
    );
    expect(abortedUpdate).toMatchObject({ code: grpc.status.ABORTED, message: 'Operation was aborted.' });
    expect(abortedUpdate.details.map((d) => d.type_url)).toEqual([ABORTED_TYPE]);

    // The update is invalid: the start is aborted.
    const updateFails = await rejection(multiOp(uniqueId(), {}, { workflowExecution: { workflowId: 'another-id' } }));
    expect(updateFails.code).toBe(grpc.status.INVALID_ARGUMENT);
    const [abortedStart, failedUpdate] = statusesOf(updateFails);
    expect(abortedStart.details.map((d) => d.type_url)).toEqual([ABORTED_TYPE]);
    expect(failedUpdate).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: 'WorkflowId is not consistent with previous operation(s).',
    });
  });
});

const COMPLETED_STAGE = E.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;

function sendUpdate(workflowId: string, updateId = 'u1', extra: object = {}) {
  return raw.wf('UpdateWorkflowExecution', {
    workflowExecution: { workflowId },
    waitPolicy: { lifecycleStage: COMPLETED_STAGE },
    request: { meta: { updateId, identity: 'me' }, input: { name: 'upd', args: { payloads: [payload(1)] } } },
    ...extra,
  });
}

/** Polls the task delivering an update and rejects it, returning the completion's response. */
async function rejectDeliveredUpdate(tq: string, updateId = 'u1', extra: object = {}) {
  const t = await pollWft(tq);
  expect(t.messages).toHaveLength(1);
  expect(t.messages![0].protocolInstanceId).toBe(updateId);
  const rejectionMsg = temporal.api.update.v1.Rejection.encode({
    rejectedRequestMessageId: t.messages![0].id!,
    failure: { message: 'nope' },
  }).finish();
  return complete(t.taskToken, [], {
    ...extra,
    messages: [
      {
        id: 'r1',
        protocolInstanceId: updateId,
        body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: rejectionMsg },
      },
    ],
  });
}

test('a rejected update writes no event, not even its workflow task; reset_history_event_id is the last completed task started id', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, []);
  const before = await history(workflowId);
  expect(names(before).at(-1)).toBe('WORKFLOW_TASK_COMPLETED');
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq);
  // The speculative task is dropped; the worker rewinds to the WorkflowTaskStarted of the last completed task (3),
  // not to the last event (4), as the real server answers.
  expect(Number(done.resetHistoryEventId)).toBe(3);
  const r = await update;
  expect(r.stage).toBe(COMPLETED_STAGE);
  expect(r.outcome.failure.message).toBe('nope');
  const h = await history(workflowId);
  expect(names(h).some((n) => n.startsWith('WORKFLOW_EXECUTION_UPDATE'))).toBe(false);
  expect(h.length).toBe(before.length);
});

test('a speculative task that only rejects an update is written, with no reset, when events follow the last completed task', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq);
  expect(Number(done.resetHistoryEventId ?? 0)).toBe(0);
  expect((await update).outcome.failure.message).toBe('nope');
  expect(names(await history(workflowId))).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
  ]);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

/** Polls the task delivering an update and accepts it. */
async function acceptDeliveredUpdate(tq: string) {
  const t = await pollWft(tq);
  const m = t.messages![0];
  const acceptance = temporal.api.update.v1.Acceptance.encode({
    acceptedRequestMessageId: m.id!,
    acceptedRequestSequencingEventId: m.eventId!,
    acceptedRequest: temporal.api.update.v1.Request.decode(m.body!.value!),
  }).finish();
  await complete(
    t.taskToken,
    [{ commandType: CT.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId: 'a1' } }],
    {
      messages: [
        {
          id: 'a1',
          protocolInstanceId: m.protocolInstanceId,
          body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Acceptance', value: acceptance },
        },
      ],
    },
  );
}

const pollUpdate = (workflowId: string, updateId = 'u1') =>
  raw.wf('PollWorkflowExecutionUpdate', {
    updateRef: { workflowExecution: { workflowId }, updateId },
    waitPolicy: { lifecycleStage: COMPLETED_STAGE },
  });

test('an update not yet accepted when the run closes fails with NOT_FOUND "workflow update was aborted by closing workflow"', async () => {
  const tq = uniqueId('tq');
  // Terminated while the update waits for its task, and completed by the task that received it.
  for (const close of ['terminate', 'complete'] as const) {
    const { workflowId } = await startWf(tq);
    await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
    const update = rejection(sendUpdate(workflowId));
    if (close === 'terminate') {
      await waitUntil(
        async () => (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).pendingWorkflowTask,
      );
      await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
    } else {
      await complete((await pollWft(tq)).taskToken, [completeWf('done')]);
    }
    for (const err of [await update, await rejection(pollUpdate(workflowId))]) {
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toBe('workflow update was aborted by closing workflow');
      expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NotFoundFailure');
    }
    // Asked again on the closed run, the update id is unknown there.
    const again = await rejection(sendUpdate(workflowId));
    expect(again.details).toBe('workflow execution already completed');
    expect((await rejection(pollUpdate(workflowId, 'other'))).details).toBe('update "other" not found');
  }
});

test('an accepted update of a run that closes completes with an AcceptedUpdateCompletedWorkflow failure, also when asked again', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = sendUpdate(workflowId);
  await acceptDeliveredUpdate(tq);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
  const expected = {
    message: 'Workflow Update failed because the Workflow completed before the Update completed.',
    source: 'Server',
    applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
  };
  for (const r of [await update, await pollUpdate(workflowId), await sendUpdate(workflowId)]) {
    expect(r.stage).toBe(COMPLETED_STAGE);
    expect(r.outcome.failure).toMatchObject(expected);
  }
});

test('an update not yet accepted when the run continues as new fails with a retryable RESOURCE_EXHAUSTED', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const update = rejection(sendUpdate(workflowId));
  await complete((await pollWft(tq)).taskToken, [
    {
      commandType: CT.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
      continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'Manual' }, taskQueue: { name: tq } },
    },
  ]);
  const err = await update;
  expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(err.details).toBe('workflow operation can not be applied because workflow is closing');
  expect(err.statusDetails[0].message).toMatchObject({
    cause: E.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
    scope: E.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
  });
  // The new run does not know the update; a retry of it goes there.
  expect((await rejection(pollUpdate(workflowId))).details).toBe('update "u1" not found');
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});

test('a worker that can discard speculative tasks with events gets its rejection dropped even after command events', async () => {
  const tq = uniqueId('tq');
  const { workflowId } = await startWf(tq);
  await complete((await pollWft(tq)).taskToken, [timer('t1', 600_000)]);
  const transitions = async () =>
    Number(
      (await raw.wf('DescribeWorkflowExecution', { execution: { workflowId } })).workflowExecutionInfo
        .stateTransitionCount,
    );
  const before = await transitions();
  const update = sendUpdate(workflowId);
  const done = await rejectDeliveredUpdate(tq, 'u1', {
    capabilities: { discardSpeculativeWorkflowTaskWithEvents: true },
  });
  // The admitted update and its speculative task are kept in memory only: no state transition either.
  expect(await transitions()).toBe(before);
  // As on the real server: nothing written, and the worker rewinds to the last completed task's started event.
  expect(Number(done.resetHistoryEventId)).toBe(3);
  expect((await update).outcome.failure.message).toBe('nope');
  expect(names(await history(workflowId))).toEqual([
    'WORKFLOW_EXECUTION_STARTED',
    'WORKFLOW_TASK_SCHEDULED',
    'WORKFLOW_TASK_STARTED',
    'WORKFLOW_TASK_COMPLETED',
    'TIMER_STARTED',
  ]);
  await raw.wf('TerminateWorkflowExecution', { workflowExecution: { workflowId } });
});
