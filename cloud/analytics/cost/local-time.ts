/**
 * Calendar helpers for the cost engine. Dates are local calendar days as `YYYY-MM-DD` strings (the unit
 * tariffs, flags and billing periods are expressed in); instants are epoch milliseconds UTC.
 *
 * `TimeZoneClock` converts instants to local wall time with `Intl`, which is slow (≈10 µs per call), so it
 * probes the UTC offset once per UTC day and only falls back to per-hour probes on a day whose offset
 * changes (DST transitions: Brazil had them until 2019). A clock is a cheap per-request object, not a
 * module-level cache.
 */

export type LocalDate = string;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseLocalDate(date: LocalDate): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    throw new RangeError(`no such date: ${date}`);
  return { year, month, day };
}

export function isLocalDate(s: string): boolean {
  try {
    parseLocalDate(s);
    return true;
  } catch {
    return false;
  }
}

/** Days since 1970-01-01 of a calendar date (no time zone involved). */
export function dayNumber(date: LocalDate): number {
  const { year, month, day } = parseLocalDate(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

export function dateFromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return dateFromDayNumber(dayNumber(date) + days);
}

/** Number of days from `from` to `to`, both inclusive (0 when `to` < `from`). */
export function daysInclusive(from: LocalDate, to: LocalDate): number {
  return Math.max(0, dayNumber(to) - dayNumber(from) + 1);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: LocalDate): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

export function monthStart(date: LocalDate): LocalDate {
  return `${date.slice(0, 7)}-01`;
}

export function nextMonthStart(date: LocalDate): LocalDate {
  const { year, month } = parseLocalDate(monthStart(date));
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

export function monthEnd(date: LocalDate): LocalDate {
  return addDays(nextMonthStart(date), -1);
}

export function maxDate(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b;
}

export function minDate(a: LocalDate, b: LocalDate): LocalDate {
  return a < b ? a : b;
}

export function* eachDay(from: LocalDate, to: LocalDate): Generator<LocalDate> {
  const end = dayNumber(to);
  for (let n = dayNumber(from); n <= end; n++) yield dateFromDayNumber(n);
}

export interface LocalParts {
  date: LocalDate;
  /** Minutes since local midnight, 0…1439. */
  minuteOfDay: number;
  /** 0 = Sunday … 6 = Saturday. */
  dayOfWeek: number;
}

export class TimeZoneClock {
  readonly timeZone: string;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly dayOffsets = new Map<number, number | null>();
  private readonly hourOffsets = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    // Throws RangeError on an unknown zone: callers validate site time zones with `isValidTimeZone`.
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Local time minus UTC, in minutes, at instant `utcMs`. */
  offsetMinutes(utcMs: number): number {
    const day = Math.floor(utcMs / DAY_MS);
    let dayOffset = this.dayOffsets.get(day);
    if (dayOffset === undefined) {
      const a = this.probe(day * DAY_MS);
      const b = this.probe((day + 1) * DAY_MS - 1);
      dayOffset = a === b ? a : null;
      this.dayOffsets.set(day, dayOffset);
    }
    if (dayOffset !== null) return dayOffset;
    const hour = Math.floor(utcMs / HOUR_MS);
    let h = this.hourOffsets.get(hour);
    if (h === undefined) {
      h = this.probe(hour * HOUR_MS);
      this.hourOffsets.set(hour, h);
    }
    return h;
  }

  local(utcMs: number): LocalParts {
    const localMs = utcMs + this.offsetMinutes(utcMs) * 60_000;
    const dayN = Math.floor(localMs / DAY_MS);
    return {
      date: dateFromDayNumber(dayN),
      minuteOfDay: Math.floor((localMs - dayN * DAY_MS) / 60_000),
      dayOfWeek: (((dayN + 4) % 7) + 7) % 7,
    };
  }

  localDate(utcMs: number): LocalDate {
    return this.local(utcMs).date;
  }

  /** UTC instant of local midnight starting `date` (the first instant of that local day). */
  startOfDay(date: LocalDate): number {
    const naive = dayNumber(date) * DAY_MS;
    let guess = naive - this.offsetMinutes(naive) * 60_000;
    // A second pass settles days whose offset differs from the one at the naive instant.
    guess = naive - this.offsetMinutes(guess) * 60_000;
    return guess;
  }

  private probe(utcMs: number): number {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(utcMs)) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
  }
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
