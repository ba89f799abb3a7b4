import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { type RunningPostgres, startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.ts';
import { silentLogger } from '../../shared/log.ts';

/**
 * Finds a PostgreSQL server for this test run: `DATABASE_URL` if set, else 127.0.0.1:5432 (trust auth,
 * user postgres) if reachable, else an embedded one in a temp folder. Tests create their own databases on it
 * through `createTestDatabase()` (test/helpers/postgres.ts); every database this run created is dropped at
 * the end, even when a test forgot to.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    testRunId: string;
  }
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

let embedded: RunningPostgres | undefined;
let embeddedDir: string | undefined;

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let adminUrl = process.env.DATABASE_URL || '';
  if (!adminUrl || !(await reachable(adminUrl))) {
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (!process.env.DATABASE_URL && (await reachable(local))) adminUrl = local;
    else {
      embeddedDir = await mkdtemp(join(tmpdir(), 'cds-test-pg-'));
      // mkdtemp makes the folder private to us; PostgreSQL runs as the `postgres` user and must enter it.
      await chmod(embeddedDir, 0o755);
      embedded = await startEmbeddedPostgres({
        dataDir: join(embeddedDir, 'data'),
        persistent: false,
        log: silentLogger(),
        settings: {
          fsync: 'off',
          synchronous_commit: 'off',
          full_page_writes: 'off',
          max_connections: '300',
        },
      });
      adminUrl = embedded.url;
    }
  }
  project.provide('pgAdminUrl', adminUrl);
  project.provide('testRunId', runId);

  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      const { rows } = await c.query<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [`cds_t_${runId}_%`],
      );
      for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
    } catch {
      // the server may already be gone (embedded); nothing left to drop then
    } finally {
      await c.end().catch(() => undefined);
    }
    if (embedded) await embedded.stop();
    if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
  };
}
