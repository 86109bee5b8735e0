import {
  condition,
  defineQuery,
  defineSignal,
  inWorkflowContext,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';

export const randomsQuery = defineQuery<[number, string]>('randoms');
export const finishSignal = defineSignal('finish');

/** What the workflow can see about itself through `workflowInfo()`. */
export async function introspect(): Promise<Record<string, unknown>> {
  const random = Math.random();
  const uuid = uuid4();
  const lengthAtStart = workflowInfo().historyLength;
  let finished = false;
  setHandler(randomsQuery, () => [random, uuid]);
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);

  const info = workflowInfo();
  return {
    workflowId: info.workflowId,
    workflowType: info.workflowType,
    taskQueue: info.taskQueue,
    namespace: info.namespace,
    runIdIsFirst: info.runId === info.firstExecutionRunId && info.runId === info.originalExecutionRunId,
    continuedFromExecutionRunId: info.continuedFromExecutionRunId ?? null,
    attempt: info.attempt,
    historyGrew: info.historyLength > lengthAtStart,
    historySizeKnown: info.historySize > 0,
    continueAsNewSuggested: info.continueAsNewSuggested,
    startTimeIsDate: info.startTime instanceof Date && info.runStartTime instanceof Date,
    startedBeforeNow: info.startTime.getTime() <= Date.now(),
    executionTimeoutMs: info.executionTimeoutMs,
    runTimeoutMs: info.runTimeoutMs,
    taskTimeoutMs: info.taskTimeoutMs,
    expiresLater: (info.executionExpirationTime?.getTime() ?? 0) > Date.now(),
    retryMaximumAttempts: info.retryPolicy?.maximumAttempts,
    memo: info.memo,
    parent: info.parent ?? null,
    cronSchedule: info.cronSchedule ?? null,
    lastResult: info.lastResult ?? null,
    isReplaying: info.unsafe.isReplaying,
    inWorkflowContext: inWorkflowContext(),
    random,
    uuid,
  };
}
