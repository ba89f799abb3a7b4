import { z } from 'zod';
import { addDays, type LocalDate, parseLocalDate } from './local-time.ts';

/**
 * National holidays for the Tarifa Branca posto rule: on these days every hour is fora ponta.
 *
 * The list is the one REN 1.000/2021 (art. 2, definition of "posto tarifário ponta", carried over from
 * REN 414/2010) enumerates: 01/01, Carnival Tuesday, Good Friday, 21/04, 01/05, Corpus Christi, 07/09,
 * 12/10, 02/11, 15/11 and 25/12 — the eleven of aneel.md §5.
 *
 * 20/11 (Dia Nacional de Zumbi e da Consciência Negra) became a national holiday by Law 14.759/2023
 * (from 2024), but the regulation's list is closed and no ANEEL act adding it was found, so it is OFF by
 * default: `includeConscienciaNegra: true` turns it on (years ≥ 2024) for a distributor that treats it as
 * a holiday. `extraDates` adds any other day a distributor bills as fora ponta.
 */
export const HolidayConfig = z
  .object({
    includeConscienciaNegra: z
      .boolean()
      .default(false)
      .describe('Treat 20/11 (national holiday since Law 14.759/2023, years ≥ 2024) as fora ponta all day'),
    extraDates: z
      .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/))
      .default([])
      .describe('More days (YYYY-MM-DD) billed fora ponta all day'),
  })
  .strict();
export type HolidayConfig = z.output<typeof HolidayConfig>;

/** Easter Sunday (Gregorian), by the anonymous "Meeus/Jones/Butcher" Computus. */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function nationalHolidays(year: number, config: HolidayConfig): Map<LocalDate, string> {
  const y = String(year);
  const easter = easterSunday(year);
  const list: [LocalDate, string][] = [
    [`${y}-01-01`, 'Confraternização Universal'],
    [addDays(easter, -47), 'Carnaval (terça-feira)'],
    [addDays(easter, -2), 'Sexta-feira da Paixão'],
    [`${y}-04-21`, 'Tiradentes'],
    [`${y}-05-01`, 'Dia do Trabalho'],
    [addDays(easter, 60), 'Corpus Christi'],
    [`${y}-09-07`, 'Independência'],
    [`${y}-10-12`, 'Nossa Senhora Aparecida'],
    [`${y}-11-02`, 'Finados'],
    [`${y}-11-15`, 'Proclamação da República'],
    [`${y}-12-25`, 'Natal'],
  ];
  if (config.includeConscienciaNegra && year >= 2024) list.push([`${y}-11-20`, 'Consciência Negra']);
  for (const d of config.extraDates) if (parseLocalDate(d).year === year) list.push([d, 'extra']);
  return new Map(list);
}

/** Per-request holiday lookup; builds each year's list once. */
export class HolidayCalendar {
  private readonly config: HolidayConfig;
  private readonly years = new Map<number, Map<LocalDate, string>>();

  constructor(config: HolidayConfig) {
    this.config = config;
  }

  holidayName(date: LocalDate): string | undefined {
    const year = Number(date.slice(0, 4));
    let map = this.years.get(year);
    if (!map) {
      map = nationalHolidays(year, this.config);
      this.years.set(year, map);
    }
    return map.get(date);
  }

  isHoliday(date: LocalDate): boolean {
    return this.holidayName(date) !== undefined;
  }
}
