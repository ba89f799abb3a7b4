-- Bandeiras tarifárias (aneel.md §3). aneel_flags is the acionamento file: the flag and the adicional
-- (R$/MWh) applied in each month. aneel_flag_levels is the "adicional por patamar" file: the value of each
-- flag level from the act that set it; it is incomplete, so billing reads aneel_flags.

create table aneel_flags (
  month date primary key check (extract(day from month) = 1),
  flag text not null,
  adicional_rs_mwh numeric(10, 2) not null,
  value_raw text,
  generated_on date,
  source_key text not null,
  last_run_id bigint references etl_runs on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table aneel_flag_levels (
  valid_from date not null,
  flag text not null,
  resolution text not null,
  adicional_rs_mwh numeric(10, 2) not null,
  value_raw text,
  generated_on date,
  source_key text not null,
  last_run_id bigint references etl_runs on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (valid_from, flag)
);
