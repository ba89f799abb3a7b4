import { allocateByWeights } from './allocate.ts';
import type { PostoClassifier } from './branca-postos.ts';
import type { FlagLookup } from './flags.ts';
import {
  addDays,
  daysInclusive,
  type LocalDate,
  maxDate,
  minDate,
  monthEnd,
  monthStart,
  nextMonthStart,
  type TimeZoneClock,
} from './local-time.ts';
import { type Amount, amountOf, quantiseWh, rateFromRsMwh } from './money.ts';
import type { TariffLookup } from './tariff-lookup.ts';
import type { HourEnergy, Modality, Posto, TariffPeriod } from './types.ts';

/**
 * Prices energy that has already been split by local day and posto.
 *
 * Two ways to attribute energy to tariff rows and flag months (`proration`):
 * - `measured`: each day's energy is priced with the row in force that day and the flag of that day's month.
 *   Exact with hourly data; used by the dashboard series.
 * - `days`: the period's energy (per posto) is split in proportion to calendar days across tariff rows and
 *   flag months — what a distributor does with one meter reading (aneel.md §6.2–6.3, COCEL 2019). Used by
 *   the bill so it matches the distributor's.
 */
export type Proration = 'measured' | 'days';

export interface EnergyLine {
  posto: Posto;
  from: LocalDate;
  to: LocalDate;
  wh: number;
  tusdRsMwh: number;
  teRsMwh: number;
  reh: string;
  amount: Amount;
}

export interface FlagLine {
  month: LocalDate;
  from: LocalDate;
  to: LocalDate;
  flag: string;
  adicionalRsMwh: number;
  provisional: boolean;
  sourceMonth: LocalDate;
  wh: number;
  amount: Amount;
}

export interface UnpricedEnergy {
  from: LocalDate;
  to: LocalDate;
  posto: Posto | null;
  wh: number;
  reason: 'no_tariff' | 'no_branca_schedule' | 'no_flag';
}

export interface PricedEnergy {
  energy: EnergyLine[];
  flags: FlagLine[];
  unpriced: UnpricedEnergy[];
  measuredWh: number;
  energyAmount: Amount;
  flagAmount: Amount;
  provisional: boolean;
}

/** Day × posto energy (float Wh) built from hourly rollups. */
export class DayPostoEnergy {
  readonly byDay = new Map<LocalDate, Map<Posto, number>>();
  /** Branca weekday energy that no schedule covers. */
  readonly unclassified = new Map<LocalDate, number>();

  add(date: LocalDate, posto: Posto, wh: number): void {
    let m = this.byDay.get(date);
    if (!m) {
      m = new Map();
      this.byDay.set(date, m);
    }
    m.set(posto, (m.get(posto) ?? 0) + wh);
  }

  addUnclassified(date: LocalDate, wh: number): void {
    this.unclassified.set(date, (this.unclassified.get(date) ?? 0) + wh);
  }

  /**
   * Classifies hourly energy. Hours whose local day is outside [from, to] are skipped. Convencional puts
   * every hour in posto 'Não se aplica'; Branca asks the classifier.
   */
  static fromHours(
    hours: Iterable<HourEnergy>,
    opts: {
      modality: Modality;
      clock: TimeZoneClock;
      classifier?: PostoClassifier;
      from?: LocalDate;
      to?: LocalDate;
    },
  ): DayPostoEnergy {
    const out = new DayPostoEnergy();
    for (const h of hours) {
      if (!Number.isFinite(h.wh) || h.wh === 0) continue;
      if (opts.modality === 'Convencional') {
        const date = opts.clock.localDate(h.hourStartMs);
        if ((opts.from && date < opts.from) || (opts.to && date > opts.to)) continue;
        out.add(date, 'Não se aplica', h.wh);
        continue;
      }
      if (!opts.classifier) throw new Error('Branca pricing needs a posto classifier');
      const c = opts.classifier.classifyHour(h.hourStartMs);
      if ((opts.from && c.date < opts.from) || (opts.to && c.date > opts.to)) continue;
      if (!c.shares) out.addUnclassified(c.date, h.wh);
      else for (const [posto, share] of c.shares) out.add(c.date, posto, h.wh * share);
    }
    return out;
  }

  postos(): Posto[] {
    const set = new Set<Posto>();
    for (const m of this.byDay.values()) for (const p of m.keys()) set.add(p);
    return [...set];
  }

  /** Total Wh per local day (all postos and unclassified). */
  dayTotals(): Map<LocalDate, number> {
    const out = new Map<LocalDate, number>();
    for (const [d, m] of this.byDay) {
      let s = 0;
      for (const v of m.values()) s += v;
      out.set(d, s);
    }
    for (const [d, v] of this.unclassified) out.set(d, (out.get(d) ?? 0) + v);
    return out;
  }
}

export interface PricingContext {
  tariffs: TariffLookup;
  flags: FlagLookup;
  /** Flags apply to captive consumers on the interconnected grid (SIN); isolated systems are outside. */
  flagsApply: boolean;
}

export function priceEnergy(
  energy: DayPostoEnergy,
  period: { from: LocalDate; to: LocalDate },
  ctx: PricingContext,
  proration: Proration,
): PricedEnergy {
  const unpriced: UnpricedEnergy[] = [];
  const energyLines =
    proration === 'measured'
      ? measuredEnergy(energy, ctx, unpriced)
      : daysEnergy(energy, period, ctx, unpriced);
  for (const [from, to, wh] of dayRuns(energy.unclassified)) {
    unpriced.push({ from, to, posto: null, wh, reason: 'no_branca_schedule' });
  }
  const totals = energy.dayTotals();
  let measuredWh = 0;
  for (const v of totals.values()) measuredWh += v;
  measuredWh = quantiseWh(measuredWh);
  const flagLines = !ctx.flagsApply
    ? []
    : proration === 'measured'
      ? measuredFlags(totals, ctx, unpriced)
      : daysFlags(measuredWh, period, ctx, unpriced);
  const energyAmount = energyLines.reduce((a, l) => a + l.amount, 0n);
  const flagAmount = flagLines.reduce((a, l) => a + l.amount, 0n);
  return {
    energy: energyLines,
    flags: flagLines,
    unpriced,
    measuredWh,
    energyAmount,
    flagAmount,
    provisional: flagLines.some((f) => f.provisional),
  };
}

function tariffRate(p: TariffPeriod): number {
  return rateFromRsMwh(p.tusdRsMwh) + rateFromRsMwh(p.teRsMwh);
}

function energyLine(posto: Posto, from: LocalDate, to: LocalDate, p: TariffPeriod, wh: number): EnergyLine {
  return {
    posto,
    from,
    to,
    wh,
    tusdRsMwh: p.tusdRsMwh,
    teRsMwh: p.teRsMwh,
    reh: p.reh,
    amount: amountOf(wh, tariffRate(p)),
  };
}

function measuredEnergy(
  energy: DayPostoEnergy,
  ctx: PricingContext,
  unpriced: UnpricedEnergy[],
): EnergyLine[] {
  const acc = new Map<TariffPeriod, { posto: Posto; from: LocalDate; to: LocalDate; wh: number }>();
  const gaps = new Map<Posto, Map<LocalDate, number>>();
  const days = [...energy.byDay.keys()].sort();
  for (const date of days) {
    for (const [posto, wh] of energy.byDay.get(date)!) {
      const p = ctx.tariffs.find(date, posto);
      if (!p) {
        let g = gaps.get(posto);
        if (!g) {
          g = new Map();
          gaps.set(posto, g);
        }
        g.set(date, (g.get(date) ?? 0) + wh);
        continue;
      }
      const a = acc.get(p);
      if (a) {
        a.wh += wh;
        a.to = date;
      } else acc.set(p, { posto, from: date, to: date, wh });
    }
  }
  for (const [posto, g] of gaps) {
    for (const [from, to, wh] of dayRuns(g)) unpriced.push({ from, to, posto, wh, reason: 'no_tariff' });
  }
  return [...acc].map(([p, a]) => energyLine(a.posto, a.from, a.to, p, quantiseWh(a.wh))).sort(lineOrder);
}

function daysEnergy(
  energy: DayPostoEnergy,
  period: { from: LocalDate; to: LocalDate },
  ctx: PricingContext,
  unpriced: UnpricedEnergy[],
): EnergyLine[] {
  const out: EnergyLine[] = [];
  for (const posto of energy.postos()) {
    let total = 0;
    for (const m of energy.byDay.values()) total += m.get(posto) ?? 0;
    const wh = quantiseWh(total);
    if (wh === 0) continue;
    const segs = ctx.tariffs.segments(period.from, period.to, posto);
    const parts = allocateByWeights(
      wh,
      segs.map((s) => daysInclusive(s.from, s.to)),
    );
    segs.forEach((s, i) => {
      const part = parts[i]!;
      if (part === 0 && !s.period) return;
      if (s.period) out.push(energyLine(posto, s.from, s.to, s.period, part));
      else unpriced.push({ from: s.from, to: s.to, posto, wh: part, reason: 'no_tariff' });
    });
  }
  return out.sort(lineOrder);
}

function flagLine(month: LocalDate, from: LocalDate, to: LocalDate, wh: number, ctx: PricingContext) {
  const f = ctx.flags.forDate(month);
  if (!f) return undefined;
  return {
    month,
    from,
    to,
    flag: f.flag,
    adicionalRsMwh: f.adicionalRsMwh,
    provisional: f.provisional,
    sourceMonth: f.sourceMonth,
    wh,
    amount: amountOf(wh, f.rate),
  } satisfies FlagLine;
}

function measuredFlags(
  totals: Map<LocalDate, number>,
  ctx: PricingContext,
  unpriced: UnpricedEnergy[],
): FlagLine[] {
  const byMonth = new Map<LocalDate, { from: LocalDate; to: LocalDate; wh: number }>();
  for (const date of [...totals.keys()].sort()) {
    const m = monthStart(date);
    const a = byMonth.get(m);
    if (a) {
      a.wh += totals.get(date)!;
      a.to = date;
    } else byMonth.set(m, { from: date, to: date, wh: totals.get(date)! });
  }
  const out: FlagLine[] = [];
  for (const [month, a] of byMonth) {
    const wh = quantiseWh(a.wh);
    const line = flagLine(month, a.from, a.to, wh, ctx);
    if (line) out.push(line);
    else unpriced.push({ from: a.from, to: a.to, posto: null, wh, reason: 'no_flag' });
  }
  return out;
}

function daysFlags(
  measuredWh: number,
  period: { from: LocalDate; to: LocalDate },
  ctx: PricingContext,
  unpriced: UnpricedEnergy[],
): FlagLine[] {
  if (measuredWh === 0) return [];
  const months: { month: LocalDate; from: LocalDate; to: LocalDate }[] = [];
  for (let m = monthStart(period.from); m <= period.to; m = nextMonthStart(m)) {
    months.push({ month: m, from: maxDate(m, period.from), to: minDate(monthEnd(m), period.to) });
  }
  const parts = allocateByWeights(
    measuredWh,
    months.map((m) => daysInclusive(m.from, m.to)),
  );
  const out: FlagLine[] = [];
  months.forEach((m, i) => {
    const line = flagLine(m.month, m.from, m.to, parts[i]!, ctx);
    if (line) out.push(line);
    else unpriced.push({ from: m.from, to: m.to, posto: null, wh: parts[i]!, reason: 'no_flag' });
  });
  return out;
}

const POSTO_ORDER: Record<Posto, number> = {
  Ponta: 0,
  Intermediário: 1,
  'Fora ponta': 2,
  'Não se aplica': 3,
};

function lineOrder(a: EnergyLine, b: EnergyLine): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  return POSTO_ORDER[a.posto] - POSTO_ORDER[b.posto];
}

/** Groups per-day values into runs of consecutive days: [from, to, quantised Wh]. */
function dayRuns(byDay: Map<LocalDate, number>): [LocalDate, LocalDate, number][] {
  const days = [...byDay.keys()].sort();
  const out: [LocalDate, LocalDate, number][] = [];
  let cur: [LocalDate, LocalDate, number] | undefined;
  for (const d of days) {
    if (cur && addDays(cur[1], 1) === d) {
      cur[1] = d;
      cur[2] += byDay.get(d)!;
    } else {
      if (cur) out.push(cur);
      cur = [d, d, byDay.get(d)!];
    }
  }
  if (cur) out.push(cur);
  return out.map(([a, b, wh]) => [a, b, quantiseWh(wh)]);
}
