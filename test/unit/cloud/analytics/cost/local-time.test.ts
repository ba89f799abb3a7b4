import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOfWeek,
  daysInclusive,
  monthEnd,
  TimeZoneClock,
} from '../../../../../cloud/analytics/cost/local-time.ts';

describe('TimeZoneClock', () => {
  it('maps UTC instants to São Paulo local time (UTC−3 since 2019)', () => {
    const c = new TimeZoneClock('America/Sao_Paulo');
    const p = c.local(Date.parse('2026-06-10T20:00:00Z'));
    expect(p).toEqual({ date: '2026-06-10', minuteOfDay: 17 * 60, dayOfWeek: 3 });
    expect(c.localDate(Date.parse('2026-06-11T02:59:00Z'))).toBe('2026-06-10');
    expect(c.startOfDay('2026-06-10')).toBe(Date.parse('2026-06-10T03:00:00Z'));
  });

  it('follows the last Brazilian DST (2018-11-04 00:00 → 01:00, ended 2019-02-17)', () => {
    const c = new TimeZoneClock('America/Sao_Paulo');
    expect(c.offsetMinutes(Date.parse('2018-11-03T12:00:00Z'))).toBe(-180);
    expect(c.offsetMinutes(Date.parse('2018-11-05T12:00:00Z'))).toBe(-120);
    // The local day 2018-11-04 started at 01:00 local = 03:00Z (midnight did not exist).
    expect(c.local(Date.parse('2018-11-04T03:00:00Z'))).toMatchObject({
      date: '2018-11-04',
      minuteOfDay: 60,
    });
    expect(c.local(Date.parse('2018-11-04T02:00:00Z'))).toMatchObject({
      date: '2018-11-03',
      minuteOfDay: 23 * 60,
    });
    expect(c.offsetMinutes(Date.parse('2019-02-17T12:00:00Z'))).toBe(-180);
  });

  it('handles Manaus (UTC−4) and calendar arithmetic', () => {
    const c = new TimeZoneClock('America/Manaus');
    expect(c.local(Date.parse('2026-01-01T03:30:00Z'))).toMatchObject({
      date: '2025-12-31',
      minuteOfDay: 23 * 60 + 30,
    });
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(daysInclusive('2025-11-17', '2025-12-16')).toBe(30);
    expect(dayOfWeek('2026-06-13')).toBe(6);
    expect(monthEnd('2026-02-10')).toBe('2026-02-28');
  });
});
