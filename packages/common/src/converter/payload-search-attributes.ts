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

/**
 * Converts legacy (untyped) search attribute values, arrays of strings, numbers, booleans or `Date`s, with the
 * JSON converter (whatever data converter is configured: search attributes are never encoded). `Datetime` values
 * decode to `Date`s.
 */
export class SearchAttributePayloadConverter implements PayloadConverter {
  /** The JSON converter doing the work. */
  jsonConverter = new JsonPayloadConverter();
  /** The `typeof` of the scalar values accepted besides `Date`s. */
  validNonDateTypes = ['string', 'number', 'boolean'];

  /**
   * Converts an array of values of one type.
   *
   * @throws {@link ValueError} naming the offending value if the input is not such an array.
   */
  public toPayload(values: unknown): Payload {
    if (!Array.isArray(values)) {
      throw new ValueError(`SearchAttribute value must be an array, got ${typeof values}`);
    }
    if (values.length > 0) {
      const first: unknown = values[0];
      const firstType = typeof first;
      if (firstType === 'object') {
        values.forEach((value: unknown, index) => {
          if (!(value instanceof Date)) {
            throw new ValueError(
              `SearchAttribute values must be arrays of strings, numbers, booleans, or Dates. The value ${String(value)} at index ${index} is of type ${typeof value}`,
            );
          }
        });
      } else {
        if (!this.validNonDateTypes.includes(firstType)) {
          throw new ValueError(
            `SearchAttribute array values must be: string | number | boolean | Date, got ${firstType}`,
          );
        }
        values.forEach((value: unknown, index) => {
          if (typeof value !== firstType) {
            throw new ValueError(
              `All SearchAttribute array values must be of the same type. The first value ${String(first)} of type ${firstType} doesn't match value ${String(value)} of type ${typeof value} at index ${index}`,
            );
          }
        });
      }
    }
    // JSON.stringify writes Dates as ISO strings.
    const payload = this.jsonConverter.toPayload(values);
    if (payload === undefined) {
      throw new ValueError('Could not convert search attributes to payloads');
    }
    return payload;
  }

  /** Converts back to an array (a scalar is wrapped); `Datetime` values become `Date`s. */
  public fromPayload<T>(payload: Payload): T {
    if (payload.metadata === null || payload.metadata === undefined) {
      throw new ValueError('Missing payload metadata');
    }
    const value = this.jsonConverter.fromPayload<unknown>(payload);
    let values: unknown[] = Array.isArray(value) ? value : [value];
    const typeBytes = payload.metadata[METADATA_TYPE_KEY];
    if (typeBytes && decode(typeBytes) === 'Datetime') {
      values = values.map((dateString) => new Date(dateString as string));
    }
    return values as T;
  }
}

/** The {@link SearchAttributePayloadConverter} instance used by the SDK. */
export const searchAttributePayloadConverter = new SearchAttributePayloadConverter();

/**
 * Converts {@link TypedSearchAttributeValue}s: JSON data plus the `type` metadata the server expects
 * (`Keyword`, `Int`, `KeywordList`...). A `null` value (removal) is sent without `type` metadata, as the server
 * requires.
 */
export class TypedSearchAttributePayloadConverter implements PayloadConverter {
  /** The JSON converter doing the work. */
  jsonConverter = new JsonPayloadConverter();

  /**
   * Converts a {@link TypedSearchAttributeValue} or {@link TypedSearchAttributeUpdateValue}.
   *
   * @throws {@link ValueError} if the input is not one, or its value does not fit its type.
   */
  public toPayload<T>(attr: T): Payload {
    if (!(attr instanceof TypedSearchAttributeValue || attr instanceof TypedSearchAttributeUpdateValue)) {
      throw new ValueError(
        `Expect input to be instance of TypedSearchAttributeValue or TypedSearchAttributeUpdateValue, got: ${JSON.stringify(attr)}`,
      );
    }
    const value: unknown = attr.value;
    if (value !== null && !isValidValueForType(attr.type, value)) {
      throw new ValueError(`Invalid search attribute value ${String(value)} for given type ${attr.type}`);
    }
    const payload = this.jsonConverter.toPayload(value);
    if (payload === undefined || payload.metadata === null || payload.metadata === undefined) {
      throw new ValueError('Could not convert typed search attribute to payload');
    }
    if (value !== null) {
      payload.metadata[METADATA_TYPE_KEY] = encode(TypedSearchAttributes.toMetadataType(attr.type));
    }
    return payload;
  }

  /**
   * Converts back to a {@link TypedSearchAttributeValue}, or `undefined` when the payload has no known `type`
   * metadata or its value does not fit the type (legacy single-element arrays are unwrapped).
   */
  public fromPayload<T>(payload: Payload): T {
    if (payload.metadata === null || payload.metadata === undefined) {
      throw new ValueError('Missing payload metadata');
    }
    const typeBytes = payload.metadata[METADATA_TYPE_KEY];
    if (typeBytes === null || typeBytes === undefined) return undefined as T;
    const type = TypedSearchAttributes.toSearchAttributeType(decode(typeBytes));
    if (type === undefined) return undefined as T;

    let value = this.jsonConverter.fromPayload<unknown>(payload);
    // Older writers sent scalars as one-element arrays.
    if (type !== SearchAttributeType.KEYWORD_LIST && Array.isArray(value)) {
      if (value.length > 1) return undefined as T;
      value = value[0];
    }
    if (type === SearchAttributeType.DATETIME && value) {
      value = new Date(value as string);
    }
    if (!isValidValueForType(type, value)) return undefined as T;
    return new TypedSearchAttributeValue(type, value) as T;
  }
}

/** The {@link TypedSearchAttributePayloadConverter} instance used by the SDK. */
export const typedSearchAttributePayloadConverter = new TypedSearchAttributePayloadConverter();

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
