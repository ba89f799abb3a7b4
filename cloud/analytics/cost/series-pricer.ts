import type { PostoClassifier } from './branca-postos.ts';
import type { AppliedFlag, FlagLookup } from './flags.ts';
import type { LocalDate, TimeZoneClock } from './local-time.ts';
import { type Amount, amountOf, quantiseWh, rateFromRsMwh } from './money.ts';
import type { TariffLookup } from './tariff-lookup.ts';
import type { Modality, Posto, TariffPeriod } from './types.ts';

/**
 * Prices an hourly series bucket by bucket for the dashboard ("measured" attribution: each hour at the
 * tariff in force on its local day and the flag of its month). Same arithmetic as `priceEnergy(…,
 * 'measured')` — Wh summed per tariff row and posto, quantised once per bucket, times the exact rate — but
 * with the per-day lookups memoised, because a year by hour is 8 760 buckets.
 */
export interface SeriesBucketPrice {
  byPosto: { posto: Posto; wh: number; amount: Amount }[];
  flags: { month: LocalDate; flag: string; wh: number; amount: Amount; provisional: boolean }[];
  energyAmount: Amount;
  flagAmount: Amount;
  provisional: boolean;
  /** Wh with no tariff (gap) or no Branca schedule. */
  unpricedWh: number;
}

interface DayInfo {
  flag: AppliedFlag | undefined;
  tariff: Map<Posto, TariffPeriod | undefined>;
}

export class SeriesPricer {
  private readonly modality: Modality;
  private readonly clock: TimeZoneClock;
  private readonly classifier: PostoClassifier | undefined;
  private readonly tariffs: TariffLookup;
  private readonly flags: FlagLookup;
  private readonly flagsApply: boolean;
  private readonly days = new Map<LocalDate, DayInfo>();
  private energy = new Map<TariffPeriod, { posto: Posto; wh: number }>();
  private flagAcc = new Map<LocalDate, { flag: AppliedFlag; wh: number }>();
  private unpricedWh = 0;

  constructor(deps: {
    modality: Modality;
    clock: TimeZoneClock;
    classifier?: PostoClassifier | undefined;
    tariffs: TariffLookup;
    flags: FlagLookup;
    flagsApply: boolean;
  }) {
    this.modality = deps.modality;
    this.clock = deps.clock;
    this.classifier = deps.classifier;
    this.tariffs = deps.tariffs;
    this.flags = deps.flags;
    this.flagsApply = deps.flagsApply;
  }

  private day(date: LocalDate): DayInfo {
    let d = this.days.get(date);
    if (!d) {
      d = { flag: this.flagsApply ? this.flags.forDate(date) : undefined, tariff: new Map() };
      this.days.set(date, d);
    }
    return d;
  }

  private tariffOf(d: DayInfo, date: LocalDate, posto: Posto): TariffPeriod | undefined {
    if (!d.tariff.has(posto)) d.tariff.set(posto, this.tariffs.find(date, posto));
    return d.tariff.get(posto);
  }

  /** `localDate` may be passed when the caller already knows the hour's local day (saves a lookup). */
  add(hourStartMs: number, wh: number, localDate?: LocalDate): void {
    if (!Number.isFinite(wh) || wh === 0) return;
    let date: LocalDate;
    if (this.modality === 'Convencional') {
      date = localDate ?? this.clock.localDate(hourStartMs);
      this.addPosto(date, 'Não se aplica', wh);
    } else {
      if (!this.classifier) throw new Error('Branca pricing needs a posto classifier');
      const c = this.classifier.classifyHour(hourStartMs);
      date = c.date;
      if (!c.shares) this.unpricedWh += wh;
      else for (const [posto, share] of c.shares) this.addPosto(date, posto, wh * share);
    }
    const flag = this.day(date).flag;
    if (flag) {
      const f = this.flagAcc.get(flag.month);
      if (f) f.wh += wh;
      else this.flagAcc.set(flag.month, { flag, wh });
    }
  }

  private addPosto(date: LocalDate, posto: Posto, wh: number): void {
    const p = this.tariffOf(this.day(date), date, posto);
    if (!p) {
      this.unpricedWh += wh;
      return;
    }
    const a = this.energy.get(p);
    if (a) a.wh += wh;
    else this.energy.set(p, { posto, wh });
  }

  /** The bucket's price; resets the accumulators for the next bucket. */
  flush(): SeriesBucketPrice {
    const byPosto = new Map<Posto, { posto: Posto; wh: number; amount: Amount }>();
    let energyAmount = 0n;
    for (const [p, a] of this.energy) {
      const wh = quantiseWh(a.wh);
      const amount = amountOf(wh, rateFromRsMwh(p.tusdRsMwh) + rateFromRsMwh(p.teRsMwh));
      energyAmount += amount;
      const b = byPosto.get(a.posto);
      if (b) {
        b.wh += wh;
        b.amount += amount;
      } else byPosto.set(a.posto, { posto: a.posto, wh, amount });
    }
    let flagAmount = 0n;
    let provisional = false;
    const flags: SeriesBucketPrice['flags'] = [];
    for (const [month, f] of this.flagAcc) {
      const wh = quantiseWh(f.wh);
      const amount = amountOf(wh, f.flag.rate);
      flagAmount += amount;
      provisional ||= f.flag.provisional;
      flags.push({ month, flag: f.flag.flag, wh, amount, provisional: f.flag.provisional });
    }
    const out: SeriesBucketPrice = {
      byPosto: [...byPosto.values()],
      flags,
      energyAmount,
      flagAmount,
      provisional,
      unpricedWh: quantiseWh(this.unpricedWh),
    };
    this.energy = new Map();
    this.flagAcc = new Map();
    this.unpricedWh = 0;
    return out;
  }
}
