import { decode, encode } from '../encoding';
import { PayloadConverterError, ValueError } from '../errors';
import type { Payload } from '../interfaces';
import type { ConverterHint, TypeInfo } from '../type-info';
import type { SerializationContext } from './serialization-context';
import { encodingKeys, encodingTypes, METADATA_ENCODING_KEY } from './types';

/**
 * Converts values to {@link Payload}s and back: workflow and activity arguments, results, signal, query and update
 * arguments, failure details, memo. It runs inside the workflow isolate, so it must be synchronous and must not use
 * Node APIs; put asynchronous or Node-based transformations (encryption, compression) in a {@link PayloadCodec}.
 */
export interface PayloadConverter {
  /**
   * Converts a value to a payload.
   *
   * @throws {@link ValueError} if the value cannot be converted.
   */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload;

  /** Converts a payload back to a value. */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T;

  /**
   * Whether this converter handles the given converter hint.
   *
   * @experimental
   */
  validateConverterHint?: (hint: ConverterHint) => boolean;
}

/**
 * Converts `value` to a payload after applying `typeInfo`: its transfer type conversion first, then the payload
 * converter with its hint. With {@link rawValueTypeInfo}, `value` must be a {@link RawValue} and its payload is used.
 *
 * @experimental
 */
export function toPayloadWithTypeInfo<T, D = T>(
  converter: PayloadConverter,
  value: T,
  context: SerializationContext | undefined,
  typeInfo: TypeInfo<T, D> | undefined,
): Payload {
  if (isRawValueTypeInfo(typeInfo)) {
    if (!(value instanceof RawValue)) {
      throw new ValueError(`RawValue TypeInfo requires a RawValue value, got ${describeValue(value)}`);
    }
    return value.payload;
  }
  const transferValue = typeInfo?.transferTypeConverter ? typeInfo.transferTypeConverter.toTransferType(value) : value;
  return converter.toPayload(transferValue, context, typeInfo?.payloadConverterHint);
}

/**
 * Converts a payload to a value, then applies the transfer type conversion of `typeInfo`. With
 * {@link rawValueTypeInfo}, returns the payload wrapped in a {@link RawValue}.
 *
 * @experimental
 */
export function fromPayloadWithTypeInfo<T, D = T>(
  converter: PayloadConverter,
  payload: Payload,
  context: SerializationContext | undefined,
  typeInfo: TypeInfo<T, D> | undefined,
): T {
  if (isRawValueTypeInfo(typeInfo)) {
    return RawValue.fromPayload(payload) as T;
  }
  const transferValue = converter.fromPayload<D>(payload, context, typeInfo?.payloadConverterHint);
  return typeInfo?.transferTypeConverter
    ? typeInfo.transferTypeConverter.fromTransferType(transferValue)
    : (transferValue as unknown as T);
}

/**
 * Converts each value to a payload; `undefined` when there are no values.
 *
 * @throws {@link ValueError} if a value cannot be converted.
 */
export function toPayloads(converter: PayloadConverter, ...values: unknown[]): Payload[] | undefined {
  return toPayloadsWithContext(converter, undefined, values);
}

/**
 * {@link toPayloads} with a serialization context and per-value type information; `undefined` when there are no
 * values.
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
  return values.map((value, index) => toPayloadWithTypeInfo(converter, value, context, typeInfo?.[index]));
}

/** Converts `value` to a payload unless it is `null` or `undefined`, which are returned as they are. */
export function convertOptionalToPayload(
  payloadConverter: PayloadConverter,
  value: unknown,
  context?: SerializationContext,
): Payload | null | undefined {
  if (value === null || value === undefined) return value;
  return payloadConverter.toPayload(value, context);
}

/**
 * Converts every value of a record to a payload.
 *
 * @throws {@link ValueError} if a value cannot be converted.
 */
export function mapToPayloads<K extends string, T = unknown>(
  converter: PayloadConverter,
  map: Record<K, T>,
  context?: SerializationContext,
): Record<K, Payload> {
  return Object.fromEntries(
    Object.entries<T>(map).map(([key, value]) => [key, converter.toPayload(value, context)]),
  ) as Record<K, Payload>;
}

/**
 * Converts the payload at `index` to a value; `undefined` when there is no payload at that index (so adding
 * arguments to a function stays backward compatible).
 *
 * @throws {@link PayloadConverterError} if the payload cannot be converted.
 */
export function fromPayloadsAtIndex<T, D = T>(
  converter: PayloadConverter,
  index: number,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: TypeInfo<T, D>,
): T {
  const payload = payloads?.[index];
  if (payload === undefined || payload === null) return undefined as T;
  return fromPayloadWithTypeInfo(converter, payload, context, typeInfo);
}

/** Converts every payload to a value; an empty array when there are none. */
export function arrayFromPayloads(
  converter: PayloadConverter,
  payloads?: Payload[] | null,
  context?: SerializationContext,
  typeInfo?: readonly TypeInfo[],
): unknown[] {
  if (!payloads) return [];
  return payloads.map((payload, index) => fromPayloadWithTypeInfo(converter, payload, context, typeInfo?.[index]));
}

/** Converts every payload of a record to a value; `undefined` when the record is missing. */
export function mapFromPayloads<K extends string, T = unknown>(
  converter: PayloadConverter,
  map?: Record<K, Payload> | null | undefined,
  context?: SerializationContext,
): Record<K, T> | undefined {
  if (map === null || map === undefined) return undefined;
  return Object.fromEntries(
    Object.entries<Payload>(map).map(([key, payload]) => [key, converter.fromPayload<T>(payload, context)]),
  ) as Record<K, T>;
}

/** Type-level brand of {@link RawValue}. */
export const rawPayloadTypeBrand: unique symbol = Symbol('rawPayloadTypeBrand');

/**
 * A value already converted to a payload. Its payload skips the user's payload converter (it is made with the
 * default one unless another converter is given) but still goes through payload codecs.
 */
export class RawValue<T = unknown> {
  private readonly _payload: Payload;
  declare private readonly [rawPayloadTypeBrand]: T;

  /** Converts `value` right away with `payloadConverter` (default: {@link defaultPayloadConverter}). */
  constructor(value: T, payloadConverter: PayloadConverter = defaultPayloadConverter, context?: SerializationContext) {
    this._payload = payloadConverter.toPayload(value, context);
  }

  /** Wraps an existing payload without converting it. */
  static fromPayload(p: Payload): RawValue {
    return new RawValue(p, identityPayloadConverter);
  }

  /** The payload. */
  get payload(): Payload {
    return this._payload;
  }
}

const rawValueTypeInfoBrand = Symbol('rawValueTypeInfo');

/**
 * Type information that keeps a {@link RawValue} as it is across conversion: the payload converter is skipped
 * when encoding and decoding (codecs still apply).
 *
 * @experimental
 */
export const rawValueTypeInfo: TypeInfo<RawValue> = { [rawValueTypeInfoBrand]: true } as TypeInfo<RawValue>;

function isRawValueTypeInfo(typeInfo: object | undefined): boolean {
  return typeInfo !== undefined && (typeInfo as unknown as Record<symbol, unknown>)[rawValueTypeInfoBrand] === true;
}

/** A payload converter for one encoding, used as a member of a {@link CompositePayloadConverter}. */
export interface PayloadConverterWithEncoding {
  /** Converts a value to a payload, or returns `undefined` if this converter does not handle the value. */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload | undefined;

  /** Converts a payload of this converter's encoding back to a value. */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T;

  /** The `encoding` metadata value of the payloads this converter produces. */
  readonly encodingType: string;

  /**
   * Whether this converter handles the given converter hint.
   *
   * @experimental
   */
  validateConverterHint?: (hint: ConverterHint) => boolean;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object' && value !== null) return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return String(value);
}

/**
 * A payload converter made of several {@link PayloadConverterWithEncoding}s. `toPayload` tries them in order and
 * uses the first that accepts the value; `fromPayload` picks the one whose `encodingType` equals the payload's
 * `encoding` metadata.
 */
export class CompositePayloadConverter implements PayloadConverter {
  /** The converters, in the order `toPayload` tries them. */
  readonly converters: PayloadConverterWithEncoding[];
  /** The converters by encoding. */
  readonly converterByEncoding: Map<string, PayloadConverterWithEncoding> = new Map();

  constructor(...converters: PayloadConverterWithEncoding[]) {
    if (converters.length === 0) {
      throw new PayloadConverterError('Must provide at least one PayloadConverterWithEncoding');
    }
    this.converters = converters;
    for (const converter of converters) {
      this.converterByEncoding.set(converter.encodingType, converter);
    }
  }

  /**
   * Converts with the first converter that accepts the value. A {@link RawValue} gives its payload as it is.
   *
   * @throws {@link ValueError} if no converter accepts the value (or the hint).
   */
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload {
    // Kept for untyped calls: re-encoding a RawValue would change payloads already recorded in histories.
    if (value instanceof RawValue) return value.payload;
    for (const converter of this.converters) {
      if (hint !== undefined && !converter.validateConverterHint?.(hint)) continue;
      const result = converter.toPayload(value, context, hint);
      if (result !== undefined) return result;
    }
    if (hint !== undefined) {
      throw new ValueError(`No payload converter supports converter hint '${hint.converter}'`);
    }
    throw new ValueError(`Unable to convert ${describeValue(value)} to payload`);
  }

  /**
   * Converts with the converter registered for the payload's `encoding` metadata.
   *
   * @throws {@link ValueError} if the payload has no metadata; {@link PayloadConverterError} naming the encoding
   * if no converter handles it.
   */
  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T {
    if (payload.metadata === undefined || payload.metadata === null) {
      throw new ValueError('Missing payload metadata');
    }
    const encodingBytes = payload.metadata[METADATA_ENCODING_KEY];
    const encoding = encodingBytes ? decode(encodingBytes) : undefined;
    const converter = encoding === undefined ? undefined : this.converterByEncoding.get(encoding);
    if (converter === undefined) {
      const known = [...this.converterByEncoding.keys()].join(', ');
      throw new PayloadConverterError(
        encoding === undefined
          ? `Payload has no '${METADATA_ENCODING_KEY}' metadata (known encodings: ${known})`
          : `Unknown encoding: ${encoding} (known encodings: ${known})`,
      );
    }
    if (hint !== undefined && !converter.validateConverterHint?.(hint)) {
      throw new PayloadConverterError(
        `Payload encoding '${encoding}' does not support converter hint '${hint.converter}'`,
      );
    }
    return converter.fromPayload(payload, context, hint);
  }
}

/** Converts `undefined` to a `binary/null` payload (no data) and back. */
export class UndefinedPayloadConverter implements PayloadConverterWithEncoding {
  /** `binary/null`. */
  public encodingType = encodingTypes.METADATA_ENCODING_NULL;

  /** Converts `undefined`; any other value is left to the next converter. */
  public toPayload(value: unknown): Payload | undefined {
    if (value !== undefined) return undefined;
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_NULL } };
  }

  /** Always `undefined`. */
  public fromPayload<T>(_content: Payload): T {
    return undefined as T;
  }
}

/** Converts a `Uint8Array` to a `binary/plain` payload carrying the bytes as they are, and back. */
export class BinaryPayloadConverter implements PayloadConverterWithEncoding {
  /** `binary/plain`. */
  public encodingType = encodingTypes.METADATA_ENCODING_RAW;

  /** Converts a `Uint8Array` (including a `Buffer`); other values are left to the next converter. */
  public toPayload(value: unknown): Payload | undefined {
    if (!(value instanceof Uint8Array)) return undefined;
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_RAW }, data: value };
  }

  /** The payload data as a `Uint8Array` of this realm (so `instanceof Uint8Array` holds in the isolate). */
  public fromPayload<T>(content: Payload): T {
    const data = content.data;
    return (data ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data) as T;
  }
}

/**
 * Converts any value `JSON.stringify` accepts to a `json/plain` payload (UTF-8 JSON) and back. `undefined`, and
 * values `JSON.stringify` throws on (cycles, `BigInt`), are left to the next converter.
 */
export class JsonPayloadConverter implements PayloadConverterWithEncoding {
  /** `json/plain`. */
  public encodingType = encodingTypes.METADATA_ENCODING_JSON;

  /** Converts a JSON-serializable value. */
  public toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let json: string;
    try {
      json = JSON.stringify(value);
    } catch {
      return undefined;
    }
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: encode(json) };
  }

  /**
   * Parses the payload data as JSON.
   *
   * @throws {@link ValueError} if the payload has no data.
   */
  public fromPayload<T>(content: Payload): T {
    if (content.data === undefined || content.data === null) {
      throw new ValueError('Got payload with no data');
    }
    return JSON.parse(decode(content.data)) as T;
  }
}

/**
 * The default payload converter: `undefined` (`binary/null`), `Uint8Array` (`binary/plain`) and anything
 * `JSON.stringify` accepts (`json/plain`), tried in that order (the order of the other Temporal SDKs). For
 * protobuf messages use `DefaultPayloadConverterWithProtobufs` from `@kairos/common/lib/protobufs`.
 */
export class DefaultPayloadConverter extends CompositePayloadConverter {
  constructor() {
    super(new UndefinedPayloadConverter(), new BinaryPayloadConverter(), new JsonPayloadConverter());
  }
}

/**
 * The {@link DefaultPayloadConverter} instance the SDK uses when no `payloadConverterPath` is configured. It
 * handles `undefined`, `Uint8Array` and every value `JSON.stringify` accepts.
 */
export const defaultPayloadConverter = new DefaultPayloadConverter();

/** Returns what it is given: used to wrap existing payloads in a {@link RawValue}. */
const identityPayloadConverter: PayloadConverter = {
  toPayload<T>(value: T): Payload {
    return value as Payload;
  },
  fromPayload<T>(payload: Payload): T {
    return payload as T;
  },
};
