import type pg from 'pg';
import type { Reading } from '../../shared/schemas/reading.ts';
import type { DeviceOwner } from './ingest-repository.ts';
import type { PreparedBatch } from './prepared-batch.ts';
import { copyReadings, copyReadingsDeduplicated } from './readings-repository.ts';
import { RetryBatch, sqlState } from './retry-batch.ts';
import type { CounterState } from './rollup-repository.ts';
import { assignRollupTimes, type RollupReading, toRollupReading } from './rollup-rules.ts';
import { appendsAfter, type InsertedDeviceReadings } from './rollup-updater.ts';
import type { IndexedReading } from './row-validation.ts';

/**
 * COPY straight in when no reading can be stored already (per the locked counter states); otherwise the
 * de-duplicating staging path. A unique violation on the straight path means a row got in outside ingest:
 * the attempt is retried on the de-duplicating path.
 */
export async function insertReadings(
  client: pg.PoolClient,
  p: PreparedBatch,
  accepted: readonly IndexedReading[],
  owners: ReadonlyMap<string, DeviceOwner>,
  states: ReadonlyMap<string, CounterState>,
  forceDedup: boolean,
): Promise<{ count: number; byDevice: Map<string, InsertedDeviceReadings> }> {
  const groups = new Map<string, IndexedReading[]>();
  for (const a of accepted) {
    const list = groups.get(a.reading.device);
    if (list) list.push(a);
    else groups.set(a.reading.device, [a]);
  }
  // Per device in primary-key order; a row repeated within the batch is dropped here (it counts as a
  // duplicate). Sorted input also makes the primary-key inserts of the COPY mostly sequential per device.
  const byDevice = new Map<string, InsertedDeviceReadings>();
  const lines: [number, number][] = [];
  for (const [device, list] of groups) {
    list.sort((a, b) => compareStored(a.reading, b.reading));
    const readings: RollupReading[] = [];
    let prev: Reading | undefined;
    for (const { index, reading: r } of list) {
      if (prev && compareStored(prev, r) === 0) continue;
      prev = r;
      lines.push(p.lines[index]!);
      readings.push(toRollupReading(r));
    }
    byDevice.set(device, { siteId: owners.get(device)!.siteId, readings });
  }
  if (lines.length === 0) return { count: 0, byDevice };
  const text = p.copy.gather(lines);
  // Readings that all append to their device's chain cannot be stored already (see appendsAfter).
  const dedup =
    forceDedup ||
    [...byDevice].some(([device, d]) => {
      const state = states.get(device);
      if (!state) return false;
      assignRollupTimes(d.readings);
      return !appendsAfter(state, d.readings);
    });
  if (!dedup) {
    try {
      await copyReadings(client, text);
    } catch (err) {
      if (sqlState(err) === '23505') throw new RetryBatch('stored_row', err);
      throw err;
    }
    return { count: lines.length, byDevice };
  }
  const keys = new Set(
    (await copyReadingsDeduplicated(client, text)).map((k) => `${k.device}|${k.ts}|${k.boot}|${k.seq}`),
  );
  let count = 0;
  for (const [device, d] of byDevice) {
    d.readings = d.readings.filter((r) => keys.has(`${device}|${r.ts}|${r.boot}|${r.seq}`));
    count += d.readings.length;
  }
  return { count, byDevice };
}

/** Primary-key order of a device's readings (ts, boot, seq): COPY order and in-batch repeats. */
function compareStored(a: Reading, b: Reading): number {
  return a.ts - b.ts || a.boot - b.boot || a.seq - b.seq;
}
