-- Load speed (measured on 200k tariff lines: the foreign-key trigger on every inserted row and an index
-- the natural key already covers made the first load about 40 % slower).
-- last_run_id stays as a plain reference to the run that last changed a row; etl_runs rows are never
-- deleted by CDS, and a dangling id after a manual cleanup harms nothing.
alter table aneel_tariffs drop constraint if exists aneel_tariffs_last_run_id_fkey;
alter table aneel_flags drop constraint if exists aneel_flags_last_run_id_fkey;
alter table aneel_flag_levels drop constraint if exists aneel_flag_levels_last_run_id_fkey;
alter table aneel_samp drop constraint if exists aneel_samp_last_run_id_fkey;
-- resolveTariffs filters by cnpj, which leads the natural key's index.
drop index if exists aneel_tariffs_lookup;
