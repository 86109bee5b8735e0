import * as official from '@temporalio/common';
import {
  arrayFromPayloads,
  BinaryPayloadConverter,
  CompositePayloadConverter,
  convertOptionalToPayload,
  defaultPayloadConverter,
  DefaultPayloadConverter,
  encodingKeys,
  encodingTypes,
  fromPayloadsAtIndex,
  fromPayloadWithTypeInfo,
  JsonPayloadConverter,
  mapFromPayloads,
  mapToPayloads,
  METADATA_ENCODING_KEY,
  METADATA_MESSAGE_TYPE_KEY,
  PayloadConverterError,
  RawValue,
  rawValueTypeInfo,
  toPayloads,
  toPayloadsWithContext,
  toPayloadWithTypeInfo,
  UndefinedPayloadConverter,
  ValueError,
  type ConverterHint,
  type Payload,
  type PayloadConverterWithEncoding,
  type TypeInfo,
} from '../src';
import { dataString, metadataStrings, payloadBytes, sampleValues } from './helpers';

const values = sampleValues();

describe('default payload converter', () => {
  test.each(values)('produces the same payload bytes as the official SDK for %s', (_name, value) => {
    const ours = defaultPayloadConverter.toPayload(value);
    const theirs = official.defaultPayloadConverter.toPayload(value);
    expect(payloadBytes(ours).equals(payloadBytes(theirs))).toBe(true);
    expect(metadataStrings(ours)).toEqual(metadataStrings(theirs));
  });

  test.each(values.filter(([, v]) => typeof v !== 'function' && typeof v !== 'symbol'))(
    'decodes the official payload for %s to the same value as the official SDK',
    (_name, value) => {
      const payload = official.defaultPayloadConverter.toPayload(value);
      expect(defaultPayloadConverter.fromPayload(payload)).toEqual(
        official.defaultPayloadConverter.fromPayload(payload),
      );
    },
  );

  test('uses binary/null with no data for undefined', () => {
    const payload = defaultPayloadConverter.toPayload(undefined);
    expect(metadataStrings(payload)).toEqual({ encoding: 'binary/null' });
    expect(payload.data).toBeUndefined();
    expect(defaultPayloadConverter.fromPayload(payload)).toBeUndefined();
  });

  test('encodes null as json/plain "null", as the official SDK does, and decodes it back to null', () => {
    const payload = defaultPayloadConverter.toPayload(null);
    expect(metadataStrings(payload)).toEqual({ encoding: 'json/plain' });
    expect(dataString(payload)).toBe('null');
    expect(defaultPayloadConverter.fromPayload(payload)).toBeNull();
  });

  test('decodes a binary/null payload to undefined whatever its data', () => {
    const payload = { metadata: { encoding: encodingKeys.METADATA_ENCODING_NULL }, data: new Uint8Array([1]) };
    expect(defaultPayloadConverter.fromPayload(payload)).toBeUndefined();
  });

  test('round trips JSON values', () => {
    const samples = [
      'text',
      '',
      'unicode ✓ 🚀 日本',
      0,
      -12.5,
      true,
      false,
      null,
      [],
      {},
      [1, [2, [3]]],
      { a: { b: { c: ['d', { e: null }] } } },
    ];
    for (const value of samples) {
      expect(defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(value))).toEqual(value);
    }
  });

  test('round trips Uint8Array as binary/plain with the bytes unchanged', () => {
    const bytes = new Uint8Array([0, 127, 128, 255]);
    const payload = defaultPayloadConverter.toPayload(bytes);
    expect(metadataStrings(payload)).toEqual({ encoding: 'binary/plain' });
    expect(payload.data).toBe(bytes);
    const decoded = defaultPayloadConverter.fromPayload<Uint8Array>(payload);
    expect(decoded).toBeInstanceOf(Uint8Array);
    expect([...decoded]).toEqual([0, 127, 128, 255]);
  });

  test('decodes a binary/plain payload into a Uint8Array sharing the payload bytes', () => {
    const backing = Buffer.from([1, 2, 3, 4, 5]);
    const data = backing.subarray(1, 4);
    const decoded = defaultPayloadConverter.fromPayload<Uint8Array>({
      metadata: { encoding: encodingKeys.METADATA_ENCODING_RAW },
      data,
    });
    expect(decoded.constructor).toBe(Uint8Array);
    expect([...decoded]).toEqual([2, 3, 4]);
  });

  test('turns dates into ISO strings', () => {
    const payload = defaultPayloadConverter.toPayload(new Date('2026-05-06T07:08:09.010Z'));
    expect(defaultPayloadConverter.fromPayload(payload)).toBe('2026-05-06T07:08:09.010Z');
  });

  test('rejects a BigInt with a ValueError, like the official SDK', () => {
    expect(() => defaultPayloadConverter.toPayload(10n)).toThrow(ValueError);
    expect(() => official.defaultPayloadConverter.toPayload(10n)).toThrow(official.ValueError);
  });

  test('rejects a cyclic object with a ValueError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => defaultPayloadConverter.toPayload(cyclic)).toThrow(/Unable to convert .* to payload/);
  });

  test('gives a PayloadConverterError naming an unknown encoding', () => {
    const payload = { metadata: { encoding: new TextEncoder().encode('binary/encrypted') }, data: new Uint8Array() };
    expect(() => defaultPayloadConverter.fromPayload(payload)).toThrow(PayloadConverterError);
    expect(() => defaultPayloadConverter.fromPayload(payload)).toThrow(/binary\/encrypted/);
  });

  test('gives a PayloadConverterError when the encoding metadata is missing', () => {
    expect(() => defaultPayloadConverter.fromPayload({ metadata: {}, data: new Uint8Array() })).toThrow(
      PayloadConverterError,
    );
  });

  test('gives a ValueError for a payload without metadata', () => {
    expect(() => defaultPayloadConverter.fromPayload({ data: new Uint8Array() })).toThrow('Missing payload metadata');
  });

  test('gives a ValueError for a json/plain payload without data', () => {
    expect(() =>
      defaultPayloadConverter.fromPayload({ metadata: { encoding: encodingKeys.METADATA_ENCODING_JSON } }),
    ).toThrow('Got payload with no data');
  });

  test('exposes the wire constants of the official SDK', () => {
    expect(encodingTypes).toEqual(official.encodingTypes);
    expect(METADATA_ENCODING_KEY).toBe(official.METADATA_ENCODING_KEY);
    expect(METADATA_MESSAGE_TYPE_KEY).toBe(official.METADATA_MESSAGE_TYPE_KEY);
    for (const key of Object.keys(official.encodingKeys) as (keyof typeof encodingKeys)[]) {
      expect([...encodingKeys[key]]).toEqual([...official.encodingKeys[key]]);
    }
  });

  test('chains the undefined, binary and JSON converters in that order', () => {
    const converter = new DefaultPayloadConverter();
    expect(converter.converters.map((c) => c.encodingType)).toEqual(['binary/null', 'binary/plain', 'json/plain']);
    expect([...converter.converterByEncoding.keys()]).toEqual(['binary/null', 'binary/plain', 'json/plain']);
  });
});

describe('CompositePayloadConverter', () => {
  const upperCase: PayloadConverterWithEncoding = {
    encodingType: 'text/upper',
    toPayload(value) {
      if (typeof value !== 'string') return undefined;
      return {
        metadata: { encoding: new TextEncoder().encode('text/upper') },
        data: new TextEncoder().encode(value.toUpperCase()),
      };
    },
    fromPayload<T>(payload: Payload): T {
      return new TextDecoder().decode(payload.data ?? new Uint8Array()).toLowerCase() as T;
    },
  };

  test('refuses to be built without converters', () => {
    expect(() => new CompositePayloadConverter()).toThrow(PayloadConverterError);
  });

  test('uses the first converter that accepts the value and decodes by encoding', () => {
    const converter = new CompositePayloadConverter(upperCase, new JsonPayloadConverter());
    const text = converter.toPayload('shout');
    expect(metadataStrings(text)).toEqual({ encoding: 'text/upper' });
    expect(dataString(text)).toBe('SHOUT');
    expect(converter.fromPayload(text)).toBe('shout');
    const number = converter.toPayload(7);
    expect(metadataStrings(number)).toEqual({ encoding: 'json/plain' });
    expect(converter.fromPayload(number)).toBe(7);
  });

  test('throws a ValueError naming the value when no converter accepts it', () => {
    const converter = new CompositePayloadConverter(new UndefinedPayloadConverter(), new BinaryPayloadConverter());
    expect(() => converter.toPayload('nope')).toThrow("Unable to convert 'nope' to payload");
  });

  test('passes a RawValue payload through unchanged', () => {
    const converter = new CompositePayloadConverter(upperCase);
    const raw = new RawValue({ some: 'json' });
    expect(converter.toPayload(raw)).toBe(raw.payload);
  });

  test('skips converters that do not accept a converter hint and reports unsupported hints', () => {
    const hinted: PayloadConverterWithEncoding = {
      ...upperCase,
      encodingType: 'text/hinted',
      validateConverterHint: (hint: ConverterHint) => hint.converter === 'hinted',
    };
    const converter = new CompositePayloadConverter(upperCase, hinted);
    const payload = converter.toPayload('x', undefined, { converter: 'hinted' });
    expect(payload).toBeDefined();
    expect(() => converter.toPayload('x', undefined, { converter: 'other' })).toThrow(
      "No payload converter supports converter hint 'other'",
    );
    const plain = converter.toPayload('y');
    expect(() => converter.fromPayload(plain, undefined, { converter: 'hinted' })).toThrow(PayloadConverterError);
  });
});

describe('payload helpers', () => {
  test('toPayloads returns undefined for no values and one payload per value otherwise', () => {
    expect(toPayloads(defaultPayloadConverter)).toBeUndefined();
    const payloads = toPayloads(defaultPayloadConverter, 1, 'two', undefined);
    expect(payloads?.map(metadataStrings).map((m) => m.encoding)).toEqual(['json/plain', 'json/plain', 'binary/null']);
  });

  test('fromPayloadsAtIndex returns undefined past the end so new arguments stay compatible', () => {
    const payloads = toPayloads(defaultPayloadConverter, 'a', 'b');
    expect(fromPayloadsAtIndex(defaultPayloadConverter, 1, payloads)).toBe('b');
    expect(fromPayloadsAtIndex(defaultPayloadConverter, 2, payloads)).toBeUndefined();
    expect(fromPayloadsAtIndex(defaultPayloadConverter, 0, null)).toBeUndefined();
  });

  test('arrayFromPayloads converts every payload and treats missing payloads as empty', () => {
    expect(arrayFromPayloads(defaultPayloadConverter, toPayloads(defaultPayloadConverter, 1, [2], { t: 3 }))).toEqual([
      1,
      [2],
      { t: 3 },
    ]);
    expect(arrayFromPayloads(defaultPayloadConverter, undefined)).toEqual([]);
  });

  test('mapToPayloads and mapFromPayloads round trip a record', () => {
    const memo = { owner: 'ada', count: 3, nested: { ok: true } };
    const encoded = mapToPayloads(defaultPayloadConverter, memo);
    expect(Object.keys(encoded)).toEqual(['owner', 'count', 'nested']);
    expect(mapFromPayloads(defaultPayloadConverter, encoded)).toEqual(memo);
    expect(mapFromPayloads(defaultPayloadConverter, null)).toBeUndefined();
  });

  test('convertOptionalToPayload leaves null and undefined alone', () => {
    expect(convertOptionalToPayload(defaultPayloadConverter, null)).toBeNull();
    expect(convertOptionalToPayload(defaultPayloadConverter, undefined)).toBeUndefined();
    expect(dataString(convertOptionalToPayload(defaultPayloadConverter, 'x') as Payload)).toBe('"x"');
  });

  test('type info transfer converters run before encoding and after decoding', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const typeInfo: TypeInfo<Money, { c: number }> = {
      transferTypeConverter: {
        toTransferType: (m) => ({ c: m.cents }),
        fromTransferType: (t) => new Money(t.c),
      },
    };
    const payload = toPayloadWithTypeInfo(defaultPayloadConverter, new Money(250), undefined, typeInfo);
    expect(dataString(payload)).toBe('{"c":250}');
    const decoded = fromPayloadWithTypeInfo(defaultPayloadConverter, payload, undefined, typeInfo);
    expect(decoded).toBeInstanceOf(Money);
    expect(decoded.cents).toBe(250);
    const many = toPayloadsWithContext(defaultPayloadConverter, undefined, [new Money(1), 'plain'], [typeInfo]);
    expect(many?.map(dataString)).toEqual(['{"c":1}', '"plain"']);
  });

  test('rawValueTypeInfo keeps RawValue payloads as they are in both directions', () => {
    const raw = new RawValue('already encoded');
    expect(toPayloadWithTypeInfo(defaultPayloadConverter, raw, undefined, rawValueTypeInfo)).toBe(raw.payload);
    expect(() =>
      toPayloadWithTypeInfo(defaultPayloadConverter, 'not raw' as unknown as RawValue, undefined, rawValueTypeInfo),
    ).toThrow(ValueError);
    const back = fromPayloadWithTypeInfo(defaultPayloadConverter, raw.payload, undefined, rawValueTypeInfo);
    expect(back).toBeInstanceOf(RawValue);
    expect(back.payload).toBe(raw.payload);
  });

  test('RawValue makes the same payload as the official RawValue', () => {
    const ours = new RawValue({ a: [1, 2] });
    const theirs = new official.RawValue({ a: [1, 2] });
    expect(payloadBytes(ours.payload).equals(payloadBytes(theirs.payload))).toBe(true);
    const wrapped = RawValue.fromPayload(theirs.payload);
    expect(wrapped.payload).toBe(theirs.payload);
  });
});
