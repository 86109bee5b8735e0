import { decode, encode } from '../encoding';
import { ValueError } from '../errors';
import type { Payload } from '../interfaces';
import {
  isValidValueForType,
  type SearchAttributePair,
  type SearchAttributes,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
  TypedSearchAttributes,
  TypedSearchAttributeUpdateValue,
  TypedSearchAttributeValue,
} from '../search-attributes';
import { JsonPayloadConverter, mapFromPayloads, mapToPayloads, type PayloadConverter } from './payload-converter';

// The payload metadata key under which the server expects the search attribute type.
const METADATA_TYPE_KEY = 'type';

/** Calls `check` on every element actually present (holes of sparse arrays are skipped, as `forEach` does). */
function checkEach(values: unknown[], check: (value: unknown, index: number) => void): void {
  values.forEach((value: unknown, index) => check(value, index));
}

/**
 * Legacy search attribute values have to be arrays whose elements are all `Date`s, or all strings, or all numbers,
 * or all booleans; the first element decides which.
 */
function assertLegacyValues(values: unknown[], scalarTypes: readonly string[]): void {
  if (values.length === 0) return;
  const first: unknown = values[0];
  const kind = typeof first;
  if (kind === 'object') {
    checkEach(values, (value, index) => {
      if (value instanceof Date) return;
      throw new ValueError(
        `SearchAttribute values must be arrays of strings, numbers, booleans, or Dates. The value ${String(value)} at index ${index} is of type ${typeof value}`,
      );
    });
    return;
  }
  if (!scalarTypes.includes(kind)) {
    throw new ValueError(`SearchAttribute array values must be: string | number | boolean | Date, got ${kind}`);
  }
  checkEach(values, (value, index) => {
    if (typeof value === kind) return;
    throw new ValueError(
      `All SearchAttribute array values must be of the same type. The first value ${String(first)} of type ${kind} doesn't match value ${String(value)} of type ${typeof value} at index ${index}`,
    );
  });
}

/** The payload's metadata, or a {@link ValueError} when it has none. */
function requireMetadata(payload: Payload): Record<string, Uint8Array> {
  const { metadata } = payload;
  if (metadata === null || metadata === undefined) throw new ValueError('Missing payload metadata');
  return metadata;
}

/**
 * Encodes untyped (legacy) search attribute values, which are arrays of strings, numbers, booleans or `Date`s, as
 * JSON. Search attributes are never passed through the configured data converter or codecs. Decoding turns
 * `Datetime` values back into `Date`s.
 */
export class SearchAttributePayloadConverter implements PayloadConverter {
  /** Does the actual JSON encoding. */
  jsonConverter = new JsonPayloadConverter();
  /** `typeof` results allowed for elements that are not `Date`s. */
  validNonDateTypes = ['string', 'number', 'boolean'];

  /**
   * Encodes an array of same-typed values.
   *
   * @throws {@link ValueError} describing the first value that breaks the rules.
   */
  public toPayload(values: unknown): Payload {
    if (!Array.isArray(values)) {
      throw new ValueError(`SearchAttribute value must be an array, got ${typeof values}`);
    }
    assertLegacyValues(values, this.validNonDateTypes);
    // Dates come out of JSON.stringify as ISO-8601 strings.
    const encoded = this.jsonConverter.toPayload(values);
    if (encoded === undefined) throw new ValueError('Could not convert search attributes to payloads');
    return encoded;
  }

  /** Decodes to an array (wrapping a lone scalar); values of type `Datetime` are turned into `Date`s. */
  public fromPayload<T>(payload: Payload): T {
    const metadata = requireMetadata(payload);
    const decoded = this.jsonConverter.fromPayload<unknown>(payload);
    const list: unknown[] = Array.isArray(decoded) ? decoded : [decoded];
    const declaredType = metadata[METADATA_TYPE_KEY];
    const isDatetime = declaredType ? decode(declaredType) === 'Datetime' : false;
    return (isDatetime ? list.map((text) => new Date(text as string)) : list) as T;
  }
}

/** Shared {@link SearchAttributePayloadConverter}. */
export const searchAttributePayloadConverter: SearchAttributePayloadConverter = new SearchAttributePayloadConverter();

/**
 * Scalars written by older SDKs may arrive as one-element arrays: unwrap those. Longer arrays for a scalar type
 * cannot be interpreted, which is reported as `{ ok: false }`.
 */
function unwrapLegacyScalar(type: SearchAttributeType, decoded: unknown): { ok: true; value: unknown } | { ok: false } {
  if (type === SearchAttributeType.KEYWORD_LIST || !Array.isArray(decoded)) return { ok: true, value: decoded };
  return decoded.length > 1 ? { ok: false } : { ok: true, value: decoded[0] };
}

/**
 * Encodes {@link TypedSearchAttributeValue}s as JSON, adding the `type` metadata the server relies on (`Keyword`,
 * `Int`, `KeywordList`...). A `null` value means "remove the attribute" and must go without `type` metadata.
 */
export class TypedSearchAttributePayloadConverter implements PayloadConverter {
  /** Does the actual JSON encoding. */
  jsonConverter = new JsonPayloadConverter();

  /**
   * Encodes a {@link TypedSearchAttributeValue} or a {@link TypedSearchAttributeUpdateValue}.
   *
   * @throws {@link ValueError} for any other input, or a value that does not match its declared type.
   */
  public toPayload<T>(attr: T): Payload {
    const typed = attr instanceof TypedSearchAttributeValue || attr instanceof TypedSearchAttributeUpdateValue;
    if (!typed) {
      throw new ValueError(
        `Expect input to be instance of TypedSearchAttributeValue or TypedSearchAttributeUpdateValue, got: ${JSON.stringify(attr)}`,
      );
    }
    const { type, value } = attr as { type: SearchAttributeType; value: unknown };
    const removal = value === null;
    if (!removal && !isValidValueForType(type, value)) {
      throw new ValueError(`Invalid search attribute value ${String(value)} for given type ${type}`);
    }
    const encoded = this.jsonConverter.toPayload(value);
    const metadata = encoded?.metadata;
    if (encoded === undefined || metadata === null || metadata === undefined) {
      throw new ValueError('Could not convert typed search attribute to payload');
    }
    if (!removal) metadata[METADATA_TYPE_KEY] = encode(TypedSearchAttributes.toMetadataType(type));
    return encoded;
  }

  /**
   * Decodes into a {@link TypedSearchAttributeValue}. Gives `undefined` when the `type` metadata is missing or
   * unknown, or when the value does not fit that type.
   */
  public fromPayload<T>(payload: Payload): T {
    const declaredType = requireMetadata(payload)[METADATA_TYPE_KEY];
    if (declaredType === null || declaredType === undefined) return undefined as T;
    const type = TypedSearchAttributes.toSearchAttributeType(decode(declaredType));
    if (type === undefined) return undefined as T;

    const unwrapped = unwrapLegacyScalar(type, this.jsonConverter.fromPayload<unknown>(payload));
    if (!unwrapped.ok) return undefined as T;
    const needsDate = type === SearchAttributeType.DATETIME && Boolean(unwrapped.value);
    const value: unknown = needsDate ? new Date(unwrapped.value as string) : unwrapped.value;
    return (isValidValueForType(type, value) ? new TypedSearchAttributeValue(type, value) : undefined) as T;
  }
}

/** Shared {@link TypedSearchAttributePayloadConverter}. */
export const typedSearchAttributePayloadConverter: TypedSearchAttributePayloadConverter =
  new TypedSearchAttributePayloadConverter();

/**
 * Encodes legacy and typed search attributes into the `indexedFields` map of a `SearchAttributes` message. When a
 * name is in both, the typed value wins. A typed pair with a `null` value encodes a removal.
 */
export function encodeUnifiedSearchAttributes(
  searchAttributes?: SearchAttributes,
  typedSearchAttributes?: TypedSearchAttributes | SearchAttributeUpdatePair[],
): Record<string, Payload> {
  const pairs: SearchAttributeUpdatePair[] | undefined = typedSearchAttributes
    ? Array.isArray(typedSearchAttributes)
      ? typedSearchAttributes
      : typedSearchAttributes.getAll()
    : undefined;
  return {
    ...(searchAttributes ? mapToPayloads(searchAttributePayloadConverter, searchAttributes) : {}),
    ...(pairs
      ? mapToPayloads(
          typedSearchAttributePayloadConverter,
          Object.fromEntries(
            pairs.map((pair) => [pair.key.name, new TypedSearchAttributeUpdateValue(pair.key.type, pair.value)]),
          ),
        )
      : {}),
  };
}

/** Decodes `indexedFields` into legacy search attributes, skipping empty arrays (written by servers before 1.18). */
export function decodeSearchAttributes(indexedFields: Record<string, Payload> | undefined | null): SearchAttributes {
  if (!indexedFields) return {};
  const decoded = mapFromPayloads<string, SearchAttributes[string]>(searchAttributePayloadConverter, indexedFields);
  return Object.fromEntries(Object.entries(decoded ?? {}).filter(([, value]) => value && value.length > 0));
}

/** Decodes `indexedFields` into {@link TypedSearchAttributes}, skipping values without a known type. */
export function decodeTypedSearchAttributes(
  indexedFields: Record<string, Payload> | undefined | null,
): TypedSearchAttributes {
  const decoded = mapFromPayloads<string, TypedSearchAttributeValue<SearchAttributeType> | undefined>(
    typedSearchAttributePayloadConverter,
    indexedFields,
  );
  const pairs: SearchAttributePair[] = [];
  for (const [name, attribute] of Object.entries(decoded ?? {})) {
    if (!attribute) continue;
    const key = { name, type: attribute.type };
    if (isValidValueForType(key.type, attribute.value)) {
      pairs.push({ key, value: attribute.value } as SearchAttributePair);
    }
  }
  return new TypedSearchAttributes(pairs);
}
