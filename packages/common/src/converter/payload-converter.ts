import { decode, encode } from '../encoding';
import { PayloadConverterError, ValueError } from '../errors';
import type { Payload } from '../interfaces';
import type { ConverterHint, TypeInfo } from '../type-info';
import type { SerializationContext } from './serialization-context';
import { encodingKeys, encodingTypes, METADATA_ENCODING_KEY } from './types';

/**
 * Turns application values into {@link Payload}s and back. It handles every value that crosses a workflow
 * boundary: arguments and results of workflows and activities, signal/query/update arguments, failure details and
 * memo fields. Because it also runs inside the workflow sandbox it has to be synchronous and free of Node APIs;
 * anything asynchronous or Node-specific (encryption, compression...) belongs in a {@link PayloadCodec}.
 */
export interface PayloadConverter {
  /**
   * Encodes `value`.
   *
   * @throws {@link ValueError} when the value is not supported.
   */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload;

  /** Decodes `payload`. */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T;

  /**
   * Answers whether `hint` is something this converter knows how to honour.
   *
   * @experimental
   */
  validateConverterHint?: (hint: ConverterHint) => boolean;
}

/** The transfer-type step of a {@link TypeInfo}, or nothing when it has none. */
function transferStep<T, D>(typeInfo: TypeInfo<T, D> | undefined): TypeInfo<T, D>['transferTypeConverter'] {
  return typeInfo === undefined ? undefined : typeInfo.transferTypeConverter;
}

/**
 * Encodes `value` as directed by `typeInfo`: first its transfer-type conversion, if any, then `converter` called
 * with the type info's converter hint. With {@link rawValueTypeInfo} the value has to be a {@link RawValue}, whose
 * payload is returned untouched.
 *
 * @experimental
 */
export function toPayloadWithTypeInfo<T, D = T>(
  converter: PayloadConverter,
  value: T,
  context: SerializationContext | undefined,
  typeInfo: TypeInfo<T, D> | undefined,
): Payload {
  if (!isRawValueTypeInfo(typeInfo)) {
    const step = transferStep(typeInfo);
    const transferred = step ? step.toTransferType(value) : value;
    return converter.toPayload(transferred, context, typeInfo?.payloadConverterHint);
  }
  if (value instanceof RawValue) return value.payload;
  throw new ValueError(`RawValue TypeInfo requires a RawValue value, got ${describeValue(value)}`);
}

/**
 * Decodes `payload` as directed by `typeInfo`: `converter` (with the hint) first, then the transfer-type
 * conversion back to the application type. With {@link rawValueTypeInfo} the payload comes back wrapped in a
 * {@link RawValue}.
 *
 * @experimental
 */
export function fromPayloadWithTypeInfo<T, D = T>(
  converter: PayloadConverter,
  payload: Payload,
  context: SerializationContext | undefined,
  typeInfo: TypeInfo<T, D> | undefined,
): T {
  if (isRawValueTypeInfo(typeInfo)) return RawValue.fromPayload(payload) as T;
  const decoded = converter.fromPayload<D>(payload, context, typeInfo?.payloadConverterHint);
  const step = transferStep(typeInfo);
  if (!step) return decoded as unknown as T;
  return step.fromTransferType(decoded);
}

/**
 * Encodes each of `values`, giving `undefined` for an empty argument list.
 *
 * @throws {@link ValueError} when one of the values is not supported.
 */
export function toPayloads(converter: PayloadConverter, ...values: unknown[]): Payload[] | undefined {
  if (values.length === 0) return undefined;
  return values.map((value) => toPayloadWithTypeInfo(converter, value, undefined, undefined));
}

/**
 * Variant of {@link toPayloads} taking a serialization context and, optionally, one {@link TypeInfo} per
 * position. An empty list gives `undefined`.
 *
 * @hidden
 */
export function toPayloadsWithContext(
  converter: PayloadConverter,
  context: SerializationContext | undefined,
  values: unknown[],
  typeInfo?: readonly TypeInfo[],
): Payload[] | undefined {
  if (values.length === 0) return undefined;
  const encodeAt = (value: unknown, position: number): Payload =>
    toPayloadWithTypeInfo(converter, value, context, typeInfo?.[position]);
  return values.map(encodeAt);
}

/** Encodes `value`, except that `null` and `undefined` are passed through without conversion. */
export function convertOptionalToPayload(
  payloadConverter: PayloadConverter,
  value: unknown,
  context?: SerializationContext,
): Payload | null | undefined {
  const absent = value === undefined || value === null;
  return absent ? value : payloadConverter.toPayload(value, context);
}

/** A record with the same own enumerable keys as `source` and each value passed through `convert`. */
function mapRecord<In, Out>(source: Record<string, In>, convert: (value: In) => Out): Record<string, Out> {
  const pairs = Object.entries<In>(source).map(([key, value]): [string, Out] => [key, convert(value)]);
  return Object.fromEntries(pairs);
}

/**
 * Encodes every value of a record, keeping the keys.
 *
 * @throws {@link ValueError} when one of the values is not supported.
 */
export function mapToPayloads<K extends string, T = unknown>(
  converter: PayloadConverter,
  map: Record<K, T>,
  context?: SerializationContext,
): Record<K, Payload> {
  return mapRecord<T, Payload>(map, (value) => converter.toPayload(value, context)) as Record<K, Payload>;
}

/**
 * Decodes the payload at position `index`. A missing payload gives `undefined`, which is what lets a function gain
 * trailing parameters without breaking callers that do not send them.
 *
 * @throws {@link PayloadConverterError} when the payload cannot be decoded.
 */
export function fromPayloadsAtIndex<T, D = T>(
  converter: PayloadConverter,
  index: number,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, D>,
): T {
  if (!payloads) return undefined as T;
  const payload = payloads[index];
  return payload === undefined || payload === null
    ? (undefined as T)
    : fromPayloadWithTypeInfo(converter, payload, context, typeInfo);
}

/** Decodes a whole list of payloads; a missing list gives `[]`. */
export function arrayFromPayloads(
  converter: PayloadConverter,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: readonly TypeInfo[],
): unknown[] {
  if (!payloads) return [];
  const decodeAt = (payload: Payload, position: number): unknown =>
    fromPayloadWithTypeInfo(converter, payload, context, typeInfo?.[position]);
  return payloads.map(decodeAt);
}

/** Decodes every payload of a record, keeping the keys; a missing record gives `undefined`. */
export function mapFromPayloads<K extends string, T = unknown>(
  converter: PayloadConverter,
  map?: Record<K, Payload> | null | undefined,
  context?: SerializationContext,
): Record<K, T> | undefined {
  if (!map) return undefined;
  return mapRecord<Payload, T>(map, (payload) => converter.fromPayload<T>(payload, context)) as Record<K, T>;
}

/** Type-level brand of {@link RawValue}. */
export const rawPayloadTypeBrand: unique symbol = Symbol('rawPayloadTypeBrand');

/**
 * A value that has been turned into a payload ahead of time. Payload converters leave it alone (it is encoded once,
 * by the default converter unless the constructor is given another one); payload codecs still process it.
 */
export class RawValue<T = unknown> {
  private readonly _payload: Payload;
  declare private readonly [rawPayloadTypeBrand]: T;

  /** Encodes `value` immediately, with `payloadConverter` or else {@link defaultPayloadConverter}. */
  constructor(value: T, payloadConverter?: PayloadConverter, context?: SerializationContext) {
    const converter = payloadConverter === undefined ? defaultPayloadConverter : payloadConverter;
    this._payload = converter.toPayload(value, context);
  }

  /** Wraps a payload that already exists, without any conversion. */
  static fromPayload(p: Payload): RawValue {
    return new RawValue<Payload>(p, payloadAsIs);
  }

  /** The encoded form. */
  get payload(): Payload {
    return this._payload;
  }
}

const rawValueTypeInfoBrand = Symbol('rawValueTypeInfo');

/**
 * A {@link TypeInfo} marking a position whose value is a {@link RawValue}: the payload converter is bypassed in both
 * directions (payload codecs are not).
 *
 * @experimental
 */
export const rawValueTypeInfo: TypeInfo<RawValue> = { [rawValueTypeInfoBrand]: true } as TypeInfo<RawValue>;

function isRawValueTypeInfo(typeInfo: object | undefined): boolean {
  if (typeInfo === undefined) return false;
  return Reflect.get(typeInfo, rawValueTypeInfoBrand) === true;
}

/** One encoding's converter, meant to be combined with others in a {@link CompositePayloadConverter}. */
export interface PayloadConverterWithEncoding {
  /** Encodes `value`, or returns `undefined` to let the next converter try. */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload | undefined;

  /** Decodes a payload whose encoding is this converter's. */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T;

  /** Value of the `encoding` metadata on the payloads this converter writes and reads. */
  readonly encodingType: string;

  /**
   * Answers whether `hint` is something this converter knows how to honour.
   *
   * @experimental
   */
  validateConverterHint?: (hint: ConverterHint) => boolean;
}

/** A short description of a value for error messages. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${value}'`;
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    case 'object':
      if (value !== null) return `an instance of ${value.constructor?.name ?? 'Object'}`;
      return String(value);
    default:
      return String(value);
  }
}

/** Whether `converter` can take `hint` (always, when there is no hint). */
function acceptsHint(converter: PayloadConverterWithEncoding, hint: ConverterHint | undefined): boolean {
  if (hint === undefined) return true;
  return converter.validateConverterHint?.(hint) ?? false;
}

/**
 * Combines several {@link PayloadConverterWithEncoding}s. Encoding asks each in turn and keeps the first payload
 * returned; decoding goes straight to the converter registered for the payload's `encoding` metadata.
 */
export class CompositePayloadConverter implements PayloadConverter {
  /** Members, in the order they are asked to encode. */
  readonly converters: PayloadConverterWithEncoding[];
  /** Members, indexed by their encoding. */
  readonly converterByEncoding: Map<string, PayloadConverterWithEncoding>;

  constructor(...converters: PayloadConverterWithEncoding[]) {
    if (converters.length < 1) {
      throw new PayloadConverterError('Must provide at least one PayloadConverterWithEncoding');
    }
    this.converters = converters;
    // A later member with the same encoding wins, as with successive `Map.set` calls.
    this.converterByEncoding = new Map(converters.map((member) => [member.encodingType, member] as const));
  }

  /**
   * Encodes with the first member that produces a payload. A {@link RawValue} yields its own payload.
   *
   * @throws {@link ValueError} when no member accepts the value (or the hint).
   */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload {
    // Untyped callers may still pass RawValues; encoding them again would alter payloads stored in histories.
    if (value instanceof RawValue) return value.payload;
    for (const member of this.converters) {
      if (!acceptsHint(member, hint)) continue;
      const payload = member.toPayload(value, context, hint);
      if (payload !== undefined) return payload;
    }
    throw new ValueError(
      hint === undefined
        ? `Unable to convert ${describeValue(value)} to payload`
        : `No payload converter supports converter hint '${hint.converter}'`,
    );
  }

  /**
   * Decodes with the member registered for the payload's `encoding` metadata.
   *
   * @throws {@link ValueError} when the payload has no metadata at all; {@link PayloadConverterError} (naming the
   * encoding) when no member handles it.
   */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T {
    const metadata = payload.metadata;
    if (metadata === undefined || metadata === null) throw new ValueError('Missing payload metadata');
    const rawEncoding = metadata[METADATA_ENCODING_KEY];
    const encoding = rawEncoding ? decode(rawEncoding) : undefined;
    const member = encoding === undefined ? undefined : this.converterByEncoding.get(encoding);
    if (member === undefined) throw this.unknownEncoding(encoding);
    if (!acceptsHint(member, hint)) {
      throw new PayloadConverterError(
        `Payload encoding '${encoding}' does not support converter hint '${hint!.converter}'`,
      );
    }
    return member.fromPayload(payload, context, hint);
  }

  private unknownEncoding(encoding: string | undefined): PayloadConverterError {
    const known = Array.from(this.converterByEncoding.keys()).join(', ');
    if (encoding === undefined) {
      return new PayloadConverterError(
        `Payload has no '${METADATA_ENCODING_KEY}' metadata (known encodings: ${known})`,
      );
    }
    return new PayloadConverterError(`Unknown encoding: ${encoding} (known encodings: ${known})`);
  }
}

/** Handles `undefined`, as a `binary/null` payload without data. */
export class UndefinedPayloadConverter implements PayloadConverterWithEncoding {
  /** Always `binary/null`. */
  public encodingType = encodingTypes.METADATA_ENCODING_NULL;

  /** Encodes `undefined`; returns `undefined` (declines) for everything else. */
  public toPayload(value: unknown): Payload | undefined {
    return value === undefined
      ? { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_NULL } }
      : undefined;
  }

  /** Gives `undefined`, whatever the payload holds. */
  public fromPayload<T>(_content: Payload): T {
    return undefined as T;
  }
}

/** Handles byte arrays, as `binary/plain` payloads whose data is the bytes themselves. */
export class BinaryPayloadConverter implements PayloadConverterWithEncoding {
  /** Always `binary/plain`. */
  public encodingType = encodingTypes.METADATA_ENCODING_RAW;

  /** Encodes a `Uint8Array` (a `Buffer` is one); declines everything else. */
  public toPayload(value: unknown): Payload | undefined {
    return value instanceof Uint8Array
      ? { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_RAW }, data: value }
      : undefined;
  }

  /**
   * The data as a view created in the current realm, so that `instanceof Uint8Array` is true inside the workflow
   * sandbox as well.
   */
  public fromPayload<T>(content: Payload): T {
    const { data } = content;
    if (!data) return data as T;
    return new Uint8Array(data.buffer, data.byteOffset, data.length) as T;
  }
}

/**
 * `JSON.stringify` wrapped so that a throw (cyclic structures, `BigInt`...) becomes `{ ok: false }`. Note that a
 * successful call may still produce `undefined` (functions, symbols), which is encoded as is.
 */
function tryStringify(value: unknown): { ok: true; text: string } | { ok: false } {
  try {
    return { ok: true, text: JSON.stringify(value) };
  } catch {
    return { ok: false };
  }
}

/**
 * Handles whatever `JSON.stringify` can serialise, as `json/plain` payloads holding UTF-8 JSON. It declines
 * `undefined` and values on which `JSON.stringify` throws.
 */
export class JsonPayloadConverter implements PayloadConverterWithEncoding {
  /** Always `json/plain`. */
  public encodingType = encodingTypes.METADATA_ENCODING_JSON;

  /** Encodes a value as JSON text. */
  public toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    const json = tryStringify(value);
    if (!json.ok) return undefined;
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: encode(json.text) };
  }

  /**
   * Parses the data as JSON.
   *
   * @throws {@link ValueError} when the payload carries no data.
   */
  public fromPayload<T>(content: Payload): T {
    const { data } = content;
    if (data === undefined || data === null) throw new ValueError('Got payload with no data');
    return JSON.parse(decode(data)) as T;
  }
}

/** The members of {@link DefaultPayloadConverter}, in the order every Temporal SDK tries them. */
function standardConverters(): PayloadConverterWithEncoding[] {
  return [new UndefinedPayloadConverter(), new BinaryPayloadConverter(), new JsonPayloadConverter()];
}

/**
 * The stock converter: `undefined` as `binary/null`, byte arrays as `binary/plain`, everything else JSON can
 * represent as `json/plain`, tried in that order. Protobuf messages need `DefaultPayloadConverterWithProtobufs`
 * from `@kairos/common/lib/protobufs` instead.
 */
export class DefaultPayloadConverter extends CompositePayloadConverter {
  constructor() {
    super(...standardConverters());
  }
}

/**
 * Shared {@link DefaultPayloadConverter}, used wherever no custom `payloadConverterPath` has been set up. It
 * covers `undefined`, `Uint8Array` and JSON-serialisable values.
 */
export const defaultPayloadConverter = new DefaultPayloadConverter();

/** Treats the "value" as the payload itself; lets {@link RawValue.fromPayload} reuse the constructor. */
const payloadAsIs: PayloadConverter = {
  toPayload: <T>(value: T): Payload => value as Payload,
  fromPayload: <T>(payload: Payload): T => payload as T,
};
