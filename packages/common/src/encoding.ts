/**
 * UTF-8 encoding and decoding that works everywhere, including the workflow isolate, which has no
 * `TextEncoder`/`TextDecoder` globals. The classes here follow the WHATWG Encoding Standard for UTF-8:
 * lone surrogates are encoded as U+FFFD, and every maximal invalid byte sequence decodes to one U+FFFD.
 *
 * Import from `@kairos/common/lib/encoding`.
 *
 * @module
 */

const REPLACEMENT_CHARACTER = 0xfffd;
// String.fromCharCode takes its arguments on the stack; flush in chunks well below engine limits.
const DECODE_CHUNK_SIZE = 0x2000;

/** Number of UTF-8 bytes needed for the code point starting at `index` of `input`, and its UTF-16 length. */
function readCodePoint(input: string, index: number): { codePoint: number; units: number } {
  const unit = input.charCodeAt(index);
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < input.length) {
    const next = input.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      return { codePoint: 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00), units: 2 };
    }
  }
  if (unit >= 0xd800 && unit <= 0xdfff) return { codePoint: REPLACEMENT_CHARACTER, units: 1 };
  return { codePoint: unit, units: 1 };
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

function writeCodePoint(codePoint: number, out: Uint8Array, at: number): number {
  if (codePoint < 0x80) {
    out[at] = codePoint;
    return 1;
  }
  if (codePoint < 0x800) {
    out[at] = 0xc0 | (codePoint >> 6);
    out[at + 1] = 0x80 | (codePoint & 0x3f);
    return 2;
  }
  if (codePoint < 0x10000) {
    out[at] = 0xe0 | (codePoint >> 12);
    out[at + 1] = 0x80 | ((codePoint >> 6) & 0x3f);
    out[at + 2] = 0x80 | (codePoint & 0x3f);
    return 3;
  }
  out[at] = 0xf0 | (codePoint >> 18);
  out[at + 1] = 0x80 | ((codePoint >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((codePoint >> 6) & 0x3f);
  out[at + 3] = 0x80 | (codePoint & 0x3f);
  return 4;
}

/** A UTF-8 `TextEncoder` written in plain JavaScript (no host APIs). */
export class TextEncoder {
  /** Always `'utf-8'`, like the standard class. */
  readonly encoding = 'utf-8';

  /** Encodes `inputString` as UTF-8; lone surrogates become U+FFFD. */
  encode(inputString = ''): Uint8Array {
    const input = String(inputString);
    // Every UTF-16 code unit needs at most 3 bytes (a surrogate pair: 2 units, 4 bytes).
    const out = new Uint8Array(input.length * 3);
    let written = 0;
    for (let i = 0; i < input.length;) {
      const unit = input.charCodeAt(i);
      if (unit < 0x80) {
        out[written++] = unit;
        i++;
        continue;
      }
      const { codePoint, units } = readCodePoint(input, i);
      written += writeCodePoint(codePoint, out, written);
      i += units;
    }
    return out.subarray(0, written);
  }

  /**
   * Encodes as much of `inputString` as fits into `u8Arr` without splitting a character. Returns the number of
   * UTF-16 code units read and bytes written.
   */
  encodeInto(inputString: string, u8Arr: Uint8Array): { read: number; written: number } {
    const input = String(inputString);
    let read = 0;
    let written = 0;
    while (read < input.length) {
      const { codePoint, units } = readCodePoint(input, read);
      if (written + utf8Length(codePoint) > u8Arr.length) break;
      written += writeCodePoint(codePoint, u8Arr, written);
      read += units;
    }
    return { read, written };
  }
}

/** A UTF-8 `TextDecoder` written in plain JavaScript (no host APIs). Never throws on malformed input. */
export class TextDecoder {
  /** Always `'utf-8'`, like the standard class. */
  readonly encoding = 'utf-8';

  /** Decodes UTF-8 bytes; each maximal invalid sequence becomes U+FFFD. A leading byte order mark is kept. */
  decode(inputArrayOrBuffer: Uint8Array | ArrayBuffer | SharedArrayBuffer = new Uint8Array()): string {
    const bytes = inputArrayOrBuffer instanceof Uint8Array ? inputArrayOrBuffer : new Uint8Array(inputArrayOrBuffer);
    const chunks: string[] = [];
    let units: number[] = [];
    const emit = (codePoint: number): void => {
      if (codePoint > 0xffff) {
        const offset = codePoint - 0x10000;
        units.push(0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff));
      } else {
        units.push(codePoint);
      }
      if (units.length >= DECODE_CHUNK_SIZE) {
        chunks.push(String.fromCharCode(...units));
        units = [];
      }
    };

    let codePoint = 0;
    let needed = 0;
    let seen = 0;
    let lower = 0x80;
    let upper = 0xbf;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (needed === 0) {
        if (byte <= 0x7f) {
          emit(byte);
        } else if (byte >= 0xc2 && byte <= 0xdf) {
          needed = 1;
          codePoint = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) lower = 0xa0; // reject overlong encodings
          if (byte === 0xed) upper = 0x9f; // reject surrogates
          needed = 2;
          codePoint = byte & 0x0f;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) lower = 0x90; // reject overlong encodings
          if (byte === 0xf4) upper = 0x8f; // reject code points above U+10FFFF
          needed = 3;
          codePoint = byte & 0x07;
        } else {
          emit(REPLACEMENT_CHARACTER);
        }
        continue;
      }
      if (byte < lower || byte > upper) {
        // The sequence so far is invalid: replace it, then look at this byte again as a fresh start.
        codePoint = needed = seen = 0;
        lower = 0x80;
        upper = 0xbf;
        emit(REPLACEMENT_CHARACTER);
        i--;
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      codePoint = (codePoint << 6) | (byte & 0x3f);
      if (++seen === needed) {
        emit(codePoint);
        codePoint = needed = seen = 0;
      }
    }
    if (needed !== 0) emit(REPLACEMENT_CHARACTER);
    if (units.length > 0) chunks.push(String.fromCharCode(...units));
    return chunks.join('');
  }
}

interface HostTextEncoder {
  encode(input: string): Uint8Array;
}
interface HostTextDecoder {
  decode(input: Uint8Array): string;
}
type HostTextCodecs = {
  TextEncoder?: new () => HostTextEncoder;
  TextDecoder?: new (label?: string, options?: { ignoreBOM?: boolean }) => HostTextDecoder;
};

// The host's codecs are much faster and produce exactly the same output; use them when they exist.
const host = globalThis as HostTextCodecs;
const encoder: HostTextEncoder = host.TextEncoder ? new host.TextEncoder() : new TextEncoder();
const decoder: HostTextDecoder = host.TextDecoder
  ? new host.TextDecoder('utf-8', { ignoreBOM: true })
  : new TextDecoder();

/** Encodes a string as UTF-8 bytes. */
export function encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8 bytes into a string (malformed sequences become U+FFFD). */
export function decode(a: Uint8Array): string {
  return decoder.decode(a);
}
