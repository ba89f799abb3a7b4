import pg from 'pg';
import { migrate } from '../../../../cloud/db/migrate.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createTestDatabase, endsBeforeDrop } from '../../../helpers/postgres.ts';

export interface AneelTestDb {
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** A fresh database with every migration applied (cloud-data's runner), and a small pool on it. */
export async function aneelTestDb(): Promise<AneelTestDb> {
  const db = await createTestDatabase();
  const pool = endsBeforeDrop(new pg.Pool({ connectionString: db.url, max: 4 }));
  await migrate({ pool, log: silentLogger() });
  return {
    pool,
    url: db.url,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/** Empties every table this helper's loads write, so tests in one file can share a migrated database. */
export async function resetAneelTables(pool: pg.Pool): Promise<void> {
  await pool.query(
    `truncate aneel_tariffs, aneel_flags, aneel_flag_levels, aneel_samp, aneel_sources, etl_runs, aneel_syncs
     restart identity cascade`,
  );
}

export const FIXTURES = new URL('../../../fixtures/aneel/', import.meta.url).pathname;
