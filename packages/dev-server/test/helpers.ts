// Shared test helpers: a server per test file, an official-SDK worker bundle shared by the tests of a file.
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startDevServer, DevServer, DevServerOptions } from '../src';
import { RawClient } from './raw-client';

export const workflowsPath = path.join(__dirname, 'workflows', 'index.ts');

export async function startServer(options: DevServerOptions = {}): Promise<DevServer> {
  return startDevServer({ longPollTimeoutMs: 5_000, historyLongPollMs: 5_000, ...options });
}

/** The custom search attributes the raw-gRPC suites register. */
export const RAW_SEARCH_ATTRIBUTES: Record<string, string> = {
  CustomKeyword: 'Keyword',
  CustomInt: 'Int',
  CustomDatetime: 'Datetime',
  CustomKeywordList: 'KeywordList',
  CustomText: 'Text',
};

/** A dev server with {@link RAW_SEARCH_ATTRIBUTES} (and `options`) and a raw gRPC client of it. */
export async function startRawServer(options: DevServerOptions = {}): Promise<{ server: DevServer; raw: RawClient }> {
  const server = await startServer({ searchAttributes: RAW_SEARCH_ATTRIBUTES, ...options });
  return { server, raw: new RawClient(server.address) };
}

/** Closes what {@link startRawServer} started (either may be missing when the start failed). */
export async function stopRawServer(server: DevServer | undefined, raw: RawClient | undefined): Promise<void> {
  raw?.close();
  await server?.shutdown();
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
