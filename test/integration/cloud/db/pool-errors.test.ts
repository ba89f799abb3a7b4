import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../../cloud/db/pool.ts';
import { createLogger } from '../../../../shared/log.ts';
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts';

function capture() {
  const lines: { level: number; msg: string; code?: string }[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: createLogger({ name: 'test', level: 'debug', destination }) };
}

/** Idle connections (by application name) terminated as a shutting-down server does: 57P01. */
async function terminateIdle(url: string, app: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rowCount } = await c.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`,
      [app],
    );
    return rowCount ?? 0;
  } finally {
    await c.end();
  }
}

async function idleClients(pool: pg.Pool, n: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
  for (const c of clients) c.release();
}

describe('createPool error handling', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a server shutting down (57P01 on idle connections) is one info line, not a warning per connection', async () => {
    const { lines, log } = capture();
    const pool = createPool({ url: db.url, log, applicationName: 'cds-pool-test-a' });
    try {
      await idleClients(pool, 3);
      expect(await terminateIdle(db.url, 'cds-pool-test-a')).toBe(3);
      await expect.poll(() => pool.idleCount, { timeout: 5000 }).toBe(0);
      const notices = lines.filter((l) => l.msg === 'PostgreSQL server is shutting down');
      expect(notices).toHaveLength(1);
      expect(notices[0]!.level).toBe(30);
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
      // The pool still works afterwards: new connections replace the terminated ones.
      expect((await pool.query('select 1 as one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('another failure of an idle connection is still a warning', async () => {
    const { lines, log } = capture();
    const pool = createPool({ url: db.url, log, applicationName: 'cds-pool-test-b' });
    try {
      await idleClients(pool, 1);
      // An idle client whose socket is destroyed under it: an error that is not a shutdown.
      const idle = await pool.connect();
      idle.release();
      (
        idle as unknown as { connection: { stream: NodeJS.ReadWriteStream & { destroy(e?: Error): void } } }
      ).connection.stream.destroy(new Error('socket torn down'));
      await expect.poll(() => lines.filter((l) => l.level === 40).length, { timeout: 5000 }).toBe(1);
      expect(lines.find((l) => l.level === 40)!.msg).toBe('idle PostgreSQL connection failed');
    } finally {
      await pool.end();
    }
  });
});
