import { describe, expect, it } from 'vitest';
import {
  easterSunday,
  HolidayCalendar,
  HolidayConfig,
  nationalHolidays,
} from '../../../../../cloud/analytics/cost/holidays.ts';

const DEFAULTS = HolidayConfig.parse({});

describe('easterSunday (Computus)', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible date
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2038, '2038-04-25'], // latest possible date
  ])('%i → %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });
});

describe('national holidays of REN 1.000/2021 art. 2', () => {
  it.each([
    // year, Carnival Tuesday, Good Friday, Corpus Christi
    [2019, '2019-03-05', '2019-04-19', '2019-06-20'],
    [2024, '2024-02-13', '2024-03-29', '2024-05-30'],
    [2025, '2025-03-04', '2025-04-18', '2025-06-19'],
    [2026, '2026-02-17', '2026-04-03', '2026-06-04'],
  ])('%i: Carnival %s, Good Friday %s, Corpus Christi %s', (year, carnival, goodFriday, corpus) => {
    const h = nationalHolidays(year, DEFAULTS);
    expect(h.get(carnival)).toBe('Carnaval (terça-feira)');
    expect(h.get(goodFriday)).toBe('Sexta-feira da Paixão');
    expect(h.get(corpus)).toBe('Corpus Christi');
    // Carnival Monday is not in the list (only the Tuesday is).
    const monday = new Date(Date.parse(`${carnival}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(h.has(monday)).toBe(false);
  });

  it('has exactly the eleven days, 20/11 only when configured and only from 2024', () => {
    expect(nationalHolidays(2026, DEFAULTS).size).toBe(11);
    expect(nationalHolidays(2026, DEFAULTS).has('2026-11-20')).toBe(false);
    const withZumbi = HolidayConfig.parse({ includeConscienciaNegra: true });
    expect(nationalHolidays(2026, withZumbi).get('2026-11-20')).toBe('Consciência Negra');
    expect(nationalHolidays(2023, withZumbi).has('2023-11-20')).toBe(false);
    const fixed = ['01-01', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '12-25'];
    for (const md of fixed) expect(nationalHolidays(2027, DEFAULTS).has(`2027-${md}`)).toBe(true);
  });

  it('adds configured extra dates and the calendar answers per day', () => {
    const cal = new HolidayCalendar(HolidayConfig.parse({ extraDates: ['2026-07-09'] }));
    expect(cal.isHoliday('2026-07-09')).toBe(true);
    expect(cal.isHoliday('2026-07-10')).toBe(false);
    expect(cal.holidayName('2026-12-25')).toBe('Natal');
  });
});
