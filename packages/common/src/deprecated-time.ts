/**
 * The time helpers the package root exported in older releases. Import from `@kairos/common/lib/time` instead.
 *
 * @module
 */
import * as time from './time';
import type { Duration, Timestamp } from './time';

/**
 * {@link time.optionalTsToMs}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function optionalTsToMs(ts: Timestamp | null | undefined): number | undefined {
  return time.optionalTsToMs(ts);
}

/**
 * {@link time.tsToMs}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function tsToMs(ts: Timestamp | null | undefined): number {
  return time.tsToMs(ts);
}

/**
 * {@link time.msNumberToTs}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function msNumberToTs(millis: number): Timestamp {
  return time.msNumberToTs(millis);
}

/**
 * {@link time.msToTs}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function msToTs(str: Duration): Timestamp {
  return time.msToTs(str);
}

/**
 * {@link time.msOptionalToTs}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function msOptionalToTs(str: Duration | undefined): Timestamp | undefined {
  return time.msOptionalToTs(str);
}

/**
 * {@link time.msOptionalToNumber}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function msOptionalToNumber(val: Duration | undefined): number | undefined {
  return time.msOptionalToNumber(val);
}

/**
 * {@link time.msToNumber}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function msToNumber(val: Duration): number {
  return time.msToNumber(val);
}

/**
 * {@link time.tsToDate}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function tsToDate(ts: Timestamp): Date {
  return time.tsToDate(ts);
}

/**
 * {@link time.optionalTsToDate}.
 *
 * @hidden
 * @deprecated Meant for internal use only.
 */
export function optionalTsToDate(ts: Timestamp | null | undefined): Date | undefined {
  return time.optionalTsToDate(ts);
}
