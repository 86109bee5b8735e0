import { invalidArgument } from '../errors';
import { ISearchAttributes } from '../internal/proto';
import { NamespaceRecord } from '../persistence/persistence';
import type { DynamicConfig } from '../config/dynamic-config';
import {
  describeInvalidValue,
  indexedValueTypeName,
  readTypedValue,
  SETTABLE_SYSTEM_ATTRIBUTES,
  SYSTEM_SEARCH_ATTRIBUTES,
  withTypeMetadata,
} from './search-attributes';

/** The types of the attributes a caller may set in a namespace: its custom ones and the settable system ones. */
export function settableSearchAttributeTypes(ns: NamespaceRecord): Record<string, number> {
  const types: Record<string, number> = {};
  for (const name of SETTABLE_SYSTEM_ATTRIBUTES) types[name] = SYSTEM_SEARCH_ATTRIBUTES[name];
  return { ...types, ...ns.searchAttributes };
}

/**
 * Rejects search attributes that are not registered on the namespace or whose value does not fit the registered
 * type, with the real server's messages (INVALID_ARGUMENT naming the namespace or the attribute and its type).
 */
export function validateSearchAttributes(
  ns: NamespaceRecord,
  sa: ISearchAttributes | null | undefined,
  config?: DynamicConfig,
): void {
  const types = settableSearchAttributeTypes(ns);
  for (const [name, payload] of Object.entries(sa?.indexedFields ?? {})) {
    const type = types[name];
    if (type === undefined) {
      throw invalidArgument(`Namespace ${ns.name} has no mapping defined for search attribute ${name}`);
    }
    if (readTypedValue(payload, type).kind === 'invalid') {
      throw invalidArgument(
        `invalid value for search attribute ${name} of type ${indexedValueTypeName(type)}: ${describeInvalidValue(payload)}`,
      );
    }
  }
  // Then each value's size (of its encoded data), against `limit.searchAttributesSizeOfValue`.
  const sizeLimit = config?.number('limit.searchAttributesSizeOfValue');
  if (sizeLimit === undefined) return;
  for (const [name, payload] of Object.entries(sa?.indexedFields ?? {})) {
    const size = payload.data?.length ?? 0;
    if (size > sizeLimit) {
      throw invalidArgument(`search attribute ${name} value size ${size} exceeds size limit ${sizeLimit}`);
    }
  }
}

/**
 * Search attributes as the server stores them: each payload carries its registered type as `type` metadata
 * (untyped, legacy payloads get it added). At start, attributes holding nothing are dropped; upserts keep
 * them (`keepEmpty`) since they remove the attribute.
 */
export function typedSearchAttributes(
  ns: NamespaceRecord | undefined,
  sa: ISearchAttributes | null | undefined,
  keepEmpty = false,
): ISearchAttributes | null {
  if (!sa) return null;
  return withTypeMetadata(sa, ns ? settableSearchAttributeTypes(ns) : {}, !keepEmpty);
}
