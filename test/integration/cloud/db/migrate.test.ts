import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationStatus } from '../../../../cloud/db/migrate.ts';
import { isAppError } from '../../../../shared/errors.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createTestDatabase, endsBeforeDrop, type TestDatabase } from '../../../helpers/postgres.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const log = silentLogger();

let db: TestDatabase;
let schemas = 0;

/**
 * Each test migrates its own schema of one shared database (search_path), which is much cheaper than a
 * database per test; migrate() and everything it creates follow the search_path.
 */
async function withDb<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const schema = `m${++schemas}`;
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const pool = endsBeforeDrop(
    new pg.Pool({ connectionString: db.url, max: 6, options: `-c search_path=${schema}` }),
  );
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('migrate', () => {
  let dir: { path: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await tempDir('cds-migrate-');
    await copyFile(join(DEFAULT_MIGRATIONS_DIR, '001_core.sql'), join(dir.path, '001_core.sql'));
    await writeFile(join(dir.path, '002_extra.sql'), 'create table extra (id int primary key);\n');
  });
  afterAll(async () => {
    await dir?.cleanup();
    await db?.drop();
  });

  it('applies the real migrations to an empty database, records them, and a re-run applies nothing', async () => {
    await withDb(async (pool) => {
      const first = await migrate({ pool, log });
      expect(first.applied[0]).toBe('001_core.sql');
      const tables = await pool.query<{ n: number }>(
        `select count(*)::int n from pg_tables where schemaname = current_schema() and tablename in ('sites','gateways','devices','reading_hourly',
         'device_counter_state','alerts','losses','sync_batches','gateway_configs','ingest_rejections')`,
      );
      expect(tables.rows[0]!.n).toBe(10);
      const partitioned = await pool.query(`select 1 from pg_partitioned_table p
        where p.partrelid = 'readings'::regclass`);
      expect(partitioned.rowCount).toBe(1);
      const rec = await pool.query<{ version: number; name: string; checksum: string }>(
        'select version, name, checksum from schema_migrations order by version',
      );
      expect(rec.rows[0]).toMatchObject({ version: 1, name: 'core' });
      expect(rec.rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);

      const again = await migrate({ pool, log });
      expect(again.applied).toEqual([]);
      expect((await migrationStatus({ pool })).current).toBe(true);
    });
  });

  it('reports pending files before migrating and is current after', async () => {
    await withDb(async (pool) => {
      const before = await migrationStatus({ pool, dir: dir.path });
      expect(before).toEqual({
        current: false,
        version: 0,
        pending: ['001_core.sql', '002_extra.sql'],
        problems: [],
      });
      const res = await migrate({ pool, log, dir: dir.path });
      expect(res).toEqual({ applied: ['001_core.sql', '002_extra.sql'], version: 2 });
      expect(await migrationStatus({ pool, dir: dir.path })).toMatchObject({ current: true, version: 2 });
    });
  });

  it('stops with a message naming the file when an applied migration was edited', async () => {
    const d = await tempDir('cds-migrate-edit-');
    try {
      await writeFile(join(d.path, '001_a.sql'), 'create table a (id int);\n');
      await withDb(async (pool) => {
        await migrate({ pool, log, dir: d.path });
        await writeFile(join(d.path, '001_a.sql'), 'create table a (id bigint);\n');
        await writeFile(join(d.path, '002_b.sql'), 'create table b (id int);\n');
        const err = await errorOf(migrate({ pool, log, dir: d.path }));
        expect(isAppError(err) && err.code).toBe('schema_drift');
        expect(err.message).toContain('001_a.sql was edited');
        // nothing after the edited file ran
        expect((await pool.query(`select to_regclass('b') is null as none`)).rows[0].none).toBe(true);
        const st = await migrationStatus({ pool, dir: d.path });
        expect(st.current).toBe(false);
        expect(st.problems[0]).toContain('001_a.sql');
      });
    } finally {
      await d.cleanup();
    }
  });

  it('stops with a message naming the file when an applied migration is missing', async () => {
    const d = await tempDir('cds-migrate-missing-');
    try {
      await writeFile(join(d.path, '001_a.sql'), 'create table a (id int);\n');
      await writeFile(join(d.path, '002_b.sql'), 'create table b (id int);\n');
      await withDb(async (pool) => {
        await migrate({ pool, log, dir: d.path });
        await rm(join(d.path, '002_b.sql'));
        const err = await errorOf(migrate({ pool, log, dir: d.path }));
        expect(isAppError(err) && err.code).toBe('schema_drift');
        expect(err.message).toContain('002_b.sql is missing');
      });
    } finally {
      await d.cleanup();
    }
  });

  it('rolls a failing migration back completely and names it', async () => {
    const d = await tempDir('cds-migrate-fail-');
    try {
      await writeFile(join(d.path, '001_a.sql'), 'create table a (id int);\n');
      await writeFile(
        join(d.path, '002_bad.sql'),
        'create table c (id int);\nselect * from no_such_table;\n',
      );
      await withDb(async (pool) => {
        const err = await errorOf(migrate({ pool, log, dir: d.path }));
        expect(err.message).toContain('migration 002_bad.sql failed');
        const st = await migrationStatus({ pool, dir: d.path });
        expect(st).toMatchObject({ version: 1, pending: ['002_bad.sql'] });
        expect((await pool.query(`select to_regclass('c') is null as none`)).rows[0].none).toBe(true);
      });
    } finally {
      await d.cleanup();
    }
  });

  it('lets several instances start at once: each migration is applied exactly once', async () => {
    await withDb(async (pool) => {
      const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ pool, log, dir: dir.path })));
      const all = results.flatMap((r) => r.applied).sort();
      expect(all).toEqual(['001_core.sql', '002_extra.sql']);
      const n = await pool.query<{ n: number }>('select count(*)::int n from schema_migrations');
      expect(n.rows[0]!.n).toBe(2);
    });
  });

  it('rejects a file that is not named NNN_name.sql', async () => {
    const d = await tempDir('cds-migrate-name-');
    try {
      await writeFile(join(d.path, '1_a.sql'), 'select 1;\n');
      const err = await errorOf(migrationStatus({ pool: new pg.Pool(), dir: d.path }));
      expect(err.message).toContain('1_a.sql');
    } finally {
      await d.cleanup();
    }
  });
});
