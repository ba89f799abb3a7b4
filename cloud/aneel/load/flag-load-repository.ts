import type pg from 'pg';
import type { FlagLevelRow, FlagRow } from '../parse/flag-row.ts';
import { copyLine } from './copy-stage.ts';
import { countedUpsert } from './counted-upsert.ts';
import type { MergeContext, MergeResult } from './merge-types.ts';

export const FLAG_STAGE_TABLE = 'aneel_flags_stage';
export const FLAG_STAGE_COLUMNS = [
  'line',
  'month',
  'flag',
  'adicional',
  'value_raw',
  'generated_on',
] as const;
export const FLAG_LEVEL_STAGE_TABLE = 'aneel_flag_levels_stage';
export const FLAG_LEVEL_STAGE_COLUMNS = [
  'line',
  'valid_from',
  'flag',
  'resolution',
  'adicional',
  'value_raw',
  'generated_on',
] as const;

export async function prepareFlagStage(c: pg.PoolClient): Promise<void> {
  await c.query(
    `create temp table if not exists ${FLAG_STAGE_TABLE} (line bigint not null, month date not null,
       flag text not null, adicional numeric not null, value_raw text, generated_on date)`,
  );
  await c.query(`truncate ${FLAG_STAGE_TABLE}`);
}

export function flagCopyLine(r: FlagRow, line: number): string {
  return copyLine([line, r.month, r.flag, r.adicional, r.valueRaw, r.generatedOn]);
}

/** Upserts the acionamento months; a month changes only when its flag or value changed. */
export async function mergeFlagStage(c: pg.PoolClient, ctx: MergeContext): Promise<MergeResult> {
  const dups = await duplicates(c, FLAG_STAGE_TABLE, 'month', ctx.maxReported);
  const counts = await countedUpsert(
    c,
    `select distinct on (month) * from ${FLAG_STAGE_TABLE} order by month, line`,
    `insert into aneel_flags as t (month, flag, adicional_rs_mwh, value_raw, generated_on, source_key, last_run_id)
     select month, flag, adicional, value_raw, generated_on, $1, $2 from src
     on conflict (month) do update
        set flag = excluded.flag, adicional_rs_mwh = excluded.adicional_rs_mwh, value_raw = excluded.value_raw,
            generated_on = excluded.generated_on, source_key = excluded.source_key,
            last_run_id = excluded.last_run_id, updated_at = now()
      where (t.flag, t.adicional_rs_mwh, t.value_raw)
            is distinct from (excluded.flag, excluded.adicional_rs_mwh, excluded.value_raw)`,
    ctx,
  );
  return { ...counts, ...dups };
}

export async function prepareFlagLevelStage(c: pg.PoolClient): Promise<void> {
  await c.query(
    `create temp table if not exists ${FLAG_LEVEL_STAGE_TABLE} (line bigint not null, valid_from date not null,
       flag text not null, resolution text not null, adicional numeric not null, value_raw text,
       generated_on date)`,
  );
  await c.query(`truncate ${FLAG_LEVEL_STAGE_TABLE}`);
}

export function flagLevelCopyLine(r: FlagLevelRow, line: number): string {
  return copyLine([line, r.validFrom, r.flag, r.resolution, r.adicional, r.valueRaw, r.generatedOn]);
}

/** Upserts the per-level values of each act (valid_from, flag). */
export async function mergeFlagLevelStage(c: pg.PoolClient, ctx: MergeContext): Promise<MergeResult> {
  const dups = await duplicates(c, FLAG_LEVEL_STAGE_TABLE, 'valid_from, flag', ctx.maxReported);
  const counts = await countedUpsert(
    c,
    `select distinct on (valid_from, flag) * from ${FLAG_LEVEL_STAGE_TABLE} order by valid_from, flag, line`,
    `insert into aneel_flag_levels as t (valid_from, flag, resolution, adicional_rs_mwh, value_raw, generated_on,
                                         source_key, last_run_id)
     select valid_from, flag, resolution, adicional, value_raw, generated_on, $1, $2 from src
     on conflict (valid_from, flag) do update
        set resolution = excluded.resolution, adicional_rs_mwh = excluded.adicional_rs_mwh,
            value_raw = excluded.value_raw, generated_on = excluded.generated_on,
            source_key = excluded.source_key, last_run_id = excluded.last_run_id, updated_at = now()
      where (t.resolution, t.adicional_rs_mwh, t.value_raw)
            is distinct from (excluded.resolution, excluded.adicional_rs_mwh, excluded.value_raw)`,
    ctx,
  );
  return { ...counts, ...dups };
}

async function duplicates(
  c: pg.PoolClient,
  table: string,
  key: string,
  limit: number,
): Promise<Pick<MergeResult, 'duplicates' | 'duplicateLines'>> {
  const { rows } = await c.query<{ line: string; total: string }>(
    `select line, count(*) over () as total from (
       select line, row_number() over (partition by ${key} order by line) as rn from ${table}
     ) d where rn > 1 order by line limit $1`,
    [limit],
  );
  return { duplicates: Number(rows[0]?.total ?? 0), duplicateLines: rows.map((r) => Number(r.line)) };
}
