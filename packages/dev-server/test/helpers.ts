// Shared test helpers: a server per test file, an official-SDK worker bundle shared by the tests of a file.
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startDevServer, DevServer, DevServerOptions } from '../src';

export const workflowsPath = path.join(__dirname, 'workflows', 'index.ts');

export async function startServer(options: DevServerOptions = {}): Promise<DevServer> {
  return startDevServer({ longPollTimeoutMs: 5_000, historyLongPollMs: 5_000, ...options });
}

export function uniqueId(prefix = 'wf'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Waits until `check` returns a truthy value (polling every 20 ms), failing after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
