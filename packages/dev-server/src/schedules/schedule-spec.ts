import { temporal } from '../internal/proto';
import { durationMs, timestampMs } from '../internal/proto';
import { canonicalSpec, FIRST_CALENDAR_YEAR, LAST_CALENDAR_YEAR, specError } from './calendar-spec';
import { loadTimeZone, TimeZone } from './time-zone';

type IRange = temporal.api.schedule.v1.IRange;
type IStructured = temporal.api.schedule.v1.IStructuredCalendarSpec;
type ISpec = temporal.api.schedule.v1.IScheduleSpec;

/** A calendar with every field expanded to the set of values it allows (in the spec's time zone). */
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
  /** The zone whose wall-clock time the calendars match. */
  zone: TimeZone;
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
  const years =
    c.year && c.year.length > 0 ? new Set(expand(c.year, FIRST_CALENDAR_YEAR, LAST_CALENDAR_YEAR, 'all')) : undefined;
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

export function compileSpec(spec: ISpec | null | undefined): CompiledSpec {
  const s = canonicalSpec(spec ?? {});
  if (spec?.timezoneData && spec.timezoneData.length > 0) {
    specError('timezone_data is not supported by the Kairos dev server; name the zone in timezone_name instead');
  }
  const zone = loadTimeZone(s.timezoneName ?? '');
  if (!zone) specError(`unknown time zone ${s.timezoneName}`);
  const intervals = (s.interval ?? []).map((i) => ({ everyMs: durationMs(i.interval), phaseMs: durationMs(i.phase) }));
  return {
    calendars: (s.structuredCalendar ?? []).map(compileCalendar),
    excludes: (s.excludeStructuredCalendar ?? []).map(compileCalendar),
    intervals,
    startMs: timestampMs(s.startTime),
    endMs: timestampMs(s.endTime),
    jitterMs: durationMs(s.jitter),
    zone,
  };
}

/** Whether a calendar matches an instant, read as wall-clock time in the zone. */
function calendarMatches(c: Calendar, ms: number, zone: TimeZone): boolean {
  const d = new Date(ms + zone.offsetMs(ms));
  return (
    c.month.has(d.getUTCMonth() + 1) &&
    c.dayOfMonth.has(d.getUTCDate()) &&
    c.dayOfWeek.has(d.getUTCDay()) &&
    (!c.year || c.year.has(d.getUTCFullYear())) &&
    c.hour.includes(d.getUTCHours()) &&
    c.minute.includes(d.getUTCMinutes()) &&
    c.second.includes(d.getUTCSeconds())
  );
}

const HOUR_MS = 3_600_000;

/** A wall-clock time being searched, field by field (month 1-12). */
interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTimeOf(zone: TimeZone, ms: number): WallTime {
  const d = new Date(ms + zone.offsetMs(ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The smallest allowed value above `v`, or `overflow` when there is none. */
function nextAllowed(sorted: number[], v: number, overflow: number): number {
  for (const x of sorted) if (x > v) return x;
  return overflow;
}

/**
 * The instant a wall-clock time stands for, resolved the way the real server's Go runtime resolves it: take the
 * offset in force at the instant numerically equal to the wall time, and if the result falls outside that
 * offset's period, the offset in force at the result instead. A wall time repeated by a DST change therefore
 * resolves to its first occurrence in zones west of Greenwich and to its second one elsewhere, and one skipped
 * by a DST change resolves to an instant whose wall hour differs.
 */
function resolveWallTime(
  zone: TimeZone,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute = 0,
  second = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (zone.fixed) return wall - zone.offsetMs(wall);
  const guess = zone.offsetMs(wall);
  const settled = zone.offsetMs(wall - guess);
  return wall - (settled === guess ? guess : settled);
}

/**
 * The first time after `afterMs` (at one-second resolution) that a calendar matches, or undefined before 2101.
 *
 * Like the real server, this walks the zone's wall-clock fields upward from the wall time of `afterMs` rather than
 * walking instants, which decides what happens around DST changes:
 * - a wall time that a spring-forward change skips never matches (the walk moves on to the next hour);
 * - an hour that a fall-back change repeats is walked twice when the walk runs into it from the hour before: first
 *   as its resolved occurrence, then as a "later copy" whose times are one hour after the resolved ones. The
 *   copy is only entered by running off the end of the hour minute by minute; jumping over hours, days or months
 *   leaves it. A search that starts inside the second occurrence of a repeated hour starts in the later copy.
 *
 * With resolution picking the second occurrence east of Greenwich, that reproduces the real server exactly,
 * including its quirks there (the first occurrence is never returned, and times found from inside the second
 * occurrence come out an hour late).
 */
function nextCalendarTime(c: Calendar, afterMs: number, zone: TimeZone): number | undefined {
  const from = Math.floor(afterMs / 1000) * 1000;
  const w = wallTimeOf(zone, from);
  let laterCopy = !zone.fixed && wallTimeOf(zone, from - HOUR_MS).hour === w.hour;
  w.second += 1;
  const years = c.year ? [...c.year].sort((a, b) => a - b) : undefined;
  const months = [...c.month].sort((a, b) => a - b);
  for (;;) {
    // Carry overflowing fields upward.
    if (w.second >= 60) {
      w.second = 0;
      w.minute += 1;
    }
    if (w.minute >= 60) {
      w.minute = 0;
      const repeats =
        !laterCopy &&
        resolveWallTime(zone, w.year, w.month, w.day, w.hour + 1) -
          resolveWallTime(zone, w.year, w.month, w.day, w.hour) >
          HOUR_MS;
      if (repeats) {
        laterCopy = true;
      } else {
        laterCopy = false;
        w.hour += 1;
      }
    }
    if (w.hour >= 24) {
      w.hour = 0;
      w.day += 1;
    }
    if (w.day > daysInMonth(w.year, w.month)) {
      w.day = 1;
      w.month += 1;
    }
    if (w.month > 12) {
      w.month = 1;
      w.year += 1;
    }
    if (w.year > LAST_CALENDAR_YEAR) return undefined;

    // Match fields from the largest down; a mismatch moves that field on and resets the smaller ones.
    if (years && !c.year!.has(w.year)) {
      const year = nextAllowed(years, w.year, Infinity);
      if (year > LAST_CALENDAR_YEAR) return undefined;
      Object.assign(w, { year, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
      laterCopy = false;
      continue;
    }
    if (!c.month.has(w.month)) {
      Object.assign(w, { month: nextAllowed(months, w.month, 13), day: 1, hour: 0, minute: 0, second: 0 });
      laterCopy = false;
      continue;
    }
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    if (!c.dayOfMonth.has(w.day) || !c.dayOfWeek.has(weekday)) {
      Object.assign(w, { day: w.day + 1, hour: 0, minute: 0, second: 0 });
      laterCopy = false;
      continue;
    }
    if (!c.hour.includes(w.hour)) {
      Object.assign(w, { hour: nextAllowed(c.hour, w.hour, 24), minute: 0, second: 0 });
      laterCopy = false;
      continue;
    }
    if (!c.minute.includes(w.minute)) {
      Object.assign(w, { minute: nextAllowed(c.minute, w.minute, 60), second: 0 });
      continue;
    }
    if (!c.second.includes(w.second)) {
      w.second = nextAllowed(c.second, w.second, 60);
      continue;
    }
    const t = resolveWallTime(zone, w.year, w.month, w.day, w.hour, w.minute, w.second);
    if (wallTimeOf(zone, t).hour !== w.hour) {
      // A spring-forward change skipped this wall time: try the next hour.
      Object.assign(w, { hour: w.hour + 1, minute: 0, second: 0 });
      continue;
    }
    return t + (laterCopy ? HOUR_MS : 0);
  }
}

/** The next nominal action time strictly after `afterMs`, honouring excludes and the start/end bounds. */
export function nextMatchingTime(spec: CompiledSpec, afterMs: number): number | undefined {
  let after = Math.max(afterMs, spec.startMs ? spec.startMs - 1 : afterMs);
  for (let guard = 0; guard < 10_000; guard++) {
    let best: number | undefined;
    for (const c of spec.calendars) {
      const t = nextCalendarTime(c, after, spec.zone);
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    for (const i of spec.intervals) {
      const t = Math.floor((after - i.phaseMs) / i.everyMs) * i.everyMs + i.phaseMs + i.everyMs;
      if (best === undefined || t < best) best = t;
    }
    if (best === undefined) return undefined;
    if (spec.endMs && best > spec.endMs) return undefined;
    if (spec.excludes.some((x) => calendarMatches(x, best!, spec.zone))) {
      after = best;
      continue;
    }
    return best;
  }
  return undefined;
}
