-- ANEEL open-data ETL bookkeeping (owner: aneel).
-- One row per requested sync (API, CLI or cron) and one etl_runs row per dataset source it loads; the
-- ETL KPIs in /metrics read etl_runs only, so a sync's totals are never counted twice.

create table aneel_syncs (
  sync_id bigserial primary key,
  trigger text not null check (trigger in ('api', 'cli', 'cron', 'bench')),
  requested_by text,
  source text not null,
  datasets text[] not null,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  error text
);

create table etl_runs (
  run_id bigserial primary key,
  sync_id bigint references aneel_syncs on delete set null,
  dataset text not null,
  -- where the rows came from: a CKAN download URL, a datastore resource or a local file path
  source text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  rows_read bigint not null default 0,
  rows_inserted bigint not null default 0,
  rows_updated bigint not null default 0,
  rows_rejected bigint not null default 0,
  -- capped list of { line?, reason, detail? } plus a per-reason count under progress.rejectedByReason
  errors jsonb not null default '[]'::jsonb,
  progress jsonb not null default '{}'::jsonb
);

create index etl_runs_dataset_started on etl_runs (dataset, started_at desc);
create index etl_runs_sync on etl_runs (sync_id);

-- What was last loaded from each source, so an unchanged file or resource is not loaded again.
create table aneel_sources (
  dataset text not null,
  -- CKAN resource id, or `file:<name>` for a local file
  source_key text not null,
  sha256 text,
  last_modified text,
  size_bytes bigint,
  rows_read bigint not null default 0,
  run_id bigint references etl_runs on delete set null,
  loaded_at timestamptz not null default now(),
  primary key (dataset, source_key)
);
