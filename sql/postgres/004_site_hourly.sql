-- 004_site_hourly (owner: cloud-data): per-site hourly rollup for the dashboards' site scope.
--
-- site_hourly(site, hour) is exactly the aggregate of the reading_hourly rows of that site and hour (a year by
-- day of a 50-device site reads 8 760 rows instead of 438 000). It is maintained in the ingest transaction,
-- in the same statement as reading_hourly on the in-order path (additive: sums, counts, min/max, and the
-- change of each device's hourly peak) and recomputed from reading_hourly for the hours the late-data path
-- rewrites (cds_refresh_site_hourly). A reading_hourly row keeps the site it was first written for, so the
-- two always agree even if a device is moved to another site.

create table site_hourly (
  site_id text not null,
  hour_start timestamptz not null,
  -- per channel: Σ over the site's devices of reading_hourly.energy_wh
  energy_wh double precision[] not null,
  energy_wh_total double precision not null,
  voltage_min real,
  voltage_max real,
  -- Σ over devices of each device's hourly peak (an upper bound of the coincident peak), over the
  -- power_max_count devices that have one
  power_max_sum_w double precision not null,
  power_max_count int not null,
  reading_count bigint not null,
  -- devices with a reading_hourly row in the hour
  device_count int not null,
  primary key (site_id, hour_start)
);

-- Recomputes site_hourly for the given (site, hour) pairs from reading_hourly; pairs left without device rows
-- are deleted. Used by the late-data ingest path, and by loaders that write reading_hourly directly.
--
-- Concurrency: other batches of the same site add their deltas to these rows. The rows are locked first
-- (created empty when missing), in (site, hour) order, and only then aggregated by a later statement, whose
-- fresh snapshot sees every batch that wrote the rows before us; a batch that has not reached them yet
-- adds its delta after our COMMIT. Aggregating first and writing after would overwrite such a delta.
create function cds_refresh_site_hourly(p_sites text[], p_hours timestamptz[]) returns void
language plpgsql as $$
begin
  insert into site_hourly (site_id, hour_start, energy_wh, energy_wh_total, power_max_sum_w, power_max_count,
                           reading_count, device_count)
  select distinct s, hs, '{}'::float8[], 0, 0, 0, 0, 0 from unnest(p_sites, p_hours) as u(s, hs)
   order by s, hs
  on conflict do nothing;
  perform 1 from site_hourly sh join (select distinct s, hs from unnest(p_sites, p_hours) as u(s, hs)) k
            on sh.site_id = k.s and sh.hour_start = k.hs
   order by sh.site_id, sh.hour_start
     for update of sh;
  with k as (
    select distinct s, hs from unnest(p_sites, p_hours) as u(s, hs)
  ), agg as (
    select k.s, k.hs, count(r.device_id)::int as nd, coalesce(sum(r.energy_wh_total), 0) as t,
           min(r.voltage_min) as vmin, max(r.voltage_max) as vmax,
           coalesce(sum(r.power_max_w::float8), 0) as psum, count(r.power_max_w)::int as pcount,
           coalesce(sum(r.reading_count), 0) as n
      from k left join reading_hourly r on r.site_id = k.s and r.hour_start = k.hs
     group by k.s, k.hs
  ), ch as (
    select k.s, k.hs, x.i, sum(x.v) as v
      from k join reading_hourly r on r.site_id = k.s and r.hour_start = k.hs
      cross join lateral unnest(r.energy_wh) with ordinality as x(v, i)
     group by k.s, k.hs, x.i
  ), del as (
    delete from site_hourly sh using agg where sh.site_id = agg.s and sh.hour_start = agg.hs and agg.nd = 0
  )
  update site_hourly sh set
    energy_wh = coalesce((select array_agg(ch.v order by ch.i) from ch where ch.s = agg.s and ch.hs = agg.hs), '{}'),
    energy_wh_total = agg.t, voltage_min = agg.vmin, voltage_max = agg.vmax,
    power_max_sum_w = agg.psum, power_max_count = agg.pcount, reading_count = agg.n, device_count = agg.nd
    from agg
   where sh.site_id = agg.s and sh.hour_start = agg.hs and agg.nd > 0;
end
$$;

-- Recomputes site_hourly of one site for every hour in [p_from, p_to) in one pass (bulk loads, backfills).
create function cds_rebuild_site_hourly(p_site text, p_from timestamptz, p_to timestamptz) returns void
language sql as $$
  delete from site_hourly where site_id = p_site and hour_start >= p_from and hour_start < p_to;
  insert into site_hourly (site_id, hour_start, energy_wh, energy_wh_total, voltage_min, voltage_max,
                           power_max_sum_w, power_max_count, reading_count, device_count)
  select a.site_id, a.hour_start, coalesce(c.e, '{}'), a.t, a.vmin, a.vmax, a.psum, a.pcount, a.n, a.nd
    from (select site_id, hour_start, sum(energy_wh_total) as t, min(voltage_min) as vmin,
                 max(voltage_max) as vmax, coalesce(sum(power_max_w::float8), 0) as psum,
                 count(power_max_w)::int as pcount, sum(reading_count) as n, count(*)::int as nd
            from reading_hourly
           where site_id = p_site and hour_start >= p_from and hour_start < p_to
           group by site_id, hour_start) a
    left join (select hour_start, array_agg(v order by i) as e
                 from (select r.hour_start, x.i, sum(x.v) as v
                         from reading_hourly r cross join lateral unnest(r.energy_wh) with ordinality as x(v, i)
                        where r.site_id = p_site and r.hour_start >= p_from and r.hour_start < p_to
                        group by r.hour_start, x.i) per_channel
                group by hour_start) c on c.hour_start = a.hour_start
   order by a.hour_start;
$$;

-- Data stored before this migration.
select cds_rebuild_site_hourly(site_id, '-infinity', 'infinity') from (select distinct site_id from reading_hourly) s;
