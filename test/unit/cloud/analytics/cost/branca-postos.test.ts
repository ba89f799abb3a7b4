import { describe, expect, it } from 'vitest';
import {
  type BrancaSchedule,
  PostoClassifier,
  parseClock,
  weekdayShares,
} from '../../../../../cloud/analytics/cost/branca-postos.ts';
import { HolidayCalendar, HolidayConfig } from '../../../../../cloud/analytics/cost/holidays.ts';
import { TimeZoneClock } from '../../../../../cloud/analytics/cost/local-time.ts';
import { CEMIG_SCHEDULE } from './tariff-fixtures.ts';

const ENEL_SP: BrancaSchedule = {
  ...CEMIG_SCHEDULE,
  distributorCnpj: '61695227000193',
  pontaStartMin: parseClock('17:30'),
  pontaEndMin: parseClock('20:30'),
};

function classifier(schedules: BrancaSchedule[]) {
  return new PostoClassifier({
    clock: new TimeZoneClock('America/Sao_Paulo'),
    holidays: new HolidayCalendar(HolidayConfig.parse({})),
    schedules,
  });
}

describe('Branca posto classification', () => {
  it('splits a CEMIG weekday: 16h intermediário, 17–19h ponta, 20h intermediário, the rest fora ponta', () => {
    const c = classifier([CEMIG_SCHEDULE]);
    const byHour = new Map<number, string>();
    for (let h = 0; h < 24; h++) {
      // 2026-06-10 is a Wednesday; local hour h = UTC h+3.
      const r = c.classifyHour(Date.parse('2026-06-10T03:00:00Z') + h * 3_600_000);
      expect(r.date).toBe('2026-06-10');
      expect(r.shares).toHaveLength(1);
      byHour.set(h, r.shares![0]![0]);
    }
    expect([...byHour].filter(([, p]) => p === 'Ponta').map(([h]) => h)).toEqual([17, 18, 19]);
    expect([...byHour].filter(([, p]) => p === 'Intermediário').map(([h]) => h)).toEqual([16, 20]);
    expect([...byHour].filter(([, p]) => p === 'Fora ponta')).toHaveLength(19);
  });

  it('splits half-hour schedules (Enel SP 17:30–20:30) by minutes', () => {
    expect(weekdayShares(ENEL_SP, 17 * 60, 60)).toEqual([
      ['Ponta', 0.5],
      ['Intermediário', 0.5],
    ]);
    expect(weekdayShares(ENEL_SP, 16 * 60, 60)).toEqual([
      ['Intermediário', 0.5],
      ['Fora ponta', 0.5],
    ]);
    expect(weekdayShares(ENEL_SP, 21 * 60, 60)).toEqual([
      ['Intermediário', 0.5],
      ['Fora ponta', 0.5],
    ]);
    expect(weekdayShares(ENEL_SP, 18 * 60, 60)).toEqual([['Ponta', 1]]);
  });

  it('keeps weekends and national holidays fora ponta all day', () => {
    const c = classifier([CEMIG_SCHEDULE]);
    const sat = c.classifyHour(Date.parse('2026-06-13T21:00:00Z')); // Saturday 18:00 local
    expect(sat).toMatchObject({ date: '2026-06-13', dayKind: 'weekend', shares: [['Fora ponta', 1]] });
    const corpus = c.classifyHour(Date.parse('2026-06-04T21:00:00Z')); // Corpus Christi 2026, Thursday
    expect(corpus).toMatchObject({ date: '2026-06-04', dayKind: 'holiday', shares: [['Fora ponta', 1]] });
    const carnival = c.classifyHour(Date.parse('2026-02-17T21:00:00Z'));
    expect(carnival.dayKind).toBe('holiday');
  });

  it('leaves a weekday without a schedule unclassified instead of guessing', () => {
    const c = classifier([{ ...CEMIG_SCHEDULE, validFrom: '2027-01-01' }]);
    const r = c.classifyHour(Date.parse('2026-06-10T21:00:00Z'));
    expect(r.shares).toBeUndefined();
  });

  it('uses the schedule valid on the day (a newer row supersedes from its start)', () => {
    const later: BrancaSchedule = {
      ...CEMIG_SCHEDULE,
      pontaStartMin: 18 * 60,
      pontaEndMin: 21 * 60,
      validFrom: '2026-07-01',
    };
    const c = classifier([CEMIG_SCHEDULE, later]);
    expect(c.classifyHour(Date.parse('2026-06-30T20:00:00Z')).shares).toEqual([['Ponta', 1]]); // 17h local
    expect(c.classifyHour(Date.parse('2026-07-01T20:00:00Z')).shares).toEqual([['Intermediário', 1]]);
  });
});
