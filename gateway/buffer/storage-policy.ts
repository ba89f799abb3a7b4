import type { Logger } from '../../shared/log.ts';
import type { BufferConfig } from '../config/core-config.ts';
import type { LossLedger } from './losses-repository.ts';
import type { ReadingStore } from './readings-repository.ts';

/** Until the first measurement: a full AICSS reading is ~200–260 bytes with its index entries. */
const DEFAULT_BYTES_PER_READING = 256;
/** When over the cap, free at least this share of it at once, so the policy does not run every commit. */
const FREE_FRACTION = 0.01;

export interface StorageState {
  usedBytes: number;
  capBytes: number;
  policy: BufferConfig['fullPolicy'];
  /** True while the last commits found the buffer full (after dropping synced readings). */
  full: boolean;
  /** When `full` last became true, epoch ms. */
  fullSince: number | null;
  droppedUnsynced: number;
  refused: number;
  droppedSynced: number;
  bytesPerReading: number;
}

/**
 * The size cap. Called inside the group committer's transaction before a batch is inserted:
 * 1. over the cap → delete the oldest already-synced readings (no loss: the cloud has them);
 * 2. still over → `drop-oldest-unsynced`: delete the oldest unsynced readings not in an in-flight batch,
 *    one loss-ledger entry per device (count, time range); or `refuse`: the whole incoming batch is
 *    refused (the caller records it in the ledger) and nothing is deleted.
 * Sizes come from `(page_count − freelist_count) × page_size`, i.e. live pages: SQLite reuses free
 * pages, so the file stops growing once it reached the cap.
 */
export class StoragePolicy {
  readonly #store: ReadingStore;
  readonly #losses: LossLedger;
  readonly #config: Pick<BufferConfig, 'maxBytes' | 'fullPolicy'>;
  readonly #log: Logger;
  readonly #clock: () => number;
  #bytesPerReading = DEFAULT_BYTES_PER_READING;
  #full = false;
  #fullSince: number | null = null;
  #counts = { droppedUnsynced: 0, refused: 0, droppedSynced: 0 };

  constructor(deps: {
    store: ReadingStore;
    losses: LossLedger;
    config: Pick<BufferConfig, 'maxBytes' | 'fullPolicy'>;
    log: Logger;
    clock: () => number;
  }) {
    this.#store = deps.store;
    this.#losses = deps.losses;
    this.#config = deps.config;
    this.#log = deps.log.child({ component: 'buffer-policy' });
    this.#clock = deps.clock;
  }

  /** Re-estimates bytes per reading from the database (housekeeping; a COUNT is too slow per commit). */
  measure(): void {
    const n = this.#store.count();
    if (n >= 1000) this.#bytesPerReading = Math.max(64, Math.round(this.#store.usedBytes() / n));
  }

  /**
   * Makes room for `incoming` readings. Returns false when they must be refused (policy `refuse`).
   * Must run inside a transaction.
   */
  makeRoom(incoming: number): boolean {
    const cap = this.#config.maxBytes;
    let used = this.#store.usedBytes();
    const need = incoming * this.#bytesPerReading;
    if (used + need <= cap) {
      this.#setFull(false);
      return true;
    }
    const rows = Math.ceil(Math.max(need, cap * FREE_FRACTION) / this.#bytesPerReading);
    const synced = this.#store.deleteOldestSynced(rows);
    this.#counts.droppedSynced += synced;
    used = this.#store.usedBytes();
    if (synced >= rows || used + need <= cap) {
      this.#setFull(false);
      return true;
    }
    this.#setFull(true);
    if (this.#config.fullPolicy === 'refuse') return false;
    const dropped = this.#store.dropOldestUnsynced(rows - synced);
    this.#counts.droppedUnsynced += dropped.count;
    for (const [device, d] of dropped.perDevice) {
      this.#losses.record({
        device,
        reason: 'buffer_full_dropped',
        count: d.count,
        fromTs: d.fromTs,
        toTs: d.toTs,
      });
    }
    if (dropped.count > 0) {
      this.#log.warn(
        { dropped: dropped.count, usedBytes: used, capBytes: cap },
        'buffer full: dropped oldest unsynced readings',
      );
    }
    return true;
  }

  noteRefused(n: number): void {
    this.#counts.refused += n;
  }

  state(): StorageState {
    return {
      usedBytes: this.#store.usedBytes(),
      capBytes: this.#config.maxBytes,
      policy: this.#config.fullPolicy,
      full: this.#full,
      fullSince: this.#fullSince,
      ...this.#counts,
      bytesPerReading: this.#bytesPerReading,
    };
  }

  #setFull(full: boolean): void {
    if (full === this.#full) return;
    this.#full = full;
    this.#fullSince = full ? this.#clock() : null;
    if (full)
      this.#log.warn({ capBytes: this.#config.maxBytes, policy: this.#config.fullPolicy }, 'buffer full');
    else this.#log.info('buffer below its cap again');
  }
}
