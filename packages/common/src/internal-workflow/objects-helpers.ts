/** A copy of `obj` without the properties whose value is `null` or `undefined` (so they do not override defaults). */
export function filterNullAndUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, value]) => value !== null && value !== undefined)) as T;
}

/**
 * Merges `delta` into `original`: keys of `delta` override, keys of `delta` set to `null`/`undefined` are removed.
 * Returns `original` itself when nothing changes, and `delta` when `original` is missing.
 */
export function mergeObjects<T extends object>(original: T, delta: T | undefined): T {
  if (original === null || original === undefined) return delta as T;
  if (delta === null || delta === undefined) return original;
  const merged: Record<string, unknown> = { ...(original as Record<string, unknown>) };
  let changed = false;
  for (const [key, value] of Object.entries(delta)) {
    if (value === merged[key]) continue;
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = value;
    changed = true;
  }
  return changed ? (merged as T) : original;
}

function isPlainObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Recursively merges `source` into a copy of `target`; nested objects are merged, everything else from `source`
 * replaces the value in `target`. Unchanged nested values are shared with the inputs, not copied.
 */
export function deepMerge<T extends object>(target: T, source: Partial<T>): T {
  const output: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  if (!isPlainObjectLike(target) || !isPlainObjectLike(source)) return output as T;
  for (const [key, sourceValue] of Object.entries(source)) {
    const targetValue = target[key];
    output[key] =
      isPlainObjectLike(sourceValue) && isPlainObjectLike(targetValue)
        ? deepMerge(targetValue, sourceValue)
        : sourceValue;
  }
  return output as T;
}
