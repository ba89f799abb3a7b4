import type pg from 'pg';

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Creates the monthly partition of `readings` holding `monthStart` if it is missing (server-side function
 * `cds_ensure_readings_partition`, 001_core.sql: advisory lock + re-check + CREATE/ATTACH). Run it outside any
 * ingest transaction: ATTACH's lock on `readings` lasts until the end of the caller's transaction.
 */
export async function ensureReadingsPartition(db: Queryable, monthStart: Date): Promise<boolean> {
  const { rows } = await db.query<{ created: boolean }>(
    'select cds_ensure_readings_partition($1) as created',
    [monthStart],
  );
  return rows[0]?.created === true;
}

/** Names of the attached partitions of `readings` (readings_yYYYYmMM), oldest first. */
export async function listReadingsPartitions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'readings'::regclass order by c.relname`,
  );
  return rows.map((r) => r.name);
}
