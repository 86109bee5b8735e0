import {
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  defineSignal,
  defineUpdate,
  getCurrentDetails,
  ParentClosePolicy,
  setCurrentDetails,
  setDefaultQueryHandler,
  setDefaultUpdateHandler,
  setHandler,
  sleep,
  startChild,
  Trigger,
  workflowInfo,
} from '@kairos/workflow';
import { HandlerUnfinishedPolicy } from '@kairos/common';
import { waitForever } from './features';

export const slowUpdate = defineUpdate<string, [string]>('slowUpdate');
export const slowSignal = defineSignal('slowSignal');
export const finishSignal = defineSignal<[boolean]>('finish');

/** Finishes while handlers still run: the worker logs the unfinished-handler warnings (or not, when abandoned). */
export async function unfinishedHandlers(): Promise<string> {
  let finish = false;
  let waitForHandlers = false;
  setHandler(slowUpdate, async (id) => {
    await sleep(100_000);
    return `${id} ${currentUpdateInfo()?.name}`;
  });
  setHandler(slowSignal, async () => void (await sleep(100_000)), {
    unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
  });
  setHandler(finishSignal, (wait) => {
    finish = true;
    waitForHandlers = wait;
  });
  await condition(() => finish);
  if (waitForHandlers) await condition(allHandlersFinished);
  return 'finished';
}

export async function updateInfo(): Promise<string> {
  let done = false;
  setDefaultUpdateHandler(async (name, ...args) => {
    const info = currentUpdateInfo();
    done = true;
    return `${name}(${JSON.stringify(args)}) id=${info?.id} name=${info?.name}`;
  });
  setDefaultQueryHandler((name) => `default answer to ${name}`);
  setCurrentDetails('waiting for an update');
  await condition(() => done);
  return getCurrentDetails();
}

export async function info(): Promise<Record<string, unknown>> {
  await sleep(1);
  const i = workflowInfo();
  return {
    workflowId: i.workflowId,
    runId: i.runId === i.firstExecutionRunId,
    workflowType: i.workflowType,
    taskQueue: i.taskQueue,
    namespace: i.namespace,
    attempt: i.attempt,
    historyLength: i.historyLength > 0,
    historySize: i.historySize > 0,
    continueAsNewSuggested: i.continueAsNewSuggested,
    startTime: i.startTime instanceof Date,
    runStartTime: i.runStartTime instanceof Date,
    taskTimeoutMs: i.taskTimeoutMs,
    runTimeoutMs: i.runTimeoutMs,
    memo: i.memo,
    isReplaying: i.unsafe.isReplaying,
    nowIsNumber: typeof i.unsafe.now() === 'number',
    searchAttributes: i.typedSearchAttributes.getAll().map((p) => p.key.name),
    cronSchedule: i.cronSchedule,
    retryPolicy: i.retryPolicy,
    priority: i.priority,
  };
}

export async function triggers(): Promise<string> {
  const trigger = new Trigger<string>();
  setTimeout(() => trigger.resolve('triggered'), 5);
  return await trigger;
}

export async function parentClosing(policy: ParentClosePolicy, childId: string): Promise<void> {
  await startChild(waitForever, { workflowId: childId, parentClosePolicy: policy });
}
