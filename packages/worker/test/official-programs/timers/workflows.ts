import { condition, sleep, workflowInfo } from '@temporalio/workflow';

export interface TimerReport {
  sleptAtLeast100ms: boolean;
  timeoutFired: boolean;
  clearedTimeoutFired: boolean;
  conditionTimedOut: boolean;
  conditionMet: boolean;
  dateIsWorkflowTime: boolean;
  wallClockNotBehind: boolean;
}

/** Sleeps, sets and clears timeouts, and waits on conditions with and without a timeout. */
export async function timerTour(): Promise<TimerReport> {
  const start = Date.now();
  await sleep('100 milliseconds');
  const sleptAtLeast100ms = Date.now() - start >= 100;

  let timeoutFired = false;
  let clearedTimeoutFired = false;
  setTimeout(() => (timeoutFired = true), 30);
  const cleared = setTimeout(() => (clearedTimeoutFired = true), 10);
  clearTimeout(cleared);
  await condition(() => timeoutFired);
  await sleep(30);

  const conditionTimedOut = !(await condition(() => false, '50ms'));

  let ready = false;
  void sleep(20).then(() => (ready = true));
  const conditionMet = await condition(() => ready, '1 minute');

  return {
    sleptAtLeast100ms,
    timeoutFired,
    clearedTimeoutFired,
    conditionTimedOut,
    conditionMet,
    dateIsWorkflowTime: Date.now() === new Date().getTime(),
    wallClockNotBehind: workflowInfo().unsafe.now() >= Date.now(),
  };
}
