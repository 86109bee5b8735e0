/**
 * Activities of the replay-compatibility workflows (`./workflows.ts`). This file and its twin in `../kairos/`
 * differ only in the import scope (`@temporalio/` here, `@kairos/` there): `node test/replay/sync-twins.js`
 * writes the Kairos twin from the official file and `test/replay.test.ts` checks that they agree.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

/** Fails until attempt `succeedOn`, then reports the attempt it succeeded on. */
export async function flaky(tag: string, succeedOn: number): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt < succeedOn) throw ApplicationFailure.retryable(`${tag}: attempt ${attempt} fails`, 'Flaky');
  return `${tag} ok on attempt ${attempt}`;
}

export async function failing(message: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(message, 'Failing', { detail: 1 });
}

/** Heartbeats until it is cancelled (the cancel arrives through a heartbeat response). */
export async function waitForCancel(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    await ctx.sleep(20);
  }
}
