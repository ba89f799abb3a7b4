-- 151_analytics_forecast_imports: predictions produced outside CDS (R, via the SCR export) stored beside the
-- built-in forecast so both can be scored against the actuals (owner: analytics).
create table forecast_imports (
  import_id bigserial primary key,
  scope_kind text not null check (scope_kind in ('site', 'device')),
  scope_id text not null,
  -- What produced it, as the uploader names it (e.g. 'R forecast::tbats').
  model text not null,
  -- Each row's timestamp starts an interval of this length (local days for 'day').
  step text not null check (step in ('hour', 'day')),
  file_name text,
  file_sha256 text not null,
  rows int not null check (rows > 0),
  first_ts timestamptz not null,
  last_ts timestamptz not null,
  created_by text,
  created_at timestamptz not null default now()
);
create index forecast_imports_scope_idx on forecast_imports (scope_kind, scope_id, created_at desc);

create table forecast_import_points (
  import_id bigint not null references forecast_imports on delete cascade,
  ts timestamptz not null,
  kwh double precision not null check (kwh >= 0),
  lower_kwh double precision,
  upper_kwh double precision,
  primary key (import_id, ts),
  check (lower_kwh is null or lower_kwh <= kwh),
  check (upper_kwh is null or upper_kwh >= kwh)
);
