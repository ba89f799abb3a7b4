-- 003_rollup_time (owner: cloud-data): bookkeeping for the rollup-time rule of cloud/ingest/rollup-rules.ts.
--
-- A reading's rollup time te = min(ts, ts of every reading of the same boot with a higher seq): a reading
-- cannot have been taken after one its board numbered later (the gateway stamps a board's unsynced first
-- record with its ARRIVAL time, which is late when the record is delivered late). For normal data te = ts;
-- these two small tables let the late-data path find the exceptions and bound its searches without an
-- index on (device_id, boot, seq), which would slow every COPY into readings.

-- Exactly the stored readings whose te is earlier than their ts (rare). Rows are only ever added or moved
-- earlier: adding readings can only lower te.
create table reading_rollup_ts (
  device_id text not null,
  ts timestamptz not null,
  boot bigint not null,
  seq bigint not null,
  rollup_ts timestamptz not null,
  primary key (device_id, ts, boot, seq)
);
create index reading_rollup_ts_chain_idx on reading_rollup_ts (device_id, rollup_ts, boot, seq, ts);

-- One row per boot of a device with stored readings. min_ts ≤ ts of every reading of the boot; max_ts ≥ ts of
-- every reading of the boot whose te = ts, or null for the boot of the device's latest reading in rollup
-- order (still growing). Written when a boot appears or is closed and on the late-data path, never per
-- in-order batch.
create table device_boots (
  device_id text not null,
  boot bigint not null,
  min_ts timestamptz not null,
  max_ts timestamptz,
  primary key (device_id, boot)
);

-- The highest boot with stored readings: a reading of a higher boot cannot have a stored twin or a stored
-- reading after it in its boot, so it may take the in-order path. Null with a non-null ts = unknown (rows
-- from before this migration): the device's next batch takes the recompute path, which reloads the state.
alter table device_counter_state add column max_boot bigint;

-- Data stored before this migration.
insert into reading_rollup_ts (device_id, ts, boot, seq, rollup_ts)
select device_id, ts, boot, seq, higher
  from (select device_id, ts, boot, seq,
               min(ts) over (partition by device_id, boot order by seq desc
                             range between unbounded preceding and 1 preceding) as higher
          from readings) s
 where higher < ts;

insert into device_boots (device_id, boot, min_ts, max_ts)
select device_id, boot, min(ts), max(ts) from readings group by device_id, boot;

update device_boots b set max_ts = null
  from (select distinct on (r.device_id) r.device_id, r.boot
          from readings r
         where not exists (select 1 from reading_rollup_ts x
                            where x.device_id = r.device_id and x.ts = r.ts and x.boot = r.boot and x.seq = r.seq)
         order by r.device_id, r.ts desc, r.boot desc, r.seq desc) head
 where b.device_id = head.device_id and b.boot = head.boot;
