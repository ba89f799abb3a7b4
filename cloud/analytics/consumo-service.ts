import type { ScopeDevice, ScopeHour } from './analytics-repository.ts';
import { localIso } from './analytics-scope.ts';
import type { BrancaSchedule } from './cost/branca-postos.ts';
import { PostoClassifier } from './cost/branca-postos.ts';
import { DayPostoEnergy, priceEnergy } from './cost/energy-pricing.ts';
import { FlagLookup } from './cost/flags.ts';
import { HolidayCalendar, type HolidayConfig } from './cost/holidays.ts';
import { addDays, dayOfWeek, type LocalDate, monthStart, type TimeZoneClock } from './cost/local-time.ts';
import { type Amount, amountToRs } from './cost/money.ts';
import { TariffLookup } from './cost/tariff-lookup.ts';
import { grossUpAmount } from './cost/taxes.ts';
import type { FlagMonth, Modality, Posto, SiteTaxes, TariffResolution } from './cost/types.ts';

export type Interval = 'hour' | 'day' | 'week' | 'month';

export interface BucketCost {
  /** Before taxes: energy (by posto) + flag. */
  netRs: number;
  /** With ICMS/PIS/COFINS por dentro; null when the site has no tax rates. */
  grossRs: number | null;
  byPosto: { posto: Posto; kwh: number; rs: number }[];
  flags: { month: LocalDate; flag: string; kwh: number; rs: number; provisional: boolean }[];
  provisional: boolean;
  /** kWh with no tariff (gap, no Branca schedule) — excluded from the R$, never priced with a stale value. */
  unpricedKwh: number;
}

export interface ConsumoBucket {
  start: string;
  end: string;
  /** null when no device of the scope sent anything in the bucket (missing, not zero). */
  kwh: number | null;
  kwhInternal: number | null;
  kwhExternal: number | null;
  missing: boolean;
  /** Some hours of the bucket have no data (kwh counts only the hours that do). */
  partial: boolean;
  missingHours: number;
  expectedReadings: number;
  receivedReadings: number;
  /** received ÷ expected (capped at 1); null when nothing was expected (before the first device). */
  completeness: number | null;
  peakPowerW: number | null;
  voltageMinV: number | null;
  voltageMaxV: number | null;
  cost: BucketCost | null;
}

export interface PricingInputs {
  modality: Modality;
  tariffs: TariffResolution;
  flags: FlagMonth[];
  schedules: BrancaSchedule[];
  holidays: HolidayConfig;
  flagsApply: boolean;
  taxes: SiteTaxes | null;
  /** Set when nothing can be priced (no distributor). */
  unavailable?: string;
}

const HOUR_MS = 3_600_000;

export function bucketKey(clock: TimeZoneClock, ms: number, interval: Interval): string {
  if (interval === 'hour') return String(ms);
  const date = clock.localDate(ms);
  if (interval === 'day') return date;
  if (interval === 'month') return monthStart(date);
  // ISO week: starts on Monday.
  return addDays(date, -((dayOfWeek(date) + 6) % 7));
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Builds the consumo series: one bucket per interval in [fromMs, toMs) in the site's time zone, every bucket
 * present (empty ones marked missing), with energy, completeness, peaks, voltages and cost.
 */
export function buildConsumoSeries(input: {
  hours: ScopeHour[];
  devices: ScopeDevice[];
  fromMs: number;
  toMs: number;
  interval: Interval;
  clock: TimeZoneClock;
  pricing: PricingInputs;
}): ConsumoBucket[] {
  const { clock, interval } = input;
  const byHour = new Map<number, ScopeHour>();
  for (const h of input.hours) byHour.set(h.hourStartMs, h);
  const devices = input.devices.map((d) => ({
    firstHour: Math.floor(d.firstSeenMs / HOUR_MS) * HOUR_MS,
    perHour: 3600 / d.expectedIntervalS,
  }));

  const tariffs = new TariffLookup(input.pricing.tariffs.periods);
  const flags = new FlagLookup(input.pricing.flags);
  const classifier =
    input.pricing.modality === 'Branca'
      ? new PostoClassifier({
          clock,
          holidays: new HolidayCalendar(input.pricing.holidays),
          schedules: input.pricing.schedules,
        })
      : undefined;

  interface Acc {
    startMs: number;
    endMs: number;
    hours: ScopeHour[];
    hoursWithData: number;
    missingHours: number;
    expected: number;
  }
  const buckets: Acc[] = [];
  let current: Acc | undefined;
  let currentKey = '';
  for (let t = input.fromMs; t < input.toMs; t += HOUR_MS) {
    const key = bucketKey(clock, t, interval);
    if (!current || key !== currentKey) {
      current = { startMs: t, endMs: t + HOUR_MS, hours: [], hoursWithData: 0, missingHours: 0, expected: 0 };
      currentKey = key;
      buckets.push(current);
    }
    current.endMs = t + HOUR_MS;
    let expected = 0;
    for (const d of devices) if (d.firstHour <= t) expected += d.perHour;
    current.expected += expected;
    const h = byHour.get(t);
    if (h) {
      current.hours.push(h);
      current.hoursWithData++;
    } else if (expected > 0) current.missingHours++;
  }

  return buckets.map((b) => {
    const received = b.hours.reduce((s, h) => s + h.readings, 0);
    const has = b.hours.length > 0;
    let wh = 0;
    let wh1 = 0;
    let wh2 = 0;
    let peak: number | null = null;
    let vmin: number | null = null;
    let vmax: number | null = null;
    for (const h of b.hours) {
      wh += h.wh;
      wh1 += h.wh1;
      wh2 += h.wh2;
      if (h.powerMaxSumW !== null) peak = peak === null ? h.powerMaxSumW : Math.max(peak, h.powerMaxSumW);
      if (h.voltageMin !== null) vmin = vmin === null ? h.voltageMin : Math.min(vmin, h.voltageMin);
      if (h.voltageMax !== null) vmax = vmax === null ? h.voltageMax : Math.max(vmax, h.voltageMax);
    }
    return {
      start: localIso(clock, b.startMs),
      end: localIso(clock, b.endMs),
      kwh: has ? round(wh / 1000, 6) : null,
      kwhInternal: has ? round(wh1 / 1000, 6) : null,
      kwhExternal: has ? round(wh2 / 1000, 6) : null,
      missing: !has && b.expected > 0,
      partial: has && b.missingHours > 0,
      missingHours: b.missingHours,
      expectedReadings: Math.round(b.expected),
      receivedReadings: received,
      completeness: b.expected > 0 ? round(Math.min(1, received / b.expected), 4) : null,
      peakPowerW: peak,
      voltageMinV: vmin,
      voltageMaxV: vmax,
      cost:
        has && !input.pricing.unavailable
          ? bucketCost(b.hours, clock, classifier, tariffs, flags, input.pricing)
          : null,
    };
  });
}

function bucketCost(
  hours: ScopeHour[],
  clock: TimeZoneClock,
  classifier: PostoClassifier | undefined,
  tariffs: TariffLookup,
  flags: FlagLookup,
  pricing: PricingInputs,
): BucketCost {
  const energy = DayPostoEnergy.fromHours(
    hours.map((h) => ({ hourStartMs: h.hourStartMs, wh: h.wh })),
    { modality: pricing.modality, clock, ...(classifier ? { classifier } : {}) },
  );
  const days = [...energy.byDay.keys(), ...energy.unclassified.keys()].sort();
  const period = { from: days[0] ?? '1970-01-01', to: days[days.length - 1] ?? '1970-01-01' };
  const priced = priceEnergy(energy, period, { tariffs, flags, flagsApply: pricing.flagsApply }, 'measured');
  const byPosto = new Map<Posto, { wh: number; amount: Amount }>();
  for (const l of priced.energy) {
    const p = byPosto.get(l.posto) ?? { wh: 0, amount: 0n };
    p.wh += l.wh;
    p.amount += l.amount;
    byPosto.set(l.posto, p);
  }
  const net = priced.energyAmount + priced.flagAmount;
  return {
    netRs: round(amountToRs(net), 4),
    grossRs: pricing.taxes ? round(amountToRs(grossUpAmount(net, pricing.taxes)), 4) : null,
    byPosto: [...byPosto].map(([posto, v]) => ({
      posto,
      kwh: v.wh / 1000,
      rs: round(amountToRs(v.amount), 4),
    })),
    flags: priced.flags.map((f) => ({
      month: f.month,
      flag: f.flag,
      kwh: f.wh / 1000,
      rs: round(amountToRs(f.amount), 4),
      provisional: f.provisional,
    })),
    provisional: priced.provisional,
    unpricedKwh: priced.unpriced.filter((u) => u.reason !== 'no_flag').reduce((s, u) => s + u.wh, 0) / 1000,
  };
}
