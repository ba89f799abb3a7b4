-- 152_analytics_reports: generated reports kept for download (owner: analytics).
-- The JSON and CSV bodies live in the row (a report is a few kB), so any instance behind a load balancer can
-- serve a report another instance generated; the scheduler also writes them to `reports.dir` for pickup.
create table reports (
  report_id bigserial primary key,
  scope_kind text not null check (scope_kind in ('site', 'device')),
  scope_id text not null,
  kind text not null check (kind in ('daily', 'weekly', 'monthly', 'custom')),
  period_from date not null,
  period_to date not null,
  time_zone text not null,
  trigger text not null check (trigger in ('schedule', 'manual')),
  generated_at timestamptz not null default now(),
  json_body jsonb not null,
  csv_body text not null,
  file_path text,
  check (period_to >= period_from),
  -- One stored report per scope, kind and period: the scheduler re-running (or two instances racing) is a no-op.
  unique (scope_kind, scope_id, kind, period_from, period_to)
);
create index reports_generated_idx on reports (generated_at desc);
