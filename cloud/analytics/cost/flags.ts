import { type LocalDate, monthStart } from './local-time.ts';
import { rateFromRsMwh } from './money.ts';
import type { FlagMonth } from './types.ts';

/** The flag applied to one month, and whether it is still a stand-in. */
export interface AppliedFlag {
  month: LocalDate;
  flag: string;
  adicionalRsMwh: number;
  /** R$/MWh × 10⁴. */
  rate: number;
  /**
   * True when `month` is not published yet and the latest earlier published month stands in for it
   * (aneel.md §6.3). Nothing is stored: every request re-prices from the current flags table, so the
   * figure stops being provisional as soon as the month is loaded.
   */
  provisional: boolean;
  /** The published month the value comes from (= `month` unless provisional). */
  sourceMonth: LocalDate;
}

export class FlagLookup {
  private readonly months: FlagMonth[];
  private readonly byMonth = new Map<LocalDate, FlagMonth>();

  constructor(flags: readonly FlagMonth[]) {
    this.months = [...flags].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
    for (const f of this.months) this.byMonth.set(f.month, f);
  }

  /** `undefined` when no month up to `date`'s month is published (nothing to price the flag with). */
  forDate(date: LocalDate): AppliedFlag | undefined {
    const month = monthStart(date);
    const exact = this.byMonth.get(month);
    if (exact) return applied(month, exact, false);
    let prev: FlagMonth | undefined;
    for (const f of this.months) {
      if (f.month < month) prev = f;
      else break;
    }
    return prev ? applied(month, prev, true) : undefined;
  }
}

function applied(month: LocalDate, f: FlagMonth, provisional: boolean): AppliedFlag {
  return {
    month,
    flag: f.flag,
    adicionalRsMwh: f.adicionalRsMwh,
    rate: rateFromRsMwh(f.adicionalRsMwh),
    provisional,
    sourceMonth: f.month,
  };
}
