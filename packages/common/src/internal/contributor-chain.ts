import { filterNullAndUndefined, mergeObjects } from '../internal-workflow/objects-helpers';

/** A static set of attributes, or a function computing them each time they are needed. */
export type Contributor<T extends object> = T | (() => T);

/**
 * Appends `contributor` to `chain`. Returns `undefined` when the chain would not change (empty object, or a
 * merge that changes nothing); consecutive static objects are merged so chains stay short.
 */
export function appendContributor<T extends object>(
  chain: readonly Contributor<T>[],
  contributor: Contributor<T>,
): Contributor<T>[] | undefined {
  if (typeof contributor === 'object' && Object.keys(contributor).length === 0) return undefined;
  const last = chain[chain.length - 1];
  if (last === undefined) return [contributor];
  if (typeof last === 'object' && typeof contributor === 'object') {
    const merged = mergeObjects(last, contributor);
    return merged === last ? undefined : [...chain.slice(0, -1), merged];
  }
  return [...chain, contributor];
}

/** Evaluates a chain, then applies `extra`; attributes that end up `null` or `undefined` are dropped. */
export function resolveContributors<T extends object>(chain: readonly Contributor<T>[], extra: T | undefined): T {
  const resolved = {} as T;
  for (const contributor of chain) {
    Object.assign(resolved, typeof contributor === 'function' ? contributor() : contributor);
  }
  Object.assign(resolved, extra);
  return filterNullAndUndefined(resolved);
}
