import type pg from 'pg';
import { isAppError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { isRetryable, type RetryDeps, type RetryPolicy, withRetry } from '../ckan/retry.ts';
import {
  finishRun,
  getSourceFingerprint,
  type RunError,
  recordSource,
  type SourceFingerprint,
  startRun,
  updateRunProgress,
} from '../etl-runs-repository.ts';
import type { AneelEncoding } from '../parse/decode-stream.ts';
import type { RecordStream } from '../parse/record-stream.ts';
import { copyLines } from './copy-stage.ts';
import { DATASET_SPECS, type EtlDataset } from './dataset-specs.ts';

/** Somewhere rows of one data set come from: a local file, a CKAN download or datastore pages. */
export interface LoadSource {
  dataset: EtlDataset;
  /** etl_runs.source: URL or path. */
  location: string;
  /** aneel_sources key: `file:<name>` or the CKAN resource id. */
  sourceKey: string;
  /** Identifies this version before reading it; undefined = unknown, always load. */
  fingerprint(): Promise<SourceFingerprint | undefined>;
  open(opts: { encoding?: AneelEncoding }): Promise<RecordStream>;
}

export interface LoadDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  retry: RetryPolicy;
  retryDeps: RetryDeps;
  /** Minimum time between progress writes to etl_runs and progress logs (default 1 s). */
  progressIntervalMs?: number;
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  runId: number;
  dataset: EtlDataset;
  source: string;
  phase: 'checking' | 'reading' | 'merging' | 'done' | 'unchanged' | 'failed';
  attempt: number;
  rowsRead: number;
  rowsRejected: number;
  bytesRead?: number;
  totalBytes?: number;
  pages?: number;
  encoding?: string;
  rejectedByReason: Record<string, number>;
  rowsPerSecond?: number;
  /** Wall time of reading + staging (the last attempt) and of the merge, once known. */
  readMs?: number;
  mergeMs?: number;
}

export interface LoadSummary {
  runId: number;
  dataset: EtlDataset;
  source: string;
  status: 'succeeded' | 'failed';
  /** The source's fingerprint matched the last load; nothing was read. */
  unchanged: boolean;
  rowsRead: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsRejected: number;
  durationMs: number;
  error?: { code: string; message: string };
}

const MAX_ERRORS = 100;

function sameVersion(a: SourceFingerprint | null, b: SourceFingerprint | undefined): boolean {
  if (!a || !b) return false;
  if (b.sha256) return a.sha256 === b.sha256;
  return b.lastModified !== undefined && a.lastModified === b.lastModified && a.sizeBytes === b.sizeBytes;
}

/**
 * Loads one source into its table, recorded as one etl_runs row: stream the records through the data set's
 * mapper into a session temp table with COPY, then merge everything in one transaction (upsert with
 * IS DISTINCT FROM, so a repeated load changes nothing) that also records the source's fingerprint and
 * finishes the run. A network failure or timeout mid-file restarts the source from the beginning (the
 * staging table is emptied first) with backoff; an invalid UTF-8 byte after a UTF-8-looking start restarts
 * it as cp1252. Rejected rows are counted per reason, the first 100 named in etl_runs.errors.
 */
export async function runLoad(
  deps: LoadDeps,
  source: LoadSource,
  opts: { syncId?: number | undefined; force?: boolean } = {},
): Promise<LoadSummary> {
  const spec = DATASET_SPECS[source.dataset];
  const log = deps.log.child({ component: 'aneel-load', dataset: source.dataset, source: source.location });
  const started = deps.clock();
  const runId = await startRun(deps.pool, {
    syncId: opts.syncId,
    dataset: source.dataset,
    source: source.location,
  });
  const errors: RunError[] = [];
  const progress: LoadProgress = {
    runId,
    dataset: source.dataset,
    source: source.location,
    phase: 'checking',
    attempt: 0,
    rowsRead: 0,
    rowsRejected: 0,
    rejectedByReason: {},
  };
  const interval = deps.progressIntervalMs ?? 1000;
  let lastReport = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> = Promise.resolve();
  const report = (force: boolean) => {
    const now = deps.clock();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    const secs = (now - started) / 1000;
    if (secs > 0) progress.rowsPerSecond = Math.round(progress.rowsRead / secs);
    const snapshot = structuredClone(progress);
    deps.onProgress?.(snapshot);
    log.info({ progress: snapshot }, 'aneel load progress');
    // Writes are chained so an older snapshot never lands after a newer one.
    pending = pending
      .then(() =>
        updateRunProgress(deps.pool, runId, {
          progress: snapshot as unknown as Record<string, unknown>,
          rowsRead: snapshot.rowsRead,
          rowsRejected: snapshot.rowsRejected,
        }),
      )
      .catch((err) => log.warn({ err }, 'could not write etl_runs progress'));
  };
  const rejectRow = (line: number | undefined, reason: string, detail: string) => {
    progress.rowsRejected++;
    progress.rejectedByReason[reason] = (progress.rejectedByReason[reason] ?? 0) + 1;
    if (errors.length < MAX_ERRORS) errors.push({ ...(line !== undefined ? { line } : {}), reason, detail });
  };

  let client: pg.PoolClient | undefined;
  try {
    const fingerprint = await source.fingerprint();
    if (
      !opts.force &&
      sameVersion(await getSourceFingerprint(deps.pool, source.dataset, source.sourceKey), fingerprint)
    ) {
      progress.phase = 'unchanged';
      await pending;
      await finishRun(deps.pool, runId, {
        status: 'succeeded',
        rowsRead: 0,
        rowsInserted: 0,
        rowsUpdated: 0,
        rowsRejected: 0,
        errors: [],
        progress: progress as unknown as Record<string, unknown>,
      });
      report(true);
      log.info('source unchanged since the last load; skipped');
      return summary('succeeded', true, 0, 0);
    }

    client = await deps.pool.connect();
    const c = client;
    // COPY of a large download is one statement that lasts as long as the download; the pool's request
    // timeout would cut it. The merge groups and sorts the whole staged file: with the default 4 MB of
    // work_mem a 200k-line tariff file spills to disk. `discard all` below restores the session before it
    // returns to the pool.
    await c.query("set statement_timeout = 0; set work_mem = '64MB'");
    let encoding: AneelEncoding | undefined;
    let stream: RecordStream | undefined;
    await withRetry(
      async (attempt) => {
        progress.phase = 'reading';
        progress.attempt = attempt;
        progress.rowsRead = 0;
        progress.rowsRejected = 0;
        progress.rejectedByReason = {};
        errors.length = 0;
        await spec.prepare(c);
        const readStarted = deps.clock();
        const s = await source.open(encoding ? { encoding } : {});
        stream = s;
        async function* lines(): AsyncGenerator<string> {
          for await (const rec of s.records) {
            progress.rowsRead++;
            const r = spec.map(rec.values, rec.fieldCount);
            if (r.ok) yield spec.copyLine(r.row, rec.line);
            else rejectRow(rec.line, r.reason, r.detail);
            if ((progress.rowsRead & 1023) === 0) {
              Object.assign(progress, s.stats());
              report(false);
            }
          }
          Object.assign(progress, s.stats());
        }
        await copyLines(c, spec.stageTable, spec.stageColumns, lines());
        progress.readMs = deps.clock() - readStarted;
      },
      {
        policy: deps.retry,
        deps: deps.retryDeps,
        retryable: (err) =>
          isEncodingRestart(err) || (isRetryable(err) && !isAppErrorCode(err, 'schema_drift')),
        onRetry: (err, attempt, delayMs) => {
          if (isEncodingRestart(err)) encoding = 'windows-1252';
          log.warn({ err: describe(err), attempt, delayMs }, 'reading the source failed; starting it over');
        },
      },
    );

    progress.phase = 'merging';
    report(true);
    const mergeStarted = deps.clock();
    await c.query('begin');
    const merged = await spec.merge(c, { runId, sourceKey: source.sourceKey, maxReported: MAX_ERRORS });
    progress.mergeMs = deps.clock() - mergeStarted;
    for (const line of merged.duplicateLines)
      rejectRow(line, 'duplicate_key', 'same natural key as an earlier line');
    const unreported = merged.duplicates - merged.duplicateLines.length;
    if (unreported > 0) {
      progress.rowsRejected += unreported;
      progress.rejectedByReason.duplicate_key = (progress.rejectedByReason.duplicate_key ?? 0) + unreported;
    }
    const sha256 = stream?.sha256();
    await recordSource(c, {
      dataset: source.dataset,
      sourceKey: source.sourceKey,
      fingerprint: { ...(fingerprint ?? {}), ...(sha256 ? { sha256 } : {}) },
      rowsRead: progress.rowsRead,
      runId,
    });
    progress.phase = 'done';
    await pending;
    await finishRun(c, runId, {
      status: 'succeeded',
      rowsRead: progress.rowsRead,
      rowsInserted: merged.inserted,
      rowsUpdated: merged.updated,
      rowsRejected: progress.rowsRejected,
      errors,
      progress: progress as unknown as Record<string, unknown>,
    });
    await c.query('commit');
    report(true);
    const out = summary('succeeded', false, merged.inserted, merged.updated);
    log.info({ ...out }, 'aneel load finished');
    return out;
  } catch (err) {
    await client?.query('rollback').catch(() => undefined);
    progress.phase = 'failed';
    const e = describe(err);
    await pending;
    await finishRun(deps.pool, runId, {
      status: 'failed',
      rowsRead: progress.rowsRead,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsRejected: progress.rowsRejected,
      errors: [...errors.slice(0, MAX_ERRORS - 1), { reason: e.code, detail: e.message }],
      progress: progress as unknown as Record<string, unknown>,
    }).catch((writeErr) => log.error({ err: writeErr }, 'could not record the failed run'));
    log.error({ err: e, runId }, 'aneel load failed');
    return { ...summary('failed', false, 0, 0), error: e };
  } finally {
    if (client) {
      const broken = await client.query('discard all').then(
        () => false,
        () => true,
      );
      client.release(broken);
    }
  }

  function summary(
    status: 'succeeded' | 'failed',
    unchanged: boolean,
    inserted: number,
    updated: number,
  ): LoadSummary {
    return {
      runId,
      dataset: source.dataset,
      source: source.location,
      status,
      unchanged,
      rowsRead: progress.rowsRead,
      rowsInserted: inserted,
      rowsUpdated: updated,
      rowsRejected: progress.rowsRejected,
      durationMs: deps.clock() - started,
    };
  }
}

function isAppErrorCode(err: unknown, code: string): boolean {
  return isAppError(err) && err.code === code;
}

function isEncodingRestart(err: unknown): boolean {
  return (
    isAppError(err) &&
    err.code === 'unsupported_encoding' &&
    (err.details as { restartAs?: string } | undefined)?.restartAs === 'windows-1252'
  );
}

function describe(err: unknown): { code: string; message: string } {
  if (isAppError(err)) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
