import type { BrancaSchedule } from './cost/branca-postos.ts';
import { PostoClassifier } from './cost/branca-postos.ts';
import { DayPostoEnergy, priceEnergy } from './cost/energy-pricing.ts';
import { FlagLookup } from './cost/flags.ts';
import { HolidayCalendar, type HolidayConfig } from './cost/holidays.ts';
import type { LocalDate, TimeZoneClock } from './cost/local-time.ts';
import { amountToCents, amountToRs, centsToRs } from './cost/money.ts';
import { TariffLookup } from './cost/tariff-lookup.ts';
import { grossUpAmount } from './cost/taxes.ts';
import type { FlagMonth, HourEnergy, Modality, Posto, SiteTaxes, TariffResolution } from './cost/types.ts';

/**
 * Branca vs Convencional: the same measured hours re-priced under both modalities (real tariff rows, the
 * distributor's Branca hours, weekends/holidays fora ponta, the same flags and taxes). The availability
 * minimum and COSIP are left out: they are the same under both (REN 1.000 art. 290 §4 values a Branca
 * minimum at the Convencional tariff).
 */
export interface ModalityPrice {
  modality: Modality;
  netRs: number;
  grossRs: number | null;
  byPosto: { posto: Posto; kwh: number; netRs: number }[];
  unpricedKwh: number;
}

interface Side extends ModalityPrice {
  /** Exact gross (or net without taxes) amount, for the difference. */
  exact: bigint;
  measuredWh: number;
}

export interface ModalityComparison {
  from: LocalDate;
  to: LocalDate;
  kwh: number;
  convencional: ModalityPrice | null;
  branca: ModalityPrice | null;
  /** Why one side could not be priced. */
  notes: string[];
  cheaper: Modality | null;
  /** How much less the cheaper one costs, R$ (gross when taxes are known, else net) and % of the dearer. */
  differenceRs: number | null;
  differencePct: number | null;
  provisional: boolean;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export function compareModalities(input: {
  hours: HourEnergy[];
  from: LocalDate;
  to: LocalDate;
  clock: TimeZoneClock;
  conventional: TariffResolution;
  branca: TariffResolution | undefined;
  schedules: BrancaSchedule[];
  flags: FlagMonth[];
  holidays: HolidayConfig;
  flagsApply: boolean;
  taxes: SiteTaxes | null;
}): ModalityComparison {
  const notes: string[] = [];
  const flags = new FlagLookup(input.flags);
  let provisional = false;
  const side = (modality: Modality, tariffs: TariffResolution): Side | null => {
    const classifier =
      modality === 'Branca'
        ? new PostoClassifier({
            clock: input.clock,
            holidays: new HolidayCalendar(input.holidays),
            schedules: input.schedules,
          })
        : undefined;
    const energy = DayPostoEnergy.fromHours(input.hours, {
      modality,
      clock: input.clock,
      from: input.from,
      to: input.to,
      ...(classifier ? { classifier } : {}),
    });
    const priced = priceEnergy(
      energy,
      { from: input.from, to: input.to },
      { tariffs: new TariffLookup(tariffs.periods), flags, flagsApply: input.flagsApply },
      'measured',
    );
    provisional ||= priced.provisional;
    const unpricedWh = priced.unpriced.filter((u) => u.reason !== 'no_flag').reduce((s, u) => s + u.wh, 0);
    if (priced.energy.length === 0 && unpricedWh > 0) {
      notes.push(`${modality}: no tariff (or no Branca hours) for the period; cannot compare`);
      return null;
    }
    if (unpricedWh > 0) notes.push(`${modality}: ${unpricedWh / 1000} kWh have no price and are left out`);
    const byPosto = new Map<Posto, { wh: number; amount: bigint }>();
    for (const l of priced.energy) {
      const p = byPosto.get(l.posto) ?? { wh: 0, amount: 0n };
      p.wh += l.wh;
      p.amount += l.amount;
      byPosto.set(l.posto, p);
    }
    const net = priced.energyAmount + priced.flagAmount;
    return {
      exact: input.taxes ? grossUpAmount(net, input.taxes) : net,
      measuredWh: priced.measuredWh,
      modality,
      netRs: round(amountToRs(net), 2),
      grossRs: input.taxes ? round(amountToRs(grossUpAmount(net, input.taxes)), 2) : null,
      byPosto: [...byPosto].map(([posto, v]) => ({
        posto,
        kwh: v.wh / 1000,
        netRs: round(amountToRs(v.amount), 4),
      })),
      unpricedKwh: unpricedWh / 1000,
    };
  };
  const convencional = side('Convencional', input.conventional);
  let branca: Side | null = null;
  if (!input.branca) notes.push('Branca: tariffs not loaded');
  else if (input.schedules.length === 0)
    notes.push('Branca: no ponta/intermediário hours known for this distributor');
  else branca = side('Branca', input.branca);
  const kwh = (convencional?.measuredWh ?? branca?.measuredWh ?? 0) / 1000;
  let cheaper: Modality | null = null;
  let differenceRs: number | null = null;
  let differencePct: number | null = null;
  if (convencional && branca && convencional.unpricedKwh === 0 && branca.unpricedKwh === 0) {
    const c = convencional.exact;
    const b = branca.exact;
    cheaper = b < c ? 'Branca' : 'Convencional';
    const [low, dearer] = c > b ? [b, c] : [c, b];
    const diff = dearer - low;
    differenceRs = centsToRs(amountToCents(diff));
    differencePct = dearer > 0n ? round((100 * Number(diff)) / Number(dearer), 2) : 0;
  }
  const strip = (x: Side | null): ModalityPrice | null => {
    if (!x) return null;
    const { exact: _exact, measuredWh: _measuredWh, ...rest } = x;
    return rest;
  };
  return {
    from: input.from,
    to: input.to,
    kwh: round(kwh, 6),
    convencional: strip(convencional),
    branca: strip(branca),
    notes,
    cheaper,
    differenceRs,
    differencePct,
    provisional,
  };
}
