/**
 * Replay-compatibility workflows: the official SDK worker runs this file and the Kairos worker its twin in
 * `../kairos/`, and each worker's histories are replayed by the other SDK. The two files differ only in the
 * import scope (`@temporalio/` here, `@kairos/` there): `node test/replay/sync-twins.js` writes the Kairos
 * twin from the official file and `test/replay.test.ts` checks that they agree.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import * as wf from '@kairos/workflow';
import type * as activities from './activities';

const retry = { initialInterval: '20ms', backoffCoefficient: 1, maximumAttempts: 4 } as const;
const { greet, flaky, failing, waitForCancel } = wf.proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  heartbeatTimeout: '2s',
  retry,
});
const local = wf.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5s', retry });
/** Retries of these wait longer than the local retry threshold, so the workflow sleeps on a timer between them. */
const backingOff = wf.proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '5s',
  localRetryThreshold: '1ms',
  retry: { initialInterval: '30ms', backoffCoefficient: 1, maximumAttempts: 3 } as const,
});

export const addSignal = wf.defineSignal<[number]>('add');
export const finishSignal = wf.defineSignal('finish');
export const goSignal = wf.defineSignal<[string]>('go');
export const totalQuery = wf.defineQuery<number>('total');
export const setLimitUpdate = wf.defineUpdate<number, [number]>('setLimit');
export const slowAddUpdate = wf.defineUpdate<number, [number]>('slowAdd');
const keywordKey = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);

/** The failure classes of an error and its causes, and the message of the root cause. */
function describeFailure(err: unknown): string {
  if (!(err instanceof wf.TemporalFailure)) throw err;
  const names: string[] = [];
  let cause: Error | undefined = err;
  for (; cause?.cause instanceof Error; cause = cause.cause) names.push(cause.name);
  return `${[...names, cause.name].join(': ')}: ${cause.message}`;
}

export async function activityWorkflow(name: string): Promise<string[]> {
  const hello = await greet(name);
  const retried = await flaky('remote', 2);
  const parallel = await Promise.all([greet('a'), greet('b')]);
  const failed = await failing('remote').catch(describeFailure);
  return [hello, retried, ...parallel, failed];
}

export async function localActivityWorkflow(): Promise<string[]> {
  const hello = await local.greet('local');
  const retried = await local.flaky('local', 3);
  const backedOff = await backingOff.flaky('backoff', 2);
  const failed = await local.failing('local').catch(describeFailure);
  return [hello, retried, backedOff, failed];
}

export async function timerWorkflow(): Promise<number> {
  const start = Date.now();
  await wf.sleep(20);
  await Promise.all([wf.sleep('10ms'), wf.sleep(50)]);
  return Date.now() - start >= 70 ? 1 : 0;
}

export async function setTimeoutWorkflow(): Promise<string[]> {
  const fired: string[] = [];
  await new Promise<void>((resolve) => setTimeout(resolve, 10));
  fired.push('first');
  const cleared = setTimeout(() => fired.push('never'), 1000);
  clearTimeout(cleared);
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      fired.push('second');
      resolve();
    }, 5),
  );
  return fired;
}

export async function conditionWorkflow(): Promise<boolean[]> {
  let flag = false;
  const met = await wf.condition(() => flag, 20);
  setTimeout(() => (flag = true), 10);
  const metLater = await wf.condition(() => flag, '10s');
  return [met, metLater];
}

export async function interactionsWorkflow(): Promise<{ total: number; limit: number; ok: boolean }> {
  let total = 0;
  let limit = 10;
  let finished = false;
  wf.setHandler(addSignal, (n) => void (total += n));
  wf.setHandler(finishSignal, () => void (finished = true));
  wf.setHandler(totalQuery, () => total);
  wf.setHandler(
    setLimitUpdate,
    (n) => {
      limit = n;
      return limit;
    },
    {
      validator: (n) => {
        if (n < 0) throw new Error('limit must not be negative');
      },
    },
  );
  wf.setHandler(slowAddUpdate, async (n) => {
    await wf.sleep(5);
    total += n;
    return total;
  });
  const ok = await wf.condition(() => finished, '20s');
  await wf.condition(wf.allHandlersFinished);
  return { total, limit, ok };
}

export async function waitingChild(): Promise<string> {
  let message: string | undefined;
  wf.setHandler(goSignal, (m) => void (message = m));
  await wf.condition(() => message !== undefined);
  return message ?? '';
}

export async function echoChild(value: string): Promise<string> {
  await wf.sleep(5);
  return `${value} from ${wf.workflowInfo().parent?.workflowId === undefined ? 'nobody' : 'the parent'}`;
}

export async function sleepyChild(): Promise<void> {
  await wf.sleep('1 minute');
}

export async function parentWorkflow(): Promise<string[]> {
  const { workflowId } = wf.workflowInfo();
  // No workflow id: the SDK makes one up with uuid4(), from the workflow's seeded random.
  const child = await wf.startChild(waitingChild);
  await wf.getExternalWorkflowHandle(child.workflowId).signal(goSignal, 'go!');
  const childResult = await child.result();
  const echoed = await wf.executeChild(echoChild, { args: ['echo'], workflowId: `${workflowId}-echo` });
  const victim = await wf.startChild(sleepyChild, { workflowId: `${workflowId}-victim` });
  await wf.getExternalWorkflowHandle(victim.workflowId).cancel();
  let victimOutcome = 'completed';
  try {
    await victim.result();
  } catch (err) {
    victimOutcome = err instanceof wf.ChildWorkflowFailure && wf.isCancellation(err) ? 'cancelled' : String(err);
  }
  const childFailure = await wf
    .executeChild(failingWorkflow, { workflowId: `${workflowId}-failing` })
    .then(() => 'completed', describeFailure);
  return [childResult, echoed, victimOutcome, childFailure];
}

/** Started with a signal (signalWithStart) that waits for a handler, then gets one more. */
export async function signalWithStartWorkflow(): Promise<string[]> {
  const seen: string[] = [];
  await wf.sleep(5);
  wf.setDefaultSignalHandler((name, ...args) => void seen.push(`${name}:${JSON.stringify(args)}`));
  await wf.condition(() => seen.length >= 2);
  return seen;
}

export async function continueAsNewWorkflow(runsLeft: number): Promise<string> {
  if (runsLeft > 0) {
    await wf.sleep(5);
    await wf.continueAsNew<typeof continueAsNewWorkflow>(runsLeft - 1);
  }
  return wf.workflowInfo().continuedFromExecutionRunId ? 'continued' : 'first run';
}

export async function cancellationWorkflow(): Promise<string[]> {
  const outcomes: string[] = [];
  const activityScope = new wf.CancellationScope();
  const running = activityScope.run(() => waitForCancel());
  await wf.sleep(50);
  activityScope.cancel();
  try {
    await running;
    outcomes.push('activity completed');
  } catch (err) {
    outcomes.push(wf.isCancellation(err) ? 'activity cancelled' : String(err));
  }
  const timerScope = new wf.CancellationScope();
  const longSleep = timerScope.run(() => wf.sleep('1 minute'));
  await wf.sleep(5);
  timerScope.cancel();
  try {
    await longSleep;
    outcomes.push('timer fired');
  } catch (err) {
    outcomes.push(wf.isCancellation(err) ? 'timer cancelled' : String(err));
  }
  try {
    await wf.CancellationScope.withTimeout(10, () => wf.sleep('1 minute'));
  } catch (err) {
    outcomes.push(wf.isCancellation(err) ? 'timed out' : String(err));
  }
  outcomes.push(await wf.CancellationScope.nonCancellable(() => greet('shielded')));
  return outcomes;
}

/** Sleeps until the client cancels it, then cleans up in a non-cancellable scope and ends cancelled. */
export async function cancelledWorkflow(): Promise<void> {
  try {
    await wf.sleep('1 minute');
  } catch (err) {
    if (wf.isCancellation(err)) await wf.CancellationScope.nonCancellable(() => greet('cleanup'));
    throw err;
  }
}

export async function patchWorkflow(): Promise<string[]> {
  const taken: string[] = [];
  if (wf.patched('zeta-fix')) taken.push('zeta-fix');
  await wf.sleep(10);
  if (wf.patched('alpha-fix')) taken.push('alpha-fix');
  wf.deprecatePatch('old-fix');
  await wf.sleep(10);
  return taken;
}

export async function randomWorkflow(): Promise<{ r: number; id: string; branches: string[] }> {
  const r = Math.random();
  const id = wf.uuid4();
  const branches: string[] = [];
  if (r < 0.5) {
    await wf.sleep(5);
    branches.push('timer');
  } else {
    branches.push(await greet('random'));
  }
  if (parseInt(id[0], 16) % 2 === 0) {
    await wf.sleep(5);
    branches.push('timer');
  } else {
    branches.push(await local.greet('local'));
  }
  // Drawn after awaits, so the stream must go on where earlier activations left it; replay compares activity ids.
  const drawn = wf.proxyActivities<typeof activities>({
    startToCloseTimeout: '10s',
    activityId: `random-${Math.floor(Math.random() * 1e9)}`,
  });
  branches.push(await drawn.greet('drawn'));
  return { r, id, branches };
}

export async function upsertWorkflow(): Promise<unknown[]> {
  wf.upsertSearchAttributes([{ key: keywordKey, value: 'one' }]);
  wf.upsertMemo({ note: 'hello', gone: undefined });
  await wf.sleep(5);
  wf.upsertSearchAttributes([{ key: keywordKey, value: 'two' }]);
  wf.upsertMemo({ count: 2 });
  const info = wf.workflowInfo();
  return [info.typedSearchAttributes.get(keywordKey), info.memo];
}

export async function failingWorkflow(): Promise<void> {
  await wf.sleep(5);
  throw wf.ApplicationFailure.nonRetryable('boom', 'Boom');
}

/** The workflow of tools/gen-timer-history.js: sleeps 1 s n times. */
export async function timerLoop(n: number): Promise<number> {
  for (let i = 0; i < n; i++) await wf.sleep(1000);
  return n;
}
