import * as officialTime from '@temporalio/common/lib/time';
import Long from 'long';
import { ValueError } from '../src';
import * as deprecatedTime from '../src/deprecated-time';
import {
  type Duration,
  falsyToUndefined,
  msNumberToTs,
  msOptionalToNumber,
  msOptionalToTs,
  msToNumber,
  msToTs,
  optionalDateToTs,
  optionalTsToDate,
  optionalTsToMs,
  requiredTsToDate,
  requiredTsToMs,
  tsToDate,
  tsToMs,
} from '../src/time';

const validDurations: [string, number][] = [
  ['100', 100],
  ['1.5', 1.5],
  ['.5s', 500],
  ['-1s', -1000],
  ['-.5ms', -0.5],
  ['30s', 30_000],
  ['30 s', 30_000],
  ['30   seconds', 30_000],
  ['1 second', 1000],
  ['2secs', 2000],
  ['2 sec', 2000],
  ['250ms', 250],
  ['250 msecs', 250],
  ['1 msec', 1],
  ['3 milliseconds', 3],
  ['1 millisecond', 1],
  ['5m', 300_000],
  ['5 min', 300_000],
  ['5 mins', 300_000],
  ['1 minute', 60_000],
  ['10 minutes', 600_000],
  ['1h', 3_600_000],
  ['2 hrs', 7_200_000],
  ['1 hr', 3_600_000],
  ['1.5 hours', 5_400_000],
  ['1 hour', 3_600_000],
  ['2 days', 172_800_000],
  ['1d', 86_400_000],
  ['1 day', 86_400_000],
  ['1w', 604_800_000],
  ['2 weeks', 1_209_600_000],
  ['1 week', 604_800_000],
  ['1y', 31_557_600_000],
  ['1 yr', 31_557_600_000],
  ['2 yrs', 63_115_200_000],
  ['1 year', 31_557_600_000],
  ['1 years', 31_557_600_000],
  ['10 Seconds', 10_000],
  ['10 SECONDS', 10_000],
  ['1H', 3_600_000],
  ['1Ms', 1],
  ['1MS', 1],
  ['7 ', 7],
  ['007s', 7000],
  ['1.25d', 108_000_000],
];

const invalidDurations = [
  '',
  ' ',
  'abc',
  's',
  '1.',
  '1..5s',
  '1.2.3',
  '--1s',
  '+1s',
  ' 1s',
  '1s ',
  '1e3',
  '1 fortnight',
  '1 sx',
  '1\ts',
  '1,5s',
  '1 s s',
  'Infinity',
  'NaN',
  '1'.repeat(101),
];

describe('duration strings', () => {
  test.each(validDurations)('parses %p as %p milliseconds, like the official SDK', (text, expected) => {
    expect(msToNumber(text as Duration)).toBe(expected);
    expect(officialTime.msToNumber(text as Duration)).toBe(expected);
  });

  test.each(invalidDurations)(
    'rejects %p with a ValueError naming the string, as the official SDK rejects it',
    (text) => {
      expect(() => msToNumber(text as Duration)).toThrow(ValueError);
      expect(() => msToNumber(text as Duration)).toThrow(`'${text}'`);
      expect(() => officialTime.msToNumber(text as Duration)).toThrow();
    },
  );

  test('agrees with the official parser on thousands of generated strings', () => {
    // A small deterministic generator (mulberry32) so failures are reproducible.
    let seed = 42;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const numbers = ['0', '1', '12', '1.5', '.5', '-2', '-.25', '1.', '..1', '1.2.3', '-', '', '1e2', '99999999'];
    const spaces = ['', ' ', '  ', '\t'];
    const units = [
      '',
      'ms',
      'msec',
      'msecs',
      'millisecond',
      'milliseconds',
      's',
      'sec',
      'secs',
      'second',
      'seconds',
      'm',
      'min',
      'mins',
      'minute',
      'minutes',
      'h',
      'hr',
      'hrs',
      'hour',
      'hours',
      'd',
      'day',
      'days',
      'w',
      'week',
      'weeks',
      'y',
      'yr',
      'yrs',
      'year',
      'years',
      'x',
      'sx',
      'mss',
      'dayz',
    ];
    const recase = (unit: string): string => [...unit].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join('');
    for (let i = 0; i < 5000; i++) {
      const text = `${pick(numbers)}${pick(spaces)}${recase(pick(units))}${random() < 0.05 ? ' ' : ''}`;
      const outcome = (parse: (t: Duration) => number): number | 'error' => {
        try {
          return parse(text as Duration);
        } catch {
          return 'error';
        }
      };
      expect([text, outcome(msToNumber)]).toEqual([text, outcome(officialTime.msToNumber)]);
    }
  });

  test('accepts a string up to 100 characters long', () => {
    const text = `${'0'.repeat(99)}1`;
    expect(text).toHaveLength(100);
    expect(msToNumber(text as Duration)).toBe(1);
  });

  test('returns numbers unchanged', () => {
    expect(msToNumber(1234)).toBe(1234);
    expect(msToNumber(0)).toBe(0);
  });

  test('rejects values that are neither numbers nor strings with a ValueError', () => {
    expect(() => msToNumber({} as unknown as Duration)).toThrow(ValueError);
  });

  test('msOptionalToNumber keeps undefined', () => {
    expect(msOptionalToNumber(undefined)).toBeUndefined();
    expect(msOptionalToNumber('1s')).toBe(1000);
  });
});

describe('timestamps', () => {
  test('msToTs splits milliseconds into seconds and nanos like the official SDK', () => {
    for (const value of [0, 1, 999, 1000, 1500, 1_700_000_000_123, '1.5s', '2 days', 0.5] as Duration[]) {
      const ours = msToTs(value);
      const theirs = officialTime.msToTs(value);
      expect(Long.fromValue(ours.seconds!).toString()).toBe(Long.fromValue(theirs.seconds!).toString());
      expect(ours.nanos).toBe(theirs.nanos);
    }
  });

  test('msNumberToTs keeps nanos non-negative for times before 1970', () => {
    const ts = msNumberToTs(-1500);
    expect(Long.fromValue(ts.seconds!).toNumber()).toBe(-2);
    expect(ts.nanos).toBe(500_000_000);
    expect(tsToMs(ts)).toBe(-1500);
  });

  test('msNumberToTs rejects NaN with a ValueError naming it', () => {
    expect(() => msNumberToTs(NaN)).toThrow(new ValueError('Invalid millis NaN'));
  });

  test('tsToMs accepts Long, number and missing seconds', () => {
    expect(tsToMs({ seconds: Long.fromNumber(3), nanos: 250_000_000 })).toBe(3250);
    expect(tsToMs({ seconds: 3, nanos: 999_999 })).toBe(3000);
    expect(tsToMs({ nanos: 5_000_000 })).toBe(5);
    expect(tsToMs({})).toBe(0);
    expect(() => tsToMs(undefined)).toThrow('Expected timestamp, got undefined');
  });

  test('optional and required variants handle missing values', () => {
    expect(optionalTsToMs(null)).toBeUndefined();
    expect(optionalTsToMs({ seconds: 1 })).toBe(1000);
    expect(() => requiredTsToMs(undefined, 'startTime')).toThrow(
      new TypeError('Expected startTime to be a timestamp, got undefined'),
    );
    expect(() => requiredTsToDate(null, 'closeTime')).toThrow(/closeTime/);
    expect(requiredTsToDate({ seconds: 2 }, 'x').getTime()).toBe(2000);
    expect(msOptionalToTs(undefined)).toBeUndefined();
    expect(msOptionalToTs(null)).toBeUndefined();
    expect(tsToMs(msOptionalToTs('1m'))).toBe(60_000);
  });

  test('dates convert to timestamps and back', () => {
    const date = new Date('2026-03-04T05:06:07.089Z');
    const ts = optionalDateToTs(date);
    expect(tsToDate(ts!).toISOString()).toBe(date.toISOString());
    expect(optionalTsToDate(ts)?.getTime()).toBe(date.getTime());
    expect(optionalTsToDate(undefined)).toBeUndefined();
    expect(optionalDateToTs(null)).toBeUndefined();
  });

  test('falsyToUndefined maps zero values to undefined', () => {
    expect(falsyToUndefined(0)).toBeUndefined();
    expect(falsyToUndefined('')).toBeUndefined();
    expect(falsyToUndefined(null)).toBeUndefined();
    expect(falsyToUndefined('x')).toBe('x');
    expect(falsyToUndefined(5)).toBe(5);
  });

  test('the deprecated root-level helpers delegate to lib/time', () => {
    expect(deprecatedTime.msToNumber('2s')).toBe(2000);
    expect(deprecatedTime.tsToMs(deprecatedTime.msToTs('3s'))).toBe(3000);
    expect(deprecatedTime.optionalTsToMs(deprecatedTime.msOptionalToTs(undefined))).toBeUndefined();
    expect(deprecatedTime.msOptionalToNumber('1m')).toBe(60_000);
    expect(deprecatedTime.tsToDate(deprecatedTime.msNumberToTs(5000)).getTime()).toBe(5000);
    expect(deprecatedTime.optionalTsToDate(null)).toBeUndefined();
  });
});
