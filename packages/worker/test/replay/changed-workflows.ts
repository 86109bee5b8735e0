/**
 * Changed versions of some replay-compatibility workflows (`kairos/workflows.ts`), as a careless edit would
 * leave them: replaying the histories of the originals with these must fail with a determinism error.
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
