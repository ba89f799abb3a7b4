/**
 * Calendar helpers for the cost engine. Dates are local calendar days as `YYYY-MM-DD` strings (the unit
 * tariffs, flags and billing periods are expressed in); instants are epoch milliseconds UTC.
 *
 * `TimeZoneClock` converts instants to local wall time with `Intl`, which is slow (≈10 µs per call), so it
 * probes the UTC offset once per UTC day and only falls back to per-hour probes on a day whose offset
 * changes (DST transitions: Brazil had them until 2019). A clock is a cheap per-request object, not a
 * module-level cache.
 */

import { createWallClockFormatter, zoneOffsetMs } from '../../../shared/protocol/local-time.ts';

export type LocalDate = string;

const DAY_MS = 86_400_000;
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

/**
 * Days since 1970-01-01 → `YYYY-MM-DD` without a Date object (Howard Hinnant's civil_from_days): this runs
 * once per hour of every analytics series, and `toISOString` was the hot spot.
 */
export function dateFromDayNumber(n: number): LocalDate {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
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

const WEEK_MS = 7 * DAY_MS;

/**
 * One `Intl.DateTimeFormat` per zone name, shared: building one costs milliseconds (ICU loads the zone), a
 * dashboard request needs one, and the formatter is immutable, so this memo holds no state that matters.
 * Throws RangeError on an unknown zone.
 */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

interface WeekOffsets {
  before: number;
  after: number;
  changeMs: number;
}

/**
 * The week → offsets table of a zone, shared the same way: it is a pure function of the zone's rules (as
 * compiled into this Node's ICU), and refilling it costs two `Intl` probes per week per request.
 */
const WEEK_OFFSETS = new Map<string, Map<number, WeekOffsets>>();
function weekOffsetsFor(timeZone: string): Map<number, WeekOffsets> {
  let m = WEEK_OFFSETS.get(timeZone);
  if (!m) {
    m = new Map();
    WEEK_OFFSETS.set(timeZone, m);
  }
  return m;
}
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone);
  if (!f) {
    f = createWallClockFormatter(timeZone);
    FORMATTERS.set(timeZone, f);
  }
  return f;
}

export class TimeZoneClock {
  readonly timeZone: string;
  private readonly fmt: Intl.DateTimeFormat;
  /** Per UTC week: its offset, or the instant the offset changes within it and the offsets around it. */
  private readonly weeks: Map<number, WeekOffsets>;

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.fmt = formatterFor(timeZone);
    this.weeks = weekOffsetsFor(timeZone);
  }

  /**
   * Local time minus UTC, in minutes, at instant `utcMs`. Probes `Intl` at the two ends of the UTC week and,
   * only when they differ, bisects to the minute of the change; this assumes at most one offset change per
   * week, which holds for every zone's DST rules (changes are months apart).
   */
  offsetMinutes(utcMs: number): number {
    const w = Math.floor(utcMs / WEEK_MS);
    let e = this.weeks.get(w);
    if (!e) {
      let lo = w * WEEK_MS;
      let hi = lo + WEEK_MS - 1;
      const before = this.probe(lo);
      const after = this.probe(hi);
      if (before !== after) {
        while (hi - lo > 60_000) {
          const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
          if (this.probe(mid) === before) lo = mid;
          else hi = mid;
        }
      }
      e = { before, after, changeMs: before === after ? Number.POSITIVE_INFINITY : hi };
      this.weeks.set(w, e);
    }
    return utcMs < e.changeMs ? e.before : e.after;
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

  /** The offset rounded to whole minutes (local mean times of the past had seconds in their offsets). */
  private probe(utcMs: number): number {
    return Math.round(zoneOffsetMs(utcMs, this.fmt) / 60_000);
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
