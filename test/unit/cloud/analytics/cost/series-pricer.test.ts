import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PostoClassifier } from '../../../../../cloud/analytics/cost/branca-postos.ts';
import { DayPostoEnergy, priceEnergy } from '../../../../../cloud/analytics/cost/energy-pricing.ts';
import { FlagLookup } from '../../../../../cloud/analytics/cost/flags.ts';
import { HolidayCalendar, HolidayConfig } from '../../../../../cloud/analytics/cost/holidays.ts';
import { TimeZoneClock } from '../../../../../cloud/analytics/cost/local-time.ts';
import { SeriesPricer } from '../../../../../cloud/analytics/cost/series-pricer.ts';
import { TariffLookup } from '../../../../../cloud/analytics/cost/tariff-lookup.ts';
import type { Modality } from '../../../../../cloud/analytics/cost/types.ts';
import { CEMIG_BRANCA_SYNTHETIC, CEMIG_CONVENCIONAL, CEMIG_SCHEDULE, REAL_FLAGS } from './tariff-fixtures.ts';

/**
 * The dashboard's SeriesPricer is an optimised twin of priceEnergy(…, 'measured'): for any bucket of hours it
 * must give the same amounts (same rows, same quantisation), for Convencional and Branca (SYNTHETIC tariff).
 */
const clock = new TimeZoneClock('America/Sao_Paulo');
const classifier = new PostoClassifier({
  clock,
  holidays: new HolidayCalendar(HolidayConfig.parse({})),
  schedules: [CEMIG_SCHEDULE],
});
const BRANCA_WITH_GAP = CEMIG_BRANCA_SYNTHETIC.map((p) => ({ ...p, from: '2026-06-01' }));

function both(modality: Modality, hours: { hourStartMs: number; wh: number }[]) {
  const periods = modality === 'Convencional' ? CEMIG_CONVENCIONAL : BRANCA_WITH_GAP;
  const tariffs = new TariffLookup(periods);
  const flags = new FlagLookup(REAL_FLAGS);
  const pricer = new SeriesPricer({ modality, clock, classifier, tariffs, flags, flagsApply: true });
  for (const h of hours) pricer.add(h.hourStartMs, h.wh);
  const fast = pricer.flush();
  const energy = DayPostoEnergy.fromHours(hours, { modality, clock, classifier });
  const days = [...energy.byDay.keys(), ...energy.unclassified.keys()].sort();
  const slow = priceEnergy(
    energy,
    { from: days[0] ?? '2026-01-01', to: days[days.length - 1] ?? '2026-01-01' },
    { tariffs, flags, flagsApply: true },
    'measured',
  );
  return { fast, slow };
}

describe('SeriesPricer', () => {
  it.each(['Convencional', 'Branca'] as const)(
    'prices %s buckets exactly like priceEnergy (measured)',
    (modality) => {
      fc.assert(
        fc.property(
          // Start between 2026-04-20 and 2026-07-10 (crosses the 2026-05-28 tariff change, the Branca gap
          // before 2026-06-01 and unpublished flag months), up to 5 days of hours.
          fc.integer({ min: 0, max: 81 * 24 }),
          fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 1, maxLength: 120 }),
          (startHour, whs) => {
            const t0 = Date.parse('2026-04-20T03:00:00Z') + startHour * 3_600_000;
            const hours = whs.map((wh, i) => ({ hourStartMs: t0 + i * 3_600_000, wh }));
            const { fast, slow } = both(modality, hours);
            expect(fast.energyAmount).toBe(slow.energyAmount);
            expect(fast.flagAmount).toBe(slow.flagAmount);
            expect(fast.provisional).toBe(slow.provisional);
            const unpriced = slow.unpriced
              .filter((u) => u.reason !== 'no_flag')
              .reduce((s, u) => s + u.wh, 0);
            // The slow path rounds each unpriced run (per posto) to a Wh, the fast one the bucket total.
            expect(Math.abs(fast.unpricedWh - unpriced)).toBeLessThanOrEqual(3);
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});
