/**
 * Workflows with durable timers and conditions: `sleepForDays` sends an email every period (30 days by
 * default) until it is told to stop, like the official `sleep-for-days` sample; `approval` waits for a decision
 * for at most a week.
 */
import type { Duration } from '@kairos/common';
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from '@kairos/workflow';
import type * as activities from './activities';

const { sendEmail } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export const complete = defineSignal('complete');
export const emailsSent = defineQuery<number>('emailsSent');

/** Sends an email every `period` until the `complete` signal; returns how many it sent. */
export async function sleepForDays(period: Duration = '30 days'): Promise<string> {
  let done = false;
  let sent = 0;
  setHandler(complete, () => void (done = true));
  setHandler(emailsSent, () => sent);
  while (!done) {
    await sendEmail(`${sent * 30} days have passed`);
    sent++;
    // Wakes up after the period, or as soon as the signal arrives.
    await Promise.race([sleep(period), condition(() => done)]);
  }
  return `done after ${sent} emails`;
}

export const decide = defineSignal<[boolean]>('decide');

/** Waits up to `timeout` for a `decide` signal. */
export async function approval(timeout: Duration = '7 days'): Promise<string> {
  let approved: boolean | undefined;
  setHandler(decide, (yes) => void (approved = yes));
  // `condition` with a timeout resolves to false when the time runs out first.
  if (!(await condition(() => approved !== undefined, timeout))) return 'timed out';
  return approved ? 'approved' : 'rejected';
}
