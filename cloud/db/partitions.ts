import type pg from 'pg';
import type { Logger } from '../../shared/log.ts';
import { ensureReadingsPartition } from './partitions-repository.ts';

export interface ReadingPartitionsDeps {
  pool: pg.Pool;
  log: Logger;
  clock: () => number;
  /** Months created ahead of the current one at start and on every tick; default 2. */
  monthsAhead?: number;
  /** How often the ahead-of-time check runs; default 6 h. */
  intervalMs?: number;
}

/** First instant (UTC) of the month holding `tsMs`, as epoch ms. */
export function monthStartUtc(tsMs: number): number {
  const d = new Date(tsMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** `readings_yYYYYmMM` for the month holding `tsMs` (UTC), the name 001_core.sql gives it. */
export function partitionName(tsMs: number): string {
  const d = new Date(tsMs);
  return `readings_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Keeps `readings` partitioned by month: the current month plus `monthsAhead` are created at start and on a
 * timer, and any other month is created on demand just before a batch that needs it is copied in (a reading
 * from last year lands instead of failing). Every API replica runs this; the SQL function serialises
 * concurrent creators, so running it everywhere is harmless.
 *
 * Months known to exist are cached per process. A partition dropped or detached behind our back (retention)
 * makes an insert fail with "no partition of relation … found"; the caller then calls `forget()` and retries.
 */
export class ReadingPartitions {
  private readonly deps: ReadingPartitionsDeps;
  private readonly log: Logger;
  private readonly known = new Set<number>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(deps: ReadingPartitionsDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'partitions' });
  }

  async start(): Promise<void> {
    await this.ensureAhead();
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Makes sure a partition exists for every month any of `tsMs` falls in. */
  async ensureFor(tsMs: Iterable<number>): Promise<void> {
    const months = new Set<number>();
    for (const t of tsMs) months.add(monthStartUtc(t));
    const waits: Promise<void>[] = [];
    for (const m of months) if (!this.known.has(m)) waits.push(this.ensureMonth(m));
    await Promise.all(waits);
  }

  /** Drops the cache (after an insert found no partition: someone detached one). */
  forget(): void {
    this.known.clear();
  }

  /** The current month and the next `monthsAhead`. */
  async ensureAhead(): Promise<void> {
    const now = this.deps.clock();
    const d = new Date(now);
    const months: number[] = [];
    for (let i = 0; i <= (this.deps.monthsAhead ?? 2); i++) {
      months.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1));
    }
    await this.ensureFor(months);
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => {
        this.ticking = this.ensureAhead()
          .catch((err: unknown) => this.log.warn({ err }, 'creating partitions ahead failed; will retry'))
          .finally(() => {
            this.ticking = undefined;
            if (this.timer) this.schedule();
          });
      },
      this.deps.intervalMs ?? 6 * 3600_000,
    );
    this.timer.unref();
  }

  private ensureMonth(month: number): Promise<void> {
    const pending = this.inFlight.get(month);
    if (pending) return pending;
    const p = (async () => {
      try {
        const created = await ensureReadingsPartition(this.deps.pool, new Date(month));
        if (created) this.log.info({ partition: partitionName(month) }, 'readings partition created');
        this.known.add(month);
      } catch (err) {
        // 42P07 duplicate_table / 23505 on pg_type: another creator won a race the lock did not cover
        // (e.g. a table created by hand); the month exists either way.
        const code = (err as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw err;
        this.known.add(month);
      } finally {
        this.inFlight.delete(month);
      }
    })();
    this.inFlight.set(month, p);
    return p;
  }
}
