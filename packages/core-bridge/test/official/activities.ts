/**
 * Activities of the official-SDK scenarios, run by the official TypeScript worker (remote and local).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

/** Fails its first attempt, then succeeds (remote retries by the server, local ones by the core). */
export async function flaky(tag: string): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt < 2) throw ApplicationFailure.retryable(`${tag}: attempt ${attempt} fails`, 'Flaky');
  return `${tag} ok on attempt ${attempt}`;
}

export async function echo(value: string): Promise<string> {
  return value;
}

/** Heartbeats until it is cancelled. */
export async function slow(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    // Rejects with a CancelledFailure once the cancel arrives through a heartbeat response.
    await ctx.sleep(20);
  }
}
