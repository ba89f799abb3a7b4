import type Database from 'better-sqlite3';
import type { LossEntry } from '../../shared/schemas/sync.ts';

export interface LossInput {
  device: string | null;
  /** Stable code: `buffer_full_dropped`, `buffer_full_refused`, `dead_letter_expired`, … */
  reason: string;
  count: number;
  fromTs: number | null;
  toTs: number | null;
}

/** An unsent entry keeps absorbing losses of the same device and reason for this long. */
const MERGE_WINDOW_MS = 3_600_000;

interface LossRow {
  id: string;
  device: string | null;
  reason: string;
  count: number;
  from_ts: number | null;
  to_ts: number | null;
  recorded_at: number;
}

/**
 * The loss ledger: anything the gateway dropped or refused by policy, synced to the cloud so a gap in the
 * data is explained rather than silent. Losses are merged into the newest unsent entry of the same
 * device and reason, so a refuse policy under load writes one row per device per hour, not one per reading.
 */
export class LossLedger {
  readonly #s: ReturnType<typeof prepare>;
  readonly #clock: () => number;
  #n = 0;

  constructor(deps: { db: Database.Database; clock: () => number }) {
    this.#s = prepare(deps.db);
    this.#clock = deps.clock;
  }

  record(loss: LossInput): void {
    if (loss.count <= 0) return;
    const now = this.#clock();
    const entry = {
      device: loss.device,
      reason: loss.reason,
      count: loss.count,
      fromTs: loss.fromTs,
      toTs: loss.toTs,
      now,
    };
    const merged = this.#s.merge.run({ ...entry, since: now - MERGE_WINDOW_MS }).changes;
    if (merged > 0) return;
    this.#s.insert.run({
      ...entry,
      id: `loss:${now.toString(36)}:${(this.#n++).toString(36)}:${loss.reason}:${loss.device ?? '-'}`.slice(
        0,
        128,
      ),
    });
  }

  /** Entries not yet put in a sync batch, oldest first. */
  unsent(limit: number): LossEntry[] {
    return (this.#s.unsent.all(limit) as LossRow[]).map(toLossEntry);
  }

  assignBatch(ids: readonly string[], batch: number): void {
    for (const id of ids) this.#s.assign.run(batch, id);
  }

  markSynced(ids: readonly string[], at: number): void {
    for (const id of ids) this.#s.synced.run(at, id);
  }

  all(): Array<LossEntry & { synced: boolean }> {
    return (this.#s.all.all() as Array<LossRow & { synced_at: number | null }>).map((r) => ({
      ...toLossEntry(r),
      synced: r.synced_at !== null,
    }));
  }

  /** Deletes synced entries older than `before`. */
  expire(before: number): number {
    return this.#s.expire.run(before).changes;
  }
}

function toLossEntry(r: LossRow): LossEntry {
  return {
    id: r.id,
    device: r.device,
    reason: r.reason,
    count: r.count,
    fromTs: r.from_ts,
    toTs: r.to_ts,
    recordedAt: r.recorded_at,
  };
}

function prepare(db: Database.Database) {
  return {
    merge: db.prepare(
      `UPDATE loss_ledger SET count = count + @count,
         from_ts = CASE WHEN from_ts IS NULL THEN @fromTs WHEN @fromTs IS NULL THEN from_ts ELSE min(from_ts, @fromTs) END,
         to_ts = CASE WHEN to_ts IS NULL THEN @toTs WHEN @toTs IS NULL THEN to_ts ELSE max(to_ts, @toTs) END,
         recorded_at = @now
       WHERE id = (SELECT id FROM loss_ledger WHERE batch IS NULL AND reason = @reason AND device IS @device
                     AND opened_at >= @since ORDER BY opened_at DESC LIMIT 1)`,
    ),
    insert: db.prepare(
      `INSERT INTO loss_ledger (id, device, reason, count, from_ts, to_ts, opened_at, recorded_at)
       VALUES (@id, @device, @reason, @count, @fromTs, @toTs, @now, @now)`,
    ),
    unsent: db.prepare('SELECT * FROM loss_ledger WHERE batch IS NULL ORDER BY opened_at LIMIT ?'),
    assign: db.prepare('UPDATE loss_ledger SET batch = ? WHERE id = ? AND batch IS NULL'),
    synced: db.prepare('UPDATE loss_ledger SET synced_at = ? WHERE id = ?'),
    all: db.prepare('SELECT * FROM loss_ledger ORDER BY opened_at'),
    expire: db.prepare('DELETE FROM loss_ledger WHERE synced_at IS NOT NULL AND recorded_at < ?'),
  };
}
