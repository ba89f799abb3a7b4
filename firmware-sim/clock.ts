/**
 * Time for the simulator: local civil time in the site's zone (the occupancy profile, the DHT22's daily cycle
 * and Tasmota's `Today` counter follow the wall clock of the house, not UTC) and the mapping between
 * simulated time and the real clock in real-time and accelerated runs.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface LocalParts {
  /** Local hour of day, fractional (13.5 = 13:30). */
  hour: number;
  /** Days since 1970-01-01 in local time: changes at local midnight. */
  dayIndex: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Day of year, 0-based. */
  dayOfYear: number;
}

/**
 * Local time in one IANA zone. The UTC offset comes from `Intl` and is cached: `Intl` is far too slow to call
 * per reading, and offsets only change on hour boundaries in the zones Brazil uses.
 */
export class LocalTime {
  readonly timeZone: string;
  readonly #fmt: Intl.DateTimeFormat;
  readonly #offsets = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.#fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local − UTC, ms (São Paulo: −3 h). */
  offsetMs(utcMs: number): number {
    // One `Intl` call per UTC day when the offset is the same at both ends of it (almost always);
    // per hour only across a transition.
    const day = Math.floor(utcMs / DAY_MS);
    const startOffset = this.#offsetAt(day * DAY_MS);
    if (startOffset === this.#offsetAt((day + 1) * DAY_MS)) return startOffset;
    return this.#offsetAt(Math.floor(utcMs / HOUR_MS) * HOUR_MS);
  }

  #offsetAt(at: number): number {
    const hit = this.#offsets.get(at);
    if (hit !== undefined) return hit;
    const p: Record<string, number> = {};
    for (const part of this.#fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = +part.value;
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const offset = asUtc - at;
    if (this.#offsets.size > 50_000) this.#offsets.clear();
    this.#offsets.set(at, offset);
    return offset;
  }

  /** Local wall-clock time as if it were UTC (for date arithmetic). */
  localMs(utcMs: number): number {
    return utcMs + this.offsetMs(utcMs);
  }

  parts(utcMs: number): LocalParts {
    const local = this.localMs(utcMs);
    const dayIndex = Math.floor(local / DAY_MS);
    const hour = (local - dayIndex * DAY_MS) / HOUR_MS;
    const weekday = (((dayIndex + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    return { hour, dayIndex, weekday, dayOfYear: this.#dayOfYear(dayIndex) };
  }

  #doyCache = { dayIndex: Number.NaN, dayOfYear: 0 };

  #dayOfYear(dayIndex: number): number {
    if (this.#doyCache.dayIndex !== dayIndex) {
      const year = new Date(dayIndex * DAY_MS).getUTCFullYear();
      this.#doyCache = { dayIndex, dayOfYear: dayIndex - Date.UTC(year, 0, 1) / DAY_MS };
    }
    return this.#doyCache.dayOfYear;
  }

  /** UTC instant of local midnight that starts `dayIndex`. */
  midnightUtc(dayIndex: number): number {
    const guess = dayIndex * DAY_MS;
    return guess - this.offsetMs(guess - this.offsetMs(guess));
  }
}

/** How simulated time relates to the real clock. */
export type TimeMode =
  | { kind: 'backfill' }
  | { kind: 'realtime'; speed: number; wallStartMs: number; simStartMs: number };

/** Real milliseconds to wait before the event at `simMs` is due (0 in backfill: as fast as possible). */
export function wallDelayMs(mode: TimeMode, simMs: number, wallNowMs: number): number {
  if (mode.kind === 'backfill') return 0;
  const dueWall = mode.wallStartMs + (simMs - mode.simStartMs) / mode.speed;
  return Math.max(0, dueWall - wallNowMs);
}
