// Cron strings and schedule specs: parsing and the times they match, in UTC and in other time zones.
import { nextCronTime, parseCron, parseGoDuration } from '../src/schedules/cron';
import { canonicalSpec, compileSpec, nextMatchingTime } from '../src/schedules/schedule-spec';

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
