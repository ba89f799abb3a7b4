import {
  type CounterState,
  fetchChannelCounters,
  fetchHourly,
  fetchRawReadings,
  fetchSuccessorHours,
  saveCounterStates,
  upsertHourly,
} from './rollup-repository.ts';
import {
  compareReadings,
  foldReadings,
  HOUR_MS,
  type HourRollup,
  hourStart,
  mergeHours,
  type RollupReading,
} from './rollup-rules.ts';

type Queryable = Parameters<typeof fetchHourly>[0];

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
 *   onto the stored counters and ADD the result to the stored hour rows;
 * - late (some new reading sorts before the stored last one): RECOMPUTE from raw readings every hour that
 *   holds a new reading, plus the hour of each late reading's successor per channel (whose pair energy
 *   changed), each hour run folded from the per-channel predecessors before it; then reload the counters.
 */
export async function applyRollups(
  client: Queryable,
  states: Map<string, CounterState>,
  inserted: Map<string, InsertedDeviceReadings>,
): Promise<void> {
  const merged: { device: string; siteId: string; h: HourRollup }[] = [];
  const fast: { device: string; siteId: string; hours: Map<number, HourRollup> }[] = [];
  const changed = new Map<string, CounterState>();
  for (const [device, { siteId, readings }] of inserted) {
    if (readings.length === 0) continue;
    const sorted = [...readings].sort(compareReadings);
    const state = states.get(device) ?? { last: null, counters: [] };
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    if (!state.last || compareReadings(first, state.last) > 0) {
      const counters = state.counters.map((c) => (c ? { ...c } : null));
      fast.push({ device, siteId, hours: foldReadings(counters, sorted) });
      changed.set(device, { last: { ts: last.ts, boot: last.boot, seq: last.seq }, counters });
    } else {
      merged.push(...(await recomputeDevice(client, device, siteId, state, sorted)));
      const newLast = compareReadings(last, state.last) > 0 ? last : state.last;
      const width = Math.max(state.counters.length, ...sorted.map((r) => r.energyWh.length));
      changed.set(device, {
        last: { ts: newLast.ts, boot: newLast.boot, seq: newLast.seq },
        counters: await fetchChannelCounters(client, device, null, width),
      });
    }
  }
  const keys = fast.flatMap((f) => [...f.hours.keys()].map((h) => ({ device: f.device, hourStart: h })));
  const stored = await fetchHourly(client, keys);
  for (const f of fast) {
    for (const [h, agg] of f.hours) {
      const old = stored.get(`${f.device}|${h}`);
      merged.push({ device: f.device, siteId: f.siteId, h: old ? mergeHours(old, agg) : agg });
    }
  }
  await upsertHourly(client, merged);
  if (changed.size > 0) await saveCounterStates(client, changed);
}

async function recomputeDevice(
  client: Queryable,
  device: string,
  siteId: string,
  state: CounterState,
  sorted: RollupReading[],
): Promise<{ device: string; siteId: string; h: HourRollup }[]> {
  const hours = new Set(sorted.map((r) => hourStart(r.ts)));
  const late = state.last ? sorted.filter((r) => compareReadings(r, state.last!) < 0) : [];
  const successors = late.flatMap((r) =>
    r.energyWh.flatMap((e, c) =>
      e === null ? [] : [{ ts: r.ts, boot: r.boot, seq: r.seq, channel: c + 1 }],
    ),
  );
  for (const h of await fetchSuccessorHours(client, device, successors)) hours.add(h);
  const out: { device: string; siteId: string; h: HourRollup }[] = [];
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
