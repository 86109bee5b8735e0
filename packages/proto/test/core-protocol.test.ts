import { kairos, temporal, google } from '../src';

const { WorkflowActivation, WorkflowActivationJob, EvictionReason } = kairos.core.activation;
const { WorkflowActivationCompletion } = kairos.core.completion;
const { ActivityCancellationType } = kairos.core.commands;

function payload(text: string): temporal.api.common.v1.IPayload {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(text)) };
}

describe('kairos.core protocol', () => {
  it('round-trips an activation with several jobs through protobuf bytes', () => {
    const activation = WorkflowActivation.create({
      runId: 'run-1',
      timestamp: google.protobuf.Timestamp.create({ seconds: 1_700_000_000, nanos: 5 }),
      isReplaying: true,
      historyLength: 12,
      availableInternalFlags: [1, 2],
      jobs: [
        {
          initializeWorkflow: {
            workflowType: 'greet',
            workflowId: 'wf-1',
            arguments: [payload('hi')],
            randomnessSeed: 1234567890123,
            attempt: 1,
            taskQueue: 'tq',
          },
        },
        { notifyHasPatch: { patchId: 'my-patch' } },
        { signalWorkflow: { signalName: 'poke', input: [payload('x')], identity: 'me' } },
        { fireTimer: { seq: 3 } },
        {
          resolveActivity: {
            seq: 4,
            isLocal: true,
            result: { backoff: { attempt: 2, backoffDuration: { seconds: 90 } } },
          },
        },
        { resolveChildWorkflowExecutionStart: { seq: 5, succeeded: { runId: 'child-run' } } },
        { resolveNexusOperationStart: { seq: 6, operationToken: 'tok' } },
      ],
    });
    const bytes = WorkflowActivation.encode(activation).finish();
    const decoded = WorkflowActivation.decode(bytes);

    expect(decoded.runId).toBe('run-1');
    expect(decoded.isReplaying).toBe(true);
    expect(Number(decoded.historyLength)).toBe(12);
    expect(decoded.availableInternalFlags).toEqual([1, 2]);
    expect(decoded.jobs.map((j) => j.variant)).toEqual([
      'initializeWorkflow',
      'notifyHasPatch',
      'signalWorkflow',
      'fireTimer',
      'resolveActivity',
      'resolveChildWorkflowExecutionStart',
      'resolveNexusOperationStart',
    ]);
    const init = decoded.jobs[0].initializeWorkflow;
    expect(init?.workflowType).toBe('greet');
    expect(Number(init?.randomnessSeed)).toBe(1234567890123);
    expect(Buffer.from(init?.arguments?.[0].data ?? []).toString()).toBe('"hi"');
    expect(decoded.jobs[4].resolveActivity?.result?.status).toBe('backoff');
    expect(decoded.jobs[4].resolveActivity?.result?.backoff?.attempt).toBe(2);
    expect(decoded.jobs[5].resolveChildWorkflowExecutionStart?.succeeded?.runId).toBe('child-run');
    expect(decoded.jobs[6].resolveNexusOperationStart?.status).toBe('operationToken');
  });

  it('round-trips an eviction job with its reason', () => {
    const job = WorkflowActivationJob.create({
      removeFromCache: { message: 'cache full', reason: EvictionReason.EVICTION_REASON_CACHE_FULL },
    });
    const decoded = WorkflowActivationJob.decode(WorkflowActivationJob.encode(job).finish());
    expect(decoded.variant).toBe('removeFromCache');
    expect(decoded.removeFromCache?.reason).toBe(EvictionReason.EVICTION_REASON_CACHE_FULL);
  });

  it('round-trips a successful completion with commands', () => {
    const completion = WorkflowActivationCompletion.create({
      runId: 'run-1',
      successful: {
        usedInternalFlags: [1],
        commands: [
          { startTimer: { seq: 1, startToFireTimeout: { seconds: 5 } } },
          {
            scheduleActivity: {
              seq: 2,
              activityId: '2',
              activityType: 'send',
              arguments: [payload('a')],
              startToCloseTimeout: { seconds: 10 },
              cancellationType: ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED,
            },
            userMetadata: { summary: payload('send it') },
          },
          { setPatchMarker: { patchId: 'p', deprecated: false } },
          { updateResponse: { protocolInstanceId: 'u1', accepted: {} } },
          { completeWorkflowExecution: { result: payload('done') } },
        ],
      },
    });
    const decoded = WorkflowActivationCompletion.decode(WorkflowActivationCompletion.encode(completion).finish());
    expect(decoded.status).toBe('successful');
    const commands = decoded.successful?.commands ?? [];
    expect(commands.map((c) => c.variant)).toEqual([
      'startTimer',
      'scheduleActivity',
      'setPatchMarker',
      'updateResponse',
      'completeWorkflowExecution',
    ]);
    expect(commands[1].scheduleActivity?.cancellationType).toBe(
      ActivityCancellationType.ACTIVITY_CANCELLATION_TYPE_WAIT_CANCELLATION_COMPLETED,
    );
    expect(Buffer.from(commands[1].userMetadata?.summary?.data ?? []).toString()).toBe('"send it"');
    expect(commands[3].updateResponse?.response).toBe('accepted');
    expect(Buffer.from(commands[4].completeWorkflowExecution?.result?.data ?? []).toString()).toBe('"done"');
  });

  it('round-trips a failed completion with a forced cause', () => {
    const completion = WorkflowActivationCompletion.create({
      runId: 'run-2',
      failed: {
        failure: { message: 'boom' },
        forceCause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
      },
    });
    const decoded = WorkflowActivationCompletion.decode(WorkflowActivationCompletion.encode(completion).finish());
    expect(decoded.status).toBe('failed');
    expect(decoded.failed?.failure?.message).toBe('boom');
    expect(decoded.failed?.forceCause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    );
  });

  it('round-trips activity tasks and their completions', () => {
    const { ActivityTask, ActivityTaskCompletion, ActivityCancelReason } = kairos.core.activity;
    const task = ActivityTask.decode(
      ActivityTask.encode({
        taskToken: Buffer.from([1, 2, 3]),
        cancel: { reason: ActivityCancelReason.ACTIVITY_CANCEL_REASON_TIMED_OUT, details: { isTimedOut: true } },
      }).finish(),
    );
    expect(task.variant).toBe('cancel');
    expect(task.cancel?.details?.isTimedOut).toBe(true);
    const completion = ActivityTaskCompletion.decode(
      ActivityTaskCompletion.encode({ taskToken: Buffer.from([1]), result: { willCompleteAsync: {} } }).finish(),
    );
    expect(completion.result?.status).toBe('willCompleteAsync');
  });
});
