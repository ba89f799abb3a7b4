import type pg from 'pg';
import type { Logger } from '../../shared/log.ts';

export interface SyncBatchRetentionDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  /** Stored batch answers older than this are deleted; 0 keeps them forever. */
  retentionDays: number;
  /** How often to prune; default 1 h. */
  intervalMs?: number;
  /** Rows deleted per statement, so pruning never holds long locks or a long transaction (default 5 000). */
  chunk?: number;
}

const DAY_MS = 86_400_000;

/**
 * Prunes `sync_batches`: the stored answer of every batch a gateway sent, kept so that a re-sent batch gets
 * its original answer. A gateway re-sends a batch only until it gets an answer (minutes, or the length of an
 * outage), so after `retentionDays` the row is only disk: one per batch, forever, otherwise.
 *
 * Pruning never makes a re-send harmful: a batch sent again after its row is gone is stored again through the
 * de-duplicating path (its readings are at or before each device's latest stored reading, so they go through
 * INSERT … ON CONFLICT DO NOTHING and come back as `duplicates`), and alerts and losses are upserted by id.
 * Only the answer differs: `duplicates` instead of the original `accepted`.
 *
 * Every API replica may run this; concurrent deletes of the same rows are harmless.
 */
export class SyncBatchRetention {
  private readonly deps: SyncBatchRetentionDeps;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<unknown> | undefined;

  constructor(deps: SyncBatchRetentionDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'sync-batch-retention' });
  }

  start(): void {
    if (this.deps.retentionDays <= 0 || this.timer) return;
    this.schedule(60_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Deletes the rows older than the retention; returns how many. */
  async pruneOnce(): Promise<number> {
    if (this.deps.retentionDays <= 0) return 0;
    const cutoff = new Date(this.deps.clock() - this.deps.retentionDays * DAY_MS);
    const chunk = this.deps.chunk ?? 5000;
    let total = 0;
    for (;;) {
      // Uses sync_batches_received_idx; ctid makes the chunked delete cheap without a second key lookup.
      const { rowCount } = await this.deps.pool.query(
        `delete from sync_batches where ctid = any(array(
           select ctid from sync_batches where received_at < $1 limit $2))`,
        [cutoff, chunk],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < chunk) break;
    }
    if (total > 0)
      this.log.info({ deleted: total, before: cutoff.toISOString() }, 'old sync batch answers pruned');
    return total;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.ticking = this.pruneOnce()
        .catch((err: unknown) => this.log.warn({ err }, 'pruning sync batches failed; will retry'))
        .finally(() => {
          this.ticking = undefined;
          if (this.timer) this.schedule(this.deps.intervalMs ?? 3600_000);
        });
    }, delayMs);
    this.timer.unref();
  }
}
