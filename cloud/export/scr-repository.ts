import type pg from 'pg';
import type { HourlyRow, RawRow } from './scr-csv.ts';

/**
 * Cursors for the SCR export. Each export holds one pooled connection inside a read-only transaction and
 * fetches `batch` rows at a time (DECLARE … CURSOR with bind parameters, FETCH n), so memory stays flat
 * whatever the range; the generator's `finally` closes the cursor and releases the connection even when
 * the HTTP client goes away mid-stream.
 */
export interface ExportFilter {
  fromMs: number;
  toMs: number;
  deviceIds: string[];
}

async function* cursor<T extends pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
  params: unknown[],
  batch: number,
): AsyncGenerator<T[]> {
  const client = await pool.connect();
  let broken = false;
  let finished = false;
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query(`declare scr_export no scroll cursor for ${sql}`, params);
    for (;;) {
      const { rows } = await client.query<T>(`fetch ${batch} from scr_export`);
      if (rows.length === 0) break;
      yield rows;
      if (rows.length < batch) break;
    }
    await client.query('commit');
    finished = true;
  } finally {
    // A generator closed early (client disconnected) or a failed query lands here with the transaction open.
    if (!finished) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
    }
    client.release(broken);
  }
}

/** Raw readings of the devices in [from, to), by device then time (the readings primary-key order). */
export function rawReadings(pool: pg.Pool, f: ExportFilter, batch = 2000): AsyncGenerator<RawRow[]> {
  return cursor<RawRow>(
    pool,
    `select device_id, ts, seq, uptime_s, voltage_v, frequency_hz, power_w, energy_wh, power_factor,
            temperature_c, humidity_pct, light_raw, distance_cm, lamp_internal, lamp_external, flags, time_quality
       from readings
      where device_id = any($1::text[]) and ts >= $2 and ts < $3
      order by device_id, ts, boot, seq`,
    [f.deviceIds, new Date(f.fromMs), new Date(f.toMs)],
    batch,
  );
}

/**
 * Every hour of [from, to) for every device (from the hour the device was first seen), joined to its rollup:
 * an hour without a rollup is a row of NA, so R gets a regular series (`ts()` needs one).
 */
export function hourlyRollups(pool: pg.Pool, f: ExportFilter, batch = 5000): AsyncGenerator<HourlyRow[]> {
  return cursor<HourlyRow>(
    pool,
    `select d.device_id, d.site_id, h.hour_start, r.energy_wh_total, r.energy_wh, r.voltage_min, r.voltage_max,
            r.voltage_sum, r.voltage_count, r.power_max_w, r.reading_count,
            (3600 / d.expected_interval_s)::int as expected_count,
            r.lamp_internal_on_count, r.lamp_external_on_count
       from devices d
       cross join lateral generate_series(
              greatest(date_trunc('hour', $2::timestamptz), date_trunc('hour', d.first_seen_at)),
              $3::timestamptz - interval '1 hour', interval '1 hour') as h(hour_start)
       left join reading_hourly r on r.device_id = d.device_id and r.hour_start = h.hour_start
      where d.device_id = any($1::text[])
      order by d.device_id, h.hour_start`,
    [f.deviceIds, new Date(f.fromMs), new Date(f.toMs)],
    batch,
  );
}
