import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ApplicationFailure,
  defaultDataConverter,
  DefaultFailureConverter,
  defaultFailureConverter,
  defaultPayloadConverter,
  type LoadedDataConverter,
  type Payload,
  type PayloadCodec,
  TimeoutFailure,
  ValueError,
} from '../src';
import {
  decode,
  decodeArrayFromPayloads,
  decodeFailure,
  decodeFromPayloadsAtIndex,
  decodeMapFromPayloads,
  decodeOptionalFailureToOptionalError,
  decodeOptionalSingle,
  decodeOptionalSinglePayload,
  decodeUserMetadata,
  encode,
  encodeErrorToFailure,
  encodeFailure,
  encodeMapToPayloads,
  encodeToPayload,
  encodeToPayloads,
  encodeUserMetadata,
  isLoadedDataConverter,
  loadDataConverter,
} from '../src/internal-non-workflow';
import { payloadBytes } from './helpers';

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);

/** Gzips the whole payload into the data of a `binary/gzip` payload. */
class GzipCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: { encoding: new TextEncoder().encode('binary/gzip') },
      data: gzipSync(payloadBytes(payload)),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const { temporal } = await import('@kairos/proto');
    return payloads.map((payload) => temporal.api.common.v1.Payload.decode(gunzipSync(payload.data!)));
  }
}

/** Records the order codecs run in by tagging payload metadata. */
class TagCodec implements PayloadCodec {
  constructor(
    private readonly tag: string,
    private readonly log: string[],
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    this.log.push(`encode ${this.tag}`);
    return payloads.map((p) => ({ ...p, metadata: { ...p.metadata, [this.tag]: new Uint8Array([1]) } }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    this.log.push(`decode ${this.tag}`);
    return payloads.map((p) => {
      if (!p.metadata?.[this.tag]) throw new Error(`payload was not encoded by ${this.tag}`);
      const metadata = { ...p.metadata };
      delete metadata[this.tag];
      return { ...p, metadata };
    });
  }
}

function withCodecs(...payloadCodecs: PayloadCodec[]): LoadedDataConverter {
  return { ...defaultDataConverter, payloadCodecs };
}

describe('loadDataConverter', () => {
  test('uses the default converters and no codecs when nothing is configured', () => {
    const loaded = loadDataConverter();
    expect(loaded.payloadConverter).toBe(defaultPayloadConverter);
    expect(loaded.failureConverter).toBe(defaultFailureConverter);
    expect(loaded.payloadCodecs).toEqual([]);
    expect(defaultDataConverter).toEqual(loaded);
  });

  test('requires the modules at the configured paths and takes their named exports', () => {
    const codec = new GzipCodec();
    const loaded = loadDataConverter({
      payloadConverterPath: fixture('custom-payload-converter'),
      failureConverterPath: fixture('custom-failure-converter'),
      payloadCodecs: [codec],
    });
    const date = new Date('2026-07-08T09:10:11.000Z');
    const payload = loaded.payloadConverter.toPayload(date);
    expect(new TextDecoder().decode(payload.metadata!.encoding)).toBe('date/iso');
    expect(loaded.payloadConverter.fromPayload(payload)).toEqual(date);
    expect(loaded.failureConverter).toBeInstanceOf(DefaultFailureConverter);
    expect((loaded.failureConverter as DefaultFailureConverter).options.encodeCommonAttributes).toBe(true);
    expect(loaded.payloadCodecs).toEqual([codec]);
  });

  test('names the path when the module does not exist', () => {
    const missing = fixture('no-such-converter');
    expect(() => loadDataConverter({ payloadConverterPath: missing })).toThrow(ValueError);
    expect(() => loadDataConverter({ payloadConverterPath: missing })).toThrow(
      `Could not find a file at the specified payloadConverterPath: '${missing}'.`,
    );
  });

  test('names the path and the export when the export is missing', () => {
    const file = fixture('converter-without-export');
    expect(() => loadDataConverter({ payloadConverterPath: file })).toThrow(
      `Module ${file} does not have a \`payloadConverter\` named export`,
    );
    expect(() => loadDataConverter({ failureConverterPath: file })).toThrow(/`failureConverter` named export/);
  });

  test('says which methods are missing when the export is not a converter', () => {
    const file = fixture('converter-with-bad-export');
    expect(() => loadDataConverter({ payloadConverterPath: file })).toThrow(
      `payloadConverter export at ${file} must be an object with toPayload and fromPayload methods`,
    );
    expect(() => loadDataConverter({ failureConverterPath: file })).toThrow(
      /must be an object with errorToFailure and failureToError methods/,
    );
  });

  test('lets errors raised while loading the module through', () => {
    expect(() => loadDataConverter({ payloadConverterPath: fixture('converter-that-throws') })).toThrow(
      /a-package-that-does-not-exist/,
    );
    expect(() => loadDataConverter({ payloadConverterPath: fixture('converter-that-throws') })).not.toThrow(
      /Could not find a file/,
    );
  });

  test('isLoadedDataConverter tells loaded converters from configurations', () => {
    expect(isLoadedDataConverter(defaultDataConverter)).toBe(true);
    expect(isLoadedDataConverter({ payloadConverterPath: 'x' })).toBe(false);
    expect(isLoadedDataConverter(undefined)).toBe(false);
  });
});

describe('codec chains', () => {
  test('encode runs codecs in order and decode in reverse order', async () => {
    const log: string[] = [];
    const codecs = [new TagCodec('first', log), new TagCodec('second', log)];
    const payloads = [defaultPayloadConverter.toPayload('x')];
    const encoded = await encode(codecs, payloads);
    const decoded = await decode(codecs, encoded);
    expect(log).toEqual(['encode first', 'encode second', 'decode second', 'decode first']);
    expect(payloadBytes(decoded[0]).equals(payloadBytes(payloads[0]))).toBe(true);
  });

  test('values round trip through a compressing codec', async () => {
    const converter = withCodecs(new GzipCodec());
    const encoded = await encodeToPayloads(converter, { big: 'x'.repeat(1000) }, [1, 2], undefined);
    expect(encoded).toHaveLength(3);
    expect(new TextDecoder().decode(encoded![0]!.metadata!.encoding)).toBe('binary/gzip');
    expect(encoded![0]!.data!.length).toBeLessThan(100);
    expect(await decodeArrayFromPayloads(converter, encoded)).toEqual([{ big: 'x'.repeat(1000) }, [1, 2], undefined]);
    expect(await decodeFromPayloadsAtIndex(converter, 1, encoded)).toEqual([1, 2]);
    expect(await decodeFromPayloadsAtIndex(converter, 5, encoded)).toBeUndefined();
    expect(await encodeToPayloads(converter)).toBeUndefined();
    const single = await encodeToPayload(converter, 'one');
    expect(await decodeOptionalSinglePayload(converter, single)).toBe('one');
    expect(await decodeOptionalSingle(converter.payloadCodecs, null)).toBeNull();
    expect(await decodeOptionalSinglePayload(converter, undefined)).toBeUndefined();
  });

  test('maps round trip through codecs', async () => {
    const converter = withCodecs(new GzipCodec());
    const memo = { a: 1, b: { c: 'd' } };
    const encoded = await encodeMapToPayloads(converter, memo);
    expect(new TextDecoder().decode(encoded.a.metadata!.encoding)).toBe('binary/gzip');
    expect(await decodeMapFromPayloads(converter, encoded)).toEqual(memo);
    expect(await decodeMapFromPayloads(converter, undefined)).toBeUndefined();
  });

  test('every payload of a failure chain goes through the codecs and comes back', async () => {
    const log: string[] = [];
    const converter = withCodecs(new TagCodec('t', log));
    const error = ApplicationFailure.create({
      message: 'outer',
      details: ['detail'],
      cause: new TimeoutFailure('inner', { beat: 1 }, 'HEARTBEAT'),
    });
    const failure = defaultFailureConverter.errorToFailure(error, defaultPayloadConverter);
    failure.encodedAttributes = defaultPayloadConverter.toPayload({ message: 'outer', stack_trace: '' });
    const encoded = await encodeFailure(converter.payloadCodecs, failure);
    expect(encoded.applicationFailureInfo!.details!.payloads![0]!.metadata!.t).toBeDefined();
    expect(encoded.cause!.timeoutFailureInfo!.lastHeartbeatDetails!.payloads![0]!.metadata!.t).toBeDefined();
    expect(encoded.encodedAttributes!.metadata!.t).toBeDefined();
    expect(failure.applicationFailureInfo!.details!.payloads![0]!.metadata!.t).toBeUndefined();
    const decoded = await decodeFailure(converter.payloadCodecs, encoded);
    expect(decoded.cause!.timeoutFailureInfo!.lastHeartbeatDetails!.payloads![0]!.metadata!.t).toBeUndefined();
    expect(decoded.applicationFailureInfo!.details!.payloads![0]!.metadata!.t).toBeUndefined();
  });

  test('errors round trip through a failure and the codecs', async () => {
    const converter = withCodecs(new GzipCodec());
    const error = ApplicationFailure.create({ message: 'failed', type: 'T', details: [{ why: 'because' }] });
    const failure = await encodeErrorToFailure(converter, error);
    const back = (await decodeOptionalFailureToOptionalError(converter, failure)) as ApplicationFailure;
    expect(back).toBeInstanceOf(ApplicationFailure);
    expect(back.details).toEqual([{ why: 'because' }]);
    expect(await decodeOptionalFailureToOptionalError(converter, undefined)).toBeUndefined();
  });

  test('user metadata round trips through the codecs', async () => {
    const converter = withCodecs(new GzipCodec());
    const metadata = await encodeUserMetadata(converter, 'summary', 'details\nmore');
    expect(new TextDecoder().decode(metadata!.summary!.metadata!.encoding)).toBe('binary/gzip');
    expect(await decodeUserMetadata(converter, metadata)).toEqual({
      staticSummary: 'summary',
      staticDetails: 'details\nmore',
    });
    expect(await encodeUserMetadata(converter, undefined, undefined)).toBeUndefined();
    expect(await decodeUserMetadata(converter, null)).toEqual({ staticSummary: undefined, staticDetails: undefined });
  });
});
