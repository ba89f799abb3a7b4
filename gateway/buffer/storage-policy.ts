import type { Logger } from '../../shared/log.ts';
import type { BufferConfig } from '../config/core-config.ts';
import type { LossLedger } from './losses-repository.ts';
import type { ReadingStore } from './readings-repository.ts';

/** Until the first measurement: a full AICSS reading is ~200–260 bytes with its index entries. */
const DEFAULT_BYTES_PER_READING = 256;
/** When over the cap, free at least this share of it at once, so the policy does not run every commit. */
const FREE_FRACTION = 0.01;
/**
 * The buffer counts as full until this long after the policy last had to drop or refuse: under a steady
 * load at the cap the policy frees 1 % and fills it again, and the `storage` alert must not flap with it.
 */
const FULL_HOLD_MS = 5 * 60_000;

export interface StorageState {
  usedBytes: number;
  capBytes: number;
  policy: BufferConfig['fullPolicy'];
  /** The policy dropped unsynced readings or refused some within the last 5 minutes. */
  full: boolean;
  /** When the current full episode began, epoch ms. */
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
  /**
   * Readings that can be taken before the page count must be read again: half of what the room left at
   * the last count holds at the measured size, so the estimate errs on the full side. Reading the page
   * count is three pragmas, which at a few readings per commit cost as much as the inserts.
   */
  #headroom = 0;
  #lastPressureAt: number | null = null;
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
    this.#headroom = 0;
  }

  /**
   * Makes room for `incoming` readings. Returns false when they must be refused (policy `refuse`).
   * Must run inside a transaction.
   */
  makeRoom(incoming: number): boolean {
    if (incoming < this.#headroom) {
      this.#headroom -= incoming;
      return true;
    }
    const cap = this.#config.maxBytes;
    let used = this.#store.usedBytes();
    const need = incoming * this.#bytesPerReading;
    if (used + need <= cap) {
      this.#headroom = Math.floor((cap - used - need) / (2 * this.#bytesPerReading));
      return true;
    }
    this.#headroom = 0;
    const rows = Math.ceil(Math.max(need, cap * FREE_FRACTION) / this.#bytesPerReading);
    const synced = this.#store.deleteOldestSynced(rows);
    this.#counts.droppedSynced += synced;
    used = this.#store.usedBytes();
    if (synced >= rows || used + need <= cap) return true;
    this.#pressure();
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
    const full = this.#lastPressureAt !== null && this.#clock() - this.#lastPressureAt < FULL_HOLD_MS;
    if (!full && this.#fullSince !== null) {
      this.#fullSince = null;
      this.#log.info('buffer below its cap again');
    }
    return {
      usedBytes: this.#store.usedBytes(),
      capBytes: this.#config.maxBytes,
      policy: this.#config.fullPolicy,
      full,
      fullSince: this.#fullSince,
      ...this.#counts,
      bytesPerReading: this.#bytesPerReading,
    };
  }

  #pressure(): void {
    const now = this.#clock();
    if (this.#lastPressureAt === null || now - this.#lastPressureAt >= FULL_HOLD_MS) {
      this.#fullSince = now;
      this.#log.warn({ capBytes: this.#config.maxBytes, policy: this.#config.fullPolicy }, 'buffer full');
    }
    this.#lastPressureAt = now;
  }
}
