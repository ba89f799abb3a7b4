import { allocateByWeights } from './allocate.ts';
import { type BrancaSchedule, PostoClassifier } from './branca-postos.ts';
import {
  DayPostoEnergy,
  type EnergyLine,
  type FlagLine,
  type PricedEnergy,
  type Proration,
  priceEnergy,
  type UnpricedEnergy,
} from './energy-pricing.ts';
import { FlagLookup } from './flags.ts';
import { HolidayCalendar, type HolidayConfig } from './holidays.ts';
import { daysInclusive, type LocalDate, TimeZoneClock } from './local-time.ts';
import { type Amount, amountOf, amountToCents, type Cents, rateFromRsMwh } from './money.ts';
import { TariffLookup } from './tariff-lookup.ts';
import { grossUp, type TaxBreakdown } from './taxes.ts';
import type { FlagMonth, HourEnergy, Modality, SiteTaxes, SupplyType, TariffResolution } from './types.ts';

/**
 * The B1 bill of aneel.md §6 for one billing period (local days, inclusive), from hourly energy.
 *
 * 1. Energy by posto priced with the Tarifa de Aplicação in force (TUSD + TE, R$/MWh).
 * 2. Flag: measured kWh × adicional; never on the availability complement (aneel.md §6.3).
 * 3. Availability cost (REN 1.000/2021 arts. 290–291): the bill is the larger of the consumption value and the
 *    value of 30/50/100 kWh (mono/bi/trifásico); for Branca that value uses the Convencional tariff (art. 290
 *    §4). The difference is a separate "complemento" line.
 * 4. Taxes por dentro (see taxes.ts for the variant), then COSIP added untaxed.
 */

/** kWh of the availability cost by supply type (REN 1.000/2021 art. 291). */
export const MINIMUM_KWH: Record<SupplyType, number> = { monofasico: 30, bifasico: 50, trifasico: 100 };

export interface BillSite {
  modality: Modality;
  supplyType: SupplyType;
  timeZone: string;
  taxes: SiteTaxes | null;
  cosipRs: number | null;
}

export interface BillInput {
  site: BillSite;
  period: { from: LocalDate; to: LocalDate };
  hours: Iterable<HourEnergy>;
  /** Tariffs of the site's modality (for Branca: one row per posto). */
  tariffs: TariffResolution;
  /** Convencional tariffs: needed for a Branca site's availability cost; defaults to `tariffs`. */
  conventionalTariffs?: TariffResolution;
  flags: readonly FlagMonth[];
  brancaSchedules?: readonly BrancaSchedule[];
  holidays: HolidayConfig;
  proration?: Proration;
  /** Apply the availability minimum (only meaningful for a whole billing cycle). Default true. */
  applyMinimum?: boolean;
  /** Flags apply on the interconnected grid (SIN). Default true. */
  flagsApply?: boolean;
}

export interface AvailabilityLine {
  minimumKwh: number;
  /** Value of the minimum kWh at the Convencional tariff (exact amount). */
  availabilityAmount: Amount;
  /** Value of the measured consumption (energy lines). */
  consumptionAmount: Amount;
  /** Extra billed so the bill reaches the availability value; 0 when consumption is larger. */
  complementAmount: Amount;
  complementCents: Cents;
  /** kWh added to reach the minimum (Convencional; for Branca the complement is a value, not kWh). */
  complementKwh: number | null;
}

export interface Bill {
  period: { from: LocalDate; to: LocalDate; days: number };
  modality: Modality;
  proration: Proration;
  measuredKwh: number;
  energy: (EnergyLine & { cents: Cents })[];
  flags: (FlagLine & { cents: Cents })[];
  availability: AvailabilityLine | null;
  netCents: Cents;
  taxes: TaxBreakdown | null;
  grossCents: Cents;
  cosipCents: Cents;
  totalCents: Cents;
  /** True while a flag month is a stand-in for an unpublished one. */
  provisional: boolean;
  unpriced: UnpricedEnergy[];
  warnings: string[];
}

export function buildPricing(input: {
  site: Pick<BillSite, 'modality' | 'timeZone'>;
  hours: Iterable<HourEnergy>;
  period?: { from: LocalDate; to: LocalDate };
  brancaSchedules?: readonly BrancaSchedule[];
  holidays: HolidayConfig;
}): DayPostoEnergy {
  const clock = new TimeZoneClock(input.site.timeZone);
  const classifier =
    input.site.modality === 'Branca'
      ? new PostoClassifier({
          clock,
          holidays: new HolidayCalendar(input.holidays),
          schedules: input.brancaSchedules ?? [],
        })
      : undefined;
  return DayPostoEnergy.fromHours(input.hours, {
    modality: input.site.modality,
    clock,
    ...(classifier ? { classifier } : {}),
    ...(input.period ? { from: input.period.from, to: input.period.to } : {}),
  });
}

export function computeBill(input: BillInput): Bill {
  const { site, period } = input;
  const proration = input.proration ?? 'days';
  const warnings: string[] = [];
  if (period.to < period.from) throw new RangeError('billing period ends before it starts');
  const energy = buildPricing({ ...input, period });
  const priced: PricedEnergy = priceEnergy(
    energy,
    period,
    {
      tariffs: new TariffLookup(input.tariffs.periods),
      flags: new FlagLookup(input.flags),
      flagsApply: input.flagsApply ?? true,
    },
    proration,
  );
  const energyLines = priced.energy.map((l) => ({ ...l, cents: amountToCents(l.amount) }));
  const flagLines = priced.flags.map((l) => ({ ...l, cents: amountToCents(l.amount) }));
  for (const c of input.tariffs.conflicts) warnings.push(`tariff overlap resolved: ${c}`);
  if (priced.unpriced.length)
    warnings.push('part of the energy has no price (see unpriced); the bill is incomplete');

  let availability: AvailabilityLine | null = null;
  if (input.applyMinimum ?? true) {
    availability = availabilityCost(
      site,
      period,
      input.conventionalTariffs ?? input.tariffs,
      priced,
      warnings,
    );
  }

  let netCents = 0n;
  for (const l of energyLines) netCents += l.cents;
  for (const l of flagLines) netCents += l.cents;
  if (availability) netCents += availability.complementCents;

  let taxes: TaxBreakdown | null = null;
  let grossCents = netCents;
  if (site.taxes) {
    taxes = grossUp(netCents, site.taxes);
    grossCents = taxes.grossCents;
  } else warnings.push('site has no ICMS/PIS/COFINS rates: amounts are before taxes');
  const cosipCents = site.cosipRs === null ? 0n : BigInt(Math.round(site.cosipRs * 100));

  return {
    period: { ...period, days: daysInclusive(period.from, period.to) },
    modality: site.modality,
    proration,
    measuredKwh: priced.measuredWh / 1000,
    energy: energyLines,
    flags: flagLines,
    availability,
    netCents,
    taxes,
    grossCents,
    cosipCents,
    totalCents: grossCents + cosipCents,
    provisional: priced.provisional,
    unpriced: priced.unpriced,
    warnings,
  };
}

function availabilityCost(
  site: BillSite,
  period: { from: LocalDate; to: LocalDate },
  conventional: TariffResolution,
  priced: PricedEnergy,
  warnings: string[],
): AvailabilityLine | null {
  const minimumKwh = MINIMUM_KWH[site.supplyType];
  const lookup = new TariffLookup(conventional.periods);
  const segs = lookup.segments(period.from, period.to, 'Não se aplica');
  if (segs.some((s) => !s.period)) {
    warnings.push('no Convencional tariff for every day of the period: availability minimum not checked');
    return null;
  }
  const parts = allocateByWeights(
    minimumKwh * 1000,
    segs.map((s) => daysInclusive(s.from, s.to)),
  );
  let availabilityAmount = 0n;
  segs.forEach((s, i) => {
    const p = s.period!;
    availabilityAmount += amountOf(parts[i]!, rateFromRsMwh(p.tusdRsMwh) + rateFromRsMwh(p.teRsMwh));
  });
  const consumptionAmount = priced.energyAmount;
  const complementAmount =
    consumptionAmount < availabilityAmount ? availabilityAmount - consumptionAmount : 0n;
  const complementKwh =
    site.modality === 'Convencional' && complementAmount > 0n
      ? Math.max(0, minimumKwh * 1000 - priced.measuredWh) / 1000
      : complementAmount > 0n
        ? null
        : 0;
  return {
    minimumKwh,
    availabilityAmount,
    consumptionAmount,
    complementAmount,
    complementCents: amountToCents(complementAmount),
    complementKwh,
  };
}
