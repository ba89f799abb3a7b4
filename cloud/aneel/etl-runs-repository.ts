import type pg from 'pg';
import type { Queryable } from './tariff-repository.ts';

export type SyncTrigger = 'api' | 'cli' | 'cron' | 'bench';
export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface RunError {
  line?: number;
  reason: string;
  detail?: string;
}

export interface EtlRun {
  runId: number;
  syncId: number | null;
  dataset: string;
  source: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  rowsRead: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsRejected: number;
  errors: RunError[];
  progress: Record<string, unknown>;
}

export interface AneelSync {
  syncId: number;
  trigger: SyncTrigger;
  requestedBy: string | null;
  source: string;
  datasets: string[];
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  runs: EtlRun[];
}

export interface RunTotals {
  rowsRead: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsRejected: number;
}

export async function createSync(
  db: Queryable,
  s: { trigger: SyncTrigger; requestedBy?: string | undefined; source: string; datasets: readonly string[] },
): Promise<number> {
  const { rows } = await db.query<{ sync_id: string }>(
    `insert into aneel_syncs (trigger, requested_by, source, datasets) values ($1, $2, $3, $4) returning sync_id`,
    [s.trigger, s.requestedBy ?? null, s.source, s.datasets],
  );
  return Number(rows[0]!.sync_id);
}

export async function finishSync(
  db: Queryable,
  syncId: number,
  status: RunStatus,
  error?: string,
): Promise<void> {
  await db.query(`update aneel_syncs set status = $2, finished_at = now(), error = $3 where sync_id = $1`, [
    syncId,
    status,
    error ?? null,
  ]);
}

export async function startRun(
  db: Queryable,
  r: { syncId?: number | undefined; dataset: string; source: string },
): Promise<number> {
  const { rows } = await db.query<{ run_id: string }>(
    `insert into etl_runs (sync_id, dataset, source) values ($1, $2, $3) returning run_id`,
    [r.syncId ?? null, r.dataset, r.source],
  );
  return Number(rows[0]!.run_id);
}

export async function updateRunProgress(
  db: Queryable,
  runId: number,
  p: { progress: Record<string, unknown>; rowsRead: number; rowsRejected: number },
): Promise<void> {
  await db.query(
    `update etl_runs set progress = $2, rows_read = $3, rows_rejected = $4 where run_id = $1 and status = 'running'`,
    [runId, JSON.stringify(p.progress), p.rowsRead, p.rowsRejected],
  );
}

export async function finishRun(
  db: Queryable,
  runId: number,
  r: RunTotals & { status: RunStatus; errors: RunError[]; progress: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `update etl_runs
        set status = $2, finished_at = now(), rows_read = $3, rows_inserted = $4, rows_updated = $5,
            rows_rejected = $6, errors = $7, progress = $8
      where run_id = $1`,
    [
      runId,
      r.status,
      r.rowsRead,
      r.rowsInserted,
      r.rowsUpdated,
      r.rowsRejected,
      JSON.stringify(r.errors),
      JSON.stringify(r.progress),
    ],
  );
}

interface RunRow {
  run_id: string;
  sync_id: string | null;
  dataset: string;
  source: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  rows_read: string;
  rows_inserted: string;
  rows_updated: string;
  rows_rejected: string;
  errors: RunError[];
  progress: Record<string, unknown>;
}

function toRun(r: RunRow): EtlRun {
  return {
    runId: Number(r.run_id),
    syncId: r.sync_id === null ? null : Number(r.sync_id),
    dataset: r.dataset,
    source: r.source,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    rowsRead: Number(r.rows_read),
    rowsInserted: Number(r.rows_inserted),
    rowsUpdated: Number(r.rows_updated),
    rowsRejected: Number(r.rows_rejected),
    errors: r.errors,
    progress: r.progress,
  };
}

export async function getRun(db: Queryable, runId: number): Promise<EtlRun | null> {
  const { rows } = await db.query<RunRow>(`select * from etl_runs where run_id = $1`, [runId]);
  return rows[0] ? toRun(rows[0]) : null;
}

/** A sync with its runs in start order, or null when there is no such sync. */
export async function getSync(db: Queryable, syncId: number): Promise<AneelSync | null> {
  const { rows } = await db.query<{
    sync_id: string;
    trigger: SyncTrigger;
    requested_by: string | null;
    source: string;
    datasets: string[];
    status: RunStatus;
    started_at: Date;
    finished_at: Date | null;
    error: string | null;
  }>(`select * from aneel_syncs where sync_id = $1`, [syncId]);
  const s = rows[0];
  if (!s) return null;
  const runs = await db.query<RunRow>(`select * from etl_runs where sync_id = $1 order by run_id`, [syncId]);
  return {
    syncId: Number(s.sync_id),
    trigger: s.trigger,
    requestedBy: s.requested_by,
    source: s.source,
    datasets: s.datasets,
    status: s.status,
    startedAt: s.started_at.toISOString(),
    finishedAt: s.finished_at ? s.finished_at.toISOString() : null,
    error: s.error,
    runs: runs.rows.map(toRun),
  };
}

export interface SourceFingerprint {
  sha256?: string | undefined;
  lastModified?: string | undefined;
  sizeBytes?: number | undefined;
}

export async function getSourceFingerprint(
  db: Queryable,
  dataset: string,
  sourceKey: string,
): Promise<SourceFingerprint | null> {
  const { rows } = await db.query<{
    sha256: string | null;
    last_modified: string | null;
    size_bytes: string | null;
  }>(`select sha256, last_modified, size_bytes from aneel_sources where dataset = $1 and source_key = $2`, [
    dataset,
    sourceKey,
  ]);
  const r = rows[0];
  if (!r) return null;
  return {
    sha256: r.sha256 ?? undefined,
    lastModified: r.last_modified ?? undefined,
    sizeBytes: r.size_bytes === null ? undefined : Number(r.size_bytes),
  };
}

export async function recordSource(
  db: pg.PoolClient | Queryable,
  s: { dataset: string; sourceKey: string; fingerprint: SourceFingerprint; rowsRead: number; runId: number },
): Promise<void> {
  await db.query(
    `insert into aneel_sources (dataset, source_key, sha256, last_modified, size_bytes, rows_read, run_id, loaded_at)
     values ($1, $2, $3, $4, $5, $6, $7, now())
     on conflict (dataset, source_key) do update
        set sha256 = excluded.sha256, last_modified = excluded.last_modified, size_bytes = excluded.size_bytes,
            rows_read = excluded.rows_read, run_id = excluded.run_id, loaded_at = now()`,
    [
      s.dataset,
      s.sourceKey,
      s.fingerprint.sha256 ?? null,
      s.fingerprint.lastModified ?? null,
      s.fingerprint.sizeBytes ?? null,
      s.rowsRead,
      s.runId,
    ],
  );
}
