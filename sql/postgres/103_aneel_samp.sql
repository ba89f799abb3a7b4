-- SAMP market data (aneel.md §4), long format (one value per metric), summed at load over the columns no
-- query uses (IdeNucleoCeg, DscDetalheConsumidor, accessing agent): the breakdown rows are parts of a total,
-- so summing them loses nothing the class averages or tax-rate estimates need, and the table stays a
-- fraction of the 3.5M rows a year the file has. `source_rows` says how many file rows each value sums.
-- class_key / metric_key are the accent- and case-folded names (both consumer-count spellings meet there).

create table aneel_samp (
  cnpj char(14) not null check (cnpj ~ '^[0-9]{14}$'),
  month date not null check (extract(day from month) = 1),
  market_type text not null,
  energy_option text not null,
  modality text not null,
  subgroup text not null,
  consumer_class text not null,
  subclass text not null,
  posto text not null,
  metric text not null,
  sig_agente text not null,
  class_key text not null,
  metric_key text not null,
  refaturamento boolean not null,
  value numeric(20, 6) not null,
  source_rows integer not null,
  generated_on date,
  source_key text not null,
  last_run_id bigint references etl_runs on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (cnpj, month, market_type, energy_option, modality, subgroup, consumer_class, subclass, posto, metric)
);

create index aneel_samp_average on aneel_samp (cnpj, month, class_key) where not refaturamento;
