import type pg from 'pg';
import type { ChainKey, ChannelCounter, RollupReading } from './rollup-rules.ts';

/**
 * SQL for the late-data path's view of a device's chain (rollup-rules.ts): readings ordered by rollup time
 * te, where te = ts except for the few readings listed in `reading_rollup_ts`. Every search goes through the
 * readings primary key (device_id, ts, boot, seq); `device_boots` bounds the searches by boot
 * (sql/postgres/003_rollup_time.sql).
 */

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The anti-join "this reading's te is its ts" (correlated on `r`). */
const NOT_RETIMED = `not exists (select 1 from reading_rollup_ts x
  where x.device_id = r.device_id and x.ts = r.ts and x.boot = r.boot and x.seq = r.seq)`;
const JOIN_RETIMED = `reading_rollup_ts x on x.device_id = r.device_id and x.ts = r.ts and x.boot = r.boot
  and x.seq = r.seq`;

const ms = (d: Date) => d.getTime();
const at = (t: number) => new Date(t);

export interface BootBounds {
  minTs: number;
  /** Null: the boot of the device's chain-last reading (open). */
  maxTs: number | null;
}

export async function fetchBootBounds(
  client: Queryable,
  device: string,
  boots: readonly number[],
): Promise<Map<number, BootBounds>> {
  const { rows } = await client.query<{ boot: string; min_ts: Date; max_ts: Date | null }>(
    'select boot, min_ts, max_ts from device_boots where device_id = $1 and boot = any($2::bigint[])',
    [device, boots],
  );
  return new Map(
    rows.map((r) => [Number(r.boot), { minTs: ms(r.min_ts), maxTs: r.max_ts ? ms(r.max_ts) : null }]),
  );
}

export interface WindowRow {
  ts: number;
  seq: number;
  /** Stored te (before this batch's changes to reading_rollup_ts). */
  te: number;
  energyWh: (number | null)[];
}

/**
 * The readings of one boot whose te the new readings of that boot (ts in [lo, hi], seq in [minSeq, maxSeq])
 * can change or depend on: every reading of the boot between the last te = ts reading before lo with a seq
 * below minSeq and the first te = ts reading after hi with a seq above maxSeq (readings of a boot with te = ts
 * have increasing seq in time, so nothing outside can be a witness or be lowered), plus the boot's retimed
 * readings with a seq below maxSeq and te after lo. `floor`/`ceil` bound the searches (device_boots).
 */
export async function fetchBootWindow(
  client: Queryable,
  device: string,
  boot: number,
  w: { lo: number; hi: number; minSeq: number; maxSeq: number; floor: number; ceil: number | null },
): Promise<WindowRow[]> {
  const { rows } = await client.query<{
    ts: Date;
    seq: string;
    te: Date | null;
    e: (number | null)[] | null;
  }>(
    `with lo as (
       select coalesce((select r.ts from readings r
                         where r.device_id = $1 and r.ts < $3 and r.ts >= $7 and r.boot = $2 and r.seq < $4
                           and ${NOT_RETIMED}
                         order by r.ts desc limit 1), $7) as t
     ), hi as (
       select coalesce((select r.ts from readings r
                         where r.device_id = $1 and r.ts > $5 and r.ts <= $8 and r.boot = $2 and r.seq > $6
                           and ${NOT_RETIMED}
                         order by r.ts limit 1), $8) as t
     )
     select r.ts, r.seq, x.rollup_ts as te, r.energy_wh as e
       from readings r left join ${JOIN_RETIMED}
      where r.device_id = $1 and r.boot = $2 and r.ts >= (select t from lo) and r.ts <= (select t from hi)
     union all
     select r.ts, r.seq, x.rollup_ts, r.energy_wh
       from reading_rollup_ts x join readings r on r.device_id = x.device_id and r.ts = x.ts
            and r.boot = x.boot and r.seq = x.seq
      where x.device_id = $1 and x.boot = $2 and x.seq < $6 and x.rollup_ts > $3 and x.ts > (select t from hi)`,
    [
      device,
      boot,
      at(w.lo),
      w.minSeq,
      at(w.hi),
      w.maxSeq,
      at(w.floor),
      w.ceil === null ? 'infinity' : at(w.ceil),
    ],
  );
  return rows.map((r) => ({
    ts: ms(r.ts),
    seq: Number(r.seq),
    te: r.te ? ms(r.te) : ms(r.ts),
    energyWh: r.e ?? [],
  }));
}

/** Records te < ts for these readings (or moves a recorded te earlier). */
export async function saveRollupTimes(
  client: Queryable,
  device: string,
  rows: readonly ChainKey[],
): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => a.ts - b.ts || a.boot - b.boot || a.seq - b.seq);
  await client.query(
    `insert into reading_rollup_ts as x (device_id, ts, boot, seq, rollup_ts)
     select $1, u.ts, u.boot, u.seq, u.te
       from unnest($2::timestamptz[], $3::bigint[], $4::bigint[], $5::timestamptz[]) as u(ts, boot, seq, te)
     on conflict (device_id, ts, boot, seq) do update set rollup_ts = least(x.rollup_ts, excluded.rollup_ts)`,
    [
      device,
      sorted.map((r) => at(r.ts)),
      sorted.map((r) => r.boot),
      sorted.map((r) => r.seq),
      sorted.map((r) => at(r.te)),
    ],
  );
}

/**
 * Keeps device_boots valid after readings of `boots` were stored: min_ts lowered, max_ts raised, the boot of
 * the chain-last reading `head` open (null) and every other boot closed at `closeTs` — the chain-last ts,
 * which bounds every reading whose te = ts.
 */
export async function saveBoots(
  client: Queryable,
  device: string,
  boots: readonly { boot: number; minTs: number; maxTs: number }[],
  head: { boot: number; ts: number },
): Promise<void> {
  const sorted = [...boots].sort((a, b) => a.boot - b.boot);
  await client.query(
    `with others as (
       update device_boots set max_ts = case when boot = $5 then null else $6::timestamptz end
        where device_id = $1 and boot <> all($2::bigint[])
          and ((max_ts is null and boot <> $5) or (boot = $5 and max_ts is not null))
     )
     insert into device_boots as d (device_id, boot, min_ts, max_ts)
     select $1, u.boot, u.min_ts, case when u.boot = $5 then null else u.max_ts end
       from unnest($2::bigint[], $3::timestamptz[], $4::timestamptz[]) as u(boot, min_ts, max_ts)
      order by u.boot
     on conflict (device_id, boot) do update set
       min_ts = least(d.min_ts, excluded.min_ts),
       max_ts = case when d.boot = $5 then null
                     when d.max_ts is null then $6::timestamptz
                     else greatest(d.max_ts, excluded.max_ts) end`,
    [
      device,
      sorted.map((b) => b.boot),
      sorted.map((b) => at(b.minTs)),
      sorted.map((b) => at(b.maxTs)),
      head.boot,
      at(head.ts),
    ],
  );
}

/** The chain's first reading with a value for the channel after each position, as te values. */
export async function fetchSuccessorTimes(
  client: Queryable,
  device: string,
  items: readonly (ChainKey & { channel: number })[],
): Promise<number[]> {
  if (items.length === 0) return [];
  const { rows } = await client.query<{ te: Date }>(
    `select distinct s.te
       from unnest($2::timestamptz[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::int[])
            as l(te, boot, seq, ts, c)
       cross join lateral (
         select u.te from (
           (select r.ts as te, r.boot, r.seq, r.ts from readings r
             where r.device_id = $1 and (r.ts, r.boot, r.seq) > (l.te, l.boot, l.seq)
               and r.energy_wh[l.c] is not null and ${NOT_RETIMED}
             order by r.ts, r.boot, r.seq limit 1)
           union all
           (select x.rollup_ts, x.boot, x.seq, x.ts from reading_rollup_ts x
              join readings r on r.device_id = x.device_id and r.ts = x.ts and r.boot = x.boot and r.seq = x.seq
             where x.device_id = $1 and (x.rollup_ts, x.boot, x.seq, x.ts) > (l.te, l.boot, l.seq, l.ts)
               and r.energy_wh[l.c] is not null
             order by x.rollup_ts, x.boot, x.seq, x.ts limit 1)
         ) u order by u.te, u.boot, u.seq, u.ts limit 1) s`,
    [
      device,
      items.map((i) => at(i.te)),
      items.map((i) => i.boot),
      items.map((i) => i.seq),
      items.map((i) => at(i.ts)),
      items.map((i) => i.channel),
    ],
  );
  return rows.map((r) => ms(r.te));
}

interface RawRow {
  ts: Date;
  te: Date | null;
  boot: string;
  seq: string;
  flags: number;
  voltage_v: number | null;
  power_w: (number | null)[] | null;
  energy_wh: (number | null)[] | null;
  lamp_internal: boolean | null;
  lamp_external: boolean | null;
}

const RAW_COLUMNS = `r.ts, x.rollup_ts as te, r.boot, r.seq, r.flags, r.voltage_v, r.power_w, r.energy_wh,
  r.lamp_internal, r.lamp_external`;

/** The readings with te in [from, to), unsorted. */
export async function fetchChainReadings(
  client: Queryable,
  device: string,
  from: number,
  to: number,
): Promise<RollupReading[]> {
  const { rows } = await client.query<RawRow>(
    `select ${RAW_COLUMNS} from readings r left join ${JOIN_RETIMED}
      where r.device_id = $1 and r.ts >= $2 and r.ts < $3
     union all
     select ${RAW_COLUMNS} from reading_rollup_ts x
       join readings r on r.device_id = x.device_id and r.ts = x.ts and r.boot = x.boot and r.seq = x.seq
      where x.device_id = $1 and x.rollup_ts >= $2 and x.rollup_ts < $3 and x.ts >= $3`,
    [device, at(from), at(to)],
  );
  const out: RollupReading[] = [];
  for (const r of rows) {
    const te = r.te ? ms(r.te) : ms(r.ts);
    if (te < from) continue;
    out.push({
      ts: ms(r.ts),
      te,
      boot: Number(r.boot),
      seq: Number(r.seq),
      flags: r.flags,
      voltageV: r.voltage_v,
      powerW: r.power_w ?? [],
      energyWh: r.energy_wh ?? [],
      lampInternal: r.lamp_internal,
      lampExternal: r.lamp_external,
    });
  }
  return out;
}

/**
 * Per channel 1…`channels`, the chain's last reading with te before `before` (null = all) that has a counter
 * value for it: the predecessors a recompute starts from (index 0 = channel 1).
 */
export async function fetchChainCounters(
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
         select u.boot, u.e from (
           (select r.ts as te, r.boot, r.seq, r.ts, r.energy_wh[c.c] as e from readings r
             where r.device_id = $1 and r.ts < $2 and r.energy_wh[c.c] is not null and ${NOT_RETIMED}
             order by r.ts desc, r.boot desc, r.seq desc limit 1)
           union all
           (select x.rollup_ts, x.boot, x.seq, x.ts, r.energy_wh[c.c] from reading_rollup_ts x
              join readings r on r.device_id = x.device_id and r.ts = x.ts and r.boot = x.boot and r.seq = x.seq
             where x.device_id = $1 and x.rollup_ts < $2 and r.energy_wh[c.c] is not null
             order by x.rollup_ts desc, x.boot desc, x.seq desc, x.ts desc limit 1)
         ) u order by u.te desc, u.boot desc, u.seq desc, u.ts desc limit 1) p`,
    [device, before === null ? 'infinity' : at(before), channels],
  );
  for (const r of rows) out[r.c - 1] = { e: r.e, boot: Number(r.boot) };
  return out;
}

/**
 * The device's chain-last reading (always one with te = ts: a retimed reading has a later-numbered reading
 * of its boot at its te) and its highest boot.
 */
export async function fetchChainHead(
  client: Queryable,
  device: string,
): Promise<{ last: { ts: number; boot: number; seq: number } | null; maxBoot: number | null }> {
  const { rows } = await client.query<{
    ts: Date | null;
    boot: string | null;
    seq: string | null;
    max_boot: string | null;
  }>(
    `select l.ts, l.boot, l.seq, (select max(boot) from device_boots where device_id = $1) as max_boot
       from (select 1) one
       left join lateral (select r.ts, r.boot, r.seq from readings r
                           where r.device_id = $1 and ${NOT_RETIMED}
                           order by r.ts desc, r.boot desc, r.seq desc limit 1) l on true`,
    [device],
  );
  const r = rows[0]!;
  return {
    last: r.ts ? { ts: ms(r.ts), boot: Number(r.boot), seq: Number(r.seq) } : null,
    maxBoot: r.max_boot === null ? null : Number(r.max_boot),
  };
}
