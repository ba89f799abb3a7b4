import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { Reading } from '../../shared/schemas/reading.ts';
import type { GatewayBus } from '../bus.ts';
import type { BufferConfig } from '../config/core-config.ts';
import type { LossLedger } from './losses-repository.ts';
import { type ReadingStore, spansPerDevice } from './readings-repository.ts';
import type { StoragePolicy } from './storage-policy.ts';

export type SubmitResult = 'stored' | 'duplicate' | 'refused';

interface Pending {
  reading: Reading;
  resolve: (r: SubmitResult) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitterStats {
  stored: number;
  duplicates: number;
  refused: number;
  transactions: number;
  lastBatchSize: number;
  maxBatchSize: number;
  queued: number;
}

export interface GroupCommitterDeps {
  store: ReadingStore;
  losses: LossLedger;
  policy: StoragePolicy;
  bus: GatewayBus;
  log: Logger;
  clock: () => number;
  config: Pick<BufferConfig, 'groupCommit'>;
}

/**
 * The only writer of readings. `submit()` queues a reading and resolves once the transaction holding it
 * has COMMITTED (or it was a duplicate, or refused by the full policy): the ingest acknowledges a board
 * (PUBACK, HTTP 200) only then. `bus 'reading'` is emitted after the commit for each stored reading.
 *
 * When to commit: every submit made in the same turn of the event loop shares one transaction (flush on
 * `setImmediate`), and commits start at least `minIntervalMs` apart. So a reading after a quiet period
 * commits at once; at a steady moderate rate (readings one by one, each in its own turn) the readings of
 * one interval share a commit instead of paying an fsync and a WAL write of the touched index pages each;
 * and under load, while one commit runs the next readings queue up anyway. A batch reaching `maxBatch`
 * is committed at once.
 */
export class GroupCommitter {
  readonly #d: GroupCommitterDeps;
  readonly #log: Logger;
  readonly #tx: (batch: Pending[]) => SubmitResult[];
  #queue: Pending[] = [];
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  #running = false;
  /** When the last commit started (deps.clock), for `minIntervalMs`. */
  #lastCommitAt = Number.NEGATIVE_INFINITY;
  #stats = { stored: 0, duplicates: 0, refused: 0, transactions: 0, lastBatchSize: 0, maxBatchSize: 0 };

  constructor(deps: GroupCommitterDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ component: 'group-commit' });
    this.#tx = deps.store.db.transaction((batch: Pending[]) => this.#write(batch));
  }

  start(): void {
    this.#running = true;
  }

  /** Commits what is queued, then refuses new submits. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelSchedule();
    while (this.#queue.length > 0) this.#flush();
  }

  submit(reading: Reading): Promise<SubmitResult> {
    if (!this.#running) return Promise.reject(new AppError('unavailable', 'buffer is not running'));
    return new Promise<SubmitResult>((resolve, reject) => {
      this.#queue.push({ reading, resolve, reject });
      if (this.#queue.length >= this.#d.config.groupCommit.maxBatch) {
        this.#cancelSchedule();
        this.#flush();
      } else if (this.#scheduled === undefined) {
        const interval = this.#d.config.groupCommit.minIntervalMs;
        // Capped at the interval: a wall clock set back (NTP on a board without RTC) must not hold readings.
        const wait = Math.min(interval, this.#lastCommitAt + interval - this.#d.clock());
        this.#scheduled = wait >= 1 ? setTimeout(this.#onTimer, wait) : setImmediate(this.#onTimer);
      }
    });
  }

  stats(): GroupCommitterStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  readonly #onTimer = (): void => {
    this.#scheduled = undefined;
    this.#flush();
  };

  #cancelSchedule(): void {
    if (this.#scheduled === undefined) return;
    clearImmediate(this.#scheduled as NodeJS.Immediate);
    clearTimeout(this.#scheduled as NodeJS.Timeout);
    this.#scheduled = undefined;
  }

  #flush(): void {
    const max = this.#d.config.groupCommit.maxBatch;
    const batch = this.#queue.length <= max ? this.#queue : this.#queue.slice(0, max);
    this.#queue = this.#queue.length <= max ? [] : this.#queue.slice(max);
    if (batch.length === 0) return;
    this.#lastCommitAt = this.#d.clock();
    let results: SubmitResult[];
    try {
      results = this.#tx(batch);
    } catch (err) {
      // Nothing of this batch is committed: every submitter gets the error and must not acknowledge.
      this.#log.error({ err, readings: batch.length }, 'group commit failed');
      const code = (err as { code?: unknown }).code;
      const e =
        err instanceof AppError
          ? err
          : code === 'SQLITE_FULL'
            ? new AppError('storage_full', 'the disk holding the buffer is full', { cause: err })
            : new AppError('internal', 'buffer write failed', { cause: err });
      for (const p of batch) p.reject(e);
      return;
    }
    this.#stats.transactions++;
    for (const r of results) {
      if (r === 'stored') this.#stats.stored++;
      else if (r === 'duplicate') this.#stats.duplicates++;
      else this.#stats.refused++;
    }
    this.#stats.lastBatchSize = batch.length;
    this.#stats.maxBatchSize = Math.max(this.#stats.maxBatchSize, batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const r = results[i]!;
      p.resolve(r);
      if (r === 'stored') this.#d.bus.emit('reading', p.reading);
    }
    if (this.#queue.length > 0 && this.#scheduled === undefined)
      this.#scheduled = setImmediate(this.#onTimer);
  }

  /** Runs inside the transaction. */
  #write(batch: Pending[]): SubmitResult[] {
    const { store, policy, losses, clock } = this.#d;
    const now = clock();
    if (!policy.makeRoom(batch.length)) {
      for (const [device, d] of spansPerDevice(batch.map((b) => b.reading))) {
        losses.record({
          device,
          reason: 'buffer_full_refused',
          count: d.count,
          fromTs: d.fromTs,
          toTs: d.toTs,
        });
      }
      policy.noteRefused(batch.length);
      return batch.map(() => 'refused');
    }
    const results: SubmitResult[] = new Array(batch.length);
    const newest = new Map<string, Reading>();
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!.reading;
      if (store.insert(r)) {
        results[i] = 'stored';
        const prev = newest.get(r.device);
        if (!prev || r.boot > prev.boot || (r.boot === prev.boot && r.seq > prev.seq))
          newest.set(r.device, r);
      } else {
        results[i] = 'duplicate';
      }
    }
    for (const r of newest.values()) store.touchDevice(r, now);
    return results;
  }
}
