import { saveBoots, saveRollupTimes } from './chain-repository.ts';
import { recomputeDevice } from './rollup-recompute.ts';
import {
  addHourlyAndSaveStates,
  type CounterState,
  deleteHourly,
  type HourlyRow,
  refreshSiteHours,
  replaceHourly,
} from './rollup-repository.ts';
import { assignRollupTimes, compareChain, foldReadings, type RollupReading } from './rollup-rules.ts';

type Queryable = Parameters<typeof addHourlyAndSaveStates>[0];

export interface InsertedDeviceReadings {
  siteId: string;
  /** Readings this transaction inserted for the device (not duplicates), any order. */
  readings: RollupReading[];
}

const NO_STATE: CounterState = { last: null, maxBoot: null, counters: [] };

/**
 * Brings `reading_hourly`, `site_hourly`, `device_counter_state` and the chain bookkeeping (reading_rollup_ts,
 * device_boots) up to date with the readings this transaction inserted. `states` must be locked (lockCounterStates) since
 * before the insert, so no other batch of these devices runs in between. With `trustStates` false (a stored
 * row the state did not know about turned up) every device takes the recompute path.
 *
 * Two paths per device, equal by construction (both fold with rollup-rules.ts; tested on shuffled data):
 * - in order (`appendsAfter`: the normal case): fold the new readings onto the stored counters and ADD the
 *   result to the stored hour rows (sums, counts, min/max, element-wise energy: the same as folding old and
 *   new readings together, since the new ones all come later and change no stored rollup time);
 * - otherwise RECOMPUTE the affected hours from raw readings (rollup-recompute.ts).
 */
export async function applyRollups(
  client: Queryable,
  states: Map<string, CounterState>,
  inserted: Map<string, InsertedDeviceReadings>,
  opts: { trustStates: boolean } = { trustStates: true },
): Promise<void> {
  const added: HourlyRow[] = [];
  const replaced: HourlyRow[] = [];
  const emptied: { device: string; hourStart: number }[] = [];
  const changed = new Map<string, CounterState>();
  for (const [device, { siteId, readings }] of inserted) {
    if (readings.length === 0) continue;
    const state = states.get(device) ?? NO_STATE;
    assignRollupTimes(readings);
    if (opts.trustStates && appendsAfter(state, readings)) {
      const sorted = [...readings].sort(compareChain);
      const counters = state.counters.map((c) => (c ? { ...c } : null));
      for (const h of foldReadings(counters, sorted).values()) added.push({ device, siteId, h });
      const last = sorted[sorted.length - 1]!;
      let maxBoot = state.maxBoot ?? Number.NEGATIVE_INFINITY;
      for (const r of sorted) maxBoot = Math.max(maxBoot, r.boot);
      changed.set(device, { last: { ts: last.ts, boot: last.boot, seq: last.seq }, maxBoot, counters });
      await saveRollupTimes(
        client,
        device,
        sorted.filter((r) => r.te < r.ts),
      );
      if (!state.last || sorted.some((r) => r.boot !== state.last!.boot))
        await saveBoots(client, device, bootSpans(sorted), { boot: last.boot, ts: last.ts });
    } else {
      const last = opts.trustStates ? state.last : null;
      const r = await recomputeDevice(client, device, siteId, readings, {
        after: last ? { te: last.ts, ...last } : null,
        channels: state.counters.length,
      });
      replaced.push(...r.rows);
      for (const h of r.emptied) emptied.push({ device, hourStart: h });
      changed.set(device, r.state);
    }
  }
  // Rewritten hours first, their sites' rows recomputed from reading_hourly; then the additive path, whose
  // site deltas land on top of those.
  const siteHours = [...(await deleteHourly(client, emptied)), ...(await replaceHourly(client, replaced))];
  await refreshSiteHours(client, siteHours);
  await addHourlyAndSaveStates(client, added, changed);
}

/**
 * Whether `readings` (one device, `te` set from the batch alone) all come after the device's stored readings
 * in chain order and change no stored rollup time: each continues the chain-last reading's boot with a higher
 * seq (that reading holds the boot's highest seq) or belongs to a boot above every stored one; and the first
 * of them sorts after the chain-last reading. Then no reading can be stored already either, so this also
 * decides whether a plain COPY is safe. A state of unknown age (maxBoot unknown) never appends.
 */
export function appendsAfter(state: CounterState, readings: readonly RollupReading[]): boolean {
  const last = state.last;
  if (!last) return state.maxBoot === null;
  const maxBoot = state.maxBoot;
  if (maxBoot === null) return false;
  let first: RollupReading | undefined;
  for (const r of readings) {
    if (!(r.boot === last.boot ? r.seq > last.seq : r.boot > maxBoot)) return false;
    if (!first || compareChain(r, first) < 0) first = r;
  }
  return !first || compareChain(first, { te: last.ts, boot: last.boot, seq: last.seq, ts: last.ts }) > 0;
}

function bootSpans(readings: readonly RollupReading[]): { boot: number; minTs: number; maxTs: number }[] {
  const spans = new Map<number, { boot: number; minTs: number; maxTs: number }>();
  for (const r of readings) {
    const s = spans.get(r.boot);
    if (s) {
      s.minTs = Math.min(s.minTs, r.ts);
      s.maxTs = Math.max(s.maxTs, r.ts);
    } else spans.set(r.boot, { boot: r.boot, minTs: r.ts, maxTs: r.ts });
  }
  return [...spans.values()];
}
