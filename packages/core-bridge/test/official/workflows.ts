/**
 * Workflows run by the OFFICIAL TypeScript SDK worker. Their histories are replayed through the
 * Kairos core by the scripted twins in `scripts.ts`, which must issue the same commands.
 */
import * as wf from '@temporalio/workflow';
import type * as activities from './activities';

const retry = { initialInterval: '20ms', backoffCoefficient: 1, maximumAttempts: 3 };
const { greet, flaky, slow } = wf.proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  heartbeatTimeout: '2s',
  retry,
});
const { echo, flaky: flakyLocal } = wf.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5s', retry });
/** Retries of this one wait longer than the local retry threshold: the workflow sleeps between them. */
const { flaky: backingOffLocal } = wf.proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '5s',
  localRetryThreshold: '1ms',
  retry: { initialInterval: '30ms', backoffCoefficient: 1, maximumAttempts: 3 },
});

const addSignal = wf.defineSignal<[number]>('add');
const finishSignal = wf.defineSignal('finish');
const goSignal = wf.defineSignal<[string]>('go');
const totalQuery = wf.defineQuery<number>('total');
const setLimitUpdate = wf.defineUpdate<number, [number]>('setLimit');

export async function activityWorkflow(name: string): Promise<string[]> {
  const hello = await greet(name);
  const retried = await flaky('remote');
  return [hello, retried];
}

export async function timerWorkflow(): Promise<string> {
  await wf.sleep(20);
  await Promise.all([wf.sleep(10), wf.sleep(300)]);
  return 'slept';
}

export async function localActivityWorkflow(): Promise<string[]> {
  const first = await echo('one');
  const retried = await flakyLocal('local');
  const backedOff = await backingOffLocal('backoff');
  return [first, retried, backedOff];
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

export async function waitingChild(): Promise<string> {
  let message: string | undefined;
  wf.setHandler(goSignal, (m) => void (message = m));
  await wf.condition(() => message !== undefined);
  return message ?? '';
}

export async function sleepyChild(): Promise<void> {
  await wf.sleep('1 minute');
}

export async function parentWorkflow(): Promise<string[]> {
  // No workflow id: the SDK makes one up with uuid4(), from the workflow's seeded random.
  const child = await wf.startChild(waitingChild);
  await wf.getExternalWorkflowHandle(child.workflowId).signal(goSignal, 'go!');
  const childResult = await child.result();
  const victim = await wf.startChild(sleepyChild, { workflowId: `${wf.workflowInfo().workflowId}-victim` });
  await wf.getExternalWorkflowHandle(victim.workflowId).cancel();
  let victimOutcome = 'completed';
  try {
    await victim.result();
  } catch (err) {
    victimOutcome = err instanceof wf.ChildWorkflowFailure && wf.isCancellation(err) ? 'cancelled' : String(err);
  }
  return [child.workflowId, childResult, victimOutcome];
}

export async function interactionsWorkflow(): Promise<{ total: number; limit: number; early: boolean; ok: boolean }> {
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
  const early = await wf.condition(() => total >= 1000, 30);
  const ok = await wf.condition(() => finished, '20s');
  return { total, limit, early, ok };
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
    branches.push(await echo('local'));
  }
  return { r, id, branches };
}

export async function continueAsNewWorkflow(runsLeft: number): Promise<number> {
  if (runsLeft > 0) {
    await wf.sleep(5);
    await wf.continueAsNew<typeof continueAsNewWorkflow>(runsLeft - 1);
  }
  return Math.random();
}

export async function cancellationWorkflow(): Promise<string[]> {
  const activityScope = new wf.CancellationScope();
  const running = activityScope.run(() => slow());
  await wf.sleep(50);
  activityScope.cancel();
  let activityOutcome = 'completed';
  try {
    await running;
  } catch (err) {
    activityOutcome = wf.isCancellation(err) ? 'cancelled' : String(err);
  }
  const timerScope = new wf.CancellationScope();
  const longSleep = timerScope.run(() => wf.sleep('1 minute'));
  await wf.sleep(5);
  timerScope.cancel();
  let timerOutcome = 'fired';
  try {
    await longSleep;
  } catch (err) {
    timerOutcome = wf.isCancellation(err) ? 'cancelled' : String(err);
  }
  return [activityOutcome, timerOutcome];
}

export async function failingWorkflow(): Promise<void> {
  await wf.sleep(5);
  throw wf.ApplicationFailure.nonRetryable('boom', 'Boom');
}

export async function searchAttributesWorkflow(): Promise<void> {
  wf.upsertSearchAttributes({ CustomKeywordField: ['one'] });
  await wf.sleep(5);
  wf.upsertSearchAttributes({ CustomKeywordField: ['two'] });
}

/** The twin of the workflow the test drives through the Kairos core live (see `kairosMixedScript`). */
export async function kairosMixed(): Promise<string[]> {
  const taken: string[] = [];
  if (wf.patched('kairos-patch')) taken.push('kairos-patch');
  wf.deprecatePatch('kairos-old');
  await wf.sleep(10);
  taken.push(await greet('kairos'));
  taken.push(await flakyLocal('kairos-local'));
  await wf.sleep(10);
  return taken;
}
