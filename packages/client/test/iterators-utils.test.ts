import { mapAsyncIterable } from '../src/iterators-utils';

async function* numbers(n: number, log?: number[]) {
  for (let i = 0; i < n; i++) {
    log?.push(i);
    yield i;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('mapAsyncIterable', () => {
  it('maps in order without concurrency', async () => {
    expect(await collect(mapAsyncIterable(numbers(5), async (x) => x * 2))).toEqual([0, 2, 4, 6, 8]);
  });

  it('maps up to `concurrency` items at once and yields them as they finish', async () => {
    let active = 0;
    let maxActive = 0;
    const releases: (() => void)[] = [];
    const mapped = mapAsyncIterable(
      numbers(6),
      async (x) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        return x;
      },
      { concurrency: 3 },
    );
    const iterator = mapped[Symbol.asyncIterator]();
    const first = iterator.next();
    while (releases.length < 3) await new Promise((r) => setImmediate(r));
    expect(maxActive).toBe(3);
    releases[2]();
    expect(await first).toEqual({ done: false, value: 2 });
    const rest: number[] = [];
    for (;;) {
      while (releases.length > 0) releases.shift()?.();
      const r = await iterator.next();
      if (r.done) break;
      rest.push(r.value);
    }
    expect([2, ...rest].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxActive).toBe(3);
  });

  it('propagates mapping errors and stops reading the source', async () => {
    const pulled: number[] = [];
    const mapped = mapAsyncIterable(
      numbers(100, pulled),
      async (x) => {
        if (x === 2) throw new Error('boom');
        return x;
      },
      { concurrency: 2, bufferLimit: 2 },
    );
    await expect(collect(mapped)).rejects.toThrow('boom');
    expect(pulled.length).toBeLessThan(10);
  });

  it('reads the source lazily up to the buffer limit', async () => {
    const pulled: number[] = [];
    const iterator = mapAsyncIterable(numbers(100, pulled), async (x) => x, { concurrency: 2, bufferLimit: 3 })[
      Symbol.asyncIterator
    ]();
    await iterator.next();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(pulled.length).toBeLessThanOrEqual(6);
    await iterator.return?.();
  });
});
