/**
 * A workflow's `cron_schedule`, read with the same cron-string parser as schedule specs (calendar-spec.ts): an
 * optional `CRON_TZ=zone` (or `TZ=zone`) prefix, then five fields (minute hour day-of-month month day-of-week),
 * a predefined name such as `@daily`, or `@every <duration>`. Unlike a schedule's cron string, it takes neither
 * seconds nor years, as the real server's workflow cron does not.
 */
import { invalidArgument } from '../errors';
import { compileSpec, CompiledSpec, nextMatchingTime } from './schedule-spec';

/** A workflow cron schedule compiled for computing its times. */
export interface WorkflowCron {
  spec: CompiledSpec;
  /** For `@every`: the interval, counted from the run's start rather than from the epoch. */
  everyMs?: number;
  /**
   * When both day-of-month and day-of-week are restricted, a day matching either will do (classic cron, which the
   * real server's workflow cron follows; schedules want both): the spec split in one per day field.
   */
  eitherDay?: [CompiledSpec, CompiledSpec];
}

const ALL_DAYS_OF_MONTH = Array.from({ length: 31 }, (_, i) => i + 1);
const ALL_DAYS_OF_WEEK = [0, 1, 2, 3, 4, 5, 6];

/** Parses a workflow cron schedule; undefined when it is not one. */
export function parseCron(expression: string): WorkflowCron | undefined {
  const text = expression.trim();
  const body = /^(?:CRON_TZ|TZ)=\S*\s+(.*)$/.exec(text)?.[1]?.trim() ?? text;
  const fields = body.split(/\s+/);
  if (!body.startsWith('@') && fields.length !== 5) return undefined;
  try {
    const spec = compileSpec({ cronString: [text] });
    const interval = spec.intervals[0];
    if (interval && (interval.everyMs <= 0 || interval.phaseMs !== 0)) return undefined;
    const restricted = (f: string | undefined) => !!f && !f.startsWith('*') && !f.startsWith('?');
    const calendar = spec.calendars[0];
    const eitherDay: WorkflowCron['eitherDay'] =
      calendar && restricted(fields[2]) && restricted(fields[4])
        ? [
            { ...spec, calendars: [{ ...calendar, dayOfWeek: new Set(ALL_DAYS_OF_WEEK) }] },
            { ...spec, calendars: [{ ...calendar, dayOfMonth: new Set(ALL_DAYS_OF_MONTH) }] },
          ]
        : undefined;
    return { spec, everyMs: interval?.everyMs, eitherDay };
  } catch {
    return undefined;
  }
}

/** The first time the schedule matches strictly after `afterMs` (`@every` counts from `anchorMs`), if any. */
export function nextCronTime(cron: WorkflowCron, afterMs: number, anchorMs = 0): number | undefined {
  if (cron.everyMs) return anchorMs + (Math.floor((afterMs - anchorMs) / cron.everyMs) + 1) * cron.everyMs;
  if (cron.eitherDay) {
    const times = cron.eitherDay.map((spec) => nextMatchingTime(spec, afterMs)).filter((t) => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
  return nextMatchingTime(cron.spec, afterMs);
}

/**
 * How long a run waits for its next cron time after `now`, in whole seconds rounded up (as the real server
 * computes it), or undefined when the schedule has no next time.
 */
export function cronBackoffMs(cron: WorkflowCron, now: number, anchorMs: number): number | undefined {
  const next = nextCronTime(cron, now, anchorMs);
  return next === undefined ? undefined : Math.ceil((next - now) / 1000) * 1000;
}

/** Checks a workflow cron schedule with the real server's messages (INVALID_ARGUMENT). */
export function validateCron(expression: string, now: number): void {
  const cron = parseCron(expression);
  if (!cron) throw invalidArgument('invalid CronSchedule.');
  if (nextCronTime(cron, now, now) === undefined) {
    throw invalidArgument('invalid CronSchedule, no time can be found to satisfy the schedule');
  }
}
