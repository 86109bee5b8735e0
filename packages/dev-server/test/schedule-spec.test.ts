// Cron strings and schedule specs: parsing and the times they match (UTC).
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
  expect(() => compileSpec({ timezoneName: 'Europe/Paris', interval: [{ interval: { seconds: 1 } }] })).toThrow(
    /Invalid schedule spec/,
  );
});
