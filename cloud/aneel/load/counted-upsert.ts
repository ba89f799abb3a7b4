import type pg from 'pg';
import type { MergeContext, MergeResult } from './merge-types.ts';

/**
 * Runs one merge statement: `with src as (<src>), up as (<upsert> returning (xmax = 0) as inserted)` and counts
 * what it wrote. `upsert` is an `insert … on conflict … do update … where … is distinct from …`, so a row
 * whose values did not change is not returned at all; of the rows returned, xmax = 0 marks a fresh insert
 * (an update sets xmax to the updating transaction). In `upsert`, $1 is the source key and $2 the run id.
 */
export async function countedUpsert(
  c: pg.PoolClient,
  src: string,
  upsert: string,
  ctx: MergeContext,
): Promise<Pick<MergeResult, 'inserted' | 'updated'>> {
  const { rows } = await c.query<{ inserted: number; updated: number }>(
    `with src as (${src}), up as (
       ${upsert}
       returning (xmax = 0) as inserted
     )
     select (count(*) filter (where inserted))::int as inserted,
            (count(*) filter (where not inserted))::int as updated
       from up`,
    [ctx.sourceKey, ctx.runId],
  );
  return { inserted: rows[0]?.inserted ?? 0, updated: rows[0]?.updated ?? 0 };
}
