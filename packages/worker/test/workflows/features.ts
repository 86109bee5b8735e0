import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  deprecatePatch,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  setDefaultSignalHandler,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  allHandlersFinished,
  ParentClosePolicy,
  ChildWorkflowCancellationType,
  type Sinks,
} from '@kairos/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import type * as activities from '../activities';

const acts = proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: 10, backoffCoefficient: 1, maximumAttempts: 5 },
});
const local = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: 10, backoffCoefficient: 1, maximumAttempts: 5 },
});

export async function timersAndDates(): Promise<{ elapsed: number; sameNow: boolean; random: number }> {
  const start = Date.now();
  await sleep('50 ms');
  const elapsed = Date.now() - start;
  return { elapsed, sameNow: Date.now() === new Date().getTime(), random: Math.random() };
}

export async function conditionTimeout(): Promise<[boolean, boolean]> {
  let flag = false;
  const timedOut = await condition(() => flag, 20);
  setTimeout(() => (flag = true), 10);
  const met = await condition(() => flag, '10s');
  return [timedOut, met];
}

export const incrementSignal = defineSignal<[number]>('increment');
export const doneSignal = defineSignal('done');
export const countQuery = defineQuery<number>('count');
export const addUpdate = defineUpdate<number, [number]>('add');

export async function counter(): Promise<number> {
  let count = 0;
  let done = false;
  setHandler(incrementSignal, (n) => {
    count += n;
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  setHandler(countQuery, () => count);
  setHandler(
    addUpdate,
    async (n) => {
      await sleep(1);
      count += n;
      return count;
    },
    {
      validator: (n) => {
        if (n < 0) throw new Error('negative numbers are not allowed');
      },
    },
  );
  await condition(() => done);
  await condition(allHandlersFinished);
  return count;
}

export async function defaultSignals(): Promise<string[]> {
  const seen: string[] = [];
  setDefaultSignalHandler((name, ...args) => {
    seen.push(`${name}:${JSON.stringify(args)}`);
  });
  await condition(() => seen.length >= 2);
  return seen;
}

export async function activitiesWorkflow(): Promise<unknown> {
  const greeting = await acts.greet('activity');
  const attempts = await acts.flaky(3);
  let failure: unknown;
  try {
    await acts.failNonRetryable('nope');
  } catch (err) {
    failure = err;
  }
  const f = failure as {
    name: string;
    cause?: { name: string; message: string; type?: string; nonRetryable?: boolean };
  };
  return {
    greeting,
    attempts,
    failure: [f.name, f.cause?.name, f.cause?.message, f.cause?.type, f.cause?.nonRetryable],
  };
}

export async function localActivities(): Promise<unknown> {
  return [await local.greet('local'), await local.flaky(3)];
}

export async function child(name: string): Promise<string> {
  await sleep(1);
  return `child ${name} of ${workflowInfo().parent?.workflowId}`;
}

export async function parent(): Promise<string[]> {
  const one = await executeChild(child, { args: ['one'] });
  const handle = await startChild(child, { args: ['two'], parentClosePolicy: ParentClosePolicy.ABANDON });
  return [one, await handle.result()];
}

export async function waitForever(): Promise<void> {
  await condition(() => false);
}

export async function cancelChildWorkflow(type: ChildWorkflowCancellationType): Promise<string> {
  try {
    await CancellationScope.cancellable(async () => {
      const handle = await startChild(waitForever, { cancellationType: type });
      CancellationScope.current().cancel();
      await handle.result();
    });
    return 'not cancelled';
  } catch (err) {
    return isCancellation(err) ? 'cancelled' : `failed: ${String(err)}`;
  }
}

export async function signalExternal(targetId: string): Promise<void> {
  await getExternalWorkflowHandle(targetId).signal(incrementSignal, 5);
  await getExternalWorkflowHandle(targetId).signal(doneSignal);
}

export async function cancelExternal(targetId: string): Promise<void> {
  await getExternalWorkflowHandle(targetId).cancel();
}

export async function continuing(n: number): Promise<string> {
  if (n > 0) await continueAsNew<typeof continuing>(n - 1);
  return `done after ${workflowInfo().continuedFromExecutionRunId ? 'continuing' : 'nothing'}`;
}

export async function scopes(): Promise<string[]> {
  const results: string[] = [];
  try {
    await CancellationScope.withTimeout(10, () => sleep(10_000));
  } catch (err) {
    results.push(isCancellation(err) ? 'timed out' : 'other');
  }
  const scope = new CancellationScope();
  const promise = scope.run(() => sleep(10_000));
  scope.cancel();
  try {
    await promise;
  } catch (err) {
    results.push(isCancellation(err) ? 'cancelled' : 'other');
  }
  await CancellationScope.nonCancellable(async () => {
    await sleep(1);
    results.push('non-cancellable ran');
  });
  return results;
}

export async function cancellable(): Promise<string> {
  try {
    await sleep(100_000);
    return 'slept';
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => acts.greet('cleanup'));
      throw err;
    }
    throw err;
  }
}

export async function patchedWorkflow(): Promise<string> {
  if (patched('my-change')) return 'new';
  return 'old';
}

export async function deprecatedPatchWorkflow(): Promise<string> {
  deprecatePatch('my-change');
  return 'new';
}

const keywordKey = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);
export async function upserts(): Promise<unknown> {
  upsertSearchAttributes([{ key: keywordKey, value: 'upserted' }]);
  upsertMemo({ note: 'hello', gone: undefined });
  await sleep(1);
  return [workflowInfo().typedSearchAttributes.get(keywordKey), workflowInfo().memo];
}

export interface TestSinks extends Sinks {
  recorder: { record(value: string): void };
}
const { recorder } = proxySinks<TestSinks>();
export async function sinks(): Promise<void> {
  recorder.record(`hello from ${workflowInfo().workflowType}`);
  log.info('log from workflow', { custom: 1 });
  await sleep(1);
}

export async function uuids(): Promise<string[]> {
  return [uuid4(), uuid4()];
}

export async function failing(): Promise<never> {
  throw ApplicationFailure.create({ message: 'workflow failed', type: 'Custom', nonRetryable: true });
}

export async function throwsPlainError(): Promise<never> {
  throw new Error('plain errors fail the workflow task');
}
