import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import {
  type AppliedMigration,
  ensureMigrationsTable,
  lockMigrations,
  readAppliedMigrations,
  recordMigration,
  unlockMigrations,
} from './migrations-repository.ts';

/** `sql/postgres/` of this checkout. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/postgres/', import.meta.url));

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  checksum: string;
  sql: string;
}

export interface MigrateOptions {
  pool: pg.Pool;
  log: Logger;
  /** Folder of `NNN_name.sql` files; default `sql/postgres/`. */
  dir?: string;
}

export interface MigrateResult {
  /** Files applied by this call, in order. */
  applied: string[];
  /** Highest applied version after the call (0 = none). */
  version: number;
}

export interface MigrationStatus {
  /** True when every file is applied and no applied migration was edited or removed. */
  current: boolean;
  version: number;
  pending: string[];
  /** Edited or missing applied migrations, one sentence each naming the file. */
  problems: string[];
}

/** Reads and checks the migration folder: every `.sql` file must be `NNN_name.sql` with a unique number. */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of names) {
    const m = FILE_PATTERN.exec(file);
    if (!m) {
      throw new AppError('config_invalid', `migration file ${file} in ${dir} is not named NNN_name.sql`);
    }
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other) {
      throw new AppError('config_invalid', `migrations ${other} and ${file} share the number ${m[1]}`);
    }
    seen.set(version, file);
    const bytes = await readFile(join(dir, file));
    out.push({
      version,
      name: m[2]!,
      file,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      sql: bytes.toString('utf8'),
    });
  }
  return out;
}

function fileNameOf(a: AppliedMigration): string {
  return `${String(a.version).padStart(3, '0')}_${a.name}.sql`;
}

/** Applied migrations whose file was edited since, or is gone: each is a reason to refuse to start. */
function driftProblems(files: MigrationFile[], applied: AppliedMigration[], dir: string): string[] {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  const problems: string[] = [];
  for (const a of applied) {
    const f = byVersion.get(a.version);
    if (!f) {
      problems.push(
        `applied migration ${fileNameOf(a)} is missing from ${dir}: restore the file (migrations are never deleted)`,
      );
    } else if (f.checksum !== a.checksum) {
      problems.push(
        `applied migration ${f.file} was edited after it was applied (checksum ${a.checksum.slice(0, 12)}… ` +
          `recorded, file is ${f.checksum.slice(0, 12)}…): revert it and put the change in a new migration`,
      );
    } else if (f.name !== a.name) {
      problems.push(`applied migration ${fileNameOf(a)} was renamed to ${f.file}: restore its name`);
    }
  }
  return problems;
}

/**
 * Applies the pending `NNN_name.sql` files in number order, each in its own transaction, and records each in
 * `schema_migrations` with its sha256. Refuses (AppError `schema_drift`, naming the file) when an applied
 * migration was edited or removed. Several instances starting at once are safe: a session advisory lock
 * makes them take turns, and the later ones find nothing pending.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const dir = opts.dir ?? DEFAULT_MIGRATIONS_DIR;
  const log = opts.log.child({ component: 'migrate' });
  const files = await readMigrationFiles(dir);
  const client = await opts.pool.connect();
  let broken = false;
  try {
    await lockMigrations(client);
    try {
      await ensureMigrationsTable(client);
      const applied = await readAppliedMigrations(client);
      const problems = driftProblems(files, applied, dir);
      if (problems.length > 0) {
        throw new AppError('schema_drift', problems.join('; '), { details: { problems } });
      }
      const done = new Set(applied.map((a) => a.version));
      const out: string[] = [];
      for (const f of files) {
        if (done.has(f.version)) continue;
        const started = Date.now();
        await client.query('begin');
        try {
          // A migration may rebuild an index or backfill; the pool's statement timeout is for requests.
          await client.query('set local statement_timeout = 0');
          await client.query(f.sql);
          await recordMigration(client, f);
          await client.query('commit');
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          throw new AppError('internal', `migration ${f.file} failed: ${(err as Error).message}`, {
            cause: err,
            retryable: false,
          });
        }
        log.info({ file: f.file, ms: Date.now() - started }, 'migration applied');
        out.push(f.file);
      }
      const version = Math.max(0, ...files.map((f) => f.version), ...applied.map((a) => a.version));
      return { applied: out, version };
    } finally {
      await unlockMigrations(client).catch((err: unknown) => {
        broken = true;
        log.warn({ err }, 'could not release the migration lock; dropping the connection');
      });
    }
  } finally {
    client.release(broken);
  }
}

/** For /readyz: are all migrations in `dir` applied, unedited? Never throws on a fresh database. */
export async function migrationStatus(opts: { pool: pg.Pool; dir?: string }): Promise<MigrationStatus> {
  const dir = opts.dir ?? DEFAULT_MIGRATIONS_DIR;
  const files = await readMigrationFiles(dir);
  const applied = await readAppliedMigrations(opts.pool);
  const problems = driftProblems(files, applied, dir);
  const done = new Set(applied.map((a) => a.version));
  const pending = files.filter((f) => !done.has(f.version)).map((f) => f.file);
  return {
    current: pending.length === 0 && problems.length === 0,
    version: Math.max(0, ...applied.map((a) => a.version)),
    pending,
    problems,
  };
}
