// Cron strings and schedule specs: parsing and the times they match, in UTC and in other time zones; and over raw
// gRPC, schedules as the real server describes, lists and matches them.
import * as grpc from '@grpc/grpc-js';
import type Long from 'long';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { nextCronTime, parseCron } from '../src/schedules/cron';
import { canonicalSpec, parseGoDuration } from '../src/schedules/calendar-spec';
import { compileSpec, nextMatchingTime } from '../src/schedules/schedule-spec';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { RawClient, rejection } from './raw-client';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test.each([
  ['*/15 * * * *', '2026-03-01T10:07:00Z', '2026-03-01T10:15:00.000Z'],
  ['0 9 * * mon-fri', '2026-03-06T09:00:00Z', '2026-03-09T09:00:00.000Z'],
  ['30 2 1 jan *', '2026-03-01T00:00:00Z', '2027-01-01T02:30:00.000Z'],
  ['@hourly', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00.000Z'],
  ['0 0 13 * 5', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00.000Z'],
])('cron %s after %s is %s', (cron, after, expected) => {
  expect(iso(nextCronTime(parseCron(cron)!, at(after)))).toBe(expected);
});

test('@every counts from its anchor; bad cron strings are rejected', () => {
  expect(nextCronTime(parseCron('@every 90s')!, 1000, 0)).toBe(90_000);
  expect(parseGoDuration('1h30m')).toBe(5_400_000);
  for (const bad of ['* * *', '61 * * * *', '* * * * funday', '@every soon']) expect(parseCron(bad)).toBeUndefined();
});

test('structured calendars, intervals with phase, excludes and bounds', () => {
  const spec = compileSpec({
    structuredCalendar: [
      { hour: [{ start: 8, end: 18, step: 5 }], minute: [{ start: 0 }], dayOfWeek: [{ start: 1, end: 5 }] },
    ],
    excludeStructuredCalendar: [{ hour: [{ start: 13 }], minute: [{ start: 0 }] }],
  });
  const times: string[] = [];
  let t = at('2026-03-06T00:00:00Z'); // a Friday
  for (let i = 0; i < 4; i++) {
    t = nextMatchingTime(spec, t)!;
    times.push(iso(t)!);
  }
  expect(times).toEqual([
    '2026-03-06T08:00:00.000Z',
    '2026-03-06T18:00:00.000Z',
    '2026-03-09T08:00:00.000Z',
    '2026-03-09T18:00:00.000Z',
  ]);
  const interval = compileSpec({
    interval: [{ interval: { seconds: 3600 }, phase: { seconds: 60 } }],
    endTime: { seconds: at('2026-01-01T03:00:00Z') / 1000 },
  });
  expect(iso(nextMatchingTime(interval, at('2026-01-01T00:30:00Z')))).toBe('2026-01-01T01:01:00.000Z');
  expect(nextMatchingTime(interval, at('2026-01-01T02:59:00Z'))).toBeUndefined();
});

test('calendar strings and cron strings are described in structured form', () => {
  const spec = canonicalSpec({
    calendar: [{ hour: '9-17/4', dayOfWeek: 'mon,wed' }],
    cronString: ['5 4 * * *', '@every 2h'],
  });
  expect(spec.structuredCalendar).toHaveLength(2);
  expect(spec.structuredCalendar![0].hour).toEqual([{ start: 9, end: 17, step: 4 }]);
  expect(spec.structuredCalendar![0].dayOfWeek).toEqual([
    { start: 1, end: 1, step: 1 },
    { start: 3, end: 3, step: 1 },
  ]);
  expect(spec.structuredCalendar![1].minute).toEqual([{ start: 5, end: 5, step: 1 }]);
  expect(spec.interval).toEqual([{ interval: { seconds: 7200, nanos: 0 } }]);
});

describe('cron strings as the real server describes them', () => {
  // Each comma-separated part of a field is one range; expected values are the real server's describe output.
  const described = (cron: string) => {
    const c = canonicalSpec({ cronString: [cron] }).structuredCalendar![0];
    const text = (ranges: Array<{ start?: number | null; end?: number | null; step?: number | null }>) =>
      ranges.map((r) => `${r.start}-${r.end}/${r.step}`).join(',');
    return [c.second, c.minute, c.hour, c.dayOfMonth, c.month, c.year, c.dayOfWeek].map((f) => text(f!));
  };

  test.each([
    ['0 9 * * MON-FRI', ['0-0/1', '0-0/1', '9-9/1', '1-31/1', '1-12/1', '', '1-5/1']],
    ['0 9 * * mon,wed,fri', ['0-0/1', '0-0/1', '9-9/1', '1-31/1', '1-12/1', '', '1-1/1,3-3/1,5-5/1']],
    ['*/15 * * * *', ['0-0/1', '0-59/15', '0-23/1', '1-31/1', '1-12/1', '', '0-6/1']],
    ['5,10-20/5 1 * * *', ['0-0/1', '5-5/1,10-20/5', '1-1/1', '1-31/1', '1-12/1', '', '0-6/1']],
    ['0 0 1 JAN-MAR *', ['0-0/1', '0-0/1', '0-0/1', '1-1/1', '1-3/1', '', '0-6/1']],
    ['0 0 * * 5-7', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '0-0/1,5-6/1']],
    ['0 0 * * 1/2', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '0-0/1,1-6/2']],
    ['0 0 * * 2-7/2', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '2-6/2']],
    ['0 0 * * 0-7', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '0-6/1']],
    ['0 0 * * 6,7', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '6-6/1,0-0/1']],
    ['5/15 * * * *', ['0-0/1', '5-59/15', '0-23/1', '1-31/1', '1-12/1', '', '0-6/1']],
    ['0 0 * * * 2027', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '2027-2027/1', '0-6/1']],
    ['30 0 0 * * * *', ['30-30/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '0-6/1']],
    ['@weekly', ['0-0/1', '0-0/1', '0-0/1', '1-31/1', '1-12/1', '', '0-0/1']],
  ])('%s', (cron, fields) => {
    expect(described(cron)).toEqual(fields);
  });

  test('a time zone prefix sets the spec zone, # starts the comment and @every takes a phase', () => {
    const spec = canonicalSpec({ cronString: ['CRON_TZ=America/New_York 0 9 * * 1 # standup'] });
    expect(spec.timezoneName).toBe('America/New_York');
    expect(spec.structuredCalendar![0].comment).toBe('standup');
    expect(canonicalSpec({ cronString: ['@every 1h30m/10m'] }).interval).toEqual([
      { interval: { seconds: 5400, nanos: 0 }, phase: { seconds: 600, nanos: 0 } },
    ]);
    // The weekday range matches Monday to Friday.
    const weekdays = compileSpec({ cronString: ['0 9 * * MON-FRI'] });
    let t = at('2026-03-06T09:00:00Z'); // a Friday
    const next: string[] = [];
    for (let i = 0; i < 3; i++) next.push(iso((t = nextMatchingTime(weekdays, t)!))!);
    expect(next).toEqual(['2026-03-09T09:00:00.000Z', '2026-03-10T09:00:00.000Z', '2026-03-11T09:00:00.000Z']);
  });

  test.each([
    [{ cronString: ['61 * * * *'] }, 'Minute is not in range [0-59]'],
    [{ cronString: ['* * * *'] }, 'CronString does not have 5-7 fields'],
    [{ cronString: ['0 0 L * *'] }, 'DayOfMonth is not in range [1-31]'],
    [{ cronString: ['0 0 * * SAT-SUN'] }, 'DayOfWeek End is before Start or not in range [0-7]'],
    [{ cronString: ['0 0 * * 1/0'] }, 'DayOfWeek has invalid Step'],
    [{ cronString: ['0 0 * * * 1999'] }, 'Year is not in range [2000-2100]'],
    [{ cronString: ['@every 1h/2h'] }, 'phase cannot be greater than Interval'],
    [
      { cronString: ['CRON_TZ=America/New_York 0 9 * * *'], timezoneName: 'Europe/Paris' },
      'conflicting timezone names',
    ],
    [
      { structuredCalendar: [{ hour: [{ start: 25 }, { start: 3, end: 1 }] }] },
      'invalid calendar spec: Hour Start is not in range [0-23], Hour End is before Start or not in range [0-23]',
    ],
  ])('%j is rejected: %s', (spec, message) => {
    expect(() => canonicalSpec(spec)).toThrow(`Invalid schedule spec: ${message}`);
  });
});

describe('time zones', () => {
  // Expected times are what the real server (temporal CLI 1.9.1, server 1.32) lists for the same specs.
  const everyDay = { second: [{ start: 0 }], dayOfMonth: [{ start: 1, end: 31 }], month: [{ start: 1, end: 12 }] };
  const times = (spec: Parameters<typeof compileSpec>[0], from: string, to: string) => {
    const compiled = compileSpec(spec);
    const out: string[] = [];
    for (
      let t = nextMatchingTime(compiled, at(from));
      t !== undefined && t <= at(to);
      t = nextMatchingTime(compiled, t)
    ) {
      out.push(iso(t)!.slice(0, 16));
    }
    return out;
  };
  const daily = (hour: number, minute: number, timezoneName: string) => ({
    structuredCalendar: [{ ...everyDay, hour: [{ start: hour }], minute: [{ start: minute }] }],
    timezoneName,
  });

  test('calendars match the wall-clock time of timezone_name', () => {
    expect(times(daily(9, 0, 'America/New_York'), '2027-07-01T00:00:00Z', '2027-07-02T23:59:59Z')).toEqual([
      '2027-07-01T13:00',
      '2027-07-02T13:00',
    ]);
    expect(times(daily(9, 0, 'Asia/Kolkata'), '2027-07-01T00:00:00Z', '2027-07-01T23:59:59Z')).toEqual([
      '2027-07-01T03:30',
    ]);
    // Intervals do not depend on the zone.
    const hourly = { interval: [{ interval: { seconds: 3600 } }], timezoneName: 'Asia/Kolkata' };
    expect(times(hourly, '2027-07-01T00:00:00Z', '2027-07-01T02:00:00Z')).toEqual([
      '2027-07-01T01:00',
      '2027-07-01T02:00',
    ]);
  });

  test('a wall time skipped by a spring-forward change does not match that day', () => {
    // New York skips 02:00-02:59 on 2027-03-14; Sydney skips it on 2027-10-03.
    expect(times(daily(2, 30, 'America/New_York'), '2027-03-13T00:00:00Z', '2027-03-16T00:00:00Z')).toEqual([
      '2027-03-13T07:30',
      '2027-03-15T06:30',
    ]);
    expect(times(daily(2, 30, 'Australia/Sydney'), '2027-10-01T00:00:00Z', '2027-10-04T00:00:00Z')).toEqual([
      '2027-10-01T16:30',
      '2027-10-03T15:30',
    ]);
  });

  test('west of Greenwich, an hour repeated by a fall-back change matches in both occurrences', () => {
    expect(times(daily(1, 30, 'America/New_York'), '2027-11-06T00:00:00Z', '2027-11-09T00:00:00Z')).toEqual([
      '2027-11-06T05:30',
      '2027-11-07T05:30',
      '2027-11-07T06:30',
      '2027-11-08T06:30',
    ]);
  });

  test('east of Greenwich, a repeated hour matches in its second occurrence, and later from inside it', () => {
    // The real server resolves a repeated wall time to its second occurrence there, and a search starting in
    // that occurrence finds times an hour late; both are reproduced.
    expect(times(daily(2, 30, 'Australia/Sydney'), '2027-04-02T00:00:00Z', '2027-04-05T00:00:00Z')).toEqual([
      '2027-04-02T15:30',
      '2027-04-03T16:30',
      '2027-04-04T16:30',
    ]);
    const tenMinutesAtOne = {
      structuredCalendar: [{ ...everyDay, hour: [{ start: 1 }], minute: [{ start: 0, end: 59, step: 10 }] }],
      timezoneName: 'Europe/London',
    };
    // London repeats 01:00-01:59 on 2027-10-31 (00:00Z-00:59Z as BST, 01:00Z-01:59Z as GMT).
    expect(times(tenMinutesAtOne, '2027-10-30T23:55:00Z', '2027-10-31T03:00:00Z')).toEqual([
      '2027-10-31T01:00',
      '2027-10-31T02:10',
    ]);
  });

  test('unknown or misspelled zones and timezone_data are rejected', () => {
    for (const name of ['Mars/Olympus', 'america/new_york']) {
      expect(() => compileSpec({ ...daily(9, 0, name) })).toThrow(`Invalid schedule spec: unknown time zone ${name}`);
    }
    expect(() => compileSpec({ ...daily(9, 0, ''), timezoneData: Buffer.from('TZif') })).toThrow(
      /Invalid schedule spec: timezone_data is not supported/,
    );
    for (const name of ['UTC', 'Local', 'US/Eastern', 'Etc/GMT+5'])
      expect(() => compileSpec(daily(9, 0, name))).not.toThrow();
  });
});

describe('schedule specs over raw gRPC', () => {
  const E = temporal.api.enums.v1;
  let server: DevServer;
  let raw: RawClient;

  beforeAll(async () => {
    ({ server, raw } = await startRawServer({
      namespaces: ['extra'],
      historyLongPollMs: 300,
      // Lets the retention test register a namespace that keeps closed runs for 200 ms.
      dynamicConfig: { 'system.namespaceMinRetentionLocal': '100ms' },
    }));
  });
  afterAll(() => stopRawServer(server, raw));

  describe('schedule specs', () => {
    const seconds = (isoTime: string) => ({ seconds: Date.parse(isoTime) / 1000 });
    const isoOf = (t: { seconds: number | Long }) => new Date(Number(t.seconds) * 1000).toISOString();
    const createSchedule = (scheduleId: string, spec: object) =>
      raw.wf('CreateSchedule', {
        scheduleId,
        requestId: scheduleId,
        schedule: {
          spec,
          action: {
            startWorkflow: { workflowId: 'wf', workflowType: { name: 'W' }, taskQueue: { name: 'tq-frontend' } },
          },
          state: { paused: true },
        },
      });

    test("describe, list, tokens and not-found answers of schedules are the real server's", async () => {
      const first = uniqueId('sched');
      const second = uniqueId('sched');
      const created = await createSchedule(first, { interval: [{ interval: { seconds: 3600 } }] });
      // The conflict token is the schedule's version as a big-endian int64.
      expect(Buffer.from(created.conflictToken).toString('hex')).toBe('0000000000000001');
      await createSchedule(second, { interval: [{ interval: { seconds: 3600 } }] });
      const d = await raw.wf('DescribeSchedule', { scheduleId: first });
      // Unset policies read as the real server's defaults; no update time until UpdateSchedule.
      expect(d.schedule.policies.overlapPolicy).toBe(E.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
      expect(Number(d.schedule.policies.catchupWindow.seconds)).toBe(365 * 86400);
      expect(d.info.updateTime).toBeNull();
      await raw.wf('PatchSchedule', { scheduleId: first, patch: { unpause: 'go' } });
      const patched = await raw.wf('DescribeSchedule', { scheduleId: first });
      expect(patched.info.updateTime).toBeNull();
      expect(Buffer.from(patched.conflictToken).toString('hex')).toBe('0000000000000002');
      await raw.wf('UpdateSchedule', {
        scheduleId: first,
        conflictToken: patched.conflictToken,
        schedule: { ...patched.schedule, state: { paused: true } },
      });
      expect((await raw.wf('DescribeSchedule', { scheduleId: first })).info.updateTime).not.toBeNull();
      const stale = await rejection(
        raw.wf('UpdateSchedule', {
          scheduleId: first,
          conflictToken: patched.conflictToken,
          schedule: patched.schedule,
        }),
      );
      expect(stale.code).toBe(grpc.status.FAILED_PRECONDITION);
      // Newest first, with an empty memo and no search attributes.
      const listed = await raw.wf('ListSchedules', { maximumPageSize: 1000 });
      const ids = listed.schedules.map((x: { scheduleId: string }) => x.scheduleId);
      expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
      const entry = listed.schedules.find((x: { scheduleId: string }) => x.scheduleId === first);
      expect(entry.memo).toEqual({ fields: {} });
      expect(entry.searchAttributes).toBeNull();
      // Unknown: the scheduler workflow is not found; deleted: it has closed.
      const never = uniqueId('never');
      const unknown = await Promise.all([
        rejection(raw.wf('DescribeSchedule', { scheduleId: never })),
        rejection(raw.wf('DeleteSchedule', { scheduleId: never })),
        rejection(raw.wf('PatchSchedule', { scheduleId: never, patch: { pause: 'x' } })),
      ]);
      for (const err of unknown) {
        expect([err.code, err.details]).toEqual([
          grpc.status.NOT_FOUND,
          `workflow not found for ID: temporal-sys-scheduler:${never}`,
        ]);
      }
      await raw.wf('DeleteSchedule', { scheduleId: first });
      const described = await rejection(raw.wf('DescribeSchedule', { scheduleId: first }));
      const deleted = await rejection(raw.wf('DeleteSchedule', { scheduleId: first }));
      expect([described.code, described.details]).toEqual([grpc.status.NOT_FOUND, 'schedule not found']);
      expect([deleted.code, deleted.details]).toEqual([grpc.status.NOT_FOUND, 'workflow execution already completed']);
      await raw.wf('DeleteSchedule', { scheduleId: second });
    });

    test('ListScheduleMatchingTimes lists the times after start and up to end, in the wall-clock time of timezone_name', async () => {
      const scheduleId = uniqueId('sched');
      await createSchedule(scheduleId, {
        calendar: [{ hour: '1,2', minute: '30' }],
        timezoneName: 'America/New_York',
      });
      // 2027-11-07 repeats 01:00-01:59 in New York; 2027-11-08 does not.
      const r = await raw.wf('ListScheduleMatchingTimes', {
        scheduleId,
        startTime: seconds('2027-11-07T05:30:00Z'),
        endTime: seconds('2027-11-08T06:30:00Z'),
      });
      expect(r.startTime.map(isoOf)).toEqual([
        '2027-11-07T06:30:00.000Z',
        '2027-11-07T07:30:00.000Z',
        '2027-11-08T06:30:00.000Z',
      ]);
      const d = await raw.wf('DescribeSchedule', { scheduleId });
      expect(d.schedule.spec.timezoneName).toBe('America/New_York');
      // Future action times are listed for a paused schedule too, as the real server does.
      expect(d.info.futureActionTimes.length).toBe(10);
      await raw.wf('DeleteSchedule', { scheduleId });
    });

    test('a cron string is described range by range: MON-FRI is one weekday range, and its zone prefix sets the spec zone', async () => {
      const scheduleId = uniqueId('sched');
      await createSchedule(scheduleId, { cronString: ['CRON_TZ=Europe/Paris 0 9 * * MON-FRI'] });
      const d = await raw.wf('DescribeSchedule', { scheduleId });
      expect(d.schedule.spec.cronString).toEqual([]);
      expect(d.schedule.spec.timezoneName).toBe('Europe/Paris');
      const [calendar] = d.schedule.spec.structuredCalendar;
      expect(calendar.dayOfWeek).toEqual([{ start: 1, end: 5, step: 1 }]);
      expect(calendar.hour).toEqual([{ start: 9, end: 9, step: 1 }]);
      expect(calendar.dayOfMonth).toEqual([{ start: 1, end: 31, step: 1 }]);
      await raw.wf('DeleteSchedule', { scheduleId });
    });

    test('an unknown time zone or timezone_data is INVALID_ARGUMENT', async () => {
      const unknown = await rejection(
        createSchedule(uniqueId('sched'), { calendar: [{ hour: '9' }], timezoneName: 'Mars/Olympus' }),
      );
      expect([unknown.code, unknown.details]).toEqual([
        grpc.status.INVALID_ARGUMENT,
        'Invalid schedule spec: unknown time zone Mars/Olympus',
      ]);
      const data = await rejection(
        createSchedule(uniqueId('sched'), { calendar: [{ hour: '9' }], timezoneData: Buffer.from('TZif') }),
      );
      expect(data.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(data.details).toMatch(/^Invalid schedule spec: timezone_data is not supported/);
    });
  });
});
