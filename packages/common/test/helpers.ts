// Shared helpers of the @kairos/common tests.
import { temporal } from '@kairos/proto';
import * as protobuf from 'protobufjs';
import type { Payload } from '../src/interfaces';

/** The protobuf wire bytes of a payload, as sent to the server. */
export function payloadBytes(payload: Payload | undefined | null): Buffer {
  if (!payload) throw new Error('expected a payload');
  return Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish());
}

/** The protobuf wire bytes of a Failure message, as sent to the server. */
export function failureBytes(failure: object): Buffer {
  return Buffer.from(temporal.api.failure.v1.Failure.encode(failure as temporal.api.failure.v1.IFailure).finish());
}

/** A decoded Failure as a plain object (longs and enums as strings), convenient for readable comparisons. */
export function failureObject(failure: object): Record<string, unknown> {
  const decoded = temporal.api.failure.v1.Failure.decode(failureBytes(failure));
  return temporal.api.failure.v1.Failure.toObject(decoded, { longs: String, enums: String, bytes: String });
}

/** Metadata values of a payload decoded as UTF-8 strings. */
export function metadataStrings(payload: Payload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('utf8')]),
  );
}

/** The payload data decoded as UTF-8. */
export function dataString(payload: Payload): string {
  return Buffer.from(payload.data ?? new Uint8Array()).toString('utf8');
}

/** Values that the default payload converter must encode exactly like the official SDK. */
export function sampleValues(): [string, unknown][] {
  class Point {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  const sparse: unknown[] = [1];
  sparse[3] = 4;
  return [
    ['undefined', undefined],
    ['null', null],
    ['empty string', ''],
    ['ascii string', 'hello world'],
    ['string with quotes and escapes', 'a "quoted"\n\ttab\\slash\u0000nul'],
    ['accented string', 'café déjà vu – naïve'],
    ['CJK string', '日本語のテキスト 中文 한국어'],
    ['emoji string', '👋🏽 family: 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵'],
    ['right-to-left string', 'שלום עולם مرحبا'],
    ['combining characters', 'e\u0301 a\u0308 n\u0303'],
    ['lone surrogates', 'a\ud800b\udc00c'],
    ['line and paragraph separators', 'x\u2028y\u2029z'],
    ['zero', 0],
    ['negative zero', -0],
    ['integer', 42],
    ['negative integer', -17],
    ['float', 3.141592653589793],
    ['tiny float', 5e-324],
    ['large float', 1e21],
    ['max safe integer', Number.MAX_SAFE_INTEGER],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['true', true],
    ['false', false],
    ['empty object', {}],
    ['empty array', []],
    ['flat object', { a: 1, b: 'two', c: true, d: null }],
    ['object with undefined field', { a: 1, b: undefined }],
    ['nested object', { user: { name: 'Ada', tags: ['x', 'y'], address: { city: 'Zürich', zip: '8001' } } }],
    ['array of mixed values', [1, 'two', null, false, { three: 3 }, [4]]],
    ['array with undefined', [1, undefined, 3]],
    ['sparse array', sparse],
    ['date', new Date('2026-01-02T03:04:05.678Z')],
    ['object with dates', { at: new Date(0), list: [new Date(1_700_000_000_000)] }],
    ['class instance', new Point(1, 2)],
    ['object with toJSON', { toJSON: () => ({ replaced: true }) }],
    ['map (no enumerable fields)', new Map([['k', 'v']])],
    ['set (no enumerable fields)', new Set([1])],
    ['deeply nested array', [[[[[['deep']]]]]]],
    ['unicode object keys', { ключ: 'значение', '🔑': '🚪' }],
    ['long string', 'abc€'.repeat(10_000)],
    ['empty Uint8Array', new Uint8Array()],
    ['Uint8Array', new Uint8Array([0, 1, 2, 253, 254, 255])],
    ['Buffer', Buffer.from('buffer bytes')],
    ['Uint8Array view with offset', new Uint8Array(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3)],
    ['function', () => 1],
    ['symbol', Symbol('s')],
  ];
}

/** A small protobufjs root with a few message shapes, built from proto source at run time. */
export function buildTestProtobufRoot(): protobuf.Root {
  const source = `
    syntax = "proto3";
    package kairos.test.v1;
    message Greeting {
      string text = 1;
      int64 count = 2;
      bytes blob = 3;
      repeated string tags = 4;
      Inner inner = 5;
      Kind kind = 6;
      map<string, Inner> by_name = 7;
      double ratio = 8;
    }
    message Inner { bool flag = 1; uint32 n = 2; }
    enum Kind { KIND_UNSPECIFIED = 0; KIND_FRIENDLY = 1; KIND_FORMAL = 2; }
  `;
  return protobuf.parse(source, new protobuf.Root()).root;
}
