import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';

/**
 * A legacy search attribute value or its read-only form.
 *
 * @deprecated Use {@link TypedSearchAttributes}.
 */
export type SearchAttributeValueOrReadonly = SearchAttributeValue | Readonly<SearchAttributeValue> | undefined;

/**
 * Legacy, untyped search attributes: each name maps to an array of values.
 *
 * @deprecated Use {@link TypedSearchAttributes}.
 */
export type SearchAttributes = Record<string, SearchAttributeValueOrReadonly>;

/**
 * A legacy search attribute value: an array of values of one type.
 *
 * @deprecated Use {@link TypedSearchAttributes}.
 */
export type SearchAttributeValue = string[] | number[] | boolean[] | Date[];

/** The type of a search attribute, as registered on the server. */
export const SearchAttributeType = {
  TEXT: 'TEXT',
  KEYWORD: 'KEYWORD',
  INT: 'INT',
  DOUBLE: 'DOUBLE',
  BOOL: 'BOOL',
  DATETIME: 'DATETIME',
  KEYWORD_LIST: 'KEYWORD_LIST',
} as const;
/** The type of a search attribute, as registered on the server. */
export type SearchAttributeType = (typeof SearchAttributeType)[keyof typeof SearchAttributeType];

type ProtoIndexedValueType = temporal.api.enums.v1.IndexedValueType;
const INDEXED_VALUE_TYPE_PREFIX = 'INDEXED_VALUE_TYPE_';

/**
 * Maps {@link SearchAttributeType} to the numbers of `temporal.api.enums.v1.IndexedValueType` and back; that enum
 * is what the operator service takes when search attributes are registered.
 */
export const [encodeSearchAttributeIndexedValueType, decodeSearchAttributeIndexedValueType] = makeProtoEnumConverters<
  ProtoIndexedValueType,
  typeof SearchAttributeType,
  typeof INDEXED_VALUE_TYPE_PREFIX
>(
  { UNSPECIFIED: 0, TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 },
  INDEXED_VALUE_TYPE_PREFIX,
);

/** The JavaScript value type of each search attribute type. */
interface IndexedValueTypeMapping {
  TEXT: string;
  KEYWORD: string;
  INT: number;
  DOUBLE: number;
  BOOL: boolean;
  DATETIME: Date;
  KEYWORD_LIST: string[];
}

/** One predicate per search attribute type, telling whether a JavaScript value can be stored in it. */
const VALUE_CHECKS = new Map<SearchAttributeType, (value: unknown) => boolean>([
  [SearchAttributeType.TEXT, (value) => typeof value === 'string'],
  [SearchAttributeType.KEYWORD, (value) => typeof value === 'string'],
  // INT attributes are 64-bit integers: fractional numbers are rejected.
  [SearchAttributeType.INT, (value) => Number.isInteger(value)],
  [SearchAttributeType.DOUBLE, (value) => typeof value === 'number'],
  [SearchAttributeType.BOOL, (value) => typeof value === 'boolean'],
  [SearchAttributeType.DATETIME, (value) => value instanceof Date],
  [
    SearchAttributeType.KEYWORD_LIST,
    (value) => Array.isArray(value) && !value.some((item) => typeof item !== 'string'),
  ],
]);

/**
 * Type guard: can `value` be stored in a search attribute of type `type`? Strings for `TEXT`/`KEYWORD`, integers for
 * `INT`, any number for `DOUBLE`, booleans for `BOOL`, `Date`s for `DATETIME`, string arrays for `KEYWORD_LIST`.
 */
export function isValidValueForType<T extends SearchAttributeType>(
  type: T,
  value: unknown,
): value is IndexedValueTypeMapping[T] {
  const check = VALUE_CHECKS.get(type);
  return check !== undefined && check(value);
}

/** A typed search attribute key: its name and type. */
export interface SearchAttributeKey<T extends SearchAttributeType> {
  /** The search attribute name. */
  name: string;
  /** The search attribute type. */
  type: T;
}

/** Builds a typed key, as in `defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD)`. */
export function defineSearchAttributeKey<T extends SearchAttributeType>(name: string, type: T): SearchAttributeKey<T> {
  const key: SearchAttributeKey<T> = { name, type };
  return key;
}

/** Read-only holder of a search attribute type and a value, shared by the two public value classes below. */
class BaseSearchAttributeValue<T extends SearchAttributeType, V = IndexedValueTypeMapping[T]> {
  constructor(
    private readonly _type: T,
    private readonly _value: V,
  ) {}

  /** Declared type of the attribute. */
  get type(): T {
    return this._type;
  }

  /** Stored value. */
  get value(): V {
    return this._value;
  }
}

/** A value with its search attribute type; what the typed search attribute payload converter encodes. */
export class TypedSearchAttributeValue<T extends SearchAttributeType> extends BaseSearchAttributeValue<T> {}

/** A value with its search attribute type, or `null` to remove the attribute. */
export class TypedSearchAttributeUpdateValue<T extends SearchAttributeType> extends BaseSearchAttributeValue<
  T,
  IndexedValueTypeMapping[T] | null
> {}

/** A typed search attribute key with its value. */
export type SearchAttributePair = {
  [T in SearchAttributeType]: { key: SearchAttributeKey<T>; value: IndexedValueTypeMapping[T] };
}[SearchAttributeType];

/** A typed search attribute key with its new value, or `null` to remove the attribute. */
export type SearchAttributeUpdatePair = {
  [T in SearchAttributeType]: { key: SearchAttributeKey<T>; value: IndexedValueTypeMapping[T] | null };
}[SearchAttributeType];

function copyValue<V>(value: V): V {
  if (value instanceof Date) return new Date(value) as V;
  if (Array.isArray(value)) return [...value] as V;
  return value;
}

type StoredAttributes = Record<string, TypedSearchAttributeValue<SearchAttributeType>>;

/** The pair form of a stored attribute, or `undefined` when its value does not fit its own type. */
function toPair(name: string, stored: TypedSearchAttributeValue<SearchAttributeType>): SearchAttributePair | undefined {
  const key = { name, type: stored.type };
  const value = stored.value;
  return isValidValueForType(key.type, value) ? ({ key, value } as SearchAttributePair) : undefined;
}

/**
 * A read-only collection of typed search attributes. Look values up with {@link get} or list them with
 * {@link getAll}; {@link updateCopy} returns a changed copy and leaves this one as it is.
 */
export class TypedSearchAttributes {
  private searchAttributes: StoredAttributes = {};

  /**
   * @throws `Error` when two of the pairs use the same key name.
   */
  constructor(initialAttributes?: SearchAttributePair[]) {
    const store = this.searchAttributes;
    const pairs = initialAttributes === undefined ? [] : initialAttributes;
    for (const { key, value } of pairs) {
      if (key.name in store) throw new Error(`Duplicate search attribute key: ${key.name}`);
      store[key.name] = new TypedSearchAttributeValue(key.type, value);
    }
  }

  /** Value stored under `key.name`, or `undefined` when there is none or it does not fit `key.type`. */
  get<T extends SearchAttributeType>(key: SearchAttributeKey<T>): IndexedValueTypeMapping[T] | undefined {
    const stored = this.searchAttributes[key.name];
    if (stored === undefined) return undefined;
    const value = stored.value;
    return isValidValueForType(key.type, value) ? value : undefined;
  }

  /** An independent copy; `Date` and array values are duplicated rather than shared. */
  copy(): TypedSearchAttributes {
    const duplicate = new TypedSearchAttributes();
    for (const [name, stored] of Object.entries(this.searchAttributes)) {
      duplicate.searchAttributes[name] = new TypedSearchAttributeValue(stored.type, copyValue(stored.value));
    }
    return duplicate;
  }

  /**
   * Serialises as the list of pairs, keeping the internal storage out of the JSON.
   *
   * @hidden
   */
  toJSON(): SearchAttributePair[] {
    return this.getAll();
  }

  /**
   * Returns a copy with `updates` applied. A pair with a value sets that attribute; a pair whose value is `null`
   * deletes it, but only when the stored attribute has the same type as the key.
   */
  updateCopy(updates: SearchAttributeUpdatePair[]): TypedSearchAttributes {
    const changed = this.copy();
    changed.update(updates);
    return changed;
  }

  private update(updates: SearchAttributeUpdatePair[]): void {
    const store = this.searchAttributes;
    for (const { key, value } of updates) {
      if (value !== null) {
        store[key.name] = new TypedSearchAttributeValue(key.type, value);
      } else if (store[key.name]?.type === key.type) {
        delete store[key.name];
      }
    }
  }

  /** Every attribute whose value fits its type, as key/value pairs. */
  getAll(): SearchAttributePair[] {
    const pairs: SearchAttributePair[] = [];
    for (const [name, stored] of Object.entries(this.searchAttributes)) {
      const pair = toPair(name, stored);
      if (pair !== undefined) pairs.push(pair);
    }
    return pairs;
  }

  /**
   * Infers a typed key for a legacy (untyped) attribute from its value: `Date`s and strings in ISO date format give
   * `DATETIME`, other strings `TEXT`, integers `INT`, other numbers `DOUBLE`, booleans `BOOL` and arrays of strings
   * `KEYWORD_LIST`. Gives `undefined` when nothing matches.
   */
  static getKeyFromUntyped(
    key: string,
    value: SearchAttributeValueOrReadonly,
  ): SearchAttributeKey<SearchAttributeType> | undefined {
    if (value === null || value === undefined) return undefined;
    // Legacy values are arrays; a one-element array stands for a scalar.
    const sample: unknown = value.length === 1 ? value[0] : value;
    const type = inferTypeOf(sample);
    return type === undefined ? undefined : { name: key, type };
  }

  /** The value the server expects in the `type` payload metadata (`'Keyword'`, `'KeywordList'`...). */
  static toMetadataType(type: SearchAttributeType): string {
    const metadataType = METADATA_TYPE_BY_TYPE[type];
    if (metadataType === undefined) throw new Error(`Unknown search attribute type: ${type}`);
    return metadataType;
  }

  /**
   * Reads a `type` payload metadata value, either PascalCase (`'KeywordList'`) or the proto enum name
   * (`'INDEXED_VALUE_TYPE_KEYWORD_LIST'`). Unknown strings give `undefined`.
   */
  static toSearchAttributeType(type: string): SearchAttributeType | undefined {
    return TYPE_BY_METADATA_TYPE.get(type);
  }
}

/** Whether `text` is a date string that round-trips through `Date` (the test used for legacy `DATETIME`s). */
function isDateString(text: string): boolean {
  const millis = Date.parse(text);
  return !Number.isNaN(millis) && millis === new Date(text).getTime();
}

/** The search attribute type a legacy value most likely had (see {@link TypedSearchAttributes.getKeyFromUntyped}). */
function inferTypeOf(sample: unknown): SearchAttributeType | undefined {
  if (typeof sample === 'string') {
    return isDateString(sample) ? SearchAttributeType.DATETIME : SearchAttributeType.TEXT;
  }
  if (typeof sample === 'number') {
    return Number.isInteger(sample) ? SearchAttributeType.INT : SearchAttributeType.DOUBLE;
  }
  if (typeof sample === 'boolean') return SearchAttributeType.BOOL;
  if (sample instanceof Date) return SearchAttributeType.DATETIME;
  if (Array.isArray(sample) && sample.every((item) => typeof item === 'string')) {
    return SearchAttributeType.KEYWORD_LIST;
  }
  return undefined;
}

// Wire facts: the `type` metadata the server writes and reads on search attribute payloads.
const METADATA_TYPE_BY_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

const TYPE_BY_METADATA_TYPE = new Map<string, SearchAttributeType>();
for (const [type, metadataType] of Object.entries(METADATA_TYPE_BY_TYPE) as [SearchAttributeType, string][]) {
  TYPE_BY_METADATA_TYPE.set(metadataType, type);
  TYPE_BY_METADATA_TYPE.set(`INDEXED_VALUE_TYPE_${type}`, type);
}
