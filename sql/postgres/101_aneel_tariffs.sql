-- Tarifas homologadas (TE/TUSD), one row per published tariff line (aneel.md §2, §8). Text columns hold the
-- published strings after NFC + trim, with the known vocabulary (`Não se aplica`, `Tarifa de Aplicação`,
-- postos, units) mapped to its canonical spelling at load. Values are R$ per `unit` (MWh or kW).
-- The natural key is everything that identifies a line across file versions; values, sigla and the raw
-- strings are attributes, so a new file version updates a line in place instead of adding one.

create table aneel_tariffs (
  tariff_id bigserial primary key,
  cnpj char(14) not null check (cnpj ~ '^[0-9]{14}$'),
  reh text not null,
  valid_from date not null,
  valid_to date not null,
  base text not null,
  subgroup text not null,
  modality text not null,
  consumer_class text not null,
  subclass text not null,
  detail text not null,
  posto text not null,
  unit text not null check (unit in ('MWh', 'kW')),
  acessante text not null,
  sig_agente text not null,
  -- NULL = the file left the field empty (missing); 0 = a published zero (`,00`)
  tusd numeric(14, 6),
  te numeric(14, 6),
  tusd_raw text,
  te_raw text,
  -- DatGeracaoConjuntoDados of the file version that last changed this line
  generated_on date,
  source_key text not null,
  last_run_id bigint references etl_runs on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint aneel_tariffs_natural_key unique (
    cnpj, reh, valid_from, valid_to, base, subgroup, modality, consumer_class, subclass, detail, posto, unit,
    acessante
  ),
  constraint aneel_tariffs_range check (valid_to >= valid_from)
);

-- resolveTariffs and GET /aneel/tarifas: one distributor, subgroup and modality over a date range
create index aneel_tariffs_lookup on aneel_tariffs (cnpj, subgroup, modality, valid_from);
create index aneel_tariffs_sigla on aneel_tariffs (upper(sig_agente));
