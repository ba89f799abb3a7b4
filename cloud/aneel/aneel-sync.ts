import { resolve } from 'node:path';
import type pg from 'pg';
import { AppError, isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { CkanClient } from './ckan/ckan-client.ts';
import { datastoreSource, downloadSource, findResources } from './ckan/ckan-sources.ts';
import { DEFAULT_RETRY, type RetryDeps, type RetryPolicy, realRetryDeps } from './ckan/retry.ts';
import { createSync, finishRun, finishSync, type SyncTrigger, startRun } from './etl-runs-repository.ts';
import type { EtlDataset } from './load/dataset-specs.ts';
import { scanDir } from './load/file-source.ts';
import { type LoadProgress, type LoadSource, type LoadSummary, runLoad } from './load/load-runner.ts';

/** Data sets a sync can be asked for; `bandeiras` is both flag files (acionamento and per-level values). */
export const SYNC_DATASETS = ['tarifas', 'bandeiras', 'samp'] as const;
export type SyncDataset = (typeof SYNC_DATASETS)[number];

const FILE_KINDS: Record<SyncDataset, EtlDataset[]> = {
  tarifas: ['tarifas'],
  bandeiras: ['bandeiras', 'bandeiras-adicional'],
  samp: ['samp'],
};

export interface SyncRequest {
  trigger: SyncTrigger;
  requestedBy?: string;
  /** Default: all. */
  datasets?: readonly SyncDataset[];
  /** Load from the files of this folder instead of the portal (sites without internet). */
  fromDir?: string;
  /** Load even when a source's fingerprint says it is unchanged. */
  force?: boolean;
  /** SAMP years to load from the portal; default this year and the last. */
  sampYears?: readonly number[];
  /** `datastore`: tariffs and flags through datastore_search paging instead of the CSV files. */
  via?: 'download' | 'datastore';
  /** datastore_search filters for the tariff resource (with via = datastore), e.g. `{ SigAgente: 'CEMIG-D' }`. */
  tariffFilters?: Record<string, string>;
}

export interface SyncResult {
  syncId: number;
  status: 'succeeded' | 'failed';
  loads: LoadSummary[];
  /** Files of `fromDir` that match no data set. */
  ignoredFiles: string[];
  error?: string;
}

export interface AneelSyncDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  /** CKAN portal root (config `aneel.baseUrl`). */
  baseUrl: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  datastorePageSize?: number;
  retry?: RetryPolicy;
  retryDeps?: RetryDeps;
  progressIntervalMs?: number;
  onProgress?: (p: LoadProgress) => void;
}

// One sync at a time across every instance sharing the database (cron on one, an admin's POST on another).
const SYNC_LOCK_KEY = 4_350_500_100;

/**
 * Runs ANEEL syncs: finds the sources (portal resources or local files), loads each with runLoad and records
 * the whole request in aneel_syncs. `start` returns as soon as the sync is registered, so the API can answer
 * 202 with its id while the load runs; a second sync while one runs fails with `conflict`.
 */
export class AneelSync {
  private readonly deps: AneelSyncDeps;
  private readonly running = new Set<Promise<SyncResult>>();
  private stopping = false;

  constructor(deps: AneelSyncDeps) {
    this.deps = deps;
  }

  async start(req: SyncRequest): Promise<{ syncId: number; done: Promise<SyncResult> }> {
    if (this.stopping) throw new AppError('unavailable', 'the ANEEL sync service is stopping');
    const lockClient = await this.deps.pool.connect();
    let syncId: number;
    let locked = false;
    try {
      const { rows } = await lockClient.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [
        SYNC_LOCK_KEY,
      ]);
      locked = rows[0]?.ok === true;
      if (!locked) throw new AppError('conflict', 'an ANEEL sync is already running');
      const datasets = req.datasets?.length ? [...new Set(req.datasets)] : [...SYNC_DATASETS];
      syncId = await createSync(this.deps.pool, {
        trigger: req.trigger,
        requestedBy: req.requestedBy,
        source: req.fromDir ? resolve(req.fromDir) : this.deps.baseUrl,
        datasets,
      });
      req = { ...req, datasets };
    } catch (err) {
      // A session lock would outlive the request on a pooled connection: drop the connection instead.
      lockClient.release(locked);
      throw err;
    }
    const id = syncId;
    const done = this.execute(id, req).finally(async () => {
      const broken = await lockClient.query('select pg_advisory_unlock($1)', [SYNC_LOCK_KEY]).then(
        () => false,
        () => true,
      );
      lockClient.release(broken);
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { syncId: id, done };
  }

  async run(req: SyncRequest): Promise<SyncResult> {
    return (await this.start(req)).done;
  }

  /** Refuses new syncs and waits for the running one (each source has its own network timeouts). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }

  private async execute(syncId: number, req: SyncRequest): Promise<SyncResult> {
    const log = this.deps.log.child({ component: 'aneel-sync', syncId });
    const loads: LoadSummary[] = [];
    let ignoredFiles: string[] = [];
    const kinds = (req.datasets ?? SYNC_DATASETS).flatMap((d) => FILE_KINDS[d]);
    const loadDeps = {
      pool: this.deps.pool,
      log: this.deps.log,
      clock: this.deps.clock,
      retry: this.deps.retry ?? DEFAULT_RETRY,
      retryDeps: this.deps.retryDeps ?? realRetryDeps,
      ...(this.deps.progressIntervalMs !== undefined
        ? { progressIntervalMs: this.deps.progressIntervalMs }
        : {}),
      ...(this.deps.onProgress ? { onProgress: this.deps.onProgress } : {}),
    };
    try {
      log.info({ datasets: req.datasets, fromDir: req.fromDir, trigger: req.trigger }, 'ANEEL sync started');
      let sources: LoadSource[] = [];
      if (req.fromDir) {
        const scan = await scanDir(req.fromDir, new Set(kinds));
        sources = scan.sources;
        ignoredFiles = scan.ignored;
        if (ignoredFiles.length)
          log.info({ ignoredFiles }, 'files that are no ANEEL data set were left alone');
      } else {
        const client = new CkanClient({
          baseUrl: this.deps.baseUrl,
          log: this.deps.log,
          ...(this.deps.timeoutMs !== undefined ? { timeoutMs: this.deps.timeoutMs } : {}),
          ...(this.deps.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.deps.idleTimeoutMs } : {}),
          retry: this.deps.retry ?? DEFAULT_RETRY,
          retryDeps: this.deps.retryDeps ?? realRetryDeps,
        });
        for (const kind of kinds) {
          try {
            sources.push(...(await this.portalSources(client, kind, req)));
          } catch (err) {
            loads.push(await this.recordDiscoveryFailure(syncId, kind, client.baseUrl, err));
          }
        }
      }
      for (const source of sources) {
        if (this.stopping) break;
        loads.push(await runLoad(loadDeps, source, { syncId, force: req.force ?? false }));
      }
      const failed = loads.filter((l) => l.status === 'failed');
      const status = failed.length === 0 ? 'succeeded' : 'failed';
      const error = failed.length
        ? failed.map((f) => `${f.dataset} (${f.source}): ${f.error?.message ?? 'failed'}`).join('; ')
        : undefined;
      await finishSync(this.deps.pool, syncId, status, error);
      log.info({ status, loads: loads.length }, 'ANEEL sync finished');
      return { syncId, status, loads, ignoredFiles, ...(error ? { error } : {}) };
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      await finishSync(this.deps.pool, syncId, 'failed', message).catch(() => undefined);
      log.error({ err }, 'ANEEL sync failed');
      return { syncId, status: 'failed', loads, ignoredFiles, error: message };
    }
  }

  private async portalSources(client: CkanClient, kind: EtlDataset, req: SyncRequest): Promise<LoadSource[]> {
    const year = new Date(this.deps.clock()).getUTCFullYear();
    const resources = await findResources(client, kind, { sampYears: req.sampYears ?? [year - 1, year] });
    const pageSize = this.deps.datastorePageSize ?? 1000;
    return resources.map((r) => {
      if (req.via === 'datastore' && kind === 'tarifas') {
        return datastoreSource(client, kind, {
          resourceId: r.id,
          limit: pageSize,
          ...(req.tariffFilters ? { filters: req.tariffFilters } : {}),
        });
      }
      if (req.via === 'datastore' && kind === 'bandeiras') {
        return datastoreSource(client, kind, {
          resourceId: r.id,
          limit: pageSize,
          sort: 'DatCompetencia asc',
        });
      }
      return downloadSource(client, kind, r);
    });
  }

  /** A data set whose resource could not be found still gets a (failed) etl_runs row, so the KPI shows it. */
  private async recordDiscoveryFailure(
    syncId: number,
    dataset: EtlDataset,
    location: string,
    err: unknown,
  ): Promise<LoadSummary> {
    const code = isAppError(err) ? err.code : 'internal';
    const message = (err as Error).message ?? String(err);
    const runId = await startRun(this.deps.pool, { syncId, dataset, source: location });
    await finishRun(this.deps.pool, runId, {
      status: 'failed',
      rowsRead: 0,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsRejected: 0,
      errors: [{ reason: code, detail: message }],
      progress: { phase: 'failed', step: 'package_show' },
    });
    this.deps.log.error({ dataset, err: message }, 'could not find the ANEEL resource');
    return {
      runId,
      dataset,
      source: location,
      status: 'failed',
      unchanged: false,
      rowsRead: 0,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsRejected: 0,
      durationMs: 0,
      error: { code, message },
    };
  }
}
