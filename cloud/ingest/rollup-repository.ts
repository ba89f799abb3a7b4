import type pg from 'pg';
import { type ChannelCounter, type HourRollup, hourStart, type RollupReading } from './rollup-rules.ts';

type Queryable = Pick<pg.ClientBase, 'query'>;

export interface CounterState {
  /** The latest stored reading of the device, or null for a device with none yet. */
  last: { ts: number; boot: number; seq: number } | null;
  counters: (ChannelCounter | null)[];
}

export interface StateRow {
  device_id: string;
  ts: Date | null;
  boot: string | null;
  seq: string | null;
  energy_wh: (number | null)[] | null;
  energy_boot: (string | null)[] | null;
}

export function toState(r: StateRow): CounterState {
  const counters = (r.energy_wh ?? []).map((e, i) => {
    const b = r.energy_boot?.[i];
    return e === null || b === null || b === undefined ? null : { e, boot: Number(b) };
  });
  const last = r.ts ? { ts: r.ts.getTime(), boot: Number(r.boot), seq: Number(r.seq) } : null;
  return { last, counters };
}

const SELECT_FOR_UPDATE = `select device_id, ts, boot, seq, energy_wh, energy_boot from device_counter_state
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
    sorted.map(([id]) => id),
    sorted.map(([, s]) => (s.last ? new Date(s.last.ts) : null)),
    sorted.map(([, s]) => s.last?.boot ?? null),
    sorted.map(([, s]) => s.last?.seq ?? null),
    sorted.map(([, s]) => `{${s.counters.map((c) => (c ? c.e : 'NULL')).join(',')}}`),
    sorted.map(([, s]) => `{${s.counters.map((c) => (c ? c.boot : 'NULL')).join(',')}}`),
  ];
}

/** The counter-state update over unnest($n…$n+5) arrays (see stateParams). */
function updateStatesSql(n: number): string {
  return `update device_counter_state s set ts = u.ts, boot = u.boot, seq = u.seq,
         energy_wh = u.e::float8[], energy_boot = u.b::bigint[]
    from unnest($${n}::text[], $${n + 1}::timestamptz[], $${n + 2}::bigint[], $${n + 3}::bigint[],
                $${n + 4}::text[], $${n + 5}::text[]) as u(device_id, ts, boot, seq, e, b)
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
  const col = <T>(f: (r: HourlyRow) => T): T[] => sorted.map(f);
  return [
    col((r) => r.device),
    col((r) => new Date(r.h.hourStart)),
    col((r) => r.siteId),
    col((r) => `{${r.h.energyWh.join(',')}}`),
    col((r) => r.h.energyWh.reduce((a, b) => a + b, 0)),
    col((r) => r.h.voltageMin),
    col((r) => r.h.voltageMax),
    col((r) => r.h.voltageSum),
    col((r) => r.h.voltageCount),
    col((r) => r.h.powerMaxW),
    col((r) => r.h.readingCount),
    col((r) => r.h.lampInternalOn),
    col((r) => r.h.lampExternalOn),
    col((r) => new Date(r.h.firstTs)),
    col((r) => new Date(r.h.lastTs)),
  ];
}

const INSERT_HOURLY = `insert into reading_hourly as h (device_id, hour_start, site_id, energy_wh, energy_wh_total,
    voltage_min, voltage_max, voltage_sum, voltage_count, power_max_w, reading_count, lamp_internal_on_count,
    lamp_external_on_count, first_ts, last_ts)
  select d, hs, s, e::float8[], t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l
    from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::real[], $7::real[],
                $8::float8[], $9::int[], $10::real[], $11::int[], $12::int[], $13::int[],
                $14::timestamptz[], $15::timestamptz[])
         as u(d, hs, s, e, t, vmin, vmax, vsum, vcount, pmax, n, li, le, f, l)
  on conflict (device_id, hour_start) do update set`;

/** Writes complete rollup rows, replacing stored ones (the recompute path). */
export async function replaceHourly(client: Queryable, rows: readonly HourlyRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `${INSERT_HOURLY}
       site_id = excluded.site_id, energy_wh = excluded.energy_wh, energy_wh_total = excluded.energy_wh_total,
       voltage_min = excluded.voltage_min, voltage_max = excluded.voltage_max,
       voltage_sum = excluded.voltage_sum, voltage_count = excluded.voltage_count,
       power_max_w = excluded.power_max_w, reading_count = excluded.reading_count,
       lamp_internal_on_count = excluded.lamp_internal_on_count,
       lamp_external_on_count = excluded.lamp_external_on_count,
       first_ts = excluded.first_ts, last_ts = excluded.last_ts`,
    hourlyParams(rows),
  );
}

/**
 * The in-order path in one round trip: ADDS each row to the stored one of its (device, hour) — the same
 * merge as folding the readings together, because the new readings all come after the stored ones — and
 * saves the counter states.
 */
export async function addHourlyAndSaveStates(
  client: Queryable,
  rows: readonly HourlyRow[],
  states: Map<string, CounterState>,
): Promise<void> {
  if (rows.length === 0 && states.size === 0) return;
  await client.query(
    `with states as (${updateStatesSql(16)})
     ${INSERT_HOURLY}
       site_id = excluded.site_id,
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
       last_ts = greatest(h.last_ts, excluded.last_ts)`,
    [...hourlyParams(rows), ...stateParams(states)],
  );
}

interface RawRow {
  ts: Date;
  boot: string;
  seq: string;
  flags: number;
  voltage_v: number | null;
  power_w: (number | null)[] | null;
  energy_wh: (number | null)[] | null;
  lamp_internal: boolean | null;
  lamp_external: boolean | null;
}

/** Raw readings of a device in [from, to), in rollup order. */
export async function fetchRawReadings(
  client: Queryable,
  device: string,
  from: number,
  to: number,
): Promise<RollupReading[]> {
  const { rows } = await client.query<RawRow>(
    `select ts, boot, seq, flags, voltage_v, power_w, energy_wh, lamp_internal, lamp_external
       from readings where device_id = $1 and ts >= $2 and ts < $3
      order by ts, boot, seq`,
    [device, new Date(from), new Date(to)],
  );
  return rows.map((r) => ({
    ts: r.ts.getTime(),
    boot: Number(r.boot),
    seq: Number(r.seq),
    flags: r.flags,
    voltageV: r.voltage_v,
    powerW: r.power_w ?? [],
    energyWh: r.energy_wh ?? [],
    lampInternal: r.lamp_internal,
    lampExternal: r.lamp_external,
  }));
}

/**
 * Per channel 1…`channels`, the latest reading before `before` (epoch ms, or null = all) that has a counter
 * value for it: the predecessors a recompute starts from (index 0 = channel 1).
 */
export async function fetchChannelCounters(
  client: Queryable,
  device: string,
  before: number | null,
  channels: number,
): Promise<(ChannelCounter | null)[]> {
  const out: (ChannelCounter | null)[] = Array.from({ length: channels }, () => null);
  if (channels === 0) return out;
  const { rows } = await client.query<{ c: number; boot: string; e: number }>(
    `select c.c, p.boot, p.e from generate_series(1, $3::int) as c(c)
       cross join lateral (
         select r.boot, r.energy_wh[c.c] as e from readings r
          where r.device_id = $1 and r.ts < $2 and r.energy_wh[c.c] is not null
          order by r.ts desc, r.boot desc, r.seq desc limit 1) p`,
    [device, before === null ? 'infinity' : new Date(before), channels],
  );
  for (const r of rows) out[r.c - 1] = { e: r.e, boot: Number(r.boot) };
  return out;
}

/**
 * Hours of the readings that follow each given reading, per channel, among those with a value for that
 * channel: inserting a late reading changes the energy of its successor's pair, which belongs to the
 * successor's hour.
 */
export async function fetchSuccessorHours(
  client: Queryable,
  device: string,
  items: readonly { ts: number; boot: number; seq: number; channel: number }[],
): Promise<number[]> {
  if (items.length === 0) return [];
  // Hours are cut in JS (UTC), not with date_trunc, whose result depends on the session time zone.
  const { rows } = await client.query<{ ts: Date }>(
    `select distinct n.ts
       from unnest($2::timestamptz[], $3::bigint[], $4::bigint[], $5::int[]) as l(ts, boot, seq, c)
       cross join lateral (
         select r.ts from readings r
          where r.device_id = $1 and (r.ts, r.boot, r.seq) > (l.ts, l.boot, l.seq)
            and r.energy_wh[l.c] is not null
          order by r.ts, r.boot, r.seq limit 1) n`,
    [
      device,
      items.map((i) => new Date(i.ts)),
      items.map((i) => i.boot),
      items.map((i) => i.seq),
      items.map((i) => i.channel),
    ],
  );
  return [...new Set(rows.map((r) => hourStart(r.ts.getTime())))];
}
