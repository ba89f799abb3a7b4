import type pg from 'pg';
import type { SampRow } from '../parse/samp-row.ts';
import { copyLine } from './copy-stage.ts';
import { countedUpsert } from './counted-upsert.ts';
import type { MergeContext, MergeResult } from './merge-types.ts';

export const SAMP_STAGE_TABLE = 'aneel_samp_stage';
export const SAMP_STAGE_COLUMNS = [
  'line',
  'cnpj',
  'month',
  'market_type',
  'energy_option',
  'modality',
  'subgroup',
  'consumer_class',
  'subclass',
  'posto',
  'metric',
  'sig_agente',
  'class_key',
  'metric_key',
  'refaturamento',
  'value',
  'generated_on',
] as const;

const KEY =
  'cnpj, month, market_type, energy_option, modality, subgroup, consumer_class, subclass, posto, metric';

export async function prepareSampStage(c: pg.PoolClient): Promise<void> {
  await c.query(
    `create temp table if not exists ${SAMP_STAGE_TABLE} (line bigint not null, cnpj text not null,
       month date not null, market_type text not null, energy_option text not null, modality text not null,
       subgroup text not null, consumer_class text not null, subclass text not null, posto text not null,
       metric text not null, sig_agente text not null, class_key text not null, metric_key text not null,
       refaturamento boolean not null, value numeric not null, generated_on date)`,
  );
  await c.query(`truncate ${SAMP_STAGE_TABLE}`);
}

export function sampCopyLine(r: SampRow, line: number): string {
  return copyLine([
    line,
    r.cnpj,
    r.month,
    r.marketType,
    r.energyOption,
    r.modality,
    r.subgroup,
    r.consumerClass,
    r.subclass,
    r.posto,
    r.metric,
    r.sigAgente,
    r.classKey,
    r.metricKey,
    r.refaturamento,
    r.value,
    r.generatedOn,
  ]);
}

/**
 * Sums the staged rows over the columns the table does not keep (core, consumer detail, accessing agent)
 * and upserts the sums. The whole file is staged before this runs, so a sum is never split across batches.
 */
export async function mergeSampStage(c: pg.PoolClient, ctx: MergeContext): Promise<MergeResult> {
  const counts = await countedUpsert(
    c,
    `select ${KEY}, max(sig_agente) as sig_agente, max(class_key) as class_key, max(metric_key) as metric_key,
            bool_or(refaturamento) as refaturamento, sum(value) as value, count(*)::int as source_rows,
            max(generated_on) as generated_on
       from ${SAMP_STAGE_TABLE} group by ${KEY}`,
    `insert into aneel_samp as t (${KEY}, sig_agente, class_key, metric_key, refaturamento, value, source_rows,
                                  generated_on, source_key, last_run_id)
     select ${KEY}, sig_agente, class_key, metric_key, refaturamento, value, source_rows, generated_on, $1, $2
       from src
     on conflict (${KEY}) do update
        set sig_agente = excluded.sig_agente, class_key = excluded.class_key, metric_key = excluded.metric_key,
            refaturamento = excluded.refaturamento, value = excluded.value, source_rows = excluded.source_rows,
            generated_on = excluded.generated_on, source_key = excluded.source_key,
            last_run_id = excluded.last_run_id, updated_at = now()
      where (t.sig_agente, t.value, t.source_rows)
            is distinct from (excluded.sig_agente, excluded.value, excluded.source_rows)`,
    ctx,
  );
  return { ...counts, duplicates: 0, duplicateLines: [] };
}
