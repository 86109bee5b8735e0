/**
 * Internal helpers that are safe to use in workflow code. Not part of the public API.
 *
 * @module
 */
export * from './enums-helpers';
export { filterNullAndUndefined, mergeObjects, deepMerge } from './objects-helpers';
