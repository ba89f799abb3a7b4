import { describe, expect, it } from 'vitest';
import { dayToIso, isoToDay, parseAneelDate } from '../../../../cloud/aneel/parse/br-date.ts';

describe('parseAneelDate', () => {
  it.each([
    ['2026-05-28', '2026-05-28'],
    ['28/05/2026', '2026-05-28'],
    ['1/4/2024', '2024-04-01'],
    ['2026-09-01T00:00:00', '2026-09-01'],
    ['2026-09-01T00:00:00.000', '2026-09-01'],
    [' 2024-02-29 ', '2024-02-29'],
  ])('%j → %s', (raw, iso) => {
    expect(parseAneelDate(raw)).toBe(iso);
  });

  it('empty is missing, not a date', () => {
    expect(parseAneelDate('')).toBeNull();
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '31/04/2026',
    '2026-13-01',
    '2026-05-28T10:30:00',
    '05/28/2026x',
    'ontem',
  ])('rejects %j', (raw) => {
    expect(parseAneelDate(raw)).toBeUndefined();
  });

  it('converts ISO dates to day numbers and back', () => {
    for (const d of ['1970-01-01', '2024-02-29', '2026-05-28', '2027-05-27'])
      expect(dayToIso(isoToDay(d))).toBe(d);
    expect(isoToDay('2026-05-28') - isoToDay('2025-05-28')).toBe(365);
  });
});
