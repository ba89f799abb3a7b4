import {
  fetchBootBounds,
  fetchBootWindow,
  fetchChainCounters,
  fetchChainHead,
  fetchChainReadings,
  fetchSuccessorTimes,
  saveBoots,
  saveRollupTimes,
} from './chain-repository.ts';
import type { CounterState, HourlyRow } from './rollup-repository.ts';
import {
  type ChainKey,
  compareChain,
  foldReadings,
  HOUR_MS,
  hourStart,
  type RollupReading,
} from './rollup-rules.ts';

type Queryable = Parameters<typeof fetchChainHead>[0];

export interface Recomputed {
  /** Complete hour rows to write over the stored ones. */
  rows: HourlyRow[];
  /** Hours left without readings (their readings' rollup time moved): delete. */
  emptied: number[];
  state: CounterState;
}

interface Moved extends ChainKey {
  /** The te before this batch. */
  oldTe: number;
  energyWh: (number | null)[];
}

/**
 * The late-data path for one device (rollup-updater.ts): `readings` were just inserted (any order) and may
 * sort before stored ones or change stored rollup times. Steps:
 * 1. per boot of the batch, read the window of stored readings that can be witnesses of the new readings or
 *    be moved earlier by them (chain-repository fetchBootWindow), set te on the new readings, and record
 *    every te < ts in reading_rollup_ts (new ones, and stored ones moved earlier);
 * 2. hours to recompute: those of the new readings, the old and new hours of moved readings, and per
 *    channel the hour of the chain successor of each of these positions (its pair changed);
 * 3. each contiguous run of those hours is folded again from raw readings, starting from the per-channel
 *    chain predecessors before it; hours left empty are reported for deletion;
 * 4. the device's state (chain-last reading, counters, highest boot) is reloaded and device_boots updated.
 * `after` is the stored chain-last before the batch when known: positions after it cannot have a stored
 * successor, so their successor search is skipped.
 */
export async function recomputeDevice(
  client: Queryable,
  device: string,
  siteId: string,
  readings: RollupReading[],
  opts: { after: ChainKey | null; channels: number },
): Promise<Recomputed> {
  const byBoot = new Map<number, RollupReading[]>();
  for (const r of readings) {
    const list = byBoot.get(r.boot);
    if (list) list.push(r);
    else byBoot.set(r.boot, [r]);
  }
  const bounds = await fetchBootBounds(client, device, [...byBoot.keys()]);
  const retimed: ChainKey[] = [];
  const moved: Moved[] = [];
  const bootRows: { boot: number; minTs: number; maxTs: number }[] = [];
  for (const [boot, list] of byBoot) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let minSeq = Number.POSITIVE_INFINITY;
    let maxSeq = Number.NEGATIVE_INFINITY;
    for (const r of list) {
      lo = Math.min(lo, r.ts);
      hi = Math.max(hi, r.ts);
      minSeq = Math.min(minSeq, r.seq);
      maxSeq = Math.max(maxSeq, r.seq);
    }
    const b = bounds.get(boot);
    const window = await fetchBootWindow(client, device, boot, {
      lo,
      hi,
      minSeq,
      maxSeq,
      floor: b ? Math.min(b.minTs, lo) : lo,
      ceil: b ? (b.maxTs === null ? null : Math.max(b.maxTs, hi)) : hi,
    });
    const fresh = new Map(list.map((r) => [`${r.ts}|${r.seq}`, r]));
    let seen = 0;
    // Sweep by seq, highest first: a new reading is lowered by any reading numbered after it, a stored one
    // only by the new readings numbered after it (its stored te already covers the stored ones).
    window.sort((x, y) => y.seq - x.seq);
    let higherAll = Number.POSITIVE_INFINITY;
    let higherNew = Number.POSITIVE_INFINITY;
    for (let i = 0; i < window.length; ) {
      const seq = window[i]!.seq;
      let groupAll = Number.POSITIVE_INFINITY;
      let groupNew = Number.POSITIVE_INFINITY;
      for (; i < window.length && window[i]!.seq === seq; i++) {
        const w = window[i]!;
        groupAll = Math.min(groupAll, w.ts);
        const n = fresh.get(`${w.ts}|${w.seq}`);
        if (n) {
          seen++;
          groupNew = Math.min(groupNew, w.ts);
          n.te = Math.min(n.ts, higherAll);
          if (n.te < n.ts) retimed.push(n);
        } else {
          const te = Math.min(w.te, higherNew);
          if (te < w.te) {
            const key = { te, boot, seq: w.seq, ts: w.ts };
            retimed.push(key);
            moved.push({ ...key, oldTe: w.te, energyWh: w.energyWh });
          }
        }
      }
      higherAll = Math.min(higherAll, groupAll);
      higherNew = Math.min(higherNew, groupNew);
    }
    if (seen !== list.length)
      throw new Error(`rollup window of ${device}/${boot} holds ${seen} of ${list.length} new readings`);
    bootRows.push({ boot, minTs: lo, maxTs: hi });
  }
  await saveRollupTimes(client, device, retimed);

  const hours = new Set<number>();
  const positions: (ChainKey & { channel: number })[] = [];
  const after = opts.after;
  const addPosition = (k: ChainKey, energy: readonly (number | null)[]) => {
    if (after && compareChain(k, after) > 0) return;
    energy.forEach((e, c) => {
      if (e !== null) positions.push({ te: k.te, boot: k.boot, seq: k.seq, ts: k.ts, channel: c + 1 });
    });
  };
  for (const r of readings) {
    hours.add(hourStart(r.te));
    addPosition(r, r.energyWh);
  }
  for (const m of moved) {
    hours.add(hourStart(m.oldTe));
    hours.add(hourStart(m.te));
    addPosition(m, m.energyWh);
    addPosition({ ...m, te: m.oldTe }, m.energyWh);
  }
  for (const t of await fetchSuccessorTimes(client, device, positions)) hours.add(hourStart(t));

  const rows: HourlyRow[] = [];
  const emptied: number[] = [];
  for (const [from, to] of contiguousRuns([...hours])) {
    const raw = (await fetchChainReadings(client, device, from, to)).sort(compareChain);
    const width = Math.max(0, ...raw.map((r) => r.energyWh.length));
    const folded = foldReadings(await fetchChainCounters(client, device, from, width), raw);
    for (let h = from; h < to; h += HOUR_MS) {
      const agg = folded.get(h);
      if (agg) rows.push({ device, siteId, h: agg });
      else emptied.push(h);
    }
  }

  const head = await fetchChainHead(client, device);
  const last = head.last!;
  await saveBoots(client, device, bootRows, { boot: last.boot, ts: last.ts });
  const width = Math.max(opts.channels, ...readings.map((r) => r.energyWh.length));
  return {
    rows,
    emptied,
    state: {
      last,
      maxBoot: Math.max(head.maxBoot ?? Number.NEGATIVE_INFINITY, ...byBoot.keys()),
      counters: await fetchChainCounters(client, device, null, width),
    },
  };
}

/** Sorted hour starts grouped into [from, to) runs of consecutive hours. */
function contiguousRuns(hours: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const h of hours.sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && last[1] === h) last[1] = h + HOUR_MS;
    else runs.push([h, h + HOUR_MS]);
  }
  return runs;
}
