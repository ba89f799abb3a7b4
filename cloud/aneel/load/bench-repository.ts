import type pg from 'pg';

/** Removes what a bench load wrote (its tariff lines and its source bookkeeping); the etl_runs rows stay. */
export async function deleteSourceRows(pool: pg.Pool, sourceKey: string): Promise<void> {
  await pool.query('delete from aneel_tariffs where source_key = $1', [sourceKey]);
  await pool.query('delete from aneel_sources where source_key = $1', [sourceKey]);
}
