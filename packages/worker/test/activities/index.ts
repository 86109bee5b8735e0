import { activityInfo, CompleteAsyncError, Context, heartbeat, sleep } from '@kairos/activity';
import { ApplicationFailure } from '@kairos/common';

export { greet } from './greetings';

export async function echo<T>(value: T): Promise<T> {
  return value;
}

/** Fails until `succeedOn` attempts, then returns the attempt number. */
export async function flaky(succeedOn: number): Promise<number> {
  const { attempt } = activityInfo();
  if (attempt < succeedOn) throw new Error(`attempt ${attempt} fails`);
  return attempt;
}

export async function failNonRetryable(message: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(message, 'MyError', { detail: 1 });
}

/** Heartbeats its attempt number and fails on the first attempt; returns the details seen on the retry. */
export async function heartbeatThenFail(): Promise<unknown> {
  const { attempt, heartbeatDetails } = activityInfo();
  if (attempt === 1) {
    heartbeat({ progress: 42 });
    await sleep(100);
    throw new Error('first attempt fails after heartbeating');
  }
  return heartbeatDetails;
}

/** Heartbeats until cancelled; returns how it ended. */
export async function waitForCancellation(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    heartbeat();
    await ctx.sleep(50);
  }
}

/** Never heartbeats and runs longer than its heartbeat timeout. */
export async function sleepWithoutHeartbeat(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function completeAsync(): Promise<never> {
  throw new CompleteAsyncError();
}

export async function taskToken(): Promise<string> {
  return Buffer.from(activityInfo().taskToken).toString('base64');
}

export async function slowGreet(name: string, ms: number): Promise<string> {
  await sleep(ms);
  return `Hello, ${name}!`;
}
export * from './more';
