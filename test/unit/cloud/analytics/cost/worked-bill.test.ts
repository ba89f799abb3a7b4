import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BillSite, computeBill } from '../../../../../cloud/analytics/cost/bill-engine.ts';
import { HolidayConfig } from '../../../../../cloud/analytics/cost/holidays.ts';
import { type Cents, formatBrl } from '../../../../../cloud/analytics/cost/money.ts';
import { CEMIG_CONVENCIONAL, hourlyEnergy, resolution } from './tariff-fixtures.ts';

/**
 * The worked bills of docs/billing.md §5–6, computed by the engine and checked against the hand-computed
 * figures — and each figure must appear, formatted, in the doc, so the two cannot drift apart.
 */
const doc = readFileSync(new URL('../../../../../docs/billing.md', import.meta.url), 'utf8');
const section = (title: string) => {
  const start = doc.indexOf(title);
  const end = doc.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(-1);
  return doc.slice(start, end < 0 ? undefined : end);
};

const SITE: BillSite = {
  modality: 'Convencional',
  supplyType: 'monofasico',
  timeZone: 'America/Sao_Paulo',
  taxes: { icms: 0.18, pis: 0.0082, cofins: 0.0377 },
  cosipRs: 18.5,
};
// September 2026 Amarela 18,85 R$/MWh (real value, REH 3.306/2024; month from the datastore record, aneel.md §3a).
const FLAGS = [{ month: '2026-09-01', flag: 'Amarela', adicionalRsMwh: 18.85, published: true as const }];

function bill(wh: (hour: number) => number) {
  return computeBill({
    site: SITE,
    period: { from: '2026-09-01', to: '2026-09-30' },
    hours: hourlyEnergy('America/Sao_Paulo', '2026-09-01', '2026-09-30', (h) => wh(h)),
    tariffs: resolution(CEMIG_CONVENCIONAL, '2026-09-01', '2026-09-30'),
    flags: FLAGS,
    holidays: HolidayConfig.parse({}),
  });
}

function expectInDoc(text: string, cents: Cents) {
  expect(text).toContain(formatBrl(cents));
}

describe('docs/billing.md worked examples', () => {
  it('example 1: 186 kWh at CEMIG-D B1 Convencional (593,08 + 310,21), Amarela, taxes, COSIP → R$ 237,73', () => {
    const b = bill((h) => 150 + (h >= 18 && h <= 22 ? 520 : 0));
    const text = section('## 5. Worked example 1');
    expect(b.measuredKwh).toBe(186);
    expect(b.energy).toHaveLength(1);
    expect(b.energy[0]).toMatchObject({ tusdRsMwh: 593.08, teRsMwh: 310.21, wh: 186_000 });
    const lines: [string, Cents, Cents][] = [
      ['energy', b.energy[0]!.cents, 16801n],
      ['flag', b.flags[0]!.cents, 351n],
      ['net', b.netCents, 17152n],
      ['gross', b.grossCents, 21923n],
      ['icms', b.taxes!.icmsCents, 3946n],
      ['pis', b.taxes!.pisCents, 147n],
      ['cofins', b.taxes!.cofinsCents, 678n],
      ['cosip', b.cosipCents, 1850n],
      ['total', b.totalCents, 23773n],
    ];
    for (const [name, got, want] of lines) {
      expect([name, got]).toEqual([name, want]);
      expectInDoc(text, want);
    }
    expect(b.availability).toMatchObject({ minimumKwh: 30, complementCents: 0n });
    expect(b.provisional).toBe(false);
  });

  it('example 2: 21 kWh measured, billed up to the 30 kWh minimum → R$ 53,65', () => {
    const b = bill(() => 700 / 24);
    const text = section('## 6. Worked example 2');
    expect(b.measuredKwh).toBe(21);
    const lines: [string, Cents, Cents][] = [
      ['energy', b.energy[0]!.cents, 1897n],
      ['complement', b.availability!.complementCents, 813n],
      ['flag', b.flags[0]!.cents, 40n],
      ['net', b.netCents, 2750n],
      ['gross', b.grossCents, 3515n],
      ['total', b.totalCents, 5365n],
    ];
    for (const [name, got, want] of lines) {
      expect([name, got]).toEqual([name, want]);
      expectInDoc(text, want);
    }
    expect([b.taxes!.icmsCents, b.taxes!.pisCents, b.taxes!.cofinsCents]).toEqual([633n, 24n, 109n]);
  });
});
