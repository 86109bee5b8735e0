import * as official from '@temporalio/common';
import * as officialSA from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@kairos/proto';
import {
  defineSearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributes,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
  TypedSearchAttributes,
  ValueError,
} from '../src';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
  searchAttributePayloadConverter,
  typedSearchAttributePayloadConverter,
} from '../src/converter/payload-search-attributes';
import {
  decodeSearchAttributeIndexedValueType,
  encodeSearchAttributeIndexedValueType,
  isValidValueForType,
  TypedSearchAttributeValue,
} from '../src/search-attributes';
import { metadataStrings, payloadBytes } from './helpers';

const keys = {
  text: defineSearchAttributeKey('CustomText', SearchAttributeType.TEXT),
  keyword: defineSearchAttributeKey('CustomKeyword', SearchAttributeType.KEYWORD),
  int: defineSearchAttributeKey('CustomInt', SearchAttributeType.INT),
  double: defineSearchAttributeKey('CustomDouble', SearchAttributeType.DOUBLE),
  bool: defineSearchAttributeKey('CustomBool', SearchAttributeType.BOOL),
  datetime: defineSearchAttributeKey('CustomDatetime', SearchAttributeType.DATETIME),
  keywordList: defineSearchAttributeKey('CustomKeywordList', SearchAttributeType.KEYWORD_LIST),
};

const pairs: SearchAttributePair[] = [
  { key: keys.text, value: 'full text ✓' },
  { key: keys.keyword, value: 'kw' },
  { key: keys.int, value: 42 },
  { key: keys.double, value: 1.25 },
  { key: keys.bool, value: true },
  { key: keys.datetime, value: new Date('2026-01-02T03:04:05.006Z') },
  { key: keys.keywordList, value: ['a', 'b'] },
];

const legacy: SearchAttributes = {
  LegacyStrings: ['x', 'y'],
  LegacyNumbers: [1, 2.5],
  LegacyBools: [false],
  LegacyDates: [new Date(0)],
  LegacyEmpty: [],
};

function indexedFieldBytes(fields: Record<string, temporal.api.common.v1.IPayload>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, payloadBytes(v).toString('hex')]));
}

describe('search attribute encoding', () => {
  test('encodes typed search attributes to the same bytes as the official SDK, with the server type metadata', () => {
    const ours = encodeUnifiedSearchAttributes(undefined, new TypedSearchAttributes(pairs));
    const theirs = officialSA.encodeUnifiedSearchAttributes(
      undefined,
      new official.TypedSearchAttributes(pairs as never),
    );
    expect(indexedFieldBytes(ours)).toEqual(indexedFieldBytes(theirs));
    expect(Object.fromEntries(Object.entries(ours).map(([k, p]) => [k, metadataStrings(p).type]))).toEqual({
      CustomText: 'Text',
      CustomKeyword: 'Keyword',
      CustomInt: 'Int',
      CustomDouble: 'Double',
      CustomBool: 'Bool',
      CustomDatetime: 'Datetime',
      CustomKeywordList: 'KeywordList',
    });
  });

  test('encodes legacy search attributes to the same bytes as the official SDK (no type metadata)', () => {
    const ours = encodeUnifiedSearchAttributes(legacy);
    const theirs = officialSA.encodeUnifiedSearchAttributes(legacy);
    expect(indexedFieldBytes(ours)).toEqual(indexedFieldBytes(theirs));
    expect(metadataStrings(ours.LegacyStrings!)).toEqual({ encoding: 'json/plain' });
  });

  test('lets typed values win over legacy ones of the same name, like the official SDK', () => {
    const typed: SearchAttributeUpdatePair[] = [
      { key: defineSearchAttributeKey('LegacyStrings', SearchAttributeType.KEYWORD), value: 'typed' },
    ];
    const ours = encodeUnifiedSearchAttributes(legacy, typed);
    const theirs = officialSA.encodeUnifiedSearchAttributes(legacy, typed as never);
    expect(indexedFieldBytes(ours)).toEqual(indexedFieldBytes(theirs));
    expect(metadataStrings(ours.LegacyStrings!).type).toBe('Keyword');
  });

  test('encodes a removal (null value) without type metadata, as the server requires', () => {
    const removal: SearchAttributeUpdatePair[] = [{ key: keys.int, value: null }];
    const ours = encodeUnifiedSearchAttributes(undefined, removal);
    expect(metadataStrings(ours.CustomInt!)).toEqual({ encoding: 'json/plain' });
    expect(indexedFieldBytes(ours)).toEqual(
      indexedFieldBytes(officialSA.encodeUnifiedSearchAttributes(undefined, removal as never)),
    );
  });

  test('rejects a typed value that does not fit its type', () => {
    expect(() =>
      encodeUnifiedSearchAttributes(undefined, [{ key: keys.int, value: 1.5 } as unknown as SearchAttributePair]),
    ).toThrow(/Invalid search attribute value 1.5 for given type INT/);
    expect(() => typedSearchAttributePayloadConverter.toPayload('raw')).toThrow(ValueError);
  });

  test('rejects legacy values that are not arrays of one type', () => {
    expect(() => searchAttributePayloadConverter.toPayload('x')).toThrow(/must be an array/);
    expect(() => searchAttributePayloadConverter.toPayload([1, 'two'])).toThrow(/must be of the same type/);
    expect(() => searchAttributePayloadConverter.toPayload([new Date(), 'x'])).toThrow(/at index 1/);
    expect(() => searchAttributePayloadConverter.toPayload([{}])).toThrow(ValueError);
  });
});

describe('search attribute decoding', () => {
  test('decodes typed attributes encoded by the official SDK', () => {
    const encoded = officialSA.encodeUnifiedSearchAttributes(
      undefined,
      new official.TypedSearchAttributes(pairs as never),
    );
    const decoded = decodeTypedSearchAttributes(encoded);
    expect(decoded.getAll()).toEqual(pairs);
    expect(decoded.get(keys.datetime)).toEqual(new Date('2026-01-02T03:04:05.006Z'));
  });

  test('decodes the legacy form, turning Datetime values into Dates and skipping empty arrays', () => {
    const encoded = encodeUnifiedSearchAttributes(undefined, new TypedSearchAttributes(pairs));
    const decoded = decodeSearchAttributes(encoded);
    expect(decoded.CustomDatetime).toEqual([new Date('2026-01-02T03:04:05.006Z')]);
    expect(decoded.CustomKeywordList).toEqual(['a', 'b']);
    expect(decoded.CustomInt).toEqual([42]);
    expect(decodeSearchAttributes(encodeUnifiedSearchAttributes(legacy))).not.toHaveProperty('LegacyEmpty');
    expect(decodeSearchAttributes(null)).toEqual({});
  });

  test('decodes like the official SDK', () => {
    const encoded = encodeUnifiedSearchAttributes(legacy, new TypedSearchAttributes(pairs));
    expect(decodeSearchAttributes(encoded)).toEqual(officialSA.decodeSearchAttributes(encoded as never));
    expect(decodeTypedSearchAttributes(encoded).getAll()).toEqual(
      officialSA.decodeTypedSearchAttributes(encoded as never).getAll(),
    );
  });

  test('skips values without a known type, unwraps legacy one-element arrays and drops bad ones', () => {
    const json = (value: unknown, type?: string): temporal.api.common.v1.IPayload => ({
      metadata: {
        encoding: new TextEncoder().encode('json/plain'),
        ...(type ? { type: new TextEncoder().encode(type) } : {}),
      },
      data: new TextEncoder().encode(JSON.stringify(value)),
    });
    const decoded = decodeTypedSearchAttributes({
      NoType: json('x'),
      UnknownType: json('x', 'Mystery'),
      WrappedKeyword: json(['only'], 'Keyword'),
      TooMany: json(['a', 'b'], 'Keyword'),
      BadInt: json(1.5, 'Int'),
      ProtoName: json(7, 'INDEXED_VALUE_TYPE_INT'),
    });
    expect(decoded.getAll()).toEqual([
      { key: { name: 'WrappedKeyword', type: 'KEYWORD' }, value: 'only' },
      { key: { name: 'ProtoName', type: 'INT' }, value: 7 },
    ]);
  });
});

describe('TypedSearchAttributes', () => {
  test('get returns the value for a key of the right type only', () => {
    const attributes = new TypedSearchAttributes(pairs);
    expect(attributes.get(keys.int)).toBe(42);
    expect(attributes.get(defineSearchAttributeKey('CustomInt', SearchAttributeType.KEYWORD))).toBeUndefined();
    expect(attributes.get(defineSearchAttributeKey('Missing', SearchAttributeType.TEXT))).toBeUndefined();
  });

  test('rejects duplicate keys', () => {
    expect(() => new TypedSearchAttributes([pairs[0]!, pairs[0]!])).toThrow(
      'Duplicate search attribute key: CustomText',
    );
  });

  test('updateCopy sets and removes values without touching the original', () => {
    const original = new TypedSearchAttributes(pairs);
    const updated = original.updateCopy([
      { key: keys.int, value: 7 },
      { key: keys.bool, value: null },
      { key: defineSearchAttributeKey('CustomText', SearchAttributeType.KEYWORD), value: null },
    ]);
    expect(updated.get(keys.int)).toBe(7);
    expect(updated.get(keys.bool)).toBeUndefined();
    expect(updated.get(keys.text)).toBe('full text ✓'); // removal ignored: the key type does not match
    expect(original.get(keys.int)).toBe(42);
    expect(original.get(keys.bool)).toBe(true);
  });

  test('copy is deep for dates and lists', () => {
    const original = new TypedSearchAttributes(pairs);
    const copy = original.copy();
    copy.get(keys.keywordList)!.push('c');
    copy.get(keys.datetime)!.setTime(0);
    expect(original.get(keys.keywordList)).toEqual(['a', 'b']);
    expect(original.get(keys.datetime)!.getTime()).toBe(new Date('2026-01-02T03:04:05.006Z').getTime());
  });

  test('serialises to JSON as its list of pairs', () => {
    const attributes = new TypedSearchAttributes([pairs[2]!]);
    expect(JSON.parse(JSON.stringify(attributes))).toEqual([{ key: { name: 'CustomInt', type: 'INT' }, value: 42 }]);
  });

  test('guesses typed keys from legacy values like the official SDK', () => {
    const samples: SearchAttributes[string][] = [
      ['text'],
      ['2026-01-01T00:00:00.000Z'],
      [1],
      [1.5],
      [true],
      [new Date()],
      ['a', 'b'],
      [1, 2],
      undefined,
    ];
    for (const value of samples) {
      expect(TypedSearchAttributes.getKeyFromUntyped('K', value)).toEqual(
        official.TypedSearchAttributes.getKeyFromUntyped('K', value),
      );
    }
  });

  test('maps types to and from the server type metadata', () => {
    for (const type of Object.values(SearchAttributeType)) {
      const metadata = TypedSearchAttributes.toMetadataType(type);
      expect(metadata).toBe(official.TypedSearchAttributes.toMetadataType(type));
      expect(TypedSearchAttributes.toSearchAttributeType(metadata)).toBe(type);
      expect(TypedSearchAttributes.toSearchAttributeType(`INDEXED_VALUE_TYPE_${type}`)).toBe(type);
    }
    expect(TypedSearchAttributes.toSearchAttributeType('Nope')).toBeUndefined();
  });

  test('isValidValueForType checks each type', () => {
    expect(isValidValueForType('INT', 3)).toBe(true);
    expect(isValidValueForType('INT', 3.5)).toBe(false);
    expect(isValidValueForType('DOUBLE', 3.5)).toBe(true);
    expect(isValidValueForType('DATETIME', '2026-01-01')).toBe(false);
    expect(isValidValueForType('KEYWORD_LIST', ['a', 1])).toBe(false);
    expect(new TypedSearchAttributeValue('BOOL', false).value).toBe(false);
  });

  test('converts search attribute types to the IndexedValueType numbers of the proto', () => {
    const proto = temporal.api.enums.v1.IndexedValueType;
    for (const type of Object.values(SearchAttributeType)) {
      const number = proto[`INDEXED_VALUE_TYPE_${type}` as keyof typeof proto];
      expect(encodeSearchAttributeIndexedValueType(type)).toBe(number);
      expect(decodeSearchAttributeIndexedValueType(number)).toBe(type);
    }
  });
});
