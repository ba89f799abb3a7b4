import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { AlertsRepository } from '../alerts/alerts-repository.ts';
import { alertKey } from '../alerts/episode-tracker.ts';

export type GatewayDatabase = Database.Database;

export type SynchronousLevel = 'FULL' | 'NORMAL';

export interface OpenGatewayDatabaseOptions {
  path: string;
  log: Logger;
  clock: () => number;
  /**
   * FULL (default): every commit fsyncs the WAL, so an acknowledged reading survives a power cut as well
   * as a process crash. NORMAL survives a process crash only (docs/gateway-buffer.md).
   */
  synchronous?: SynchronousLevel;
  /** SQLite page cache, KiB (default 8 MiB: see `buffer.cacheKiB`). */
  cacheKiB?: number;
  /** Folder of the numbered schema files; default `sql/sqlite/` of this checkout. */
  schemaDir?: string;
}

export interface OpenedGatewayDatabase {
  db: GatewayDatabase;
  /** Set when the file at `path` was unusable and was moved aside. */
  recovered?: { movedTo: string; reason: string };
}

const DEFAULT_SCHEMA_DIR = fileURLToPath(new URL('../../sql/sqlite/', import.meta.url));
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX']);

/**
 * Opens (creating if needed) the gateway's SQLite buffer: WAL, the chosen `synchronous`, a
 * `PRAGMA quick_check`, and the schema from `sql/sqlite/NNN_*.sql` applied through `user_version`.
 *
 * A corrupt or foreign file is never fatal: it is renamed to `<path>.corrupt-<timestamp>` (with its -wal
 * and -shm, kept for forensics), a fresh database is created and a `storage` alert is recorded in it.
 * Failing again on the fresh file is a real disk problem and throws (systemd restarts us; no loop of
 * moving files, because a fresh file that fails is not moved again).
 */
export function openGatewayDatabase(opts: OpenGatewayDatabaseOptions): OpenedGatewayDatabase {
  const log = opts.log.child({ component: 'buffer-db' });
  mkdirSync(dirname(opts.path), { recursive: true });
  const existed = existsSync(opts.path);
  let moved: { movedTo: string; reason: string } | undefined;
  try {
    // The files are renamed while SQLite still holds them open: closing a connection deletes `-wal`
    // by name, and that file may hold the last acknowledged readings.
    return {
      db: openAndCheck(opts, (err) => {
        const reason = corruptionReason(err);
        if (existed && reason !== undefined) moved = { movedTo: moveAside(opts.path, opts.clock()), reason };
      }),
    };
  } catch (err) {
    if (moved === undefined) throw err;
    log.error({ err, ...moved }, 'database unusable: moved aside, starting a fresh one');
  }
  const { movedTo, reason } = moved;
  const db = openAndCheck(opts);
  const now = opts.clock();
  const key = alertKey('storage', null, 'db_recovered');
  new AlertsRepository({ db }).insertRaised({
    id: `${key}:${now.toString(36)}`,
    key,
    device: null,
    rule: 'storage',
    severity: 'critical',
    raisedAt: now,
    value: null,
    threshold: null,
    message: `SQLite buffer was unusable (${reason}); moved to ${movedTo} and a fresh one was created. Unsynced readings in the old file were not sent.`,
  });
  return { db, recovered: moved };
}

function openAndCheck(
  opts: OpenGatewayDatabaseOptions,
  beforeClose?: (err: unknown) => void,
): GatewayDatabase {
  const db = new Database(opts.path);
  try {
    // Rejects a file that is not a database at all before WAL mode would be written into it.
    db.pragma('schema_version', { simple: true });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    db.pragma(`cache_size = -${Math.max(2048, Math.round(opts.cacheKiB ?? 8192))}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    // Bounds the -wal file after a burst (checkpoints reset it but do not shrink it otherwise).
    db.pragma('journal_size_limit = 67108864');
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw new AppError('storage_corrupt', `quick_check: ${String(check)}`);
    applySchema(db, opts.schemaDir ?? DEFAULT_SCHEMA_DIR);
    return db;
  } catch (err) {
    beforeClose?.(err);
    db.close();
    throw err;
  }
}

/** Applies every `NNN_*.sql` above the file's `user_version`, each in its own transaction. */
export function applySchema(db: GatewayDatabase, dir: string): void {
  const files = readdirSync(dir)
    .map((name) => ({ name, n: Number(/^(\d{3})_[\w-]+\.sql$/.exec(name)?.[1] ?? Number.NaN) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => a.n - b.n);
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = files.at(-1)?.n ?? 0;
  if (current > latest) {
    throw new AppError(
      'schema_drift',
      `database schema ${current} is newer than this gateway knows (${latest}); refusing to downgrade`,
    );
  }
  for (const f of files) {
    if (f.n <= current) continue;
    const sql = readFileSync(join(dir, f.name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${f.n}`);
    })();
  }
}

function corruptionReason(err: unknown): string | undefined {
  if (err instanceof AppError && err.code === 'storage_corrupt') return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CORRUPT_CODES.has(code)) return `${code}: ${(err as Error).message}`;
  return undefined;
}

function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const movedTo = `${path}.corrupt-${stamp}`;
  renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  return movedTo;
}
