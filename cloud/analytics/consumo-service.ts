import type { ScopeDevice, ScopeHour } from './analytics-repository.ts';
import { localIso } from './analytics-scope.ts';
import type { BrancaSchedule } from './cost/branca-postos.ts';
import { PostoClassifier } from './cost/branca-postos.ts';
import { FlagLookup } from './cost/flags.ts';
import { HolidayCalendar, type HolidayConfig } from './cost/holidays.ts';
import { dateFromDayNumber, type LocalDate, type TimeZoneClock } from './cost/local-time.ts';
import { amountToRs } from './cost/money.ts';
import { SeriesPricer } from './cost/series-pricer.ts';
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
  const rows = input.hours; // sorted by hour (the repository orders them)
  // Devices by the hour they were first seen: the expected readings of hour t are those of every device
  // seen by then, kept as a running sum while t walks forward.
  const devices = input.devices
    .map((d) => ({
      firstHour: Math.floor(d.firstSeenMs / HOUR_MS) * HOUR_MS,
      perHour: 3600 / d.expectedIntervalS,
    }))
    .sort((a, b) => a.firstHour - b.firstHour);
  let nextDevice = 0;
  let expected = 0;
  const priced = !input.pricing.unavailable;
  const pricer = new SeriesPricer({
    modality: input.pricing.modality,
    clock,
    classifier:
      input.pricing.modality === 'Branca'
        ? new PostoClassifier({
            clock,
            holidays: new HolidayCalendar(input.pricing.holidays),
            schedules: input.pricing.schedules,
          })
        : undefined,
    tariffs: new TariffLookup(input.pricing.tariffs.periods),
    flags: new FlagLookup(input.pricing.flags),
    flagsApply: input.pricing.flagsApply,
  });

  // One pass over the hours: a bucket key per hour (numbers, no strings per hour), the row of that hour
  // if any (pointer into the sorted rows), and the bucket's sums; the bucket is closed when the key changes.
  const out: ConsumoBucket[] = [];
  let acc: {
    startMs: number;
    endMs: number;
    hasData: boolean;
    missingHours: number;
    expected: number;
    received: number;
    wh: number;
    wh1: number;
    wh2: number;
    peak: number | null;
    vmin: number | null;
    vmax: number | null;
  } | null = null;
  let accKey = Number.NaN;
  let dayNum = Number.NaN;
  let date = '';
  let monthKey = 0;
  let r = 0;
  const close = () => {
    if (!acc) return;
    const has = acc.hasData;
    out.push({
      start: localIso(clock, acc.startMs),
      end: localIso(clock, acc.endMs),
      kwh: has ? round(acc.wh / 1000, 6) : null,
      kwhInternal: has ? round(acc.wh1 / 1000, 6) : null,
      kwhExternal: has ? round(acc.wh2 / 1000, 6) : null,
      missing: !has && acc.expected > 0,
      partial: has && acc.missingHours > 0,
      missingHours: acc.missingHours,
      expectedReadings: Math.round(acc.expected),
      receivedReadings: acc.received,
      completeness: acc.expected > 0 ? round(Math.min(1, acc.received / acc.expected), 4) : null,
      peakPowerW: acc.peak,
      voltageMinV: acc.vmin,
      voltageMaxV: acc.vmax,
      cost: has && priced ? bucketCost(pricer, input.pricing) : null,
    });
  };
  for (let t = input.fromMs; t < input.toMs; t += HOUR_MS) {
    const dn = Math.floor((t + clock.offsetMinutes(t) * 60_000) / 86_400_000);
    if (dn !== dayNum) {
      dayNum = dn;
      date = dateFromDayNumber(dn);
      monthKey = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7));
    }
    // ISO weeks start on Monday; day 0 (1970-01-01) was a Thursday.
    const key =
      interval === 'hour'
        ? t
        : interval === 'day'
          ? dn
          : interval === 'week'
            ? Math.floor((dn + 3) / 7)
            : monthKey;
    if (!acc || key !== accKey) {
      close();
      accKey = key;
      acc = {
        startMs: t,
        endMs: t,
        hasData: false,
        missingHours: 0,
        expected: 0,
        received: 0,
        wh: 0,
        wh1: 0,
        wh2: 0,
        peak: null,
        vmin: null,
        vmax: null,
      };
    }
    acc.endMs = t + HOUR_MS;
    while (nextDevice < devices.length && devices[nextDevice]!.firstHour <= t)
      expected += devices[nextDevice++]!.perHour;
    acc.expected += expected;
    while (r < rows.length && rows[r]!.hourStartMs < t) r++;
    const h = r < rows.length && rows[r]!.hourStartMs === t ? rows[r]! : undefined;
    if (!h) {
      if (expected > 0) acc.missingHours++;
      continue;
    }
    acc.hasData = true;
    acc.received += h.readings;
    acc.wh += h.wh;
    acc.wh1 += h.wh1;
    acc.wh2 += h.wh2;
    if (h.powerMaxSumW !== null)
      acc.peak = acc.peak === null ? h.powerMaxSumW : Math.max(acc.peak, h.powerMaxSumW);
    if (h.voltageMin !== null) acc.vmin = acc.vmin === null ? h.voltageMin : Math.min(acc.vmin, h.voltageMin);
    if (h.voltageMax !== null) acc.vmax = acc.vmax === null ? h.voltageMax : Math.max(acc.vmax, h.voltageMax);
    if (priced) pricer.add(t, h.wh, date);
  }
  close();
  return out;
}

function bucketCost(pricer: SeriesPricer, pricing: PricingInputs): BucketCost {
  const p = pricer.flush();
  const net = p.energyAmount + p.flagAmount;
  return {
    netRs: round(amountToRs(net), 4),
    grossRs: pricing.taxes ? round(amountToRs(grossUpAmount(net, pricing.taxes)), 4) : null,
    byPosto: p.byPosto.map((v) => ({ posto: v.posto, kwh: v.wh / 1000, rs: round(amountToRs(v.amount), 4) })),
    flags: p.flags.map((f) => ({
      month: f.month,
      flag: f.flag,
      kwh: f.wh / 1000,
      rs: round(amountToRs(f.amount), 4),
      provisional: f.provisional,
    })),
    provisional: p.provisional,
    unpricedKwh: p.unpricedWh / 1000,
  };
}
