-- GET /aneel/consumo accepts a SAMP sigla (`COCEL`), which differs from the tariff file's (aneel.md §7.6).
create index aneel_samp_sigla on aneel_samp (upper(sig_agente));
