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

/** A duration: a number of milliseconds or a {@link StringValue} such as `'30s'` or `'2 days'`. */
export type Duration = StringValue | number;

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
  const millis = parseDurationString(val);
  if (millis === undefined) {
    throw new ValueError(
      `Invalid duration string: '${val}' (expected a number of milliseconds or a string such as '30s', '5 minutes' or '2 days')`,
    );
  }
  return millis;
}

/** {@link msToNumber} for an optional value: `undefined` stays `undefined`. */
export function msOptionalToNumber(val: Duration | undefined): number | undefined {
  if (val === undefined) return undefined;
  return msToNumber(val);
}

/**
 * Converts a number of milliseconds to a `Timestamp`/`Duration` message (`nanos` is always non-negative).
 *
 * @throws {@link ValueError} naming the value if it is `NaN`.
 */
export function msNumberToTs(millis: number): Timestamp {
  const seconds = Math.floor(millis / 1000);
  // `%` keeps the same float arithmetic as the official SDK for non-negative values (identical bytes);
  // negative values (dates before 1970) need the remainder measured from the floored second.
  const nanos = (millis >= 0 ? millis % 1000 : millis - seconds * 1000) * 1_000_000;
  if (Number.isNaN(seconds) || Number.isNaN(nanos)) {
    throw new ValueError(`Invalid millis ${millis}`);
  }
  return { seconds: Long.fromNumber(seconds), nanos };
}

/** Converts a {@link Duration} to a `Timestamp`/`Duration` message. */
export function msToTs(str: Duration): Timestamp {
  return msNumberToTs(msToNumber(str));
}

/** {@link msToTs} for an optional value: `null` and `undefined` give `undefined`. */
export function msOptionalToTs(str: Duration | undefined | null): Timestamp | undefined {
  return str === undefined || str === null ? undefined : msToTs(str);
}

function secondsToLong(seconds: Timestamp['seconds']): Long {
  if (seconds === undefined || seconds === null) return Long.ZERO;
  return Long.fromValue(seconds);
}

/**
 * Converts a `Timestamp`/`Duration` message to milliseconds (lossy above 2^53 ms).
 *
 * @throws `Error` if `ts` is `null` or `undefined`.
 */
export function tsToMs(ts: Timestamp | null | undefined): number {
  if (ts === undefined || ts === null) {
    throw new Error(`Expected timestamp, got ${ts}`);
  }
  return secondsToLong(ts.seconds)
    .mul(1000)
    .add(Math.floor((ts.nanos || 0) / 1_000_000))
    .toNumber();
}

/** {@link tsToMs} for an optional message: `null` and `undefined` give `undefined`. */
export function optionalTsToMs(ts: Timestamp | null | undefined): number | undefined {
  if (ts === undefined || ts === null) return undefined;
  return tsToMs(ts);
}

/**
 * {@link tsToMs} for a field that must be set.
 *
 * @throws `TypeError` naming `fieldName` if `ts` is `null` or `undefined`.
 */
export function requiredTsToMs(ts: Timestamp | null | undefined, fieldName: string): number {
  if (ts === undefined || ts === null) {
    throw new TypeError(`Expected ${fieldName} to be a timestamp, got ${ts}`);
  }
  return tsToMs(ts);
}

/** Converts a `Timestamp` message to a `Date`. */
export function tsToDate(ts: Timestamp): Date {
  return new Date(tsToMs(ts));
}

/**
 * Converts a `Timestamp` message of a field that must be set to a `Date`.
 *
 * @throws `TypeError` naming `fieldName` if `ts` is `null` or `undefined`.
 */
export function requiredTsToDate(ts: Timestamp | null | undefined, fieldName: string): Date {
  return new Date(requiredTsToMs(ts, fieldName));
}

/** {@link tsToDate} for an optional message: `null` and `undefined` give `undefined`. */
export function optionalTsToDate(ts: Timestamp | null | undefined): Date | undefined {
  if (ts === undefined || ts === null) return undefined;
  return new Date(tsToMs(ts));
}

/** Converts an optional `Date` to a `Timestamp` message: `null` and `undefined` give `undefined`. */
export function optionalDateToTs(date: Date | null | undefined): Timestamp | undefined {
  if (date === undefined || date === null) return undefined;
  return msToTs(date.getTime());
}

/**
 * Maps falsy values (`0`, `''`, `false`, `null`...) to `undefined` and returns anything else unchanged; handy for
 * proto fields where the zero value means "not set".
 */
export function falsyToUndefined<T>(v: T): Exclude<T, false | 0 | '' | null | undefined> | undefined {
  return v ? (v as Exclude<T, false | 0 | '' | null | undefined>) : undefined;
}
