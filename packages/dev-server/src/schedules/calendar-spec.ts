/**
 * The written forms of a schedule spec (CalendarSpec strings and cron strings) turned into the structured form
 * that DescribeSchedule reports and that the scheduler compiles, decomposed range by range as the real server
 * decomposes them, with its validation messages.
 */
import { temporal } from '../internal/proto';
import { invalidArgument } from '../errors';
import { durationMs, msDuration } from '../internal/proto';

type IRange = temporal.api.schedule.v1.IRange;
type IStructured = temporal.api.schedule.v1.IStructuredCalendarSpec;
type ISpec = temporal.api.schedule.v1.IScheduleSpec;

/** Parses a duration like `90s`, `5m`, `1h30m`, `2d` into milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
    total += parseFloat(m[1]) * unit;
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

export function specError(message: string): never {
  throw invalidArgument(`Invalid schedule spec: ${message}`);
}

/** One calendar field: its name in messages, its bounds and, for months and weekdays, the names it accepts. */
interface Field {
  label: string;
  min: number;
  max: number;
  names?: string[];
  /** How many letters of a name are needed at least. */
  namePrefix?: number;
  /** Value of the first name. */
  nameBase?: number;
}

/** Years a calendar may name. */
export const FIRST_CALENDAR_YEAR = 2000;
export const LAST_CALENDAR_YEAR = 2100;

const FIELDS = {
  second: { label: 'Second', min: 0, max: 59 },
  minute: { label: 'Minute', min: 0, max: 59 },
  hour: { label: 'Hour', min: 0, max: 23 },
  dayOfMonth: { label: 'DayOfMonth', min: 1, max: 31 },
  month: {
    label: 'Month',
    min: 1,
    max: 12,
    names: 'january february march april may june july august september october november december'.split(' '),
    namePrefix: 3,
    nameBase: 1,
  },
  year: { label: 'Year', min: FIRST_CALENDAR_YEAR, max: LAST_CALENDAR_YEAR },
  // 7 is accepted for Sunday in strings; ranges reaching it are rewritten to use 0 (see sundayAsZero).
  dayOfWeek: {
    label: 'DayOfWeek',
    min: 0,
    max: 7,
    names: 'sunday monday tuesday wednesday thursday friday saturday'.split(' '),
    namePrefix: 2,
    nameBase: 0,
  },
} satisfies Record<string, Field>;

/** A value of a field: a number, or a month or weekday name (or a long enough prefix of one). */
function fieldValue(text: string, field: Field): number | undefined {
  if (field.names && text.length >= (field.namePrefix ?? 1)) {
    const lower = text.toLowerCase();
    const i = field.names.findIndex((n) => n.startsWith(lower));
    if (i >= 0) return i + (field.nameBase ?? 0);
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Rewrites weekday ranges that reach 7 (Sunday written as 7) with 0 instead: the part up to Saturday keeps the
 * range and step, and Sunday, when the step lands on 7, becomes a range of its own placed before it, as the
 * real server describes them (`5-7` is `0, 5-6`; `1/2` is `0, 1-6/2`; `0-7` is `0-6`).
 */
function sundayAsZero(ranges: IRange[]): IRange[] {
  const out: IRange[] = [];
  for (const r of ranges) {
    const start = r.start ?? 0;
    const end = r.end ?? start;
    const step = r.step || 1;
    if (end < 7) {
      out.push(r);
    } else if (start === 7) {
      out.push({ start: 0, end: 0, step: 1 });
    } else {
      if (start !== 0 && (7 - start) % step === 0) out.push({ start: 0, end: 0, step: 1 });
      out.push({ start, end: 6, step });
    }
  }
  return out;
}

/**
 * Parses a calendar field written as text: comma-separated parts, each `*`, `v`, `a-b`, `a-b/step`, `v/step`
 * (from v to the field's maximum) or `*\/step`. Every part becomes one range, in the order written.
 */
function parseField(text: string | null | undefined, fallback: string, field: Field): IRange[] {
  const written = (text ?? '').trim() || fallback;
  const out: IRange[] = [];
  for (const part of written.split(',')) {
    const slashes = part.split('/');
    if (slashes.length > 2) specError(`${field.label} has too many slashes`);
    const [body, stepText] = slashes;
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) specError(`${field.label} has invalid Step`);
    }
    let start = field.min;
    let end = field.max;
    if (body !== '*') {
      const dashes = body.split('-');
      if (dashes.length > 2) specError(`${field.label} has too many dashes`);
      if (dashes.length === 2) {
        const a = fieldValue(dashes[0], field);
        if (a === undefined || a < field.min || a > field.max)
          specError(`${field.label} Start is not in range [${field.min}-${field.max}]`);
        const b = fieldValue(dashes[1], field);
        if (b === undefined || b < a || b > field.max)
          specError(`${field.label} End is before Start or not in range [${field.min}-${field.max}]`);
        start = a;
        end = b;
      } else {
        const v = fieldValue(body, field);
        if (v === undefined || v < field.min || v > field.max)
          specError(`${field.label} is not in range [${field.min}-${field.max}]`);
        start = v;
        end = stepText === undefined ? v : field.max;
      }
    }
    out.push({ start, end, step });
  }
  return field === FIELDS.dayOfWeek ? sundayAsZero(out) : out;
}

/** Converts a CalendarSpec (strings; unset fields default to 0 for time of day and `*` otherwise) to structured form. */
export function structuredFromCalendar(c: temporal.api.schedule.v1.ICalendarSpec): IStructured {
  const year = (c.year ?? '').trim();
  return {
    second: parseField(c.second, '0', FIELDS.second),
    minute: parseField(c.minute, '0', FIELDS.minute),
    hour: parseField(c.hour, '0', FIELDS.hour),
    dayOfMonth: parseField(c.dayOfMonth, '*', FIELDS.dayOfMonth),
    month: parseField(c.month, '*', FIELDS.month),
    // Any year is no year constraint at all.
    year: year && year !== '*' ? parseField(year, '*', FIELDS.year) : [],
    dayOfWeek: parseField(c.dayOfWeek, '*', FIELDS.dayOfWeek),
    comment: c.comment ?? '',
  };
}

const PREDEFINED: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** What one schedule cron string stands for. */
export type ParsedCron =
  | { calendar: IStructured; timezoneName: string }
  | { interval: temporal.api.schedule.v1.IIntervalSpec; timezoneName: string };

function parseDuration(text: string): number {
  const ms = parseGoDuration(text);
  if (ms !== undefined) return ms;
  const unit = /^\d+(?:\.\d+)?([^\d.]+)/.exec(text)?.[1];
  if (unit && !['ms', 's', 'm', 'h', 'd'].includes(unit)) {
    specError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
  }
  specError(`time: invalid duration ${JSON.stringify(text)}`);
}

/**
 * Parses a schedule cron string: an optional `TZ=zone ` or `CRON_TZ=zone ` prefix, then `@every interval[/phase]`,
 * a predefined `@daily`-style name, or 5 fields (minute hour day-of-month month day-of-week), 6 (plus year) or
 * 7 (second first, year last); anything after `#` is the comment.
 */
export function parseScheduleCron(cronString: string): ParsedCron {
  const hash = cronString.indexOf('#');
  const comment = hash >= 0 ? cronString.slice(hash + 1).trim() : '';
  let text = (hash >= 0 ? cronString.slice(0, hash) : cronString).trim();
  let timezoneName = '';
  const tz = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+(.*))?$/.exec(text);
  if (tz) {
    if (tz[2] === undefined) specError('CronString has time zone but missing fields');
    timezoneName = tz[1];
    text = tz[2].trim();
  }
  if (text.startsWith('@every')) {
    const [everyText, phaseText] = text.slice('@every'.length).trim().split('/');
    const interval: temporal.api.schedule.v1.IIntervalSpec = { interval: msDuration(parseDuration(everyText)) };
    if (phaseText !== undefined) interval.phase = msDuration(parseDuration(phaseText));
    // The real server does not apply a cron string's zone to an interval.
    return { interval, timezoneName: '' };
  }
  const fields = (PREDEFINED[text] ?? text).split(/\s+/).filter(Boolean);
  if (fields.length < 5 || fields.length > 7) specError('CronString does not have 5-7 fields');
  const [second, rest] = fields.length === 7 ? [fields[0], fields.slice(1)] : ['0', fields];
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = rest;
  return {
    calendar: structuredFromCalendar({ second, minute, hour, dayOfMonth, month, dayOfWeek, year, comment }),
    timezoneName,
  };
}

/** Checks a structured calendar's ranges, reporting every problem in one message as the real server does. */
function validateStructured(c: IStructured): void {
  const problems: string[] = [];
  const check = (ranges: IRange[] | null | undefined, label: string, min: number, max: number) => {
    for (const r of ranges ?? []) {
      const start = r.start ?? 0;
      const end = r.end ?? 0;
      if (start < min || start > max) problems.push(`${label} Start is not in range [${min}-${max}]`);
      if (end !== 0 && (end < start || end > max))
        problems.push(`${label} End is before Start or not in range [${min}-${max}]`);
      if ((r.step ?? 0) < 0) problems.push(`${label} has invalid Step`);
    }
  };
  check(c.second, 'Second', 0, 59);
  check(c.minute, 'Minute', 0, 59);
  check(c.hour, 'Hour', 0, 23);
  check(c.dayOfMonth, 'DayOfMonth', 1, 31);
  check(c.month, 'Month', 1, 12);
  check(c.year, 'Year', FIRST_CALENDAR_YEAR, LAST_CALENDAR_YEAR);
  check(c.dayOfWeek, 'DayOfWeek', 0, 6);
  if (problems.length > 0) specError(`invalid calendar spec: ${problems.join(', ')}`);
}

/** A structured calendar with its ranges' defaults filled in (end = start when lower, step 1), as describe shows them. */
function withRangeDefaults(c: IStructured): IStructured {
  const fill = (ranges: IRange[] | null | undefined): IRange[] =>
    (ranges ?? []).map((r) => {
      const start = r.start ?? 0;
      return { start, end: Math.max(r.end ?? 0, start), step: r.step || 1 };
    });
  return {
    second: fill(c.second),
    minute: fill(c.minute),
    hour: fill(c.hour),
    dayOfMonth: fill(c.dayOfMonth),
    month: fill(c.month),
    year: fill(c.year),
    dayOfWeek: fill(c.dayOfWeek),
    comment: c.comment ?? '',
  };
}

/**
 * The spec as DescribeSchedule reports it and as the scheduler compiles it: structured calendars first, then
 * those written as CalendarSpecs, then those from cron strings (whose `@every` forms become intervals); a
 * cron string's time zone becomes the spec's. Invalid specs are INVALID_ARGUMENT.
 */
export function canonicalSpec(spec: ISpec): ISpec {
  for (const c of spec.structuredCalendar ?? []) validateStructured(c);
  const structured: IStructured[] = [...(spec.structuredCalendar ?? [])];
  const intervals = [...(spec.interval ?? [])];
  for (const c of spec.calendar ?? []) structured.push(structuredFromCalendar(c));
  let cronZone: string | undefined;
  for (const cron of spec.cronString ?? []) {
    const parsed = parseScheduleCron(cron);
    // Every cron string of a spec must name the same zone, or none.
    if (cronZone !== undefined && parsed.timezoneName !== cronZone) specError('conflicting timezone names');
    cronZone = parsed.timezoneName;
    if ('calendar' in parsed) structured.push(parsed.calendar);
    else intervals.push(parsed.interval);
  }
  let timezoneName = spec.timezoneName ?? '';
  if (cronZone) {
    const hasData = !!spec.timezoneData && spec.timezoneData.length > 0;
    if ((timezoneName && timezoneName !== cronZone) || hasData) specError('conflicting timezone names');
    timezoneName = cronZone;
  }
  for (const i of intervals) {
    const every = durationMs(i.interval);
    if (every < 1000) specError('interval is too small');
    const phase = durationMs(i.phase);
    if (phase < 0) specError('phase is negative');
    if (phase >= every) specError('phase cannot be greater than Interval');
  }
  const excludes = [
    ...(spec.excludeStructuredCalendar ?? []),
    ...(spec.excludeCalendar ?? []).map(structuredFromCalendar),
  ];
  return {
    structuredCalendar: structured.map(withRangeDefaults),
    interval: intervals,
    excludeStructuredCalendar: excludes.map(withRangeDefaults),
    startTime: spec.startTime ?? null,
    endTime: spec.endTime ?? null,
    jitter: spec.jitter ?? null,
    timezoneName,
    cronString: [],
    calendar: [],
    excludeCalendar: [],
  };
}
