import type pg from 'pg';

/** Any advisory-lock key works as long as every instance uses the same one ("CDS migrate"). */
const MIGRATION_LOCK_KEY = 0x43_44_53_4d;

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function lockMigrations(client: pg.PoolClient): Promise<void> {
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
}

export async function unlockMigrations(client: pg.PoolClient): Promise<void> {
  await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
}

export async function ensureMigrationsTable(client: Queryable): Promise<void> {
  await client.query(`create table if not exists schema_migrations (
    version int primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`);
}

/** Applied migrations in order; empty when the table does not exist yet (a fresh database). */
export async function readAppliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  const { rows } = await db.query<{ exists: boolean }>(
    `select to_regclass('schema_migrations') is not null as exists`,
  );
  if (!rows[0]?.exists) return [];
  const res = await db.query<AppliedMigration>(
    'select version, name, checksum from schema_migrations order by version',
  );
  return res.rows;
}

export async function recordMigration(
  client: Queryable,
  m: { version: number; name: string; checksum: string },
): Promise<void> {
  await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
    m.version,
    m.name,
    m.checksum,
  ]);
}
