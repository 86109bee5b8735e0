/**
 * Helpers for async iterables.
 *
 * @module
 */

/** Options of {@link mapAsyncIterable}. */
export interface MapAsyncOptions {
  /**
   * How many items to map at once. Below 2, items are mapped one after the other and come out in order;
   * otherwise they come out in the order their mapping finishes.
   *
   * @default 1
   */
  concurrency?: number;
  /**
   * How many mapped items may wait, ready, for the consumer before mapping pauses. Only used when
   * `concurrency` is 2 or more.
   *
   * @default unlimited
   */
  bufferLimit?: number | undefined;
}

/**
 * Maps each item of `source` through `mapFn`, up to `concurrency` at a time. The source is read lazily,
 * as the consumer pulls; stopping the iteration early stops reading the source. The first error (from
 * the source or from `mapFn`) ends the iteration.
 */
export function mapAsyncIterable<A, B>(
  source: AsyncIterable<A>,
  mapFn: (val: A) => Promise<B>,
  options?: MapAsyncOptions,
): AsyncIterable<B> {
  const concurrency = options?.concurrency ?? 1;
  if (concurrency < 2) {
    return (async function* () {
      for await (const item of source) yield await mapFn(item);
    })();
  }
  const bufferLimit = options?.bufferLimit;
  return {
    [Symbol.asyncIterator]: () => concurrentMapper(source[Symbol.asyncIterator](), mapFn, concurrency, bufferLimit),
  };
}

type Settled<B> = { ok: true; value: B } | { ok: false; error: unknown };

function concurrentMapper<A, B>(
  iterator: AsyncIterator<A>,
  mapFn: (val: A) => Promise<B>,
  concurrency: number,
  bufferLimit: number | undefined,
): AsyncIterator<B> {
  const ready: Settled<B>[] = [];
  let inFlight = 0;
  let sourceDone = false;
  let pulling = false;
  let stopped = false;
  let wake: (() => void) | undefined;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const fill = (): void => {
    while (
      !stopped &&
      !sourceDone &&
      !pulling &&
      inFlight < concurrency &&
      (bufferLimit === undefined || ready.length < bufferLimit)
    ) {
      pulling = true;
      inFlight++;
      iterator.next().then(
        (result) => {
          pulling = false;
          if (result.done) {
            inFlight--;
            sourceDone = true;
            notify();
            return;
          }
          mapFn(result.value)
            .then(
              (value) => ready.push({ ok: true, value }),
              (error: unknown) => ready.push({ ok: false, error }),
            )
            .finally(() => {
              inFlight--;
              notify();
              fill();
            });
          fill();
        },
        (error: unknown) => {
          pulling = false;
          inFlight--;
          sourceDone = true;
          ready.push({ ok: false, error });
          notify();
        },
      );
    }
  };

  return {
    async next(): Promise<IteratorResult<B>> {
      for (;;) {
        fill();
        const item = ready.shift();
        if (item !== undefined) {
          if (!item.ok) {
            stopped = true;
            throw item.error;
          }
          return { done: false, value: item.value };
        }
        if (stopped || (sourceDone && inFlight === 0)) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<B>> {
      stopped = true;
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
}
