-- 001_core: the CDS core schema (TEAM.md "PostgreSQL core schema"; owner: cloud-data).
--
-- Ids are text slugs, times are timestamptz. The big tables (readings, reading_hourly, device_counter_state)
-- carry device_id in every unique key and have no foreign keys, so they can be distributed by device_id
-- (Citus, colocated) without a schema change; see docs/scaling.md.
--
-- Deviations from TEAM.md, all additive or order-only:
-- - readings primary key column ORDER is (device_id, ts, boot, seq) instead of (device_id, boot, seq, ts):
--   same columns, same uniqueness, but the index also serves every "device X between t1 and t2" and
--   "latest reading of X" query, so readings need no second index (each index roughly halves COPY speed).
-- - device_counter_state has extra columns (seq, energy_boot); see its comment.
-- - devices.last_reading_ts is kept as the max reading time seen (not the last received).

create table sites (
  site_id text primary key,
  name text not null,
  distributor_cnpj char(14),
  subgroup text not null default 'B1',
  modality text not null default 'Convencional' check (modality in ('Convencional', 'Branca')),
  consumer_class text not null default 'Residencial',
  supply_type text not null default 'monofasico' check (supply_type in ('monofasico', 'bifasico', 'trifasico')),
  time_zone text not null default 'America/Sao_Paulo',
  icms_rate numeric(6, 5),
  pis_rate numeric(6, 5),
  cofins_rate numeric(6, 5),
  cosip_rs numeric(10, 2),
  nominal_voltage int not null default 127,
  created_at timestamptz not null default now()
);

create table gateways (
  gateway_id text primary key,
  site_id text not null references sites,
  name text,
  token_sha256 text unique,
  token_created_at timestamptz,
  auto_enroll_devices boolean not null default true,
  last_seen_at timestamptz,
  last_status jsonb,
  last_status_at timestamptz,
  config_version_applied int not null default 0,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index gateways_site_idx on gateways (site_id);

create table devices (
  device_id text primary key,
  site_id text not null references sites,
  gateway_id text not null references gateways,
  name text,
  expected_interval_s int not null default 10,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz,
  last_reading_ts timestamptz
);
create index devices_site_idx on devices (site_id);
create index devices_gateway_idx on devices (gateway_id);

-- Monthly range partitions readings_yYYYYmMM are created ahead and on demand by cloud/db/partitions.ts
-- through cds_ensure_readings_partition() below. There is deliberately no DEFAULT partition: see that
-- function's comment.
create table readings (
  device_id text not null,
  boot bigint not null,
  seq bigint not null,
  ts timestamptz not null,
  time_quality text not null check (time_quality in ('board', 'gateway', 'unknown')),
  received_at timestamptz not null,
  ingested_at timestamptz not null default now(),
  gateway_id text not null,
  source text not null,
  uptime_s bigint,
  reset_reason smallint,
  voltage_v real,
  frequency_hz real,
  current_a real[],
  power_w real[],
  apparent_power_va real[],
  power_factor real[],
  energy_wh double precision[],
  temperature_c real,
  humidity_pct real,
  light_raw smallint,
  distance_cm real,
  lamp_internal boolean,
  lamp_external boolean,
  flags integer not null,
  primary key (device_id, ts, boot, seq)
) partition by range (ts);

-- Hourly rollups, maintained in the ingest transaction (cloud/ingest/rollup-*.ts). Dashboards and analytics
-- read only this table. Energy of a pair of consecutive readings belongs to the hour of the later one.
create table reading_hourly (
  device_id text not null,
  hour_start timestamptz not null,
  site_id text not null,
  energy_wh double precision[] not null,
  energy_wh_total double precision not null,
  voltage_min real,
  voltage_max real,
  voltage_sum double precision,
  voltage_count int,
  power_max_w real,
  reading_count int not null,
  lamp_internal_on_count int,
  lamp_external_on_count int,
  first_ts timestamptz,
  last_ts timestamptz,
  primary key (device_id, hour_start)
);
create index reading_hourly_site_hour_idx on reading_hourly (site_id, hour_start);

-- Ingest bookkeeping for counter deltas: the latest stored reading of the device in (ts, boot, seq) order,
-- and per channel the last known cumulative counter and the boot it came from (a channel may be missing
-- from some readings, so its predecessor is not always the latest reading). The row is also the per-device
-- lock that serialises concurrent batches of one device (SELECT … FOR UPDATE).
create table device_counter_state (
  device_id text primary key,
  boot bigint,
  seq bigint,
  ts timestamptz,
  energy_wh double precision[],
  energy_boot bigint[]
);

create table alerts (
  gateway_id text not null,
  alert_id text not null,
  device_id text,
  site_id text not null,
  rule text not null,
  severity text not null,
  state text not null check (state in ('raised', 'cleared')),
  raised_at timestamptz not null,
  cleared_at timestamptz,
  value double precision,
  threshold double precision,
  message text,
  received_at timestamptz not null default now(),
  primary key (gateway_id, alert_id)
);
create index alerts_active_idx on alerts (site_id, raised_at desc) where state = 'raised';
create index alerts_device_idx on alerts (device_id, raised_at desc);

create table losses (
  gateway_id text not null,
  loss_id text not null,
  device_id text,
  reason text not null,
  count bigint not null,
  from_ts timestamptz,
  to_ts timestamptz,
  recorded_at timestamptz not null,
  primary key (gateway_id, loss_id)
);

create table sync_batches (
  gateway_id text not null,
  batch_id text not null,
  request_sha256 text not null,
  response jsonb not null,
  readings int not null,
  received_at timestamptz not null default now(),
  primary key (gateway_id, batch_id)
);
create index sync_batches_received_idx on sync_batches (received_at);

create table gateway_configs (
  gateway_id text not null references gateways,
  version int not null,
  config jsonb not null,
  created_by text,
  created_at timestamptz not null default now(),
  primary key (gateway_id, version)
);

-- device_id is '-' when the rejected row had no usable device id (a primary key column cannot be null).
create table ingest_rejections (
  gateway_id text not null,
  device_id text not null,
  code text not null,
  count bigint not null,
  day date not null,
  primary key (gateway_id, device_id, code, day)
);
create index ingest_rejections_day_idx on ingest_rejections (day);

-- Creates the monthly partition of `readings` that holds p_month (any instant in the month, UTC), if missing.
-- Returns true when this call created it.
--
-- Why not a DEFAULT partition: a late reading would land there silently; the default partition then grows
-- without bound, defeats partition pruning and the detach-a-month retention, and creating the real month
-- later fails ("updated partition constraint for default partition would be violated") until its rows are
-- moved out under an ACCESS EXCLUSIVE lock. Creating the exact month on demand keeps every month equal.
--
-- Why CREATE + ATTACH instead of CREATE … PARTITION OF: ATTACH takes only SHARE UPDATE EXCLUSIVE on
-- `readings`, which does not block concurrent COPY/INSERT (ROW EXCLUSIVE); PARTITION OF takes ACCESS
-- EXCLUSIVE. Concurrent creators are serialised by a transaction-scoped advisory lock and re-check under it.
create function cds_ensure_readings_partition(p_month timestamptz) returns boolean
language plpgsql as $$
declare
  m_start timestamptz := date_trunc('month', p_month at time zone 'UTC') at time zone 'UTC';
  m_end timestamptz := m_start + interval '1 month';
  part text := 'readings_y' || to_char(m_start at time zone 'UTC', 'YYYY') || 'm'
    || to_char(m_start at time zone 'UTC', 'MM');
begin
  if to_regclass(part) is not null then
    return false;
  end if;
  perform pg_advisory_xact_lock(hashtext('cds_readings_partition'), hashtext(part));
  if to_regclass(part) is not null then
    return false;
  end if;
  execute format('create table %I (like readings including defaults including constraints)', part);
  execute format('alter table readings attach partition %I for values from (%L) to (%L)', part, m_start, m_end);
  return true;
end
$$;
