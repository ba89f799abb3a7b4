import { dayToIso, isoToDay } from './parse/br-date.ts';
import type { Posto } from './parse/vocabulary.ts';
import { compareReh } from './reh.ts';

/** One published tariff line, as the resolution needs it (values in R$/MWh, decimal strings). */
export interface TariffLine {
  tariffId: number;
  reh: string;
  validFrom: string;
  validTo: string;
  posto: Posto;
  tusd: string | null;
  te: string | null;
}

export interface TariffPeriod {
  from: string;
  to: string;
  posto: Posto;
  tusdRsMwh: number;
  teRsMwh: number;
  reh: string;
}

export interface Resolution {
  periods: TariffPeriod[];
  gaps: { from: string; to: string }[];
  conflicts: string[];
}

/** A period with the published line it comes from (the API shows the line's own vigência). */
export interface ResolvedPeriod extends TariffPeriod {
  tariffId: number;
  validFrom: string;
  validTo: string;
}

export interface LineResolution {
  periods: ResolvedPeriod[];
  gaps: { from: string; to: string }[];
  conflicts: string[];
}

const POSTO_ORDER: Record<Posto, number> = {
  'Não se aplica': 0,
  Ponta: 1,
  Intermediário: 2,
  'Fora ponta': 3,
};

/**
 * The tariff in force on each day of [from, to] (inclusive), per posto, from possibly overlapping lines
 * (aneel.md §2): when several lines cover a day, the later act wins; within one act the shortest vigência
 * wins (the same REH publishes a row to the year's end and one to the next readjustment). Every overlap is
 * reported in `conflicts`; days a required posto has no line are reported in `gaps` and never filled.
 * Lines with an empty (missing) value are ignored and reported; a published zero is a value.
 */
export function resolveTariffLines(
  lines: readonly TariffLine[],
  opts: { from: string; to: string; postos: readonly Posto[] },
): LineResolution {
  const first = isoToDay(opts.from);
  const last = isoToDay(opts.to);
  const conflicts: string[] = [];
  const usable: TariffLine[] = [];
  for (const l of lines) {
    if (l.tusd === null || l.te === null) {
      conflicts.push(
        `${l.validFrom}..${l.validTo} ${l.posto}: line ${l.tariffId} (${l.reh || 'no REH'}) has no published ` +
          `${l.tusd === null ? 'TUSD' : 'TE'}; ignored`,
      );
    } else usable.push(l);
  }
  const periods: ResolvedPeriod[] = [];
  const gapDays = new Set<number>();
  const overlapRuns = new Map<string, { from: number; to: number; text: string }>();

  for (const posto of opts.postos) {
    const own = usable
      .filter((l) => l.posto === posto)
      .map((l) => ({ l, start: isoToDay(l.validFrom), end: isoToDay(l.validTo) }));
    let open: { line: TariffLine; from: number; to: number } | undefined;
    const close = () => {
      if (open) periods.push(toPeriod(open.line, open.from, open.to));
      open = undefined;
    };
    for (let day = first; day <= last; day++) {
      const cands = own.filter((c) => c.start <= day && day <= c.end);
      if (cands.length === 0) {
        close();
        gapDays.add(day);
        continue;
      }
      cands.sort(
        (a, b) =>
          compareReh(b.l.reh, a.l.reh) || a.end - a.start - (b.end - b.start) || b.l.tariffId - a.l.tariffId,
      );
      const winner = cands[0]!;
      if (cands.length > 1)
        noteOverlap(
          overlapRuns,
          posto,
          day,
          cands.map((c) => c.l),
          winner.l,
        );
      if (open && open.line.tariffId === winner.l.tariffId && open.to === day - 1) open.to = day;
      else {
        close();
        open = { line: winner.l, from: day, to: day };
      }
    }
    close();
  }

  for (const run of overlapRuns.values()) {
    conflicts.push(`${dayToIso(run.from)}..${dayToIso(run.to)} ${run.text}`);
  }
  periods.sort((a, b) =>
    a.from < b.from ? -1 : a.from > b.from ? 1 : POSTO_ORDER[a.posto] - POSTO_ORDER[b.posto],
  );
  return { periods, gaps: dayRanges([...gapDays].sort((a, b) => a - b)), conflicts };
}

function toPeriod(line: TariffLine, from: number, to: number): ResolvedPeriod {
  return {
    from: dayToIso(from),
    to: dayToIso(to),
    posto: line.posto,
    tusdRsMwh: Number(line.tusd),
    teRsMwh: Number(line.te),
    reh: line.reh,
    tariffId: line.tariffId,
    validFrom: line.validFrom,
    validTo: line.validTo,
  };
}

function describe(l: TariffLine): string {
  return `${l.reh || 'no REH'} ${l.validFrom}..${l.validTo} TUSD ${l.tusd} TE ${l.te}`;
}

/** Collapses consecutive days with the same set of overlapping lines into one conflict message. */
function noteOverlap(
  runs: Map<string, { from: number; to: number; text: string }>,
  posto: Posto,
  day: number,
  cands: TariffLine[],
  winner: TariffLine,
): void {
  const ids = cands
    .map((c) => c.tariffId)
    .sort((a, b) => a - b)
    .join(',');
  const key = `${posto}|${ids}|${day}`;
  const prevKey = `${posto}|${ids}|${day - 1}`;
  const prev = runs.get(prevKey);
  if (prev) {
    runs.delete(prevKey);
    prev.to = day;
    runs.set(key, prev);
    return;
  }
  const sameAct = cands.every((c) => compareReh(c.reh, winner.reh) === 0);
  const rule = sameAct ? 'shortest vigência of the same act' : 'later act';
  const others = cands.filter((c) => c !== winner).map(describe);
  runs.set(key, {
    from: day,
    to: day,
    text: `${posto}: ${cands.length} lines overlap; used ${describe(winner)} (${rule}) over ${others.join('; ')}`,
  });
}

function dayRanges(days: number[]): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let start: number | undefined;
  let prev = Number.NaN;
  for (const d of days) {
    if (start !== undefined && d === prev + 1) {
      prev = d;
      continue;
    }
    if (start !== undefined) out.push({ from: dayToIso(start), to: dayToIso(prev) });
    start = d;
    prev = d;
  }
  if (start !== undefined) out.push({ from: dayToIso(start), to: dayToIso(prev) });
  return out;
}
