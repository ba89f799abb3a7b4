import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** Connection string of the fresh, empty database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A new empty database on this run's server (see global-setup.ts); `drop()` it in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = inject('pgAdminUrl');
  const name = `cds_t_${inject('testRunId')}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`create database "${name}"`);
  } finally {
    await c.end();
  }
  return {
    url: withDatabase(admin, name),
    name,
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await d.end();
      }
    },
  };
}
