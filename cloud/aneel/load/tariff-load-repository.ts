import type pg from 'pg';
import type { TariffRow } from '../parse/tariff-row.ts';
import { copyLine } from './copy-stage.ts';
import type { MergeContext, MergeResult } from './merge-types.ts';

export const TARIFF_STAGE_TABLE = 'aneel_tariffs_stage';
export const TARIFF_STAGE_COLUMNS = [
  'line',
  'cnpj',
  'reh',
  'valid_from',
  'valid_to',
  'base',
  'subgroup',
  'modality',
  'consumer_class',
  'subclass',
  'detail',
  'posto',
  'unit',
  'acessante',
  'sig_agente',
  'tusd',
  'te',
  'tusd_raw',
  'te_raw',
  'generated_on',
] as const;

const KEY =
  'cnpj, reh, valid_from, valid_to, base, subgroup, modality, consumer_class, subclass, detail, posto, unit, acessante';

/** Creates (or empties) this session's staging table. */
export async function prepareTariffStage(c: pg.PoolClient): Promise<void> {
  await c.query(
    `create temp table if not exists ${TARIFF_STAGE_TABLE} (
       line bigint not null, cnpj text not null, reh text not null, valid_from date not null,
       valid_to date not null, base text not null, subgroup text not null, modality text not null,
       consumer_class text not null, subclass text not null, detail text not null, posto text not null,
       unit text not null, acessante text not null, sig_agente text not null, tusd numeric, te numeric,
       tusd_raw text, te_raw text, generated_on date)`,
  );
  await c.query(`truncate ${TARIFF_STAGE_TABLE}`);
}

export function tariffCopyLine(r: TariffRow, line: number): string {
  return copyLine([
    line,
    r.cnpj,
    r.reh,
    r.validFrom,
    r.validTo,
    r.base,
    r.subgroup,
    r.modality,
    r.consumerClass,
    r.subclass,
    r.detail,
    r.posto,
    r.unit,
    r.acessante,
    r.sigAgente,
    r.tusd,
    r.te,
    r.tusdRaw,
    r.teRaw,
    r.generatedOn,
  ]);
}

/**
 * Upserts the staged lines: a new natural key is inserted; an existing one is updated only when its values,
 * sigla or published strings changed (IS DISTINCT FROM), so loading the same file again writes nothing.
 * A key repeated within the file keeps its first line; the others are reported as duplicates.
 */
export async function mergeTariffStage(c: pg.PoolClient, ctx: MergeContext): Promise<MergeResult> {
  // A hash aggregate answers "any repeated key?" much faster than ranking every line; only a file that
  // has repeats pays for naming them and for DISTINCT ON in the upsert.
  const anyDup = await c.query(
    `select 1 from ${TARIFF_STAGE_TABLE} group by ${KEY} having count(*) > 1 limit 1`,
  );
  let duplicates = 0;
  let duplicateLines: number[] = [];
  if (anyDup.rows.length > 0) {
    const dups = await c.query<{ line: string; total: string }>(
      `select line, count(*) over () as total from (
         select line, row_number() over (partition by ${KEY} order by line) as rn from ${TARIFF_STAGE_TABLE}
       ) d where rn > 1 order by line limit $1`,
      [ctx.maxReported],
    );
    duplicates = Number(dups.rows[0]?.total ?? 0);
    duplicateLines = dups.rows.map((r) => Number(r.line));
  }
  const src =
    duplicates > 0
      ? `select distinct on (${KEY}) * from ${TARIFF_STAGE_TABLE} order by ${KEY}, line`
      : `select * from ${TARIFF_STAGE_TABLE}`;
  const { rows } = await c.query<{ inserted: number; updated: number }>(
    `with src as (${src}), up as (
       insert into aneel_tariffs as t (${KEY}, sig_agente, tusd, te, tusd_raw, te_raw, generated_on, source_key,
                                       last_run_id)
       select ${KEY}, sig_agente, tusd, te, tusd_raw, te_raw, generated_on, $1, $2 from src
       on conflict on constraint aneel_tariffs_natural_key do update
          set sig_agente = excluded.sig_agente, tusd = excluded.tusd, te = excluded.te,
              tusd_raw = excluded.tusd_raw, te_raw = excluded.te_raw, generated_on = excluded.generated_on,
              source_key = excluded.source_key, last_run_id = excluded.last_run_id, updated_at = now()
        where (t.sig_agente, t.tusd, t.te, t.tusd_raw, t.te_raw)
              is distinct from (excluded.sig_agente, excluded.tusd, excluded.te, excluded.tusd_raw, excluded.te_raw)
       returning (xmax = 0) as inserted
     )
     select (count(*) filter (where inserted))::int as inserted,
            (count(*) filter (where not inserted))::int as updated
       from up`,
    [ctx.sourceKey, ctx.runId],
  );
  return { inserted: rows[0]?.inserted ?? 0, updated: rows[0]?.updated ?? 0, duplicates, duplicateLines };
}
