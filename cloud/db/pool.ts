import pg from 'pg';
import type { Logger } from '../../shared/log.ts';

export interface CreatePoolOptions {
  url: string;
  log: Logger;
  /** Shown in pg_stat_activity, so an operator can tell the instances and tools apart. */
  applicationName?: string;
  /** Connections per process; default 10 (several API replicas share one server's max_connections). */
  max?: number;
  /** A request's statement never runs longer than this; default 30 s. Migrations lift it per transaction. */
  statementTimeoutMs?: number;
}

/**
 * A `pg.Pool` with the settings every CDS process wants: a statement timeout (a runaway query fails instead of
 * holding a connection forever), an idle-in-transaction timeout (a crashed handler cannot keep locks), an
 * application name, and a logged — not fatal — error on idle clients (pg emits `error` on the pool when the
 * server drops an idle connection; unhandled it would kill the process).
 */
export function createPool(opts: CreatePoolOptions): pg.Pool {
  const statementTimeout = opts.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    application_name: opts.applicationName ?? 'cds',
    max: opts.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    statement_timeout: statementTimeout,
    idle_in_transaction_session_timeout: Math.max(60_000, statementTimeout * 2),
  });
  const log = opts.log.child({ component: 'pg-pool' });
  let shutdownNoticeAt = Number.NEGATIVE_INFINITY;
  pool.on('error', (err) => {
    if ((err as { code?: string }).code === '57P01') {
      // pool.end() closes idle clients without waiting for their sockets; a server stopped right after (the
      // embedded one on shutdown) terminates them with 57P01. That is the shutdown, not a failure.
      if (pool.ending) return;
      // The server is shutting down under us. With `npm start` in a terminal this is normal: Ctrl-C reaches
      // the embedded PostgreSQL (same process group) as it reaches us. One line per shutdown, not one
      // warning with a stack per idle connection; the next query fails loudly if it was not expected.
      const now = Date.now();
      if (now - shutdownNoticeAt > 10_000) log.info({ code: '57P01' }, 'PostgreSQL server is shutting down');
      shutdownNoticeAt = now;
      return;
    }
    log.warn({ err }, 'idle PostgreSQL connection failed');
  });
  return pool;
}
