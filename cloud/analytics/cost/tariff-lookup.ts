import { type LocalDate, maxDate, minDate } from './local-time.ts';
import type { Posto, TariffPeriod } from './types.ts';

/**
 * Finds the tariff row in force on a day for a posto. The repository has already resolved overlapping
 * validities (shortest vigência of one act, later act wins); if rows still overlap here the one that
 * starts later wins, the same "latest act" rule. A day without a row has no price: the caller reports it as
 * unpriced and never borrows a neighbouring value.
 */
export class TariffLookup {
  private readonly byPosto = new Map<Posto, TariffPeriod[]>();

  constructor(periods: readonly TariffPeriod[]) {
    for (const p of periods) {
      let list = this.byPosto.get(p.posto);
      if (!list) {
        list = [];
        this.byPosto.set(p.posto, list);
      }
      list.push(p);
    }
    for (const list of this.byPosto.values())
      list.sort((a, b) => (a.from < b.from ? 1 : a.from > b.from ? -1 : 0));
  }

  find(date: LocalDate, posto: Posto): TariffPeriod | undefined {
    const list = this.byPosto.get(posto);
    if (!list) return undefined;
    for (const p of list) if (p.from <= date && date <= p.to) return p;
    return undefined;
  }

  /**
   * Splits [from, to] into runs of consecutive days that share one tariff row (or none: `period`
   * undefined), in date order.
   */
  segments(
    from: LocalDate,
    to: LocalDate,
    posto: Posto,
  ): { from: LocalDate; to: LocalDate; period?: TariffPeriod }[] {
    const out: { from: LocalDate; to: LocalDate; period?: TariffPeriod }[] = [];
    const list = (this.byPosto.get(posto) ?? []).filter((p) => p.from <= to && p.to >= from);
    // Day-by-day walk over boundaries only: collect every start/end+1 inside the range.
    const cuts = new Set<LocalDate>([from]);
    for (const p of list) {
      if (p.from > from) cuts.add(p.from);
      const after = nextDay(p.to);
      if (after <= to) cuts.add(after);
    }
    const starts = [...cuts].sort();
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i]!;
      const e = i + 1 < starts.length ? prevDay(starts[i + 1]!) : to;
      const period = this.find(s, posto);
      const last = out[out.length - 1];
      if (last && last.period === period) last.to = e;
      else out.push(period ? { from: s, to: e, period } : { from: s, to: e });
    }
    return out.map((seg) => ({ ...seg, from: maxDate(seg.from, from), to: minDate(seg.to, to) }));
  }
}

function nextDay(d: LocalDate): LocalDate {
  const t = Date.parse(`${d}T00:00:00Z`) + 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function prevDay(d: LocalDate): LocalDate {
  const t = Date.parse(`${d}T00:00:00Z`) - 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
