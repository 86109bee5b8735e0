// Activities the official SDK worker runs in the tests.
import { ApplicationFailure, Context, CancelledFailure } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

export async function flaky(failures: number, _key: string): Promise<string> {
  const attempt = Context.current().info.attempt;
  if (attempt <= failures) throw new Error(`failure on attempt ${attempt}`);
  return `succeeded on attempt ${attempt}`;
}

export async function failNonRetryable(): Promise<string> {
  throw ApplicationFailure.create({ message: 'do not retry', type: 'Fatal', nonRetryable: true });
}

export async function heartbeatUntilCancelled(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat('beat');
    try {
      await ctx.sleep(100);
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      throw err;
    }
  }
}

/** Waits until `file` exists and returns its content (the crash test writes it after restarting the server). */
export async function waitForFile(file: string): Promise<string> {
  const fs = await import('node:fs/promises');
  for (;;) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      await Context.current().sleep(50);
    }
  }
}

/**
 * Heartbeats until the server asks it to stop (cancellation, pause or reset), then returns why, as the SDK reports
 * it to the activity.
 */
export async function reportCancellation(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat('beat');
    try {
      await ctx.sleep(100);
    } catch (err) {
      if (!(err instanceof CancelledFailure)) throw err;
      const d = ctx.cancellationDetails;
      return JSON.stringify({ paused: !!d?.paused, reset: !!d?.reset, cancelRequested: !!d?.cancelRequested });
    }
  }
}
