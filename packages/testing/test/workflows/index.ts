/** Workflows of the @kairos/testing suite. */
import assert from 'assert';
import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@kairos/workflow';

const { waitForServerTime, echo } = proxyActivities<{
  waitForServerTime(duration: string): Promise<void>;
  echo(value: string): Promise<string>;
}>({ startToCloseTimeout: '10 days' });

/** Sleeps for `duration` of workflow time and returns how long the workflow clock moved (ms). */
export async function sleeper(duration: string | number): Promise<number> {
  const start = Date.now();
  await sleep(duration);
  return Date.now() - start;
}

export const unblock = defineSignal('unblock');
export const isBlocked = defineQuery<boolean>('isBlocked');

/** Waits for the `unblock` signal. */
export async function waitForUnblock(): Promise<string> {
  let blocked = true;
  setHandler(unblock, () => void (blocked = false));
  setHandler(isBlocked, () => blocked);
  await condition(() => !blocked);
  return 'unblocked';
}

/** Races a 500 000 ms timer against an activity that waits 1 000 000 ms of server time. */
export async function raceActivityAndTimer(): Promise<string> {
  return await Promise.race([
    sleep(500_000).then(() => 'timer'),
    waitForServerTime('1000000ms').then(() => 'activity'),
  ]);
}

/** Fails an assertion: with the assert-to-failure interceptor the workflow fails instead of retrying its task. */
export async function assertFails(): Promise<void> {
  assert.strictEqual(workflowInfo().workflowType, 'somethingElse');
}

export const assertSignal = defineSignal<[number]>('assertSignal');

/** Fails an assertion in a signal handler. */
export async function assertFailsInSignal(): Promise<void> {
  setHandler(assertSignal, (n: number) => {
    assert.ok(n > 10, `expected more than 10, got ${n}`);
  });
  await condition(() => false);
}

/** Calls the echo activity. */
export async function echoWorkflow(value: string): Promise<string> {
  return await echo(value);
}

/** Sleeps for `duration`, then fails with a non-retryable `Boom` application failure. */
export async function failAfter(duration: string): Promise<never> {
  await sleep(duration);
  throw ApplicationFailure.nonRetryable('boom after sleeping', 'Boom');
}
