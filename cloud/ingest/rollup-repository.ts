import type pg from 'pg';
import { numberArray, textArray, timestampArray } from '../db/pg-array.ts';
import type { ChannelCounter, HourRollup } from './rollup-rules.ts';

type Queryable = Pick<pg.ClientBase, 'query'>;

export interface CounterState {
  /**
   * The device's last stored reading in chain order (rollup-rules.ts; its te is its ts), or null for a
   * device with none yet.
   */
  last: { ts: number; boot: number; seq: number } | null;
  /** The highest boot with stored readings; null = none, or unknown when `last` is set (pre-003 rows). */
  maxBoot: number | null;
  counters: (ChannelCounter | null)[];
}

export interface StateRow {
  device_id: string;
  ts: Date | null;
  boot: string | null;
  seq: string | null;
  energy_wh: (number | null)[] | null;
  energy_boot: (string | null)[] | null;
  max_boot: string | null;
}

export function toState(r: StateRow): CounterState {
  const counters = (r.energy_wh ?? []).map((e, i) => {
    const b = r.energy_boot?.[i];
    return e === null || b === null || b === undefined ? null : { e, boot: Number(b) };
  });
  const last = r.ts ? { ts: r.ts.getTime(), boot: Number(r.boot), seq: Number(r.seq) } : null;
  return { last, maxBoot: r.max_boot === null ? null : Number(r.max_boot), counters };
}

const SELECT_FOR_UPDATE = `select device_id, ts, boot, seq, energy_wh, energy_boot, max_boot from device_counter_state
  where device_id = any($1::text[]) order by device_id for update`;

/**
 * Locks the counter-state rows of `deviceIds` (held until COMMIT: this is what serialises concurrent batches
 * of a device), in id order so two batches touching the same devices cannot deadlock on them. Rows of devices
 * seen for the first time are created, then locked, in a second step.
 */
export async function lockCounterStates(
  client: Queryable,
  deviceIds: readonly string[],
): Promise<Map<string, CounterState>> {
  const ids = [...new Set(deviceIds)].sort();
  const out = new Map<string, CounterState>();
  if (ids.length === 0) return out;
  for (const r of (await client.query<StateRow>(SELECT_FOR_UPDATE, [ids])).rows)
    out.set(r.device_id, toState(r));
  const missing = ids.filter((id) => !out.has(id));
  if (missing.length > 0) {
    await client.query(
      `insert into device_counter_state (device_id)
       select d from unnest($1::text[]) d order by d on conflict do nothing`,
      [missing],
    );
    for (const r of (await client.query<StateRow>(SELECT_FOR_UPDATE, [missing])).rows)
      out.set(r.device_id, toState(r));
  }
  return out;
}

function stateParams(states: Map<string, CounterState>): unknown[] {
  const sorted = [...states].sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    textArray(sorted.map(([id]) => id)),
    timestampArray(sorted.map(([, s]) => s.last?.ts)),
    numberArray(sorted.map(([, s]) => s.last?.boot)),
    numberArray(sorted.map(([, s]) => s.last?.seq)),
    textArray(sorted.map(([, s]) => numberArray(s.counters.map((c) => c?.e)))),
    textArray(sorted.map(([, s]) => numberArray(s.counters.map((c) => c?.boot)))),
    numberArray(sorted.map(([, s]) => s.maxBoot)),
  ];
}

/** The counter-state update over unnest($n…$n+6) arrays (see stateParams). */
function updateStatesSql(n: number): string {
  return `update device_counter_state s set ts = u.ts, boot = u.boot, seq = u.seq,
         energy_wh = u.e::float8[], energy_boot = u.b::bigint[], max_boot = u.mb
    from unnest($${n}::text[], $${n + 1}::timestamptz[], $${n + 2}::bigint[], $${n + 3}::bigint[],
                $${n + 4}::text[], $${n + 5}::text[], $${n + 6}::bigint[]) as u(device_id, ts, boot, seq, e, b, mb)
   where s.device_id = u.device_id`;
}

export interface HourlyRow {
  device: string;
  siteId: string;
  h: HourRollup;
}

function hourlyParams(rows: readonly HourlyRow[]): unknown[] {
  const sorted = [...rows].sort((a, b) =>
    a.device === b.device ? a.h.hourStart - b.h.hourStart : a.device < b.device ? -1 : 1,
  );
  const num = (f: (h: HourRollup) => number | null) => numberArray(sorted.map((r) => f(r.h)));
  const ts = (f: (h: HourRollup) => number) => timestampArray(sorted.map((r) => f(r.h)));
  return [
    textArray(sorted.map((r) => r.device)),
    ts((h) => h.hourStart),
    textArray(sorted.map((r) => r.siteId)),
    textArray(sorted.map((r) => numberArray(r.h.energyWh))),
    num((h) => h.energyWh.reduce((a, b) => a + b, 0)),
    num((h) => h.voltageMin),
    num((h) => h.voltageMax),
    num((h) => h.voltageSum),
    num((h) => h.voltageCount),
    num((h) => h.powerMaxW),
    num((h) => h.readingCount),
    num((h) => h.lampInternalOn),
    num((h) => h.lampExternalOn),
    ts((h) => h.firstTs),
    ts((h) => h.lastTs),
  ];
}

const HOURLY_COLUMNS = `device_id, hour_start, site_id, energy_wh, energy_wh_total, voltage_min, voltage_max,
    voltage_sum, voltage_count, power_max_w, reading_count, lamp_internal_on_count, lamp_external_on_count,
    first_ts, last_ts`;

/** The rows of hourlyParams ($1…$15) as a relation b(d, hs, s, e, t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l). */
const HOURLY_INPUT = `unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::real[],
    $7::real[], $8::float8[], $9::int[], $10::real[], $11::int[], $12::int[], $13::int[], $14::timestamptz[],
    $15::timestamptz[]) as u(d, hs, s, e, t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l)`;

export interface SiteHour {
  siteId: string;
  hourStart: number;
}

/**
 * Writes complete rollup rows, replacing stored ones (the recompute path). An existing row keeps its site
 * (site_hourly follows reading_hourly.site_id). Returns the (site, hour) of every row written.
 */
export async function replaceHourly(client: Queryable, rows: readonly HourlyRow[]): Promise<SiteHour[]> {
  if (rows.length === 0) return [];
  const { rows: keys } = await client.query<{ site_id: string; hour_start: Date }>(
    `insert into reading_hourly as h (${HOURLY_COLUMNS})
     select d, hs, s, e::float8[], t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l from ${HOURLY_INPUT}
     on conflict (device_id, hour_start) do update set
       energy_wh = excluded.energy_wh, energy_wh_total = excluded.energy_wh_total,
       voltage_min = excluded.voltage_min, voltage_max = excluded.voltage_max,
       voltage_sum = excluded.voltage_sum, voltage_count = excluded.voltage_count,
       power_max_w = excluded.power_max_w, reading_count = excluded.reading_count,
       lamp_internal_on_count = excluded.lamp_internal_on_count,
       lamp_external_on_count = excluded.lamp_external_on_count,
       first_ts = excluded.first_ts, last_ts = excluded.last_ts
     returning h.site_id, h.hour_start`,
    hourlyParams(rows),
  );
  return keys.map((k) => ({ siteId: k.site_id, hourStart: k.hour_start.getTime() }));
}

/**
 * Deletes hour rows whose readings all moved to other hours (their rollup time changed); returns their
 * (site, hour).
 */
export async function deleteHourly(
  client: Queryable,
  rows: readonly { device: string; hourStart: number }[],
): Promise<SiteHour[]> {
  if (rows.length === 0) return [];
  const { rows: keys } = await client.query<{ site_id: string; hour_start: Date }>(
    `delete from reading_hourly h using unnest($1::text[], $2::timestamptz[]) as u(d, hs)
      where h.device_id = u.d and h.hour_start = u.hs
      returning h.site_id, h.hour_start`,
    [rows.map((r) => r.device), rows.map((r) => new Date(r.hourStart))],
  );
  return keys.map((k) => ({ siteId: k.site_id, hourStart: k.hour_start.getTime() }));
}

/** Recomputes site_hourly for these (site, hour) pairs from reading_hourly (after the recompute path). */
export async function refreshSiteHours(client: Queryable, keys: readonly SiteHour[]): Promise<void> {
  if (keys.length === 0) return;
  const sorted = [...keys].sort((a, b) =>
    a.siteId === b.siteId ? a.hourStart - b.hourStart : a.siteId < b.siteId ? -1 : 1,
  );
  await client.query('select cds_refresh_site_hourly($1::text[], $2::timestamptz[])', [
    sorted.map((k) => k.siteId),
    sorted.map((k) => new Date(k.hourStart)),
  ]);
}

/**
 * The in-order path in one round trip: ADDS each row to the stored one of its (device, hour) — the same
 * merge as folding the readings together, because the new readings all come after the stored ones — adds
 * the same change to site_hourly (sums and counts added, min/max widened, the peak sum moved by each device's
 * change of peak, new device rows counted), and saves the counter states. Site rows are written in
 * (site, hour) order, so concurrent batches of one site cannot deadlock on them.
 */
export async function addHourlyAndSaveStates(
  client: Queryable,
  rows: readonly HourlyRow[],
  states: Map<string, CounterState>,
): Promise<void> {
  if (rows.length === 0 && states.size === 0) return;
  await client.query({
    name: 'cds-rollup-add',
    text: `with b as materialized (
       select u.*, o.site_id as old_site, o.power_max_w as old_pmax, o.device_id is not null as existed
         from ${HOURLY_INPUT}
         left join lateral (select h.device_id, h.site_id, h.power_max_w from reading_hourly h
                             where h.device_id = u.d and h.hour_start = u.hs) o on true
     ),
     states as (${updateStatesSql(16)}),
     up as (
       insert into reading_hourly as h (${HOURLY_COLUMNS})
       select d, hs, s, e::float8[], t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l from b
       on conflict (device_id, hour_start) do update set
         energy_wh = cds_add_energy(h.energy_wh, excluded.energy_wh),
         energy_wh_total = h.energy_wh_total + excluded.energy_wh_total,
         voltage_min = least(h.voltage_min, excluded.voltage_min),
         voltage_max = greatest(h.voltage_max, excluded.voltage_max),
         voltage_sum = coalesce(h.voltage_sum, 0) + coalesce(excluded.voltage_sum, 0),
         voltage_count = coalesce(h.voltage_count, 0) + coalesce(excluded.voltage_count, 0),
         power_max_w = greatest(h.power_max_w, excluded.power_max_w),
         reading_count = h.reading_count + excluded.reading_count,
         lamp_internal_on_count = coalesce(h.lamp_internal_on_count, 0) + coalesce(excluded.lamp_internal_on_count, 0),
         lamp_external_on_count = coalesce(h.lamp_external_on_count, 0) + coalesce(excluded.lamp_external_on_count, 0),
         first_ts = least(h.first_ts, excluded.first_ts),
         last_ts = greatest(h.last_ts, excluded.last_ts)
     ),
     -- The site delta of each device-hour, from the stored row read above (the same snapshot the upsert
     -- starts from; the device lock keeps other batches off these rows): the row's site, its new peak
     -- greatest(old, batch) — what the upsert writes — and whether the row is new.
     dh as (
       select case when existed then old_site else s end as s, hs, e::float8[] as e, t, vmin, vmax, n,
              coalesce(greatest(old_pmax, pmax), 0)::float8 - coalesce(old_pmax, 0)::float8 as pd,
              (greatest(old_pmax, pmax) is not null)::int - (old_pmax is not null)::int as pc,
              (not existed)::int as nd
         from b
     ),
     ch as (
       select dh.s, dh.hs, x.i, sum(x.v) as v
         from dh cross join lateral unnest(dh.e) with ordinality as x(v, i)
        group by dh.s, dh.hs, x.i
     )
     insert into site_hourly as sh (site_id, hour_start, energy_wh, energy_wh_total, voltage_min, voltage_max,
                                    power_max_sum_w, power_max_count, reading_count, device_count)
     select dh.s, dh.hs,
            coalesce((select array_agg(ch.v order by ch.i) from ch where ch.s = dh.s and ch.hs = dh.hs), '{}'),
            sum(dh.t), min(dh.vmin), max(dh.vmax), sum(dh.pd), sum(dh.pc), sum(dh.n), sum(dh.nd)
       from dh group by dh.s, dh.hs
      order by dh.s, dh.hs
     on conflict (site_id, hour_start) do update set
       energy_wh = cds_add_energy(sh.energy_wh, excluded.energy_wh),
       energy_wh_total = sh.energy_wh_total + excluded.energy_wh_total,
       voltage_min = least(sh.voltage_min, excluded.voltage_min),
       voltage_max = greatest(sh.voltage_max, excluded.voltage_max),
       power_max_sum_w = sh.power_max_sum_w + excluded.power_max_sum_w,
       power_max_count = sh.power_max_count + excluded.power_max_count,
       reading_count = sh.reading_count + excluded.reading_count,
       device_count = sh.device_count + excluded.device_count`,
    values: [...hourlyParams(rows), ...stateParams(states)],
  });
}
