import { BOARD_FLAGS } from '../../shared/schemas/reading.ts';

/**
 * The hourly rollup of one device, as pure functions shared by the incremental path (in-order data, folded
 * onto the stored counter state) and the recompute path (late data, folded from raw readings), so the two
 * cannot drift.
 *
 * ENERGY RULE (also in docs/scaling.md, "Hourly rollups"). Readings of a device are ordered by
 * (ts, boot, seq). For each channel c, a reading q that has a cumulative counter value e_q(c) is paired with
 * its predecessor p = the latest earlier reading that has a value for c (a reading missing c does not break
 * the chain). The pair's energy is
 *   - ENERGY_RESTORED set on q and q.boot ≠ p.boot (the board reloaded its counter from NVS after a reset):
 *       max(0, e_q − e_p). A negative step means the saved value was older than the last one we saw; the
 *       counter then re-counts energy we already have, so the step is 0 rather than e_q (which would count
 *       the whole restored total a second time).
 *   - otherwise (same boot, or a new boot whose counter restarted at 0):
 *       e_q − e_p when e_q ≥ e_p; e_q when e_q < e_p (the counter reset — new boot without restore,
 *       EnergyReset command, meter rollover — so e_q is what it counted since the reset; what it counted
 *       between p and the reset is unknown and lost). A new boot with e_q ≥ e_p is taken as a counter that
 *       survived (e.g. emonTx EEPROM), i.e. the smaller of the two readings: never double.
 *   - the first value of a channel ever seen has no predecessor: 0 (it is the baseline).
 * The energy of a pair belongs to the hour of q, the LATER reading (a gap of several hours is attributed
 * entirely to the hour in which it became known). Never negative: every case is ≥ 0 because counters are ≥ 0.
 *
 * Other columns are per hour over the readings whose ts falls in it: min/max/sum/count of voltage, max over
 * readings of the sum of channel powers, reading count, lamp-on counts, first/last ts. Values are rounded to
 * float4 first (Math.fround) because that is how `readings` stores them, so both paths agree bit for bit
 * except for the order of additions.
 */

export const HOUR_MS = 3_600_000;

export interface RollupReading {
  ts: number;
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

/** Total order of a device's readings. */
export function compareReadings(a: Pick<RollupReading, 'ts' | 'boot' | 'seq'>, b: typeof a): number {
  return a.ts - b.ts || a.boot - b.boot || a.seq - b.seq;
}

/** Energy of one channel between predecessor `p` and reading `q` (the rule above). */
export function pairEnergy(p: ChannelCounter, q: { e: number; boot: number; flags: number }): number {
  const step = q.e - p.e;
  if (q.boot !== p.boot && (q.flags & BOARD_FLAGS.ENERGY_RESTORED) !== 0) return Math.max(0, step);
  return step >= 0 ? step : q.e;
}

function emptyHour(h: number, ts: number): HourRollup {
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
    firstTs: ts,
    lastTs: ts,
  };
}

function addAt(arr: number[], i: number, v: number): void {
  while (arr.length <= i) arr.push(0);
  arr[i]! += v;
}

/**
 * Folds readings (sorted by `compareReadings`, all after the readings `counters` came from) into hourly
 * rollups. `counters` is updated in place to the state after the last reading.
 */
export function foldReadings(
  counters: (ChannelCounter | null)[],
  sorted: readonly RollupReading[],
): Map<number, HourRollup> {
  const hours = new Map<number, HourRollup>();
  for (const r of sorted) {
    const h = hourStart(r.ts);
    let agg = hours.get(h);
    if (!agg) {
      agg = emptyHour(h, r.ts);
      hours.set(h, agg);
    }
    agg.readingCount++;
    agg.lastTs = r.ts;
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
    r.energyWh.forEach((e, c) => {
      if (e === null) return;
      const prev = counters[c];
      if (prev) addAt(agg.energyWh, c, pairEnergy(prev, { e, boot: r.boot, flags: r.flags }));
      while (counters.length <= c) counters.push(null);
      counters[c] = { e, boot: r.boot };
    });
  }
  return hours;
}
