import { ApplicationFailure, defineQuery, defineSignal, setHandler, condition, sleep } from '@kairos/workflow';

let moduleCounter = 0;

/** Changes module state and a global; returns what it saw before and after. */
export async function isolation(tag: string): Promise<unknown> {
  const g = globalThis as unknown as Record<string, unknown>;
  const before = { moduleCounter, leak: g.leak };
  moduleCounter += 1;
  g.leak = tag;
  await sleep(20);
  return { before, after: { moduleCounter, leak: g.leak } };
}

export async function webApis(): Promise<unknown> {
  const bytes = new TextEncoder().encode('héllo');
  const url = new URL('/path?a=1&b=two#frag', 'https://example.com:8443');
  url.searchParams.append('c', '3');
  const params = new URLSearchParams({ x: '1', y: 'z z' });
  const controller = new AbortController();
  let aborted = '';
  controller.signal.addEventListener('abort', () => (aborted = String(controller.signal.reason)));
  controller.abort('because');
  const cloned = structuredClone({ d: new Date(0), m: new Map([[1, 'a']]) });
  let weakRefError = '';
  try {
    new WeakRef({});
  } catch (err) {
    weakRefError = (err as Error).name;
  }
  console.log('console works', { inside: 'workflow' });
  return {
    decoded: new TextDecoder().decode(bytes),
    length: bytes.length,
    href: url.href,
    host: url.host,
    params: params.toString(),
    aborted,
    cloned: [cloned.d instanceof Date, cloned.m.get(1)],
    weakRefError,
    hasProcess: typeof (globalThis as { process?: unknown }).process,
    hasRequire: typeof (globalThis as { require?: unknown }).require,
    hasFetch: typeof (globalThis as { fetch?: unknown }).fetch,
  };
}

export async function busyLoop(): Promise<void> {
  for (;;) {
    // Never yields.
  }
}

export async function allocateForever(): Promise<number> {
  const hog: string[][] = [];
  for (;;) hog.push(new Array(100_000).fill('x'.repeat(16)));
}

export async function failWithStack(): Promise<never> {
  throw ApplicationFailure.nonRetryable('failing on purpose');
}

export const unblock = defineSignal('unblock');
export const stateQuery = defineQuery<string>('state');

export async function waitsForSignal(): Promise<string> {
  let unblocked = false;
  setHandler(unblock, () => void (unblocked = true));
  setHandler(stateQuery, () => (unblocked ? 'unblocked' : 'waiting'));
  await condition(() => unblocked);
  return 'unblocked';
}

export async function unhandledRejection(): Promise<string> {
  void Promise.reject(new Error('nobody handles this'));
  await sleep(1);
  return 'should not complete';
}
