import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateByWeights } from '../../../../../cloud/analytics/cost/allocate.ts';
import {
  amountOf,
  amountToCents,
  formatBrl,
  rateFromRsMwh,
  roundDiv,
} from '../../../../../cloud/analytics/cost/money.ts';
import { grossUp } from '../../../../../cloud/analytics/cost/taxes.ts';

describe('fixed-point money', () => {
  it('prices 1 kWh at 593,08 + 310,21 R$/MWh exactly: R$ 0,90329', () => {
    const a = amountOf(1000, rateFromRsMwh(593.08) + rateFromRsMwh(310.21));
    expect(a).toBe(9_032_900_000n); // 10⁻¹⁰ R$
    expect(amountToCents(a)).toBe(90n);
  });

  it('rounds half away from zero', () => {
    expect(roundDiv(5n, 10n)).toBe(1n);
    expect(roundDiv(4n, 10n)).toBe(0n);
    expect(roundDiv(-5n, 10n)).toBe(-1n);
    expect(roundDiv(15n, 10n)).toBe(2n);
    expect(formatBrl(123456n)).toBe('R$ 1.234,56');
    expect(formatBrl(-5n)).toBe('-R$ 0,05');
  });

  it('allocates Wh by days without creating or losing any', () => {
    expect(allocateByWeights(310_000, [14, 16])).toEqual([144_667, 165_333]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 1, max: 31 }), { minLength: 1, maxLength: 5 }),
        (total, w) => {
          const parts = allocateByWeights(total, w);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = w.reduce((a, b) => a + b, 0);
          for (const [i, p] of parts.entries()) expect(Math.abs(p - (total * w[i]!) / sum)).toBeLessThan(1);
        },
      ),
    );
  });
});

describe('taxes por dentro (ICMS outside the PIS/COFINS base)', () => {
  it('grosses up R$ 149,80 with ICMS 18 %, PIS 0,82 %, COFINS 3,77 %', () => {
    const t = grossUp(14980n, { icms: 0.18, pis: 0.0082, cofins: 0.0377 });
    // 149,80 / ((1 − 0,0082 − 0,0377) × (1 − 0,18)) = 149,80 / 0,782362 = 191,4714…
    expect(t.grossCents).toBe(19147n);
    expect(t.icmsCents).toBe(3446n); // 191,47 × 0,18 = 34,4646
    expect(t.pisCents).toBe(129n); // (191,47 − 34,46) × 0,0082 = 1,2875
    expect(t.cofinsCents).toBe(592n); // 157,01 × 0,0377 = 5,9193
  });

  it('reproduces the worked example of aneel.md §6.4 (0,66 → ≈ 0,8165 per kWh)', () => {
    // Rates kept to 5 decimals as sites.* numeric(6,5) stores them: 0,00466 and 0,02146.
    const t = grossUp(6600n, { icms: 0.17, pis: 0.004659, cofins: 0.021458 });
    expect(t.grossCents).toBe(8165n);
  });

  it('gross minus the taxes gives back the net within rounding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 0, max: 8_000 }),
        (net, icms, pis, cofins) => {
          const t = grossUp(BigInt(net), { icms: icms / 1e5, pis: pis / 1e5, cofins: cofins / 1e5 });
          const back = t.grossCents - t.icmsCents - t.pisCents - t.cofinsCents;
          expect(Math.abs(Number(back) - net)).toBeLessThanOrEqual(2);
        },
      ),
    );
  });
});
