import { invalidArgument } from '../frontend/errors';
import { ISearchAttributes } from '../internal/proto';
import { NamespaceRecord } from '../persistence/persistence';
import { SETTABLE_SYSTEM_ATTRIBUTES } from './search-attributes';

/** Rejects search attributes that are not registered on the namespace (INVALID_ARGUMENT naming the field). */
export function validateSearchAttributes(
  ns: NamespaceRecord,
  sa: ISearchAttributes | null | undefined,
  field: string,
): void {
  for (const name of Object.keys(sa?.indexedFields ?? {})) {
    if (ns.searchAttributes[name] === undefined && !SETTABLE_SYSTEM_ATTRIBUTES.has(name)) {
      throw invalidArgument(`${field}: search attribute ${name} is not defined in namespace ${ns.name}`);
    }
  }
}
