/**
 * Durations (`number` of milliseconds or strings such as `'30s'` and `'2 days'`) and conversions between
 * milliseconds, `Date`s and protobuf `Timestamp`/`Duration` messages.
 *
 * Import from `@kairos/common/lib/time`.
 *
 * @module
 */
import Long from 'long';
import type { google } from '@kairos/proto';
import { ValueError } from './errors';

/** A protobuf `Timestamp` (also used for `google.protobuf.Duration`, which has the same shape). */
export type Timestamp = google.protobuf.ITimestamp;

type DurationUnitName =
  | 'milliseconds'
  | 'millisecond'
  | 'msecs'
  | 'msec'
  | 'ms'
  | 'seconds'
  | 'second'
  | 'secs'
  | 'sec'
  | 's'
  | 'minutes'
  | 'minute'
  | 'mins'
  | 'min'
  | 'm'
  | 'hours'
  | 'hour'
  | 'hrs'
  | 'hr'
  | 'h'
  | 'days'
  | 'day'
  | 'd'
  | 'weeks'
  | 'week'
  | 'w'
  | 'years'
  | 'year'
  | 'yrs'
  | 'yr'
  | 'y';

/** A duration unit in lower case, capitalized or upper case (`'ms'`, `'Hours'`, `'D'`...). */
export type DurationUnit = DurationUnitName | Capitalize<DurationUnitName> | Uppercase<DurationUnitName>;

/**
 * A duration string: a number optionally followed by a unit, with or without a space, e.g. `'500'`, `'1.5s'`,
 * `'10 minutes'`, `'2 days'`, `'1y'`. Units are case-insensitive; without a unit the number is milliseconds.
 * A year is 365.25 days. This is the grammar of the `ms` package, which the official SDK uses.
 */
export type StringValue = `${number}` | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/**
 * A duration: a number of milliseconds or a {@link StringValue} such as `'30s'` or `'2 days'`. Any string type
 * checks (the official SDK's type accepts any string too, so code that reads durations from configuration keeps
 * compiling); an invalid string is rejected at run time with a `ValueError` naming it.
 */

export type Duration = StringValue | number | (string & {});

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const MS_PER_UNIT = new Map<string, number>();
function defineUnit(ms: number, ...names: string[]): void {
  for (const name of names) MS_PER_UNIT.set(name, ms);
}
defineUnit(1, 'milliseconds', 'millisecond', 'msecs', 'msec', 'ms');
defineUnit(SECOND, 'seconds', 'second', 'secs', 'sec', 's');
defineUnit(MINUTE, 'minutes', 'minute', 'mins', 'min', 'm');
defineUnit(HOUR, 'hours', 'hour', 'hrs', 'hr', 'h');
defineUnit(DAY, 'days', 'day', 'd');
defineUnit(7 * DAY, 'weeks', 'week', 'w');
defineUnit(365.25 * DAY, 'years', 'year', 'yrs', 'yr', 'y');

// Longer strings are rejected outright, as the official SDK does (bounds the work done on untrusted input).
const MAX_DURATION_STRING_LENGTH = 100;
// An optional minus, digits with an optional fractional part (".5" and "1.5" but not "1."), then spaces.
const NUMBER_PART = /^(-?\d*\.?\d+) */;

/** Parses a duration string into milliseconds, or returns `undefined` if it does not follow the grammar. */
const parsedDurations = new Map<string, number>();

function parseDurationString(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_DURATION_STRING_LENGTH) return undefined;
  const match = NUMBER_PART.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = text.slice(match[0].length).toLowerCase();
  const factor = unit === '' ? 1 : MS_PER_UNIT.get(unit);
  if (factor === undefined || Number.isNaN(amount)) return undefined;
  return amount * factor;
}

/**
 * Converts a {@link Duration} to milliseconds. Numbers are returned as they are; strings are parsed.
 *
 * @throws {@link ValueError} naming the value if it is not a valid duration string.
 */
export function msToNumber(val: Duration): number {
  if (typeof val === 'number') return val;
  if (typeof val !== 'string') {
    throw new ValueError(`Invalid duration: expected a number of milliseconds or a string, got ${typeof val} '${val}'`);
  }
  let millis = parsedDurations.get(val);
  if (millis === undefined) {
    millis = parseDurationString(val);
    // Programs use a handful of duration strings over and over (activity options, timers): parse each once.
    if (millis !== undefined && parsedDurations.size < 1000) parsedDurations.set(val, millis);
  }
  if (millis === undefined) {
    throw new ValueError(
      `Invalid duration string: '${val}' (expected a number of milliseconds or a string such as '30s', '5 minutes' or '2 days')`,
    );
  }
  return millis;
}

/** True for `null` and `undefined`, the two ways a protobuf field or an option can be absent. */
function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Like {@link msToNumber}, but lets `undefined` through. */
export function msOptionalToNumber(val: Duration | undefined): number | undefined {
  return val === undefined ? undefined : msToNumber(val);
}

const NANOS_PER_MILLI = 1_000_000;

/**
 * Splits a millisecond count into the `seconds`/`nanos` pair of a `Timestamp` or `Duration` message, with `nanos`
 * never negative.
 *
 * @throws {@link ValueError} (mentioning the input) for `NaN`.
 */
export function msNumberToTs(millis: number): Timestamp {
  const wholeSeconds = Math.floor(millis / 1000);
  // For millis >= 0, `%` yields exactly the float result other SDK implementations produce (same bytes on the
  // wire). Before the epoch the remainder must be taken from the floored second so that it stays positive.
  const remainderMs = millis >= 0 ? millis % 1000 : millis - wholeSeconds * 1000;
  const nanos = remainderMs * NANOS_PER_MILLI;
  if ([wholeSeconds, nanos].some(Number.isNaN)) throw new ValueError(`Invalid millis ${millis}`);
  return { seconds: Long.fromNumber(wholeSeconds), nanos };
}

/** {@link Duration} to `Timestamp`/`Duration` message. */
export function msToTs(str: Duration): Timestamp {
  const millis = msToNumber(str);
  return msNumberToTs(millis);
}

/** Like {@link msToTs}, but maps `null` and `undefined` to `undefined`. */
export function msOptionalToTs(str: Duration | undefined | null): Timestamp | undefined {
  return isAbsent(str) ? undefined : msToTs(str);
}

/** Milliseconds in a `Timestamp`/`Duration` message; unset seconds and nanos count as zero. */
function millisOf(ts: Timestamp): number {
  const seconds = isAbsent(ts.seconds) ? Long.ZERO : Long.fromValue(ts.seconds);
  const subMillis = Math.floor((ts.nanos || 0) / NANOS_PER_MILLI);
  return seconds.mul(1000).add(subMillis).toNumber();
}

/**
 * `Timestamp`/`Duration` message to milliseconds. Precision is lost beyond 2^53 ms.
 *
 * @throws `Error` when `ts` is `null` or `undefined`.
 */
export function tsToMs(ts: Timestamp | null | undefined): number {
  if (isAbsent(ts)) throw new Error(`Expected timestamp, got ${ts}`);
  return millisOf(ts);
}

/** Like {@link tsToMs}, but maps `null` and `undefined` to `undefined`. */
export function optionalTsToMs(ts: Timestamp | null | undefined): number | undefined {
  return isAbsent(ts) ? undefined : millisOf(ts);
}

/**
 * Like {@link tsToMs}, for a field that has to be present.
 *
 * @throws `TypeError` mentioning `fieldName` when `ts` is `null` or `undefined`.
 */
export function requiredTsToMs(ts: Timestamp | null | undefined, fieldName: string): number {
  if (isAbsent(ts)) throw new TypeError(`Expected ${fieldName} to be a timestamp, got ${ts}`);
  return millisOf(ts);
}

/** `Timestamp` message to `Date`. */
export function tsToDate(ts: Timestamp): Date {
  const millis = tsToMs(ts);
  return new Date(millis);
}

/**
 * `Timestamp` message of a field that has to be present, to `Date`.
 *
 * @throws `TypeError` mentioning `fieldName` when `ts` is `null` or `undefined`.
 */
export function requiredTsToDate(ts: Timestamp | null | undefined, fieldName: string): Date {
  const millis = requiredTsToMs(ts, fieldName);
  return new Date(millis);
}

/** Like {@link tsToDate}, but maps `null` and `undefined` to `undefined`. */
export function optionalTsToDate(ts: Timestamp | null | undefined): Date | undefined {
  return isAbsent(ts) ? undefined : new Date(millisOf(ts));
}

/** Optional `Date` to `Timestamp` message; `null` and `undefined` give `undefined`. */
export function optionalDateToTs(date: Date | null | undefined): Timestamp | undefined {
  return isAbsent(date) ? undefined : msToTs(date.getTime());
}

/**
 * Maps falsy values (`0`, `''`, `false`, `null`...) to `undefined` and returns anything else unchanged; handy for
 * proto fields where the zero value means "not set".
 */
export function falsyToUndefined<T>(v: T): Exclude<T, false | 0 | '' | null | undefined> | undefined {
  return v ? (v as Exclude<T, false | 0 | '' | null | undefined>) : undefined;
}
