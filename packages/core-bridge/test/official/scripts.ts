/**
 * Scripted twins of `workflows.ts`: for each official workflow, the commands its code issues
 * under the official TypeScript runtime, written against the test runtime in
 * `../helpers/scripted.ts`. Replaying an official history through the Kairos core with its twin
 * must produce no non-determinism.
 */
import { CancelledError, ContinueAsNewRequest, Script, WorkflowFailure } from '../helpers/scripted';

const retry = { initialInterval: { nanos: 20_000_000 }, backoffCoefficient: 1, maximumAttempts: 3 };

function outcomeOf(err: unknown): string {
  return err instanceof CancelledError ? 'cancelled' : String(err);
}

export const activityWorkflow: Script = async (ctx) => {
  const [name] = ctx.args as [string];
  const hello = await ctx.activity('greet', [name], { heartbeatMs: 2000, retry }).result;
  const retried = await ctx.activity('flaky', ['remote'], { heartbeatMs: 2000, retry }).result;
  return [hello, retried];
};

export const timerWorkflow: Script = async (ctx) => {
  await ctx.sleep(20);
  await Promise.all([ctx.sleep(10), ctx.sleep(300)]);
  return 'slept';
};

export const localActivityWorkflow: Script = async (ctx) => {
  const first = await ctx.localActivity('echo', ['one'], { retry });
  const retried = await ctx.localActivity('flaky', ['local'], { retry });
  const backedOff = await ctx.localActivity('flaky', ['backoff'], {
    localRetryThresholdMs: 1,
    retry: { initialInterval: { nanos: 30_000_000 }, backoffCoefficient: 1, maximumAttempts: 3 },
  });
  return [first, retried, backedOff];
};

export const patchWorkflow: Script = async (ctx) => {
  const taken: string[] = [];
  if (ctx.patched('zeta-fix')) taken.push('zeta-fix');
  await ctx.sleep(10);
  if (ctx.patched('alpha-fix')) taken.push('alpha-fix');
  ctx.deprecatePatch('old-fix');
  await ctx.sleep(10);
  return taken;
};

/** `patchWorkflow` after the `deprecatePatch('old-fix')` call was deleted from the code. */
export const patchWorkflowWithoutDeprecatedCall: Script = async (ctx) => {
  const taken: string[] = [];
  if (ctx.patched('zeta-fix')) taken.push('zeta-fix');
  await ctx.sleep(10);
  if (ctx.patched('alpha-fix')) taken.push('alpha-fix');
  await ctx.sleep(10);
  return taken;
};

export const waitingChild: Script = async (ctx) => {
  let message: string | undefined;
  ctx.onSignal('go', (m) => void (message = m as string));
  await ctx.condition(() => message !== undefined);
  return message ?? '';
};

export const sleepyChild: Script = async (ctx) => {
  const t = ctx.timer(60_000);
  ctx.onCancel(() => ctx.cancelTimer(t.seq));
  await t.done;
};

export const parentWorkflow: Script = async (ctx) => {
  const child = ctx.startChild('waitingChild');
  await child.started;
  await ctx.signalExternal(child.workflowId, 'go', ['go!']);
  const childResult = await child.result;
  const victim = ctx.startChild('sleepyChild', `${ctx.info.workflowId}-victim`);
  await victim.started;
  await ctx.cancelExternal(victim.workflowId);
  let victimOutcome = 'completed';
  try {
    await victim.result;
  } catch (err) {
    victimOutcome = outcomeOf(err);
  }
  return [child.workflowId, childResult, victimOutcome];
};

export const interactionsWorkflow: Script = async (ctx) => {
  let total = 0;
  let limit = 10;
  let finished = false;
  ctx.onSignal('add', (n) => void (total += n as number));
  ctx.onSignal('finish', () => void (finished = true));
  ctx.onQuery('total', () => total);
  ctx.onUpdate(
    'setLimit',
    (n) => {
      limit = n as number;
      return limit;
    },
    (n) => {
      if ((n as number) < 0) throw new Error('limit must not be negative');
    },
  );
  const early = await ctx.condition(() => total >= 1000, 30);
  const ok = await ctx.condition(() => finished, 20_000);
  return { total, limit, early, ok };
};

export const randomWorkflow: Script = async (ctx) => {
  const r = ctx.random();
  const id = ctx.uuid4();
  const branches: unknown[] = [];
  if (r < 0.5) {
    await ctx.sleep(5);
    branches.push('timer');
  } else {
    branches.push(await ctx.activity('greet', ['random'], { heartbeatMs: 2000, retry }).result);
  }
  if (parseInt(id[0], 16) % 2 === 0) {
    await ctx.sleep(5);
    branches.push('timer');
  } else {
    branches.push(await ctx.localActivity('echo', ['local'], { retry }));
  }
  return { r, id, branches };
};

export const continueAsNewWorkflow: Script = async (ctx) => {
  const [runsLeft] = ctx.args as [number];
  if (runsLeft > 0) {
    await ctx.sleep(5);
    throw new ContinueAsNewRequest([runsLeft - 1]);
  }
  return ctx.random();
};

export const cancellationWorkflow: Script = async (ctx) => {
  const running = ctx.activity('slow', [], { heartbeatMs: 2000, retry });
  await ctx.sleep(50);
  ctx.cancelActivity(running.seq);
  let activityOutcome = 'completed';
  try {
    await running.result;
  } catch (err) {
    activityOutcome = outcomeOf(err);
  }
  const longSleep = ctx.timer(60_000);
  await ctx.sleep(5);
  ctx.cancelTimer(longSleep.seq);
  let timerOutcome = 'fired';
  try {
    await longSleep.done;
  } catch (err) {
    timerOutcome = outcomeOf(err);
  }
  return [activityOutcome, timerOutcome];
};

export const failingWorkflow: Script = async (ctx) => {
  await ctx.sleep(5);
  throw new WorkflowFailure('boom');
};

export const searchAttributesWorkflow: Script = async (ctx) => {
  ctx.upsertSearchAttributes({ CustomKeywordField: ['one'] });
  await ctx.sleep(5);
  ctx.upsertSearchAttributes({ CustomKeywordField: ['two'] });
};

export const kairosMixed: Script = async (ctx) => {
  const taken: unknown[] = [];
  if (ctx.patched('kairos-patch')) taken.push('kairos-patch');
  ctx.deprecatePatch('kairos-old');
  await ctx.sleep(10);
  taken.push(await ctx.activity('greet', ['kairos'], { heartbeatMs: 2000, retry }).result);
  taken.push(await ctx.localActivity('flaky', ['kairos-local'], { retry }));
  await ctx.sleep(10);
  return taken;
};
