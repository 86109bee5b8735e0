/**
 * Changed versions of some replay-compatibility workflows (`kairos/workflows.ts`): careless edits, with which the
 * histories of the originals must fail to replay with a determinism error, and allowed ones, with which they
 * must still replay.
 */
import * as wf from '@kairos/workflow';
import type * as activities from './kairos/activities';

const { greet } = wf.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

/** Was `await wf.sleep(20)` first: now an activity comes where history has a timer. */
export async function timerWorkflow(): Promise<number> {
  await greet('changed');
  await Promise.all([wf.sleep('10ms'), wf.sleep(50)]);
  return 1;
}

/** Was `greet(name)` first: now the activity type differs from the one history scheduled. */
export async function activityWorkflow(name: string): Promise<string[]> {
  const { flaky } = wf.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  return [await flaky(name, 1)];
}

/** Unchanged: its histories still replay. */
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

/** Its deprecatePatch('old-fix') call was deleted, which is allowed once no run before the patch is left. */
export async function patchWorkflow(): Promise<string[]> {
  const taken: string[] = [];
  if (wf.patched('zeta-fix')) taken.push('zeta-fix');
  await wf.sleep(10);
  if (wf.patched('alpha-fix')) taken.push('alpha-fix');
  await wf.sleep(10);
  return taken;
}
