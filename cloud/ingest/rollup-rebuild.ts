import type pg from 'pg';
import { withTransaction } from '../aicss/queryable.ts';
import { fetchChainCounters, fetchChainHead, fetchChainReadings } from './chain-repository.ts';
import {
  addHourlyAndSaveStates,
  type CounterState,
  type HourlyRow,
  lockCounterStates,
  refreshSiteHours,
  replaceHourly,
  type SiteHour,
} from './rollup-repository.ts';
import { type ChannelCounter, compareChain, foldReadings, HOUR_MS, hourStart } from './rollup-rules.ts';

/** Readings folded per step of a rebuild (by rollup time): a week holds ~60 000 readings at 10 s. */
const WINDOW_MS = 7 * 24 * HOUR_MS;
/** The most channels a reading has (shared/schemas/reading.ts). */
const MAX_CHANNELS = 8;

export interface RebuildResult {
  device: string;
  hours: number;
  readings: number;
}

/**
 * Recomputes every hourly rollup of one device from its raw readings with the current rule (rollup-rules.ts),
 * in one transaction under the device's lock: its reading_hourly rows are replaced, the site_hourly rows of
 * every hour it had or has are recomputed, and its counter state is reloaded. For rollups written by an
 * earlier rule (before migration 003); ingest keeps them current afterwards.
 */
export function rebuildDeviceRollups(pool: pg.Pool, device: string): Promise<RebuildResult> {
  return withTransaction(pool, async (client) => {
    await lockCounterStates(client, [device]);
    const { rows } = await client.query<{ site_id: string | null; first: Date | null; last: Date | null }>(
      `select (select site_id from devices where device_id = $1) as site_id,
              (select min(ts) from readings where device_id = $1) as first,
              (select max(ts) from readings where device_id = $1) as last`,
      [device],
    );
    const { site_id: siteId, first, last } = rows[0]!;
    const { rows: old } = await client.query<{ site_id: string; hour_start: Date }>(
      'delete from reading_hourly where device_id = $1 returning site_id, hour_start',
      [device],
    );
    const touched: SiteHour[] = old.map((o) => ({ siteId: o.site_id, hourStart: o.hour_start.getTime() }));
    const hours: HourlyRow[] = [];
    let readings = 0;
    if (first && last && siteId) {
      // The earliest reading's te is its ts (nothing stamped earlier can be numbered after it).
      const from = hourStart(first.getTime());
      const counters: (ChannelCounter | null)[] = [];
      for (let t = from; t <= last.getTime(); t += WINDOW_MS) {
        const raw = (await fetchChainReadings(client, device, t, t + WINDOW_MS)).sort(compareChain);
        readings += raw.length;
        for (const h of foldReadings(counters, raw).values()) hours.push({ device, siteId, h });
      }
      touched.push(...(await replaceHourly(client, hours)));
    }
    await refreshSiteHours(client, touched);
    const head = await fetchChainHead(client, device);
    const counters = await fetchChainCounters(client, device, null, MAX_CHANNELS);
    while (counters.length > 0 && counters[counters.length - 1] === null) counters.pop();
    const state: CounterState = { last: head.last, maxBoot: head.maxBoot, counters };
    await addHourlyAndSaveStates(client, [], new Map([[device, state]]));
    return { device, hours: hours.length, readings };
  });
}

/** The devices that have readings (for a rebuild of all). */
export async function devicesWithReadings(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ device_id: string }>(
    'select distinct device_id from device_boots order by device_id',
  );
  return rows.map((r) => r.device_id);
}
