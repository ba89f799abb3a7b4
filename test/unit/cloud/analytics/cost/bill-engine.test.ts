import { describe, expect, it } from 'vitest';
import { type BillSite, computeBill } from '../../../../../cloud/analytics/cost/bill-engine.ts';
import { HolidayConfig } from '../../../../../cloud/analytics/cost/holidays.ts';
import type { FlagMonth } from '../../../../../cloud/analytics/cost/types.ts';
import {
  CEMIG_BRANCA_SYNTHETIC,
  CEMIG_CONVENCIONAL,
  CEMIG_SCHEDULE,
  hourlyEnergy,
  REAL_FLAGS,
  resolution,
} from './tariff-fixtures.ts';

const TZ = 'America/Sao_Paulo';
const HOLIDAYS = HolidayConfig.parse({});
const CONV_SITE: BillSite = {
  modality: 'Convencional',
  supplyType: 'monofasico',
  timeZone: TZ,
  taxes: null,
  cosipRs: null,
};

describe('prices', () => {
  it('CEMIG-D B1 Convencional on a day of its 2026 validity is TUSD 593,08 + TE 310,21 R$/MWh', () => {
    const bill = computeBill({
      site: CONV_SITE,
      period: { from: '2026-07-15', to: '2026-07-15' },
      hours: hourlyEnergy(TZ, '2026-07-15', '2026-07-15', () => 1000 / 24),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2026-07-15', '2026-07-15'),
      flags: [],
      holidays: HOLIDAYS,
      applyMinimum: false,
      flagsApply: false,
    });
    expect(bill.energy).toHaveLength(1);
    expect(bill.energy[0]).toMatchObject({
      tusdRsMwh: 593.08,
      teRsMwh: 310.21,
      wh: 1000,
      posto: 'Não se aplica',
    });
    expect(bill.energy[0]!.reh).toContain('3.589');
    expect(bill.energy[0]!.amount).toBe(9_032_900_000n); // R$ 0,90329 for 1 kWh
  });

  it('prices a Branca weekday across postos (SYNTHETIC Branca tariff, CEMIG 17–20h schedule)', () => {
    const bill = computeBill({
      site: { ...CONV_SITE, modality: 'Branca' },
      period: { from: '2026-06-10', to: '2026-06-10' },
      hours: hourlyEnergy(TZ, '2026-06-10', '2026-06-10', () => 100),
      tariffs: resolution(CEMIG_BRANCA_SYNTHETIC, '2026-06-10', '2026-06-10'),
      flags: [],
      brancaSchedules: [CEMIG_SCHEDULE],
      holidays: HOLIDAYS,
      applyMinimum: false,
      flagsApply: false,
    });
    const byPosto = Object.fromEntries(bill.energy.map((l) => [l.posto, l]));
    expect(byPosto.Ponta!.wh).toBe(300);
    expect(byPosto.Intermediário!.wh).toBe(200);
    expect(byPosto['Fora ponta']!.wh).toBe(1900);
    // 0,3 × 1,46352 + 0,2 × 1,17543 + 1,9 × 0,65616 = 0,439056 + 0,235086 + 1,246704 = 1,920846
    expect(bill.energy.reduce((a, l) => a + l.amount, 0n)).toBe(19_208_460_000n);
    expect(bill.netCents).toBe(193n); // 0,44 + 0,24 + 1,25 (each line rounded)
  });

  it('reports a tariff gap as unpriced energy and never prices it with a neighbour', () => {
    const bill = computeBill({
      site: CONV_SITE,
      period: { from: '2026-05-26', to: '2026-05-29' },
      hours: hourlyEnergy(TZ, '2026-05-26', '2026-05-29', () => 250),
      // Only the new tariff: 26 and 27 May have none.
      tariffs: {
        periods: [CEMIG_CONVENCIONAL[2]!],
        gaps: [{ from: '2026-05-26', to: '2026-05-27' }],
        conflicts: [],
      },
      flags: [],
      holidays: HOLIDAYS,
      proration: 'measured',
      applyMinimum: false,
      flagsApply: false,
    });
    expect(bill.energy).toHaveLength(1);
    expect(bill.energy[0]).toMatchObject({ from: '2026-05-28', to: '2026-05-29', wh: 12_000 });
    expect(bill.unpriced).toEqual([
      { from: '2026-05-26', to: '2026-05-27', posto: 'Não se aplica', wh: 12_000, reason: 'no_tariff' },
    ]);
    expect(bill.warnings.join(' ')).toMatch(/no price/);
  });
});

describe('billing periods', () => {
  // 2025-11-17 → 2025-12-16: 14 days of November (Vermelha P1 44,63) and 16 of December (Amarela 18,85),
  // real flags; 5 kWh/day in November and 15 kWh/day in December, 310 kWh in all.
  const acrossFlags = (proration: 'days' | 'measured') =>
    computeBill({
      site: CONV_SITE,
      period: { from: '2025-11-17', to: '2025-12-16' },
      hours: hourlyEnergy(TZ, '2025-11-17', '2025-12-16', (_h, d) => (d < '2025-12-01' ? 5000 : 15000) / 24),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2025-11-17', '2025-12-16'),
      flags: REAL_FLAGS,
      holidays: HOLIDAYS,
      proration,
    });

  it('prorates the flag by days across two flag months (distributor rule)', () => {
    const bill = acrossFlags('days');
    expect(bill.measuredKwh).toBe(310);
    expect(bill.flags.map((f) => [f.flag, f.wh, f.cents])).toEqual([
      ['Vermelha P1', 144_667, 646n], // 144,667 kWh × 0,04463 = 6,4565
      ['Amarela', 165_333, 312n], // 165,333 kWh × 0,01885 = 3,1165
    ]);
    expect(bill.provisional).toBe(false);
    expect(bill.energy.map((l) => l.cents)).toEqual([26616n]); // 310 × 0,85858 = 266,1598
  });

  it('can attribute each day to its own flag month instead (measured)', () => {
    const bill = acrossFlags('measured');
    expect(bill.flags.map((f) => [f.flag, f.wh, f.cents])).toEqual([
      ['Vermelha P1', 70_000, 312n], // 70 × 0,04463 = 3,1241
      ['Amarela', 240_000, 452n], // 240 × 0,01885 = 4,524
    ]);
  });

  it('prorates energy by days across a tariff change (REH 3.459 → 3.589 on 2026-05-28)', () => {
    const bill = computeBill({
      site: CONV_SITE,
      period: { from: '2026-05-13', to: '2026-06-11' },
      hours: hourlyEnergy(TZ, '2026-05-13', '2026-06-11', () => 250),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2026-05-13', '2026-06-11'),
      flags: REAL_FLAGS,
      holidays: HOLIDAYS,
    });
    expect(bill.energy.map((l) => [l.from, l.to, l.wh, l.tusdRsMwh, l.teRsMwh, l.cents])).toEqual([
      ['2026-05-13', '2026-05-27', 90_000, 541.3, 317.28, 7727n], // 90 × 0,85858 = 77,2722
      ['2026-05-28', '2026-06-11', 90_000, 593.08, 310.21, 8130n], // 90 × 0,90329 = 81,2961
    ]);
    // May and June 2026 are not published in the real file: April's Verde stands in, marked provisional.
    expect(bill.provisional).toBe(true);
    expect(bill.flags.map((f) => [f.month, f.flag, f.sourceMonth, f.provisional])).toEqual([
      ['2026-05-01', 'Verde', '2026-04-01', true],
      ['2026-06-01', 'Verde', '2026-04-01', true],
    ]);
  });

  it('re-prices when the missing flag months appear (HYPOTHETICAL May/June 2026 values)', () => {
    const published: FlagMonth[] = [
      ...REAL_FLAGS,
      { month: '2026-05-01', flag: 'Amarela', adicionalRsMwh: 18.85, published: true },
      { month: '2026-06-01', flag: 'Vermelha P1', adicionalRsMwh: 44.63, published: true },
    ];
    const bill = computeBill({
      site: CONV_SITE,
      period: { from: '2026-05-13', to: '2026-06-11' },
      hours: hourlyEnergy(TZ, '2026-05-13', '2026-06-11', () => 250),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2026-05-13', '2026-06-11'),
      flags: published,
      holidays: HOLIDAYS,
    });
    expect(bill.provisional).toBe(false);
    // 180 kWh split 19 days (May) / 11 days (June): 114 kWh × 0,01885 = 2,1489; 66 × 0,04463 = 2,94558
    expect(bill.flags.map((f) => [f.flag, f.wh, f.cents])).toEqual([
      ['Amarela', 114_000, 215n],
      ['Vermelha P1', 66_000, 295n],
    ]);
  });
});

describe('availability cost (minimum billed)', () => {
  const lowMonth = (supplyType: BillSite['supplyType'], kwhPerDay: number) =>
    computeBill({
      site: { ...CONV_SITE, supplyType },
      period: { from: '2026-09-01', to: '2026-09-30' },
      hours: hourlyEnergy(TZ, '2026-09-01', '2026-09-30', () => (kwhPerDay * 1000) / 24),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2026-09-01', '2026-09-30'),
      flags: [{ month: '2026-09-01', flag: 'Amarela', adicionalRsMwh: 18.85, published: true }],
      holidays: HOLIDAYS,
    });

  it('bills 30 kWh to a single-phase site that used 21 kWh; the flag stays on the 21 kWh', () => {
    const bill = lowMonth('monofasico', 0.7);
    expect(bill.measuredKwh).toBe(21);
    expect(bill.availability).toMatchObject({ minimumKwh: 30, complementKwh: 9, complementCents: 813n }); // 9 × 0,90329
    expect(bill.energy[0]!.cents).toBe(1897n); // 21 × 0,90329 = 18,96909
    expect(bill.flags[0]!.wh).toBe(21_000);
    expect(bill.flags[0]!.cents).toBe(40n); // 21 × 0,01885 = 0,39585
    expect(bill.netCents).toBe(1897n + 813n + 40n);
  });

  it('uses 50 kWh for bifásico and 100 kWh for trifásico, and nothing when consumption is above', () => {
    expect(lowMonth('bifasico', 1).availability).toMatchObject({ minimumKwh: 50, complementKwh: 20 });
    expect(lowMonth('trifasico', 3).availability).toMatchObject({ minimumKwh: 100, complementKwh: 10 });
    expect(lowMonth('monofasico', 3).availability).toMatchObject({
      complementAmount: 0n,
      complementCents: 0n,
    });
  });

  it('values a Branca minimum with the Convencional tariff (REN 1.000/2021 art. 290 §4)', () => {
    const bill = computeBill({
      site: { ...CONV_SITE, modality: 'Branca' },
      period: { from: '2026-09-01', to: '2026-09-30' },
      hours: hourlyEnergy(TZ, '2026-09-01', '2026-09-30', (h) => (h === 3 ? 500 : 0)), // 15 kWh fora ponta
      tariffs: resolution(CEMIG_BRANCA_SYNTHETIC, '2026-09-01', '2026-09-30'),
      conventionalTariffs: resolution(CEMIG_CONVENCIONAL, '2026-09-01', '2026-09-30'),
      flags: [],
      brancaSchedules: [CEMIG_SCHEDULE],
      holidays: HOLIDAYS,
      flagsApply: false,
    });
    // consumption 15 kWh × 0,65616 = 9,8424; availability 30 × 0,90329 = 27,0987; complement 17,2563
    expect(bill.availability).toMatchObject({ complementCents: 1726n, complementKwh: null });
    expect(bill.netCents).toBe(984n + 1726n);
  });
});

describe('taxes and COSIP', () => {
  it('adds taxes por dentro on the net and COSIP after them', () => {
    const bill = computeBill({
      site: { ...CONV_SITE, taxes: { icms: 0.18, pis: 0.0082, cofins: 0.0377 }, cosipRs: 18.5 },
      period: { from: '2026-09-01', to: '2026-09-30' },
      hours: hourlyEnergy(TZ, '2026-09-01', '2026-09-30', () => 6000 / 24),
      tariffs: resolution(CEMIG_CONVENCIONAL, '2026-09-01', '2026-09-30'),
      flags: [],
      holidays: HOLIDAYS,
      flagsApply: false,
    });
    // 180 kWh × 0,90329 = 162,5922 → 162,59; / 0,782362 = 207,82
    expect(bill.netCents).toBe(16259n);
    expect(bill.grossCents).toBe(20782n);
    expect(bill.cosipCents).toBe(1850n);
    expect(bill.totalCents).toBe(20782n + 1850n);
  });
});
