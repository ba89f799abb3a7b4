import cron, { type ScheduledTask } from 'node-cron';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { CloudConfigPush, GatewayStatusReport } from '../../shared/schemas/sync.ts';
import type { AlertEngine } from '../alerts/alert-engine.ts';
import type { GatewayBuffer } from '../buffer/create-buffer.ts';
import type { GatewayBus } from '../bus.ts';
import type { SyncConfig } from '../config/core-config.ts';
import { backoffDelayMs } from './backoff.ts';
import { BatchBuilder } from './batch-builder.ts';
import { SyncBatchRepository, type SyncBatchRow } from './batches-repository.ts';
import { ByteThrottle } from './byte-throttle.ts';
import { LiveWindow } from './live-window.ts';
import { PushedConfig } from './pushed-config.ts';
import { buildStatusReport, type StatusExtras } from './status-report.ts';
import { SyncAlerts } from './sync-alerts.ts';
import { type SendOutcome, SyncClient } from './sync-client.ts';
import { recordCommitted, recordRefused } from './sync-outcomes.ts';

/** Retry-After beyond this is treated as this (a misconfigured proxy must not park us for days). */
const MAX_RETRY_AFTER_MS = 3_600_000;
/** What goes between the batch body and the status report appended to it. */
const STATUS_KEY = ',"status":';

export type { StatusExtras } from './status-report.ts';

export interface SyncServiceDeps {
  gatewayId: string;
  config: SyncConfig;
  buffer: Pick<GatewayBuffer, 'db' | 'store' | 'alerts' | 'losses' | 'deadLetters' | 'kv'>;
  bus: GatewayBus;
  log: Logger;
  clock: () => number;
  /**
   * Raises `sync_dead_letter` when the cloud refuses a batch or rows, and `sync_auth` while it refuses the
   * gateway's credentials (cleared by the next batch it accepts).
   */
  alertEngine?: Pick<AlertEngine, 'raiseEvent' | 'reportCondition'>;
  /** Filled into the `status` of every batch; default: devices from the buffer, no rejection counts. */
  statusProvider?: () => StatusExtras;
  /** Applies a config the cloud pushed; resolving records its version as applied (reported in status). */
  onConfig?: (push: CloudConfigPush) => void | Promise<void>;
  softwareVersion?: string;
  random?: () => number;
}

export type SyncState = 'disabled' | 'idle' | 'sending' | 'backoff' | 'stopped';

export interface SyncStats {
  state: SyncState;
  batchesSent: number;
  batchesFailed: number;
  batchesDeadLettered: number;
  readingsSynced: number;
  rowsRejected: number;
  wireBytesSent: number;
  consecutiveFailures: number;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  backoffUntil: number | null;
  pendingBatches: number;
  backlog: { count: number; oldestTs: number | null };
  configVersion: number;
}

/**
 * Store-and-forward to the cloud. A run sends batches one at a time until nothing is left: first a batch
 * persisted earlier and not yet answered (same key and content, e.g. after a restart), then live readings
 * (stored within `liveWindowS`, not throttled), then the backlog, oldest first, at most
 * `maxBytesPerSecond` on the wire. Runs on a node-cron schedule, when `backlogTrigger` new readings
 * arrived, and on `syncNow()`.
 *
 * Outcomes: 200 + committed → rows marked synced (per-row `rejected` → dead-letter); network error, 5xx,
 * 429, 408 → exponential backoff with jitter (Retry-After honoured), the same batch again; 401/403 →
 * the same, the token is wrong but the data is fine (dead-lettering would throw good data away), plus a
 * critical `sync_auth` alert until a batch is accepted again, so the loop is not silent; other 4xx → the
 * batch to dead-letter with a loss entry and a `sync_dead_letter` alert, and the next batch goes on.
 */
export class SyncService {
  readonly #d: SyncServiceDeps;
  readonly #log: Logger;
  readonly #batches: SyncBatchRepository;
  readonly #builder: BatchBuilder;
  readonly #throttle: ByteThrottle;
  readonly #live: LiveWindow;
  readonly #alerts: SyncAlerts;
  readonly #pushedConfig: PushedConfig;
  #client: SyncClient | undefined;
  #task: ScheduledTask | undefined;
  #offReading: (() => void) | undefined;
  #run: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #state: SyncState = 'stopped';
  #newReadings = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #sleepTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #backoffUntil = 0;
  #stats = {
    batchesSent: 0,
    batchesFailed: 0,
    batchesDeadLettered: 0,
    readingsSynced: 0,
    rowsRejected: 0,
    wireBytesSent: 0,
    consecutiveFailures: 0,
    lastAttemptAt: null as number | null,
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(deps: SyncServiceDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ component: 'sync' });
    this.#batches = new SyncBatchRepository({ db: deps.buffer.db });
    this.#builder = new BatchBuilder({
      store: deps.buffer.store,
      alerts: deps.buffer.alerts,
      losses: deps.buffer.losses,
      batches: this.#batches,
      gatewayId: deps.gatewayId,
      clock: deps.clock,
    });
    this.#throttle = new ByteThrottle({ bytesPerSecond: deps.config.maxBytesPerSecond, clock: deps.clock });
    this.#live = new LiveWindow(deps);
    this.#alerts = new SyncAlerts(deps);
    this.#pushedConfig = new PushedConfig(deps, this.#log);
  }

  start(): void {
    const { config, clock, bus } = this.#d;
    if (!config.enabled || !config.cloudUrl || !config.token) {
      this.#state = 'disabled';
      this.#log.warn(
        { enabled: config.enabled, cloudUrl: config.cloudUrl },
        'sync disabled: data stays in the buffer',
      );
      return;
    }
    if (!cron.validate(config.schedule))
      throw new AppError('config_invalid', `sync.schedule: invalid cron expression ${config.schedule}`);
    this.#client = new SyncClient({
      cloudUrl: config.cloudUrl,
      token: config.token,
      timeoutMs: config.requestTimeoutMs,
      clock,
    });
    this.#stopped = false;
    this.#state = 'idle';
    this.#live.sample(clock());
    this.#task = cron.schedule(config.schedule, () => void this.syncNow(), {
      name: 'cds-sync',
      noOverlap: true,
    });
    this.#offReading = bus.on('reading', () => {
      if (++this.#newReadings >= config.backlogTrigger && !this.#run) void this.syncNow();
    });
    void this.syncNow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#offReading?.();
    this.#offReading = undefined;
    await this.#task?.destroy();
    this.#task = undefined;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#sleepTimer);
    this.#wake?.();
    await this.#run;
    this.#state = this.#state === 'disabled' ? 'disabled' : 'stopped';
  }

  /** Runs a sync now (or joins the one running); resolves when that run is over. */
  syncNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#run) {
      // Wakes a run that waits on the backlog throttle, so live data goes out at the schedule's pace.
      this.#again = true;
      this.#wake?.();
      return this.#run;
    }
    this.#run = this.#loop()
      .catch((err: unknown) => {
        this.#stats.lastError = (err as Error).message;
        this.#log.error({ err }, 'sync run failed');
      })
      .finally(() => {
        this.#run = undefined;
        if (this.#again && !this.#stopped && this.#d.clock() >= this.#backoffUntil) {
          this.#again = false;
          void this.syncNow();
        }
      });
    return this.#run;
  }

  stats(): SyncStats {
    return {
      state: this.#state,
      ...this.#stats,
      backoffUntil: this.#backoffUntil > this.#d.clock() ? this.#backoffUntil : null,
      pendingBatches: this.#batches.count(),
      backlog: this.#d.buffer.store.backlog(),
      configVersion: this.#pushedConfig.version(),
    };
  }

  async #loop(): Promise<void> {
    const { config, buffer, clock } = this.#d;
    this.#newReadings = 0;
    this.#again = false;
    const backlogMaxBytes = Math.max(16 * 1024, Math.min(config.maxBatchBytes, config.maxBytesPerSecond * 8));
    while (!this.#stopped) {
      const now = clock();
      this.#live.sample(now);
      if (now < this.#backoffUntil) return;
      // The status goes into the body at send time: the batch leaves room for it within maxBatchBytes.
      const status = this.#statusJson();
      const statusBytes = status === '' ? 0 : STATUS_KEY.length + Buffer.byteLength(status);
      let batch = this.#batches.oldestPending();
      const floor = this.#live.floor();
      batch ??= this.#builder.build({
        kind: 'live',
        afterId: floor,
        uptoId: Number.MAX_SAFE_INTEGER,
        maxReadings: config.maxReadingsPerBatch,
        maxBytes: config.maxBatchBytes - statusBytes,
      });
      if (!batch && buffer.store.selectUnbatched(0, floor, 1).length === 0) break;
      if (!batch || batch.kind === 'backlog') {
        const wait = this.#throttle.waitMs();
        if (wait > 0) {
          await this.#sleep(wait);
          continue;
        }
      }
      batch ??= this.#builder.build({
        kind: 'backlog',
        afterId: 0,
        uptoId: floor,
        maxReadings: config.maxReadingsPerBatch,
        maxBytes: backlogMaxBytes - statusBytes,
      });
      if (!batch) break;
      if (!(await this.#send(batch, status))) return;
    }
    if (!this.#stopped) this.#state = 'idle';
  }

  /** `status`: the JSON of the status report, added to the body only if the body stays within maxBatchBytes. */
  async #send(batch: SyncBatchRow, status: string): Promise<boolean> {
    const { clock, bus, config } = this.#d;
    let json = batch.body;
    if (status !== '') {
      // A batch persisted earlier (re-sent after a restart) had room for the status of that time.
      if (Buffer.byteLength(json) + STATUS_KEY.length + Buffer.byteLength(status) <= config.maxBatchBytes)
        json = `${json.slice(0, -1)}${STATUS_KEY}${status}}`;
      else
        this.#log.warn(
          { batchId: batch.batchKey, statusBytes: Buffer.byteLength(status) },
          'status report left out of the batch: it would exceed sync.maxBatchBytes',
        );
    }
    this.#state = 'sending';
    this.#stats.lastAttemptAt = clock();
    const outcome = await this.#client!.send(batch.batchKey, json);
    if (outcome.kind !== 'retry' || outcome.status !== null) {
      this.#throttle.charge(outcome.wireBytes);
      this.#stats.wireBytesSent += outcome.wireBytes;
    }
    const at = clock();
    switch (outcome.kind) {
      case 'ok':
        await this.#committed(batch, outcome.response, at);
        bus.emit('sync', { ok: true, batchId: batch.batchKey, readings: batch.readingCount, at });
        return true;
      case 'refused':
        this.#deadLetter(batch, outcome, at);
        bus.emit('sync', {
          ok: false,
          batchId: batch.batchKey,
          readings: batch.readingCount,
          error: `${outcome.status} ${outcome.code}`,
          at,
        });
        return true;
      default:
        this.#failed(batch, outcome, at);
        bus.emit('sync', {
          ok: false,
          batchId: batch.batchKey,
          readings: batch.readingCount,
          error: outcome.error,
          at,
        });
        return false;
    }
  }

  async #committed(
    batch: SyncBatchRow,
    response: Extract<SendOutcome, { kind: 'ok' }>['response'],
    at: number,
  ): Promise<void> {
    recordCommitted(this.#d.buffer, this.#batches, batch, response, at);
    this.#alerts.credentials(false, '');
    this.#backoffUntil = 0;
    this.#stats.consecutiveFailures = 0;
    this.#stats.batchesSent++;
    this.#stats.readingsSynced += batch.readingCount - response.rejected.length;
    this.#stats.rowsRejected += response.rejected.length;
    this.#stats.lastSuccessAt = at;
    this.#stats.lastError = null;
    this.#log.debug(
      {
        batchId: batch.batchKey,
        kind: batch.kind,
        readings: batch.readingCount,
        replayed: response.replayed,
      },
      'batch committed by the cloud',
    );
    if (response.rejected.length > 0) {
      const codes = [...new Set(response.rejected.map((r) => r.code))].join(', ');
      this.#log.warn(
        { batchId: batch.batchKey, rejected: response.rejected.length, codes },
        'cloud rejected rows: dead-lettered',
      );
      this.#alerts.rowsRejected(batch, response.rejected.length, codes);
    }
    if (response.config) await this.#pushedConfig.apply(response.config, at);
  }

  #deadLetter(batch: SyncBatchRow, outcome: Extract<SendOutcome, { kind: 'refused' }>, at: number): void {
    recordRefused(this.#d.buffer, this.#batches, batch, outcome, at);
    this.#stats.batchesDeadLettered++;
    this.#stats.consecutiveFailures = 0;
    this.#stats.lastError = `${outcome.status} ${outcome.code}: ${outcome.message}`;
    this.#log.error(
      { batchId: batch.batchKey, status: outcome.status, code: outcome.code, readings: batch.readingCount },
      `cloud refused a batch: dead-lettered (${outcome.message})`,
    );
    this.#alerts.batchRefused(batch, outcome);
  }

  #failed(batch: SyncBatchRow, outcome: Extract<SendOutcome, { kind: 'retry' | 'auth' }>, at: number): void {
    const { config } = this.#d;
    this.#stats.consecutiveFailures++;
    this.#stats.batchesFailed++;
    this.#stats.lastError = outcome.error;
    const attempt = Math.max(this.#stats.consecutiveFailures, batch.attempts + 1);
    let delay = backoffDelayMs(
      attempt,
      { initialMs: config.initialBackoffMs, maxMs: config.maxBackoffMs },
      this.#d.random,
    );
    if (outcome.kind === 'retry' && outcome.retryAfterMs !== undefined) {
      delay = Math.max(delay, Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS));
    }
    this.#backoffUntil = at + delay;
    this.#batches.recordFailure(batch.id, this.#backoffUntil, outcome.error);
    this.#state = 'backoff';
    const fields = { batchId: batch.batchKey, attempt, retryInMs: delay, status: outcome.status };
    if (outcome.kind === 'auth') {
      this.#log.error(fields, `cloud refused the gateway's credentials: ${outcome.error}`);
      this.#alerts.credentials(
        true,
        `the cloud refuses the gateway's credentials (${outcome.error}): check sync.token and the gateway's registration; readings stay in the buffer and sync keeps retrying`,
        outcome.status,
      );
    } else this.#log.warn(fields, `sync failed, will retry: ${outcome.error}`);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.syncNow(), delay);
    this.#retryTimer.unref();
  }

  /** The status report as JSON, '' when it is invalid (the batch then goes without it). */
  #statusJson(): string {
    const status = this.#status();
    return status ? JSON.stringify(status) : '';
  }

  #status(): GatewayStatusReport | undefined {
    const status = buildStatusReport({
      store: this.#d.buffer.store,
      extras: this.#d.statusProvider?.(),
      configVersion: this.#pushedConfig.version(),
      softwareVersion: this.#d.softwareVersion ?? '0.0.0',
      sentAt: this.#d.clock(),
    });
    if (!status.ok) {
      this.#log.warn({ issues: status.issues }, 'status report invalid: batch sent without it');
      return undefined;
    }
    return status.report;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.#sleepTimer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#sleepTimer = setTimeout(done, ms);
    });
  }
}
