-- 150_analytics_branca_schedules: Tarifa Branca hours per distributor (owner: analytics).
--
-- ANEEL's open data has no data set of the ponta/intermediário hours (aneel.md §5): each distributor sets
-- its 3 ponta hours at its tariff review. This table holds them with where each value came from and how far
-- to trust it, and a validity range so a change of hours keeps history. Weekends and the national holidays
-- are fora ponta all day by rule (cloud/analytics/cost/holidays.ts), not by rows here.
create table branca_schedules (
  schedule_id bigserial primary key,
  distributor_cnpj char(14) not null check (distributor_cnpj ~ '^[0-9]{14}$'),
  distributor_name text not null,
  -- Ponta is [ponta_start, ponta_end) in the site's local time.
  ponta_start time not null,
  ponta_end time not null,
  intermediate_before_min int not null check (intermediate_before_min between 0 and 180),
  intermediate_after_min int not null check (intermediate_after_min between 0 and 180),
  valid_from date not null,
  valid_to date,
  source text not null,
  -- regulatory = an ANEEL act; distributor = the distributor's own page; press = news/blog; low = second-hand.
  confidence text not null check (confidence in ('regulatory', 'distributor', 'press', 'low')),
  notes text,
  created_at timestamptz not null default now(),
  check (ponta_end > ponta_start),
  check (valid_to is null or valid_to >= valid_from),
  unique (distributor_cnpj, valid_from)
);

-- Known schedules (aneel.md §5 and the sources named). valid_from = 2018-01-01, the start of the Tarifa
-- Branca; the hours may be older or may have changed since: confirm per distributor before relying on them.
insert into branca_schedules
  (distributor_cnpj, distributor_name, ponta_start, ponta_end, intermediate_before_min, intermediate_after_min,
   valid_from, source, confidence, notes)
values
  ('06981180000116', 'CEMIG-D', '17:00', '20:00', 60, 60, '2018-01-01',
   'portalamirt.com.br "Tarifa branca tem baixa adesão em Minas Gerais" (Rádio Sucesso FM): ponta 17h–20h, intermediário 16h–17h e 20h–21h',
   'press', null),
  ('61695227000193', 'ELETROPAULO (Enel SP)', '17:30', '20:30', 60, 60, '2018-01-01',
   'blog.clarke.com.br/post/tarifa-branca-sp and Accio (aneel.md §5): ponta 17:30–20:30, intermediário 16:30–17:30 e 20:30–21:30',
   'press', 'Half-hour boundaries: hourly energy is split by minutes between postos.'),
  ('04172213000151', 'CPFL-PIRATINING', '18:00', '21:00', 60, 60, '2018-01-01',
   'diariodolitoral.com.br (aneel.md §5): ponta 18:00–20:59',
   'low', 'Intermediário widths not in the source; the usual 1 h before and after is assumed.'),
  ('33050071000158', 'AMPLA (Enel RJ)', '18:00', '21:00', 120, 60, '2018-01-01',
   'a public repository quoting Reclame Aqui (aneel.md §5): ponta 18:00–20:59, intermediário 16:00–17:59 e 21:00–21:59',
   'low', null);
