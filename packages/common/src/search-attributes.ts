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

/**
 * Converts between {@link SearchAttributeType} and `temporal.api.enums.v1.IndexedValueType` (used to register
 * search attributes with the operator service).
 */
export const [encodeSearchAttributeIndexedValueType, decodeSearchAttributeIndexedValueType] = makeProtoEnumConverters<
  temporal.api.enums.v1.IndexedValueType,
  typeof SearchAttributeType,
  'INDEXED_VALUE_TYPE_'
>(
  {
    TEXT: 1,
    KEYWORD: 2,
    INT: 3,
    DOUBLE: 4,
    BOOL: 5,
    DATETIME: 6,
    KEYWORD_LIST: 7,
    UNSPECIFIED: 0,
  },
  'INDEXED_VALUE_TYPE_',
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

/** Whether `value` is a valid value for a search attribute of type `type` (an `INT` must be an integer). */
export function isValidValueForType<T extends SearchAttributeType>(
  type: T,
  value: unknown,
): value is IndexedValueTypeMapping[T] {
  switch (type) {
    case SearchAttributeType.TEXT:
    case SearchAttributeType.KEYWORD:
      return typeof value === 'string';
    case SearchAttributeType.INT:
      return Number.isInteger(value);
    case SearchAttributeType.DOUBLE:
      return typeof value === 'number';
    case SearchAttributeType.BOOL:
      return typeof value === 'boolean';
    case SearchAttributeType.DATETIME:
      return value instanceof Date;
    case SearchAttributeType.KEYWORD_LIST:
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default:
      return false;
  }
}

/** A typed search attribute key: its name and type. */
export interface SearchAttributeKey<T extends SearchAttributeType> {
  /** The search attribute name. */
  name: string;
  /** The search attribute type. */
  type: T;
}

/** Defines a typed search attribute key, e.g. `defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD)`. */
export function defineSearchAttributeKey<T extends SearchAttributeType>(name: string, type: T): SearchAttributeKey<T> {
  return { name, type };
}

class BaseSearchAttributeValue<T extends SearchAttributeType, V = IndexedValueTypeMapping[T]> {
  private readonly _type: T;
  private readonly _value: V;

  constructor(type: T, value: V) {
    this._type = type;
    this._value = value;
  }

  /** The search attribute type. */
  get type(): T {
    return this._type;
  }

  /** The value. */
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

/**
 * An immutable set of typed search attributes. Read with {@link get}/{@link getAll}; derive a modified set with
 * {@link updateCopy}.
 */
export class TypedSearchAttributes {
  private searchAttributes: Record<string, TypedSearchAttributeValue<SearchAttributeType>> = {};

  /**
   * @throws `Error` naming the key if two pairs have the same key name.
   */
  constructor(initialAttributes?: SearchAttributePair[]) {
    if (initialAttributes === undefined) return;
    for (const pair of initialAttributes) {
      if (pair.key.name in this.searchAttributes) {
        throw new Error(`Duplicate search attribute key: ${pair.key.name}`);
      }
      this.searchAttributes[pair.key.name] = new TypedSearchAttributeValue(pair.key.type, pair.value);
    }
  }

  /** The value of `key`, or `undefined` if it is not set or its value does not match the key's type. */
  get<T extends SearchAttributeType>(key: SearchAttributeKey<T>): IndexedValueTypeMapping[T] | undefined {
    const attribute = this.searchAttributes[key.name];
    if (attribute === undefined || !isValidValueForType(key.type, attribute.value)) return undefined;
    return attribute.value;
  }

  /** A deep copy of this set (dates and arrays are copied too). */
  copy(): TypedSearchAttributes {
    const state: Record<string, TypedSearchAttributeValue<SearchAttributeType>> = {};
    for (const [name, attribute] of Object.entries(this.searchAttributes)) {
      state[name] = new TypedSearchAttributeValue(attribute.type, copyValue(attribute.value));
    }
    const copy = new TypedSearchAttributes();
    copy.searchAttributes = state;
    return copy;
  }

  /**
   * The JSON form: the list of pairs (the default form would expose private state).
   *
   * @hidden
   */
  toJSON(): SearchAttributePair[] {
    return this.getAll();
  }

  /**
   * A copy of this set with `updates` applied: a pair with a value sets the attribute, a pair with `null` removes it
   * (when the key's type matches).
   */
  updateCopy(updates: SearchAttributeUpdatePair[]): TypedSearchAttributes {
    const result = this.copy();
    result.update(updates);
    return result;
  }

  private update(updates: SearchAttributeUpdatePair[]): void {
    for (const pair of updates) {
      if (pair.value === null) {
        const existing = this.searchAttributes[pair.key.name];
        if (existing && existing.type === pair.key.type) {
          delete this.searchAttributes[pair.key.name];
        }
        continue;
      }
      this.searchAttributes[pair.key.name] = new TypedSearchAttributeValue(pair.key.type, pair.value);
    }
  }

  /** All the attributes as key/value pairs. */
  getAll(): SearchAttributePair[] {
    const pairs: SearchAttributePair[] = [];
    for (const [name, attribute] of Object.entries(this.searchAttributes)) {
      const key = { name, type: attribute.type };
      if (isValidValueForType(key.type, attribute.value)) {
        pairs.push({ key, value: attribute.value } as SearchAttributePair);
      }
    }
    return pairs;
  }

  /**
   * Guesses the typed key of a legacy search attribute from its value: ISO date strings and `Date`s are `DATETIME`,
   * other strings `TEXT`, integers `INT`, other numbers `DOUBLE`, booleans `BOOL`, string arrays `KEYWORD_LIST`.
   * Returns `undefined` when no type fits.
   */
  static getKeyFromUntyped(
    key: string,
    value: SearchAttributeValueOrReadonly,
  ): SearchAttributeKey<SearchAttributeType> | undefined {
    if (value === null || value === undefined) return undefined;
    // A single-element array holds a scalar value.
    const scalar: unknown = value.length === 1 ? value[0] : value;
    switch (typeof scalar) {
      case 'string': {
        const parsed = Date.parse(scalar);
        if (!isNaN(parsed) && parsed === new Date(scalar).getTime()) {
          return { name: key, type: SearchAttributeType.DATETIME };
        }
        return { name: key, type: SearchAttributeType.TEXT };
      }
      case 'number':
        return { name: key, type: Number.isInteger(scalar) ? SearchAttributeType.INT : SearchAttributeType.DOUBLE };
      case 'boolean':
        return { name: key, type: SearchAttributeType.BOOL };
      case 'object':
        if (scalar instanceof Date) return { name: key, type: SearchAttributeType.DATETIME };
        if (Array.isArray(scalar) && scalar.every((item) => typeof item === 'string')) {
          return { name: key, type: SearchAttributeType.KEYWORD_LIST };
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /** The `type` payload metadata value the server uses for a search attribute type (`'Keyword'`, `'KeywordList'`...). */
  static toMetadataType(type: SearchAttributeType): string {
    const metadataType = METADATA_TYPE_BY_TYPE[type];
    if (metadataType === undefined) throw new Error(`Unknown search attribute type: ${type}`);
    return metadataType;
  }

  /**
   * The search attribute type of a `type` payload metadata value; accepts the usual PascalCase (`'KeywordList'`) and
   * the proto enum name (`'INDEXED_VALUE_TYPE_KEYWORD_LIST'`). `undefined` for unknown values.
   */
  static toSearchAttributeType(type: string): SearchAttributeType | undefined {
    return TYPE_BY_METADATA_TYPE.get(type);
  }
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
