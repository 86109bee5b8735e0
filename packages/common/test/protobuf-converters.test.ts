import * as officialProtobufs from '@temporalio/common/lib/protobufs';
import Long from 'long';
import type * as protobuf from 'protobufjs';
import * as protobufjs from 'protobufjs';
import { PayloadConverterError, ValueError } from '../src';
import {
  DefaultPayloadConverterWithProtobufs,
  patchProtobufRoot,
  ProtobufBinaryPayloadConverter,
  ProtobufJsonPayloadConverter,
} from '../src/protobufs';
import { buildTestProtobufRoot, dataString, metadataStrings, payloadBytes } from './helpers';

interface TestRoot {
  kairos: { test: { v1: { Greeting: protobuf.Type; Inner: protobuf.Type } } };
}

const rawRoot = buildTestProtobufRoot();
const root = patchProtobufRoot(rawRoot as unknown as Record<string, unknown>) as unknown as TestRoot &
  Record<string, unknown>;
const { Greeting, Inner } = root.kairos.test.v1;

function sampleMessages(): [string, protobuf.Message][] {
  return [
    ['an empty message', Greeting.create({})],
    [
      'a message with every field type',
      Greeting.create({
        text: 'héllo 👋',
        count: Long.fromString('9007199254740993'),
        blob: new Uint8Array([0, 1, 254, 255]),
        tags: ['a', 'b'],
        inner: Inner.create({ flag: true, n: 7 }),
        kind: 2,
        byName: { x: Inner.create({ n: 1 }), y: Inner.create({ flag: true }) },
        ratio: 0.25,
      }),
    ],
    ['a nested message on its own', Inner.create({ flag: true, n: 4_000_000_000 })],
  ];
}

describe('patchProtobufRoot', () => {
  test('exposes namespaces and message types as properties without changing the original root', () => {
    expect(Greeting.fullName).toBe('.kairos.test.v1.Greeting');
    expect((rawRoot as unknown as Record<string, unknown>).kairos).toBeUndefined();
    expect((root as unknown as protobuf.Root).lookupType('kairos.test.v1.Inner')).toBe(Inner);
  });

  test('keeps protobufjs internals when a package name collides with them', () => {
    const source = 'syntax = "proto3"; package options; message Thing { string a = 1; }';
    const collision = protobufjs.parse(source, new protobufjs.Root()).root;
    const patched = patchProtobufRoot(collision as unknown as Record<string, unknown>) as unknown as protobuf.Root;
    expect(patched.options).toBe(collision.options);
    expect(patched.lookupType('options.Thing').name).toBe('Thing');
  });

  test('rejects something that is not a protobufjs root', () => {
    expect(() => patchProtobufRoot({ nested: {} })).toThrow(TypeError);
  });
});

describe('protobuf payload converters', () => {
  const ourJson = new ProtobufJsonPayloadConverter(root);
  const ourBinary = new ProtobufBinaryPayloadConverter(root);
  const officialRoot = officialProtobufs.patchProtobufRoot(
    buildTestProtobufRoot() as unknown as Record<string, unknown>,
  );
  const theirJson = new officialProtobufs.ProtobufJsonPayloadConverter(officialRoot);
  const theirBinary = new officialProtobufs.ProtobufBinaryPayloadConverter(officialRoot);

  test.each(sampleMessages())('json/protobuf payload of %s is byte-identical to the official one', (_name, message) => {
    const ours = ourJson.toPayload(message);
    const theirs = theirJson.toPayload(message);
    expect(payloadBytes(ours).equals(payloadBytes(theirs))).toBe(true);
    expect(metadataStrings(ours!)).toEqual({
      encoding: 'json/protobuf',
      messageType: message.$type.fullName.slice(1),
    });
  });

  test.each(sampleMessages())(
    'binary/protobuf payload of %s is byte-identical to the official one',
    (_name, message) => {
      const ours = ourBinary.toPayload(message);
      const theirs = theirBinary.toPayload(message);
      expect(payloadBytes(ours).equals(payloadBytes(theirs))).toBe(true);
      expect(metadataStrings(ours!).encoding).toBe('binary/protobuf');
    },
  );

  test.each(sampleMessages())('round trips %s through json/protobuf', (_name, message) => {
    const decoded = ourJson.fromPayload<protobuf.Message>(ourJson.toPayload(message)!);
    expect(decoded.$type).toBe(message.$type);
    expect(message.$type.toObject(decoded, { longs: String })).toEqual(
      message.$type.toObject(message, { longs: String }),
    );
  });

  test.each(sampleMessages())('round trips %s through binary/protobuf', (_name, message) => {
    const decoded = ourBinary.fromPayload<protobuf.Message>(ourBinary.toPayload(message)!);
    expect(message.$type.toObject(decoded, { longs: String })).toEqual(
      message.$type.toObject(message, { longs: String }),
    );
  });

  test('decodes bytes fields from json/protobuf as plain Uint8Arrays', () => {
    const payload = ourJson.toPayload(Greeting.create({ blob: new Uint8Array([5, 6]) }))!;
    const decoded = ourJson.fromPayload<{ blob: Uint8Array }>(payload);
    expect(decoded.blob.constructor).toBe(Uint8Array);
    expect([...decoded.blob]).toEqual([5, 6]);
  });

  test('decodes payloads made by the official converters', () => {
    const message = sampleMessages()[1]![1];
    const fromJson = ourJson.fromPayload<protobuf.Message>(theirJson.toPayload(message)!);
    const fromBinary = ourBinary.fromPayload<protobuf.Message>(theirBinary.toPayload(message)!);
    const expected = message.$type.toObject(message, { longs: String });
    expect(Greeting.toObject(fromJson, { longs: String })).toEqual(expected);
    expect(Greeting.toObject(fromBinary, { longs: String })).toEqual(expected);
  });

  test('leaves values that are not protobuf messages to the next converter', () => {
    expect(ourJson.toPayload({ text: 'plain object' })).toBeUndefined();
    expect(ourBinary.toPayload('string')).toBeUndefined();
  });

  test('reports a message type missing from the root', () => {
    const payload = {
      metadata: {
        encoding: new TextEncoder().encode('json/protobuf'),
        messageType: new TextEncoder().encode('kairos.test.v1.Missing'),
      },
      data: new TextEncoder().encode('{}'),
    };
    expect(() => ourJson.fromPayload(payload)).toThrow(PayloadConverterError);
    expect(() => ourJson.fromPayload(payload)).toThrow(/kairos\.test\.v1\.Missing/);
  });

  test('requires messageType metadata, data and a root to decode', () => {
    const payload = ourBinary.toPayload(Greeting.create({ text: 'x' }))!;
    expect(() =>
      ourBinary.fromPayload({ metadata: { encoding: payload.metadata!.encoding! }, data: payload.data }),
    ).toThrow(ValueError);
    expect(() => ourBinary.fromPayload({ metadata: payload.metadata })).toThrow('Got payload with no data');
    expect(() => new ProtobufBinaryPayloadConverter().fromPayload(payload)).toThrow(PayloadConverterError);
  });

  test('refuses a root that is not a protobufjs Root', () => {
    expect(() => new ProtobufJsonPayloadConverter({ not: 'a root' })).toThrow(TypeError);
  });
});

describe('DefaultPayloadConverterWithProtobufs', () => {
  const converter = new DefaultPayloadConverterWithProtobufs({ protobufRoot: root });
  const officialConverter = new officialProtobufs.DefaultPayloadConverterWithProtobufs({
    protobufRoot: officialProtobufs.patchProtobufRoot(buildTestProtobufRoot() as unknown as Record<string, unknown>),
  });

  test('orders converters like the other SDKs: null, binary, json/protobuf, binary/protobuf, json', () => {
    expect(converter.converters.map((c) => c.encodingType)).toEqual([
      'binary/null',
      'binary/plain',
      'json/protobuf',
      'binary/protobuf',
      'json/plain',
    ]);
  });

  test('sends messages as json/protobuf and other values as before, with the official bytes', () => {
    const values: unknown[] = [sampleMessages()[1]![1], undefined, new Uint8Array([1]), { plain: 'json' }, 'text'];
    for (const value of values) {
      expect(payloadBytes(converter.toPayload(value)).equals(payloadBytes(officialConverter.toPayload(value)))).toBe(
        true,
      );
    }
    expect(dataString(converter.toPayload({ plain: 'json' }))).toBe('{"plain":"json"}');
  });

  test('decodes both protobuf encodings', () => {
    const message = Greeting.create({ text: 'both' });
    const binary = new ProtobufBinaryPayloadConverter(root).toPayload(message)!;
    expect(converter.fromPayload<{ text: string }>(binary).text).toBe('both');
    expect(converter.fromPayload<{ text: string }>(converter.toPayload(message)).text).toBe('both');
  });
});
