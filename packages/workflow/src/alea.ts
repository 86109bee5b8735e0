/**
 * The deterministic random number generator behind `Math.random` and `uuid4` inside workflows: Johannes
 * Baagøe's Alea, seeded with the bytes of the activation's randomness seed. The official TypeScript SDK
 * seeds the same generator the same way, so a workflow that branches on random numbers takes the same branch
 * when its history is replayed by either SDK.
 *
 * @module
 */

/** A source of numbers in [0, 1). */
export type RNG = () => number;

const TWO_POW_32 = 0x100000000;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;

/** The Mash hash that spreads a seed over the generator's state; each call folds more numbers in. */
function makeMash(): (values: ArrayLike<number>) => number {
  let state = 0xefc8249d;
  return (values) => {
    for (let i = 0; i < values.length; i++) {
      state += values[i];
      let h = 0.02519603282416938 * state;
      state = h >>> 0;
      h -= state;
      h *= state;
      state = h >>> 0;
      h -= state;
      state += h * TWO_POW_32;
    }
    return (state >>> 0) * TWO_POW_MINUS_32;
  };
}

/** Alea state that can be advanced and copied. */
export class Alea {
  private c = 1;
  private s0: number;
  private s1: number;
  private s2: number;

  constructor(seed: ArrayLike<number>) {
    const mash = makeMash();
    const space = [32];
    this.s0 = mash(space);
    this.s1 = mash(space);
    this.s2 = mash(space);
    this.s0 -= mash(seed);
    if (this.s0 < 0) this.s0 += 1;
    this.s1 -= mash(seed);
    if (this.s1 < 0) this.s1 += 1;
    this.s2 -= mash(seed);
    if (this.s2 < 0) this.s2 += 1;
  }

  /** The next number in [0, 1). */
  next(): number {
    const t = 2091639 * this.s0 + this.c * TWO_POW_MINUS_32;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }
}

/** A generator function seeded with `seed`. */
export function alea(seed: ArrayLike<number>): RNG {
  const state = new Alea(seed);
  return () => state.next();
}

/** A version 4 UUID from four 32-bit words of `random`, formatted as the official SDK does. */
export function uuid4From(random: RNG): string {
  const bytes = new Uint8Array(16);
  for (let word = 0; word < 4; word++) {
    const value = (random() * TWO_POW_32) >>> 0;
    bytes[word * 4] = value >>> 24;
    bytes[word * 4 + 1] = (value >>> 16) & 0xff;
    bytes[word * 4 + 2] = (value >>> 8) & 0xff;
    bytes[word * 4 + 3] = value & 0xff;
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex = '';
  for (const b of bytes) hex += (b < 16 ? '0' : '') + b.toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
