import { temporal } from '@kairos/proto';
import { durationMs, timestampMs } from '../internal/proto';
import { invalidArgument } from '../frontend/errors';
import { parseCron } from './cron';

type IRange = temporal.api.schedule.v1.IRange;
type IStructured = temporal.api.schedule.v1.IStructuredCalendarSpec;
type ISpec = temporal.api.schedule.v1.IScheduleSpec;

/** A calendar with every field expanded to the set of values it allows (UTC). */
interface Calendar {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: Set<number>;
  month: Set<number>;
  year?: Set<number>;
  dayOfWeek: Set<number>;
}

/** A schedule spec compiled for computing matching times. */
export interface CompiledSpec {
  calendars: Calendar[];
  excludes: Calendar[];
  intervals: Array<{ everyMs: number; phaseMs: number }>;
  startMs: number;
  endMs: number;
  jitterMs: number;
}

function specError(message: string): never {
  throw invalidArgument(`Invalid schedule spec: ${message}`);
}

function expand(ranges: IRange[] | null | undefined, min: number, max: number, dflt: 'all' | number): number[] {
  if (!ranges || ranges.length === 0) {
    if (dflt === 'all') return Array.from({ length: max - min + 1 }, (_, i) => min + i);
    return [dflt];
  }
  const out = new Set<number>();
  for (const r of ranges) {
    const start = r.start ?? 0;
    const end = r.end && r.end >= start ? r.end : start;
    const step = r.step && r.step > 0 ? r.step : 1;
    if (start < min || end > max) specError(`value ${start}-${end} is outside ${min}-${max}`);
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function compileCalendar(c: IStructured): Calendar {
  const years = c.year && c.year.length > 0 ? new Set(expand(c.year, 1970, 9999, 'all')) : undefined;
  return {
    second: expand(c.second, 0, 59, 0),
    minute: expand(c.minute, 0, 59, 0),
    hour: expand(c.hour, 0, 23, 0),
    dayOfMonth: new Set(expand(c.dayOfMonth, 1, 31, 'all')),
    month: new Set(expand(c.month, 1, 12, 'all')),
    year: years,
    dayOfWeek: new Set(expand(c.dayOfWeek, 0, 7, 'all').map((d) => d % 7)),
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Parses a CalendarSpec string field (`*`, `1,2`, `1-5`, `*\/2`, names) into ranges. */
function parseRanges(text: string | null | undefined, dflt: string, names?: string[], offset = 0): IRange[] {
  const t = (text || dflt).trim();
  const out: IRange[] = [];
  const value = (s: string): number => {
    const i = names ? names.indexOf(s.toLowerCase().slice(0, 3)) : -1;
    if (i >= 0) return i + offset;
    if (!/^\d+$/.test(s)) specError(`invalid calendar value ${JSON.stringify(s)}`);
    return Number(s);
  };
  for (const part of t.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    if (range === '*') {
      out.push({ start: -1, end: -1, step });
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      out.push({ start: value(a), end: value(b), step });
    } else {
      out.push({ start: value(range), end: value(range), step });
    }
  }
  return out;
}

function fillStar(ranges: IRange[], min: number, max: number): IRange[] {
  return ranges.map((r) => (r.start === -1 ? { start: min, end: max, step: r.step } : r));
}

/** Converts a CalendarSpec (strings) to its structured form. */
export function structuredFromCalendar(c: temporal.api.schedule.v1.ICalendarSpec): IStructured {
  return {
    second: fillStar(parseRanges(c.second, '0'), 0, 59),
    minute: fillStar(parseRanges(c.minute, '0'), 0, 59),
    hour: fillStar(parseRanges(c.hour, '0'), 0, 23),
    dayOfMonth: fillStar(parseRanges(c.dayOfMonth, '*'), 1, 31),
    month: fillStar(parseRanges(c.month, '*', MONTHS, 1), 1, 12),
    year: c.year && c.year !== '*' ? fillStar(parseRanges(c.year, '*'), 1970, 9999) : [],
    dayOfWeek: fillStar(parseRanges(c.dayOfWeek, '*', DAYS), 0, 6),
    comment: c.comment ?? '',
  };
}

/** Converts a five-field cron string to a structured calendar (undefined for `@every`). */
export function structuredFromCron(cron: string): IStructured | { everyMs: number } {
  const spec = parseCron(cron);
  if (!spec) specError(`invalid cron string ${JSON.stringify(cron)}`);
  if (spec.everyMs) return { everyMs: spec.everyMs };
  const ranges = (values: Set<number>): IRange[] =>
    [...values].sort((a, b) => a - b).map((v) => ({ start: v, end: v, step: 1 }));
  return {
    second: [{ start: 0, end: 0, step: 1 }],
    minute: ranges(spec.minutes),
    hour: ranges(spec.hours),
    dayOfMonth: ranges(spec.days),
    month: ranges(spec.months),
    year: [],
    dayOfWeek: ranges(spec.weekdays),
    comment: '',
  };
}

/** The spec as DescribeSchedule reports it: calendars and cron strings in structured form. */
export function canonicalSpec(spec: ISpec): ISpec {
  const structured: IStructured[] = [...(spec.structuredCalendar ?? [])];
  const intervals = [...(spec.interval ?? [])];
  for (const c of spec.calendar ?? []) structured.push(structuredFromCalendar(c));
  for (const cron of spec.cronString ?? []) {
    const s = structuredFromCron(cron);
    if ('everyMs' in s)
      intervals.push({ interval: { seconds: Math.floor(s.everyMs / 1000), nanos: (s.everyMs % 1000) * 1e6 } });
    else structured.push(s);
  }
  const excludes = [
    ...(spec.excludeStructuredCalendar ?? []),
    ...(spec.excludeCalendar ?? []).map(structuredFromCalendar),
  ];
  return {
    structuredCalendar: structured,
    interval: intervals,
    excludeStructuredCalendar: excludes,
    startTime: spec.startTime ?? null,
    endTime: spec.endTime ?? null,
    jitter: spec.jitter ?? null,
    timezoneName: spec.timezoneName ?? '',
    cronString: [],
    calendar: [],
    excludeCalendar: [],
  };
}

export function compileSpec(spec: ISpec | null | undefined): CompiledSpec {
  const s = canonicalSpec(spec ?? {});
  if (s.timezoneName && s.timezoneName !== 'UTC' && s.timezoneName !== 'Etc/UTC') {
    specError(`time zone ${s.timezoneName} is not supported by the Kairos dev server (calendars are evaluated in UTC)`);
  }
  const intervals = (s.interval ?? []).map((i) => {
    const everyMs = durationMs(i.interval);
    if (everyMs <= 0) specError('interval must be positive');
    return { everyMs, phaseMs: durationMs(i.phase) };
  });
  return {
    calendars: (s.structuredCalendar ?? []).map(compileCalendar),
    excludes: (s.excludeStructuredCalendar ?? []).map(compileCalendar),
    intervals,
    startMs: timestampMs(s.startTime),
    endMs: timestampMs(s.endTime),
    jitterMs: durationMs(s.jitter),
  };
}

function dayMatches(c: Calendar, d: Date): boolean {
  return (
    c.month.has(d.getUTCMonth() + 1) &&
    c.dayOfMonth.has(d.getUTCDate()) &&
    c.dayOfWeek.has(d.getUTCDay()) &&
    (!c.year || c.year.has(d.getUTCFullYear()))
  );
}

function calendarMatches(c: Calendar, ms: number): boolean {
  const d = new Date(ms);
  return (
    dayMatches(c, d) &&
    c.hour.includes(d.getUTCHours()) &&
    c.minute.includes(d.getUTCMinutes()) &&
    c.second.includes(d.getUTCSeconds())
  );
}

const DAY_MS = 86_400_000;

/** The first time strictly after `afterMs` a calendar matches (searching at most ~5 years ahead). */
function nextCalendarTime(c: Calendar, afterMs: number): number | undefined {
  const startDay = Math.floor(afterMs / DAY_MS) * DAY_MS;
  for (let day = startDay; day < afterMs + 5 * 366 * DAY_MS; day += DAY_MS) {
    if (!dayMatches(c, new Date(day))) continue;
    for (const h of c.hour) {
      for (const m of c.minute) {
        for (const s of c.second) {
          const t = day + h * 3_600_000 + m * 60_000 + s * 1000;
          if (t > afterMs) return t;
        }
      }
    }
  }
  return undefined;
}

/** The next nominal action time strictly after `afterMs`, honouring excludes and the start/end bounds. */
export function nextMatchingTime(spec: CompiledSpec, afterMs: number): number | undefined {
  let after = Math.max(afterMs, spec.startMs ? spec.startMs - 1 : afterMs);
  for (let guard = 0; guard < 10_000; guard++) {
    let best: number | undefined;
    for (const c of spec.calendars) {
      const t = nextCalendarTime(c, after);
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    for (const i of spec.intervals) {
      const t = Math.floor((after - i.phaseMs) / i.everyMs) * i.everyMs + i.phaseMs + i.everyMs;
      if (best === undefined || t < best) best = t;
    }
    if (best === undefined) return undefined;
    if (spec.endMs && best > spec.endMs) return undefined;
    if (spec.excludes.some((x) => calendarMatches(x, best!))) {
      after = best;
      continue;
    }
    return best;
  }
  return undefined;
}
