import type { HolidayCalendar } from './holidays.ts';
import type { LocalDate, TimeZoneClock } from './local-time.ts';
import type { Posto } from './types.ts';

/**
 * Tarifa Branca postos (aneel.md §5). Each distributor sets 3 consecutive ponta hours; intermediário is
 * the band just before and after (usually 1 h each; CPFL Paulista 2 h before). Saturdays, Sundays and
 * national holidays are fora ponta all day. ANEEL publishes no dataset of these hours, so they come from
 * the `branca_schedules` table, each row with its source and validity.
 */
export interface BrancaSchedule {
  distributorCnpj: string;
  /** Minutes after local midnight; ponta is [pontaStartMin, pontaEndMin). */
  pontaStartMin: number;
  pontaEndMin: number;
  intermediateBeforeMin: number;
  intermediateAfterMin: number;
  validFrom: LocalDate;
  /** Inclusive; null = still in force. */
  validTo: LocalDate | null;
  source: string;
  confidence: string;
}

/** Share of an interval's energy in each posto; the shares sum to 1. */
export type PostoShares = readonly (readonly [Posto, number])[];

const FORA_ALL_DAY: PostoShares = [['Fora ponta', 1]];

/** 'HH:MM' → minutes after midnight ('24:00' allowed as an end). */
export function parseClock(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})(?::00)?$/.exec(hhmm);
  if (!m) throw new RangeError(`not HH:MM: ${hhmm}`);
  const min = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || min > 1440) throw new RangeError(`not a time of day: ${hhmm}`);
  return min;
}

export function scheduleFor(
  schedules: readonly BrancaSchedule[],
  date: LocalDate,
): BrancaSchedule | undefined {
  let best: BrancaSchedule | undefined;
  for (const s of schedules) {
    if (s.validFrom <= date && (s.validTo === null || date <= s.validTo)) {
      if (!best || s.validFrom > best.validFrom) best = s;
    }
  }
  return best;
}

/**
 * Splits the weekday interval [startMin, startMin + durationMin) across the postos by minutes of overlap.
 * Rollups are hourly, and some schedules start on the half hour (Enel SP 17:30), so an hour can be part
 * intermediário and part ponta; its energy is then split in proportion to time (consumption assumed even
 * within the hour — documented in docs/billing.md).
 */
export function weekdayShares(schedule: BrancaSchedule, startMin: number, durationMin: number): PostoShares {
  const end = startMin + durationMin;
  const overlap = (a: number, b: number) => Math.max(0, Math.min(end, b) - Math.max(startMin, a));
  const ps = schedule.pontaStartMin;
  const pe = schedule.pontaEndMin;
  const ponta = overlap(ps, pe);
  const inter =
    overlap(ps - schedule.intermediateBeforeMin, ps) + overlap(pe, pe + schedule.intermediateAfterMin);
  const fora = durationMin - ponta - inter;
  const out: [Posto, number][] = [];
  if (ponta > 0) out.push(['Ponta', ponta / durationMin]);
  if (inter > 0) out.push(['Intermediário', inter / durationMin]);
  if (fora > 0) out.push(['Fora ponta', fora / durationMin]);
  return out;
}

export interface ClassifiedHour {
  date: LocalDate;
  /** undefined when the day is a Branca weekday but no schedule covers it (cannot be priced). */
  shares: PostoShares | undefined;
  /** Why the whole day is fora ponta, when it is. */
  dayKind: 'weekday' | 'weekend' | 'holiday';
}

export class PostoClassifier {
  private readonly clock: TimeZoneClock;
  private readonly holidays: HolidayCalendar;
  private readonly schedules: readonly BrancaSchedule[];

  constructor(deps: {
    clock: TimeZoneClock;
    holidays: HolidayCalendar;
    schedules: readonly BrancaSchedule[];
  }) {
    this.clock = deps.clock;
    this.holidays = deps.holidays;
    this.schedules = deps.schedules;
  }

  classifyHour(hourStartMs: number): ClassifiedHour {
    const local = this.clock.local(hourStartMs);
    if (local.dayOfWeek === 0 || local.dayOfWeek === 6) {
      return { date: local.date, shares: FORA_ALL_DAY, dayKind: 'weekend' };
    }
    if (this.holidays.isHoliday(local.date))
      return { date: local.date, shares: FORA_ALL_DAY, dayKind: 'holiday' };
    const schedule = scheduleFor(this.schedules, local.date);
    return {
      date: local.date,
      shares: schedule ? weekdayShares(schedule, local.minuteOfDay, 60) : undefined,
      dayKind: 'weekday',
    };
  }
}
