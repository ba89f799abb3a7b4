import {
  addHourlyAndSaveStates,
  type CounterState,
  fetchChannelCounters,
  fetchRawReadings,
  fetchSuccessorHours,
  type HourlyRow,
  replaceHourly,
} from './rollup-repository.ts';
import { compareReadings, foldReadings, HOUR_MS, hourStart, type RollupReading } from './rollup-rules.ts';

type Queryable = Parameters<typeof fetchRawReadings>[0];

export interface InsertedDeviceReadings {
  siteId: string;
  /** Readings this transaction inserted for the device (not duplicates), any order. */
  readings: RollupReading[];
}

/**
 * Brings `reading_hourly` and `device_counter_state` up to date with the readings this transaction inserted.
 * `states` must be locked (lockCounterStates) since before the insert, so no other batch of these devices
 * runs in between.
 *
 * Two paths per device, equal by construction (both fold with rollup-rules.ts; tested on shuffled data):
 * - in order (every new reading sorts after the stored last one — the normal case): fold the new readings
 *   onto the stored counters and ADD the result to the stored hour rows (sums, counts, min/max, element-wise
 *   energy: the same as folding old and new readings together, since the new ones all come later);
 * - late (some new reading sorts before the stored last one): RECOMPUTE from raw readings every hour that
 *   holds a new reading, plus the hour of each late reading's successor per channel (whose pair energy
 *   changed), each hour run folded from the per-channel predecessors before it; then reload the counters.
 */
export async function applyRollups(
  client: Queryable,
  states: Map<string, CounterState>,
  inserted: Map<string, InsertedDeviceReadings>,
): Promise<void> {
  const added: HourlyRow[] = [];
  const replaced: HourlyRow[] = [];
  const changed = new Map<string, CounterState>();
  for (const [device, { siteId, readings }] of inserted) {
    if (readings.length === 0) continue;
    const sorted = [...readings].sort(compareReadings);
    const state = states.get(device) ?? { last: null, counters: [] };
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    if (!state.last || compareReadings(first, state.last) > 0) {
      const counters = state.counters.map((c) => (c ? { ...c } : null));
      for (const h of foldReadings(counters, sorted).values()) added.push({ device, siteId, h });
      changed.set(device, { last: { ts: last.ts, boot: last.boot, seq: last.seq }, counters });
    } else {
      replaced.push(...(await recomputeDevice(client, device, siteId, state, sorted)));
      const newLast = compareReadings(last, state.last) > 0 ? last : state.last;
      const width = Math.max(state.counters.length, ...sorted.map((r) => r.energyWh.length));
      changed.set(device, {
        last: { ts: newLast.ts, boot: newLast.boot, seq: newLast.seq },
        counters: await fetchChannelCounters(client, device, null, width),
      });
    }
  }
  await replaceHourly(client, replaced);
  await addHourlyAndSaveStates(client, added, changed);
}

/**
 * Whether any of `readings` (of one device) could already be stored: only if one sorts at or before the
 * device's latest stored reading. If none can, a plain COPY cannot hit the unique key.
 */
export function mayDuplicate(state: CounterState | undefined, readings: readonly RollupReading[]): boolean {
  const last = state?.last;
  return last ? readings.some((r) => compareReadings(r, last) <= 0) : false;
}

async function recomputeDevice(
  client: Queryable,
  device: string,
  siteId: string,
  state: CounterState,
  sorted: RollupReading[],
): Promise<HourlyRow[]> {
  const hours = new Set(sorted.map((r) => hourStart(r.ts)));
  const late = state.last ? sorted.filter((r) => compareReadings(r, state.last!) < 0) : [];
  const successors = late.flatMap((r) =>
    r.energyWh.flatMap((e, c) =>
      e === null ? [] : [{ ts: r.ts, boot: r.boot, seq: r.seq, channel: c + 1 }],
    ),
  );
  for (const h of await fetchSuccessorHours(client, device, successors)) hours.add(h);
  const out: HourlyRow[] = [];
  for (const [from, to] of contiguousRuns([...hours])) {
    const raw = await fetchRawReadings(client, device, from, to);
    const width = Math.max(0, ...raw.map((r) => r.energyWh.length));
    const counters = await fetchChannelCounters(client, device, from, width);
    for (const h of foldReadings(counters, raw).values()) out.push({ device, siteId, h });
  }
  return out;
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
