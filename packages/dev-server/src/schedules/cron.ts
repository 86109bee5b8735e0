/**
 * Cron expressions as Temporal accepts them for `cron_schedule`: five fields (minute hour day-of-month
 * month day-of-week) with lists, ranges, steps and month/day names, the @yearly/@monthly/@weekly/@daily/
 * @hourly shorthands and `@every <duration>`. Times are UTC.
 */
export interface CronSpec {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Whether day-of-month / day-of-week were restricted (cron ORs them when both are). */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
  everyMs?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

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

function parseField(field: string, min: number, max: number, names?: string[]): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [rangePart, stepPart] = part.split('/');
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step <= 0) return undefined;
    let lo: number;
    let hi: number;
    const value = (t: string): number => {
      const i = names ? names.indexOf(t.toLowerCase()) : -1;
      if (i >= 0) return i + (min === 1 ? 1 : 0);
      return /^\d+$/.test(t) ? Number(t) : NaN;
    };
    if (rangePart === '*' || rangePart === '?') {
      lo = min;
      hi = max;
    } else if (rangePart.includes('-')) {
      const [a, b] = rangePart.split('-');
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(rangePart);
      hi = stepPart === undefined ? lo : max;
    }
    if (names === WEEKDAYS && hi === 7) hi = 7;
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo < min || hi > (names === WEEKDAYS ? 7 : max) || lo > hi)
      return undefined;
    for (let v = lo; v <= hi; v += step) out.add(names === WEEKDAYS && v === 7 ? 0 : v);
  }
  return out;
}

/** Parses a cron string; undefined when it is not valid. */
export function parseCron(expression: string): CronSpec | undefined {
  const text = expression.trim();
  if (text.startsWith('@every ')) {
    const ms = parseGoDuration(text.slice(7).trim());
    if (!ms) return undefined;
    return {
      minutes: new Set(),
      hours: new Set(),
      days: new Set(),
      months: new Set(),
      weekdays: new Set(),
      daysRestricted: false,
      weekdaysRestricted: false,
      everyMs: ms,
    };
  }
  const fields = (SHORTHANDS[text.toLowerCase()] ?? text).split(/\s+/);
  if (fields.length !== 5) return undefined;
  const minutes = parseField(fields[0], 0, 59);
  const hours = parseField(fields[1], 0, 23);
  const days = parseField(fields[2], 1, 31);
  const months = parseField(fields[3], 1, 12, MONTHS);
  const weekdays = parseField(fields[4], 0, 6, WEEKDAYS);
  if (!minutes || !hours || !days || !months || !weekdays) return undefined;
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysRestricted: fields[2] !== '*' && fields[2] !== '?',
    weekdaysRestricted: fields[4] !== '*' && fields[4] !== '?',
  };
}

/** The first matching time strictly after `afterMs` (UTC), or undefined within ~5 years. */
export function nextCronTime(spec: CronSpec, afterMs: number, anchorMs = 0): number | undefined {
  if (spec.everyMs) {
    const n = Math.floor((afterMs - anchorMs) / spec.everyMs) + 1;
    return anchorMs + n * spec.everyMs;
  }
  const d = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const limit = afterMs + 5 * 366 * 86_400_000;
  while (d.getTime() < limit) {
    if (!spec.months.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dayOk = spec.days.has(d.getUTCDate());
    const wdOk = spec.weekdays.has(d.getUTCDay());
    const matchesDay =
      spec.daysRestricted && spec.weekdaysRestricted
        ? dayOk || wdOk
        : spec.daysRestricted
          ? dayOk
          : spec.weekdaysRestricted
            ? wdOk
            : true;
    if (!matchesDay) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!spec.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!spec.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return d.getTime();
  }
  return undefined;
}
