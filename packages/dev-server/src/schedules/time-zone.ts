/**
 * IANA time zones for schedule calendars, read from the ICU data that Node ships (`Intl.DateTimeFormat`).
 * A zone maps an instant to its UTC offset, from which calendars get the wall-clock time they match against.
 */
export interface TimeZone {
  readonly name: string;
  /** Offset from UTC at an instant, in ms (wall time = instant + offset). */
  offsetMs(utcMs: number): number;
  /** Whether the offset never changes (UTC), which lets callers skip the DST handling. */
  readonly fixed: boolean;
}

const MINUTE_MS = 60_000;

export const UTC: TimeZone = { name: 'UTC', fixed: true, offsetMs: () => 0 };

class IntlTimeZone implements TimeZone {
  readonly fixed = false;
  private readonly format: Intl.DateTimeFormat;
  /** Offsets by minute: transitions fall on whole minutes for every zone since 1900. */
  private readonly cache = new Map<number, number>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetMs(utcMs: number): number {
    const minute = Math.floor(utcMs / MINUTE_MS);
    const cached = this.cache.get(minute);
    if (cached !== undefined) return cached;
    const at = minute * MINUTE_MS;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(new Date(at))) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    const offset = wall - at;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(minute, offset);
    return offset;
  }
}

const zones = new Map<string, TimeZone>();

/**
 * Whether `name` is spelled as the tz database spells it. ICU matches names case-insensitively and resolves
 * aliases, but the real server (reading zoneinfo files) only knows the exact spelling: every part of a zone
 * name starts with a capital letter, and a name that only differs in case from its canonical form is refused.
 */
function exactSpelling(name: string, resolved: string): boolean {
  if (name !== resolved && name.toLowerCase() === resolved.toLowerCase()) return false;
  return name.split('/').every((part) => /^[A-Z]/.test(part));
}

/**
 * The zone called `name` as schedules take it: empty or `UTC` for UTC, `Local` for this process's zone, or an
 * IANA name (`America/New_York`, `Europe/Paris`, aliases such as `US/Eastern`). Undefined when unknown.
 */
export function loadTimeZone(name: string): TimeZone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  const known = zones.get(name);
  if (known) return known;
  let zone: TimeZone;
  if (name === 'Local') {
    const local = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    zone = local === 'UTC' || local === 'Etc/UTC' ? UTC : new IntlTimeZone(local);
  } else {
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      return undefined;
    }
    if (!exactSpelling(name, resolved)) return undefined;
    zone = new IntlTimeZone(name);
  }
  zones.set(name, zone);
  return zone;
}
