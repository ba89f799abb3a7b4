/**
 * The PostgreSQL server and the throw-away database a bench runs on.
 *
 * Server: DATABASE_URL if set, else 127.0.0.1:5432 (user postgres) if reachable, else an embedded PostgreSQL
 * in a temp folder — always with the server's own settings, so that a bench measures what a stock install does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type RunningPostgres, startEmbeddedPostgres } from '../cloud/db/embedded-postgres.ts';
import type { Logger } from '../shared/log.ts';

export interface BenchServer {
  /** Connection string of the server's maintenance database, as a user that may create databases. */
  adminUrl: string;
  /** Which server it is, for the bench's printout: `DATABASE_URL`, `127.0.0.1:5432` or `embedded`. */
  label: string;
  /** Stops an embedded server and removes its folder; nothing for a server the bench did not start. */
  stop(): Promise<void>;
}

export interface BenchDatabase {
  server: BenchServer;
  name: string;
  /** Connection string of the bench database. */
  url: string;
  /** Open connection to the maintenance database (create/drop, and `pg_stat_activity` for CPU figures). */
  admin: pg.Client;
  /** The database was there before (only possible with `reuse`). */
  existed: boolean;
  /** Drops the bench database, ending the sessions still on it. */
  drop(): Promise<void>;
  /** Closes the maintenance connection and stops the server if the bench started it; after `drop`, if any. */
  close(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function findBenchServer(log: Logger): Promise<BenchServer> {
  if (process.env.DATABASE_URL)
    return { adminUrl: process.env.DATABASE_URL, label: 'DATABASE_URL', stop: async () => {} };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await reachable(local)) return { adminUrl: local, label: '127.0.0.1:5432', stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'cds-bench-pg-'));
  const embedded: RunningPostgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    persistent: false,
    log,
  });
  return {
    adminUrl: embedded.url,
    label: 'embedded',
    async stop() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Finds the server and creates the database `name` on it. With `reuse`, an existing database of that name is
 * kept as it is (`existed`), so that a bench can skip loading its data again.
 */
export async function openBenchDatabase(opts: {
  log: Logger;
  name: string;
  reuse?: boolean;
}): Promise<BenchDatabase> {
  const server = await findBenchServer(opts.log);
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const existed =
    opts.reuse === true &&
    (await admin.query('select 1 from pg_database where datname = $1', [opts.name])).rowCount === 1;
  if (!existed) await admin.query(`create database "${opts.name}"`);
  return {
    server,
    name: opts.name,
    url: withDatabase(server.adminUrl, opts.name),
    admin,
    existed,
    async drop() {
      await admin.query(`drop database if exists "${opts.name}" with (force)`);
    },
    async close() {
      try {
        await admin.end();
      } finally {
        await server.stop();
      }
    },
  };
}
