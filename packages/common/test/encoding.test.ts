import * as officialEncoding from '@temporalio/common/lib/encoding';
import { decode, encode, TextDecoder as PureTextDecoder, TextEncoder as PureTextEncoder } from '../src/encoding';
import { str, u8 } from '../src';

const nativeEncoder = new globalThis.TextEncoder();
const nativeDecoder = new globalThis.TextDecoder('utf-8', { ignoreBOM: true });
const pureEncoder = new PureTextEncoder();
const pureDecoder = new PureTextDecoder();

// Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced.
function randomGenerator(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomString(random: () => number, length: number): string {
  const units: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = random();
    if (r < 0.4) units.push(Math.floor(random() * 0x80));
    else if (r < 0.6) units.push(0x80 + Math.floor(random() * 0x780));
    else if (r < 0.8) units.push(0x800 + Math.floor(random() * 0xf7ff));
    else if (r < 0.9) {
      const codePoint = 0x10000 + Math.floor(random() * 0xfffff);
      units.push(0xd800 + ((codePoint - 0x10000) >> 10), 0xdc00 + ((codePoint - 0x10000) & 0x3ff));
    } else units.push(0xd800 + Math.floor(random() * 0x800)); // lone surrogate
  }
  return String.fromCharCode(...units);
}

/** `s` with lone surrogates replaced by U+FFFD (String.prototype.toWellFormed is not in our ES2022 lib). */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

describe('TextEncoder (pure JavaScript)', () => {
  test('encodes like the host TextEncoder, lone surrogates included', () => {
    const random = randomGenerator(1);
    for (let i = 0; i < 500; i++) {
      const input = randomString(random, Math.floor(random() * 64));
      expect([input, [...pureEncoder.encode(input)]]).toEqual([input, [...nativeEncoder.encode(input)]]);
    }
  });

  test('encodes the boundaries of each UTF-8 length', () => {
    const input = '\u0000\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff';
    expect([...pureEncoder.encode(input)]).toEqual([...nativeEncoder.encode(input)]);
    expect(pureEncoder.encode()).toHaveLength(0);
  });

  test('encodeInto stops before a character that does not fit, like the host', () => {
    const random = randomGenerator(2);
    for (let i = 0; i < 300; i++) {
      const input = randomString(random, 12);
      const size = Math.floor(random() * 40);
      const ours = new Uint8Array(size);
      const theirs = new Uint8Array(size);
      expect(pureEncoder.encodeInto(input, ours)).toEqual(nativeEncoder.encodeInto(input, theirs));
      expect([...ours]).toEqual([...theirs]);
    }
  });
});

describe('TextDecoder (pure JavaScript)', () => {
  test('decodes random bytes like the host TextDecoder, replacing invalid sequences', () => {
    const random = randomGenerator(3);
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(Math.floor(random() * 24));
      for (let j = 0; j < bytes.length; j++) {
        // Bias towards bytes that start or continue multi-byte sequences.
        bytes[j] = random() < 0.5 ? 0x80 + Math.floor(random() * 0x80) : Math.floor(random() * 0x100);
      }
      expect([[...bytes], pureDecoder.decode(bytes)]).toEqual([[...bytes], nativeDecoder.decode(bytes)]);
    }
  });

  test.each([
    ['overlong encoding', [0xc0, 0xaf]],
    ['overlong three-byte encoding', [0xe0, 0x80, 0xaf]],
    ['encoded surrogate', [0xed, 0xa0, 0x80]],
    ['code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['truncated sequence at the end', [0x61, 0xe2, 0x82]],
    ['continuation byte alone', [0x80, 0x61]],
    ['byte order mark', [0xef, 0xbb, 0xbf, 0x61]],
    ['four-byte character', [0xf0, 0x9f, 0x98, 0x80]],
  ])('decodes a %s like the host', (_name, bytes) => {
    const input = new Uint8Array(bytes);
    expect(pureDecoder.decode(input)).toBe(nativeDecoder.decode(input));
  });

  test('decodes long inputs and ArrayBuffers', () => {
    const text = 'long ✓ 🚀 '.repeat(20_000);
    const bytes = nativeEncoder.encode(text);
    expect(pureDecoder.decode(bytes)).toBe(text);
    expect(pureDecoder.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).toBe(text);
    expect(pureDecoder.decode()).toBe('');
  });
});

describe('encode and decode', () => {
  test('round trip well-formed strings and agree with the official helpers on them', () => {
    const random = randomGenerator(4);
    for (let i = 0; i < 200; i++) {
      const input = wellFormed(randomString(random, 20));
      expect([...encode(input)]).toEqual([...officialEncoding.encode(input)]);
      expect(decode(encode(input))).toBe(input);
    }
  });

  test('keep the character after a lone high surrogate, as the standard requires', () => {
    // The official polyfill drops the character that follows; JSON payloads never contain lone surrogates
    // (JSON.stringify escapes them), so payload bytes are not affected.
    expect(decode(encode('\ud800A'))).toBe('\ufffdA');
    expect([...encode('\ud800A')]).toEqual([...nativeEncoder.encode('\ud800A')]);
  });

  test('keep a leading byte order mark, like the official decoder', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
    expect(decode(bytes)).toBe('\ufeffA');
    expect(decode(bytes)).toBe(officialEncoding.decode(bytes));
  });

  test('u8 and str are UTF-8 encode and decode', () => {
    expect([...u8('é')]).toEqual([0xc3, 0xa9]);
    expect(str(new Uint8Array([0xc3, 0xa9]))).toBe('é');
  });
});
