import { BOARD_FLAGS, type Reading } from '../../shared/schemas/reading.ts';

/**
 * The hourly rollup of one device, as pure functions shared by the incremental path (in-order data, folded
 * onto the stored counter state) and the recompute path (late data, folded from raw readings), so the two
 * cannot drift. docs/scaling.md ("Hourly rollups") states the same rule with examples.
 *
 * ROLLUP TIME. A board numbers its readings (`seq`) within a boot, and that order is the truth: the time
 * stamp may not be. The gateway stamps a reading with its ARRIVAL time when the board clock is not set (the
 * first record after every boot, `t:0`); if that record is delivered late — a backfill, a replay, an MQTT
 * re-delivery — its stamp is hours or days after the readings the board took after it. So each reading q
 * gets a rollup time
 *     te(q) = min( q.ts, ts of every reading of the same boot with a higher seq )
 * i.e. a reading cannot have been taken after one its board numbered later. For normal data te = ts. An
 * arrival stamp is only ever late, never early, so this moves exactly the misplaced readings back next to
 * their boot's neighbours (a board clock stepped backwards is handled the same way).
 *
 * CHAIN. A device's readings are ordered by (te, boot, seq, ts). Within one boot this is seq order (te is
 * non-decreasing in seq), so the board's own order decides every same-boot pair; across boots it is time
 * order. MSG wrap at 2^32 inside one boot is not handled: after a wrap the small seqs would sort first. At the
 * fastest AICSS rate (one record per second) a boot would have to run 136 years to wrap.
 *
 * ENERGY. For each channel c, a reading q that has a cumulative counter value e_q(c) is paired with its
 * predecessor p = the latest reading before it in the chain that has a value for c (a reading missing c does
 * not break the chain). The pair's energy is
 *   - same boot: e_q − e_p when e_q ≥ e_p; e_q when e_q < e_p (the board's own order says the counter
 *     dropped: EnergyReset command, meter rollover; e_q is what it counted since). Because pairs follow seq,
 *     a late time stamp can never make a same-boot pair look like a reset;
 *   - another boot, ENERGY_RESTORED set on q (the board reloaded its counter from NVS): max(0, e_q − e_p). A
 *     negative step means the saved value was older than the last one we saw; the counter re-counts energy
 *     we already have, so the step is 0 rather than e_q (which would count the whole total a second time);
 *   - another boot without the flag: e_q − e_p when e_q ≥ e_p (a counter that survived, e.g. emonTx EEPROM:
 *     the smaller interpretation, never double); e_q when e_q < e_p (the counter restarted at 0);
 *   - the first value of a channel ever seen has no predecessor: 0 (it is the baseline).
 * The energy of a pair belongs to the hour of te(q), q being the LATER reading in the chain (for a same-boot
 * pair, the later in seq). A gap of several hours is attributed entirely to the hour in which it became known.
 * Never negative: every case is ≥ 0 because counters are ≥ 0.
 *
 * Other columns are per hour over the readings whose te falls in it: min/max/sum/count of voltage, max over
 * readings of the sum of channel powers, reading count, lamp-on counts, first/last te. Values are rounded to
 * float4 first (Math.fround) because that is how `readings` stores them, so both paths agree bit for bit
 * except for the order of additions.
 */

export const HOUR_MS = 3_600_000;

export interface RollupReading {
  /** The stamp the reading is stored under. */
  ts: number;
  /** Rollup time te (see above); equals ts for normal data. */
  te: number;
  boot: number;
  seq: number;
  flags: number;
  voltageV: number | null;
  /** Per channel; null where the channel has no value. */
  powerW: (number | null)[];
  energyWh: (number | null)[];
  lampInternal: boolean | null;
  lampExternal: boolean | null;
}

/** What the hourly rollups fold of a stored reading; te starts as ts (assignRollupTimes sets it later). */
export function toRollupReading(r: Reading): RollupReading {
  return {
    ts: r.ts,
    te: r.ts,
    boot: r.boot,
    seq: r.seq,
    flags: r.flags,
    voltageV: r.voltageV ?? null,
    powerW: r.channels.map((c) => c.powerW ?? null),
    energyWh: r.channels.map((c) => c.energyWh ?? null),
    lampInternal: r.lampInternal ?? null,
    lampExternal: r.lampExternal ?? null,
  };
}

/** A position in a device's chain. */
export interface ChainKey {
  te: number;
  boot: number;
  seq: number;
  ts: number;
}

/** Per channel: the last cumulative value seen and the boot it came from. */
export interface ChannelCounter {
  e: number;
  boot: number;
}

export interface HourRollup {
  hourStart: number;
  /** Per channel Wh; length = the most channels any reading of the hour had. */
  energyWh: number[];
  voltageMin: number | null;
  voltageMax: number | null;
  voltageSum: number;
  voltageCount: number;
  powerMaxW: number | null;
  readingCount: number;
  lampInternalOn: number;
  lampExternalOn: number;
  firstTs: number;
  lastTs: number;
}

export function hourStart(tsMs: number): number {
  return Math.floor(tsMs / HOUR_MS) * HOUR_MS;
}

/** Total order of a device's readings (the chain). */
export function compareChain(a: ChainKey, b: ChainKey): number {
  return a.te - b.te || a.boot - b.boot || a.seq - b.seq || a.ts - b.ts;
}

/**
 * Sets `te` on each reading from the readings given (all of one device): te = min(ts, ts of any reading of
 * the same boot with a higher seq). Readings with the same seq (a re-stamped copy) do not lower each other.
 */
export function assignRollupTimes(
  readings: readonly { ts: number; te: number; boot: number; seq: number }[],
): void {
  const order = [...readings].sort((a, b) => a.boot - b.boot || b.seq - a.seq);
  let boot = Number.NaN;
  let higher = Number.POSITIVE_INFINITY;
  for (let i = 0; i < order.length; ) {
    const r = order[i]!;
    if (r.boot !== boot) {
      boot = r.boot;
      higher = Number.POSITIVE_INFINITY;
    }
    // One group of equal (boot, seq): each member is lowered only by higher seqs.
    let j = i;
    let groupMin = Number.POSITIVE_INFINITY;
    for (; j < order.length && order[j]!.boot === boot && order[j]!.seq === r.seq; j++) {
      const g = order[j]!;
      g.te = Math.min(g.ts, higher);
      groupMin = Math.min(groupMin, g.ts);
    }
    higher = Math.min(higher, groupMin);
    i = j;
  }
}

/** Energy of one channel between predecessor `p` and reading `q` (the rule above). */
export function pairEnergy(p: ChannelCounter, q: { e: number; boot: number; flags: number }): number {
  const step = q.e - p.e;
  if (q.boot !== p.boot && (q.flags & BOARD_FLAGS.ENERGY_RESTORED) !== 0) return Math.max(0, step);
  return step >= 0 ? step : q.e;
}

function emptyHour(h: number, te: number): HourRollup {
  return {
    hourStart: h,
    energyWh: [],
    voltageMin: null,
    voltageMax: null,
    voltageSum: 0,
    voltageCount: 0,
    powerMaxW: null,
    readingCount: 0,
    lampInternalOn: 0,
    lampExternalOn: 0,
    firstTs: te,
    lastTs: te,
  };
}

function addAt(arr: number[], i: number, v: number): void {
  while (arr.length <= i) arr.push(0);
  arr[i]! += v;
}

/**
 * Folds readings (sorted by `compareChain`, all after the readings `counters` came from, `te` set) into
 * hourly rollups. `counters` is updated in place to the state after the last reading.
 */
export function foldReadings(
  counters: (ChannelCounter | null)[],
  sorted: readonly RollupReading[],
): Map<number, HourRollup> {
  const hours = new Map<number, HourRollup>();
  for (const r of sorted) {
    const h = hourStart(r.te);
    let agg = hours.get(h);
    if (!agg) {
      agg = emptyHour(h, r.te);
      hours.set(h, agg);
    }
    agg.readingCount++;
    agg.lastTs = r.te;
    const width = Math.max(r.energyWh.length, r.powerW.length);
    while (agg.energyWh.length < width) agg.energyWh.push(0);
    if (r.voltageV !== null) {
      const v = Math.fround(r.voltageV);
      agg.voltageMin = agg.voltageMin === null ? v : Math.min(agg.voltageMin, v);
      agg.voltageMax = agg.voltageMax === null ? v : Math.max(agg.voltageMax, v);
      agg.voltageSum += v;
      agg.voltageCount++;
    }
    let power: number | null = null;
    for (const p of r.powerW) if (p !== null) power = (power ?? 0) + Math.fround(p);
    if (power !== null) {
      const p = Math.fround(power);
      agg.powerMaxW = agg.powerMaxW === null ? p : Math.max(agg.powerMaxW, p);
    }
    if (r.lampInternal) agg.lampInternalOn++;
    if (r.lampExternal) agg.lampExternalOn++;
    for (let c = 0; c < r.energyWh.length; c++) {
      const e = r.energyWh[c];
      if (e === null || e === undefined) continue;
      const prev = counters[c];
      if (prev) addAt(agg.energyWh, c, pairEnergy(prev, { e, boot: r.boot, flags: r.flags }));
      while (counters.length <= c) counters.push(null);
      counters[c] = { e, boot: r.boot };
    }
  }
  return hours;
}
