import { alea as officialAlea } from '@temporalio/workflow/lib/alea';
import { alea, uuid4From } from '../src/alea';

/** Seeds as the worker passes them: the 8 big-endian bytes of a u64. */
function seedBytes(i: number): number[] {
  const hi = (i * 2654435761) >>> 0;
  const lo = (i * 40503 + 12345) >>> 0;
  return [
    hi >>> 24,
    (hi >>> 16) & 255,
    (hi >>> 8) & 255,
    hi & 255,
    lo >>> 24,
    (lo >>> 16) & 255,
    (lo >>> 8) & 255,
    lo & 255,
  ];
}

test('draws the same numbers as the official runtime for the same seed', () => {
  for (let i = 0; i < 200; i++) {
    const ours = alea(seedBytes(i));
    const theirs = officialAlea(seedBytes(i));
    for (let n = 0; n < 50; n++) expect(ours()).toBe(theirs());
  }
});

test('uuid4 is a version 4 UUID and deterministic for a seed', () => {
  const a = uuid4From(alea([1, 2, 3]));
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(uuid4From(alea([1, 2, 3]))).toBe(a);
  expect(uuid4From(alea([1, 2, 4]))).not.toBe(a);
});
