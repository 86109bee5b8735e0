/**
 * Aliases kept at their old location: early releases exported these time helpers from the package root. New code
 * should import them from `@kairos/common/lib/time`.
 *
 * Each alias is the very same function object as in `./time`, typed with the narrower signature the root export
 * used to have.
 *
 * @module
 */
import * as time from './time';
import type { Duration, Timestamp } from './time';

/**
 * Alias of {@link time.optionalTsToMs}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const optionalTsToMs: (ts: Timestamp | null | undefined) => number | undefined = time.optionalTsToMs;

/**
 * Alias of {@link time.tsToMs}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const tsToMs: (ts: Timestamp | null | undefined) => number = time.tsToMs;

/**
 * Alias of {@link time.msNumberToTs}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const msNumberToTs: (millis: number) => Timestamp = time.msNumberToTs;

/**
 * Alias of {@link time.msToTs}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const msToTs: (str: Duration) => Timestamp = time.msToTs;

/**
 * Alias of {@link time.msOptionalToTs}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const msOptionalToTs: (str: Duration | undefined) => Timestamp | undefined = time.msOptionalToTs;

/**
 * Alias of {@link time.msOptionalToNumber}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const msOptionalToNumber: (val: Duration | undefined) => number | undefined = time.msOptionalToNumber;

/**
 * Alias of {@link time.msToNumber}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const msToNumber: (val: Duration) => number = time.msToNumber;

/**
 * Alias of {@link time.tsToDate}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const tsToDate: (ts: Timestamp) => Date = time.tsToDate;

/**
 * Alias of {@link time.optionalTsToDate}.
 *
 * @hidden
 * @deprecated Internal helper; import it from `lib/time` if you really need it.
 */
export const optionalTsToDate: (ts: Timestamp | null | undefined) => Date | undefined = time.optionalTsToDate;
