import type { PricingInputs } from './consumo-service.ts';
import { PostoClassifier } from './cost/branca-postos.ts';
import { DayPostoEnergy, type PricedEnergy, priceEnergy } from './cost/energy-pricing.ts';
import { FlagLookup } from './cost/flags.ts';
import { HolidayCalendar } from './cost/holidays.ts';
import type { LocalDate, TimeZoneClock } from './cost/local-time.ts';
import { amountToRs } from './cost/money.ts';
import { TariffLookup } from './cost/tariff-lookup.ts';
import { grossUpAmount } from './cost/taxes.ts';
import type { HourEnergy } from './cost/types.ts';

/**
 * Savings of the smart lighting against the baseline of the original AICSS design (protocol.md §1.1):
 * internal lamp 60 W × 5 h/day, external lamp 100 W × 12 h/day, per board. The design priced it at a flat
 * R$ 0,75/kWh; here both the baseline and the measured energy go through the same engine as the bill (real
 * tariff of each day, posto, flag, taxes), so the R$ saved is what the site actually avoided paying.
 *
 * The baseline needs hours of the day to be priced under Branca: internal 18:00–23:00, external 18:00–06:00
 * (local). A board-day counts only when at least `minCompleteness` of its hours have data; baseline and
 * measured energy are both taken over the counted board-days only, so a gap never shows up as savings.
 */
export const BASELINE = {
  internalW: 60,
  internalHours: [18, 19, 20, 21, 22],
  externalW: 100,
  externalHours: [18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5],
  description:
    'AICSS baseline: internal 60 W × 5 h/day (18–23 h), external 100 W × 12 h/day (18–06 h), per board',
} as const;

export interface DeviceHour {
  deviceId: string;
  hourStartMs: number;
  wh1: number;
  wh2: number;
}

export interface EnergyCost {
  kwh: number;
  kwhInternal: number;
  kwhExternal: number;
  netRs: number;
  grossRs: number | null;
}

export interface SavingsResult {
  baselineDescription: string;
  boardDaysCounted: number;
  boardDaysSkipped: number;
  baseline: EnergyCost;
  measured: EnergyCost;
  saved: {
    kwh: number;
    netRs: number;
    grossRs: number | null;
    pct: number | null;
    internalPct: number | null;
    externalPct: number | null;
  };
  provisional: boolean;
  unpricedKwh: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export function lightingSavings(input: {
  deviceHours: DeviceHour[];
  deviceIds: string[];
  fromMs: number;
  toMs: number;
  clock: TimeZoneClock;
  pricing: PricingInputs;
  minCompleteness: number;
}): SavingsResult {
  const { clock } = input;
  const HOUR = 3_600_000;
  // Local day → its hours (instants) inside the range.
  const dayHours = new Map<LocalDate, number[]>();
  const localHour = new Map<number, number>();
  for (let t = input.fromMs; t < input.toMs; t += HOUR) {
    const p = clock.local(t);
    const list = dayHours.get(p.date) ?? [];
    list.push(t);
    dayHours.set(p.date, list);
    localHour.set(t, Math.floor(p.minuteOfDay / 60));
  }
  const byDevice = new Map<string, Map<number, DeviceHour>>();
  for (const h of input.deviceHours) {
    let m = byDevice.get(h.deviceId);
    if (!m) {
      m = new Map();
      byDevice.set(h.deviceId, m);
    }
    m.set(h.hourStartMs, h);
  }
  const measured = new Map<number, { wh1: number; wh2: number }>();
  const baseline = new Map<number, { wh1: number; wh2: number }>();
  const add = (m: Map<number, { wh1: number; wh2: number }>, t: number, wh1: number, wh2: number) => {
    const v = m.get(t) ?? { wh1: 0, wh2: 0 };
    v.wh1 += wh1;
    v.wh2 += wh2;
    m.set(t, v);
  };
  let counted = 0;
  let skipped = 0;
  for (const deviceId of input.deviceIds) {
    const hours = byDevice.get(deviceId) ?? new Map<number, DeviceHour>();
    for (const list of dayHours.values()) {
      // Only whole local days of the range count (the first/last may be cut by an instant range).
      if (list.length < 23) continue;
      const present = list.filter((t) => hours.has(t)).length;
      if (present / list.length < input.minCompleteness) {
        skipped++;
        continue;
      }
      counted++;
      for (const t of list) {
        const h = hours.get(t);
        if (h) add(measured, t, h.wh1, h.wh2);
        const lh = localHour.get(t)!;
        const b1 = (BASELINE.internalHours as readonly number[]).includes(lh) ? BASELINE.internalW : 0;
        const b2 = (BASELINE.externalHours as readonly number[]).includes(lh) ? BASELINE.externalW : 0;
        if (b1 || b2) add(baseline, t, b1, b2);
      }
    }
  }
  const pricedMeasured = price(measured, input);
  const pricedBaseline = price(baseline, input);
  const m = summarize(measured, pricedMeasured, input.pricing);
  const b = summarize(baseline, pricedBaseline, input.pricing);
  const pct = (base: number, got: number) => (base > 0 ? round((100 * (base - got)) / base, 2) : null);
  return {
    baselineDescription: BASELINE.description,
    boardDaysCounted: counted,
    boardDaysSkipped: skipped,
    baseline: b,
    measured: m,
    saved: {
      kwh: round(b.kwh - m.kwh, 6),
      netRs: round(b.netRs - m.netRs, 4),
      grossRs: b.grossRs === null || m.grossRs === null ? null : round(b.grossRs - m.grossRs, 4),
      pct: pct(b.kwh, m.kwh),
      internalPct: pct(b.kwhInternal, m.kwhInternal),
      externalPct: pct(b.kwhExternal, m.kwhExternal),
    },
    provisional: pricedMeasured.provisional || pricedBaseline.provisional,
    unpricedKwh:
      pricedMeasured.unpriced.filter((u) => u.reason !== 'no_flag').reduce((s, u) => s + u.wh, 0) / 1000,
  };
}

function price(
  hours: Map<number, { wh1: number; wh2: number }>,
  input: { clock: TimeZoneClock; pricing: PricingInputs },
): PricedEnergy {
  const { clock, pricing } = input;
  const series: HourEnergy[] = [...hours].map(([t, v]) => ({ hourStartMs: t, wh: v.wh1 + v.wh2 }));
  const classifier =
    pricing.modality === 'Branca'
      ? new PostoClassifier({
          clock,
          holidays: new HolidayCalendar(pricing.holidays),
          schedules: pricing.schedules,
        })
      : undefined;
  const energy = DayPostoEnergy.fromHours(series, {
    modality: pricing.modality,
    clock,
    ...(classifier ? { classifier } : {}),
  });
  const days = [...energy.byDay.keys()].sort();
  return priceEnergy(
    energy,
    { from: days[0] ?? '1970-01-01', to: days[days.length - 1] ?? '1970-01-01' },
    {
      tariffs: new TariffLookup(pricing.tariffs.periods),
      flags: new FlagLookup(pricing.flags),
      flagsApply: pricing.flagsApply,
    },
    'measured',
  );
}

function summarize(
  hours: Map<number, { wh1: number; wh2: number }>,
  priced: PricedEnergy,
  pricing: PricingInputs,
): EnergyCost {
  let wh1 = 0;
  let wh2 = 0;
  for (const v of hours.values()) {
    wh1 += v.wh1;
    wh2 += v.wh2;
  }
  const net = priced.energyAmount + priced.flagAmount;
  return {
    kwh: round((wh1 + wh2) / 1000, 6),
    kwhInternal: round(wh1 / 1000, 6),
    kwhExternal: round(wh2 / 1000, 6),
    netRs: round(amountToRs(net), 4),
    grossRs: pricing.taxes ? round(amountToRs(grossUpAmount(net, pricing.taxes)), 4) : null,
  };
}
