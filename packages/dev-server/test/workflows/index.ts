// Workflows the official SDK worker runs against the Kairos dev server in the tests.
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';

const acts = proxyActivities<typeof activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts: 5 },
});

export async function helloActivity(name: string): Promise<string> {
  return await acts.greet(name);
}

export async function sleeper(ms: number): Promise<string> {
  await sleep(ms);
  return 'slept';
}

export const addSignal = defineSignal<[number]>('add');
export const doneSignal = defineSignal('done');
export const totalQuery = defineQuery<number>('total');

export async function accumulator(): Promise<number> {
  let total = 0;
  let done = false;
  setHandler(addSignal, (n: number) => {
    total += n;
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  setHandler(totalQuery, () => total);
  await condition(() => done);
  return total;
}

export async function flakyActivity(failures: number): Promise<string> {
  return await acts.flaky(failures, workflowInfo().workflowId);
}

export async function nonRetryable(): Promise<string> {
  return await acts.failNonRetryable();
}

export async function cancelHeartbeating(): Promise<string> {
  const { heartbeatUntilCancelled } = proxyActivities<typeof activities>({
    startToCloseTimeout: '10s',
    heartbeatTimeout: '2s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const scope = new CancellationScope();
  const p = scope.run(() => heartbeatUntilCancelled());
  await sleep(300);
  scope.cancel();
  try {
    await p;
    return 'not cancelled';
  } catch (err) {
    return isCancellation(err) ? 'cancelled' : `other: ${(err as Error).message}`;
  }
}

export async function waitForCancel(): Promise<string> {
  try {
    await condition(() => false);
    return 'impossible';
  } catch (err) {
    if (isCancellation(err)) throw err;
    throw err;
  }
}

export async function failing(message: string): Promise<void> {
  throw ApplicationFailure.nonRetryable(message, 'MyError');
}

/** Fails its run with a retryable failure, so a workflow retry policy starts another attempt. */
export async function failingRetryable(message: string): Promise<void> {
  throw ApplicationFailure.retryable(message, 'MyError');
}

export async function childParent(name: string): Promise<string> {
  const r = await executeChild(helloActivity, { args: [name], workflowId: `${workflowInfo().workflowId}-child` });
  return `parent(${r})`;
}

export async function abandonedChildParent(): Promise<string> {
  const handle = await startChild(accumulator, { workflowId: `${workflowInfo().workflowId}-child` });
  return handle.workflowId;
}

export async function counterCAN(n: number): Promise<number> {
  if (n < 3) await continueAsNew<typeof counterCAN>(n + 1);
  return n;
}

/** Continues as new once, then reports the run ids the SDK saw on the continued run. */
export async function runIdsAfterContinue(continued: boolean): Promise<Record<string, string | undefined>> {
  if (!continued) await continueAsNew<typeof runIdsAfterContinue>(true);
  const { runId, originalExecutionRunId, firstExecutionRunId, continuedFromExecutionRunId } = workflowInfo();
  return { runId, originalExecutionRunId, firstExecutionRunId, continuedFromExecutionRunId };
}

export const setValue = defineUpdate<string, [string]>('setValue');
export const getValue = defineQuery<string>('getValue');

export async function updatable(): Promise<string> {
  let value = 'initial';
  let done = false;
  setHandler(
    setValue,
    (v: string) => {
      const old = value;
      value = v;
      if (v === 'finish') done = true;
      return old;
    },
    {
      validator: (v: string) => {
        if (v === 'bad') throw new Error('bad value rejected');
      },
    },
  );
  setHandler(getValue, () => value);
  await condition(() => done);
  return value;
}

export async function upserter(): Promise<string> {
  upsertSearchAttributes({ CustomKeywordField: ['updated'] });
  await sleep(10);
  return 'ok';
}

export async function timerAndActivity(file: string, timerMs: number): Promise<string> {
  const { waitForFile } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
  const [content] = await Promise.all([waitForFile(file), sleep(timerMs)]);
  return `file said: ${content}`;
}

export async function externalToMissing(): Promise<string[]> {
  const out: string[] = [];
  const handle = getExternalWorkflowHandle(`${workflowInfo().workflowId}-missing`);
  try {
    await handle.signal(addSignal, 1);
    out.push('signaled');
  } catch {
    out.push('signal failed');
  }
  try {
    await handle.cancel();
    out.push('cancel requested');
  } catch {
    out.push('cancel failed');
  }
  return out;
}

export async function signalOther(targetId: string): Promise<void> {
  await getExternalWorkflowHandle(targetId).signal(addSignal, 7);
  await getExternalWorkflowHandle(targetId).signal(doneSignal);
}

export async function childAlreadyExists(existingId: string): Promise<string> {
  try {
    await startChild(accumulator, { workflowId: existingId });
    return 'started';
  } catch (err) {
    return (err as Error).name;
  }
}

export async function cancelChildOnClose(): Promise<string> {
  const handle = await startChild(waitForCancel, {
    workflowId: `${workflowInfo().workflowId}-child`,
    parentClosePolicy: ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
  });
  return handle.workflowId;
}

/** Sleeps `n` times in a row (a long history of small batches) and then runs an activity. */
export async function manyTimers(n: number): Promise<string> {
  for (let i = 0; i < n; i++) await sleep(1);
  return await acts.greet(`${n} timers`);
}

/** Runs `reportCancellation` once (no retries) and returns what it reported. */
export async function activityCancellationDetails(): Promise<string> {
  const { reportCancellation } = proxyActivities<typeof activities>({
    startToCloseTimeout: '1m',
    heartbeatTimeout: '2s',
    retry: { maximumAttempts: 1 },
  });
  return await reportCancellation();
}
