import type Database from 'better-sqlite3';
import type { Reading } from '../../shared/schemas/reading.ts';
import { decodeReadingRow, encodeReadingBody, type ReadingColumns } from './reading-codec.ts';

export interface DeviceLast {
  device: string;
  boot: number;
  seq: number;
  ts: number;
  uptimeS: number | null;
}

export interface StoredRow extends ReadingColumns {
  id: number;
}

/** How many readings of one device, and the time range they cover: what a loss-ledger entry records. */
export interface DeviceSpan {
  count: number;
  fromTs: number;
  toTs: number;
}

/** Per-device summary of rows removed by a policy: what the loss ledger records. */
export interface RemovedSummary {
  count: number;
  perDevice: Map<string, DeviceSpan>;
}

/** Count and time range per device of `rows` (for loss-ledger entries). */
export function spansPerDevice(rows: Iterable<{ device: string; ts: number }>): Map<string, DeviceSpan> {
  const perDevice = new Map<string, DeviceSpan>();
  for (const r of rows) {
    const d = perDevice.get(r.device);
    if (d) {
      d.count++;
      d.fromTs = Math.min(d.fromTs, r.ts);
      d.toTs = Math.max(d.toTs, r.ts);
    } else perDevice.set(r.device, { count: 1, fromTs: r.ts, toTs: r.ts });
  }
  return perDevice;
}

/**
 * The `readings` and `device_last` tables. Callers that combine several writes (the group committer,
 * the sync) wrap them in one `db.transaction`. The backlog count is kept in memory after one count at
 * first use, because every mutation of unsynced rows goes through this class.
 */
export class ReadingStore {
  readonly db: Database.Database;
  readonly #s: ReturnType<typeof prepare>;
  #unsynced: number | undefined;

  constructor(deps: { db: Database.Database }) {
    this.db = deps.db;
    this.#s = prepare(deps.db);
  }

  /** Inserts one reading; false when (device, boot, seq) is already stored. Call inside a transaction. */
  insert(r: Reading): boolean {
    const stored = this.#s.insert.run(r.device, r.boot, r.seq, r.ts, encodeReadingBody(r)).changes === 1;
    if (stored && this.#unsynced !== undefined) this.#unsynced++;
    return stored;
  }

  /** Records the newest (boot, seq) per device; older or equal positions are ignored. */
  touchDevice(r: Reading, at: number): void {
    this.#s.touch.run(r.device, r.boot, r.seq, r.ts, r.uptimeS ?? null, at);
  }

  lastReadingPerDevice(): DeviceLast[] {
    return (this.#s.last.all() as Array<DeviceLast & { uptime_s: number | null }>).map((r) => ({
      device: r.device,
      boot: r.boot,
      seq: r.seq,
      ts: r.ts,
      uptimeS: r.uptime_s,
    }));
  }

  /** Readings stored and not yet confirmed by the cloud (including those in an unanswered batch). */
  backlog(): { count: number; oldestTs: number | null } {
    this.#unsynced ??=
      (this.#s.countUnbatched.get() as { n: number }).n + (this.#s.countInFlight.get() as { n: number }).n;
    const oldest = this.#s.oldestUnsynced.get() as { ts: number | null } | undefined;
    return { count: this.#unsynced, oldestTs: oldest?.ts ?? null };
  }

  count(): number {
    return (this.#s.countAll.get() as { n: number }).n;
  }

  /** Bytes the database holds in live pages (free pages are reused, so this is what the cap limits). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  maxId(): number {
    return (this.#s.maxId.get() as { id: number | null }).id ?? 0;
  }

  /** Deletes up to `limit` synced readings, oldest reading time first. */
  deleteOldestSynced(limit: number): number {
    return this.#s.deleteOldestSynced.run(limit).changes;
  }

  /** Deletes synced readings with `ts < before`, at most `limit` per call (keeps each call short). */
  deleteSyncedBefore(before: number, limit: number): number {
    return this.#s.deleteSyncedBefore.run(before, limit).changes;
  }

  /** Drops up to `limit` unsynced readings not in a batch, oldest first; returns what was dropped. */
  dropOldestUnsynced(limit: number): RemovedSummary {
    const rows = this.#s.oldestUnbatched.all(limit) as Array<{ id: number; device: string; ts: number }>;
    if (rows.length === 0) return { count: 0, perDevice: new Map() };
    const last = rows[rows.length - 1]!.id;
    this.#s.deleteUnbatchedUpTo.run(last);
    this.#adjust(-rows.length);
    return summarise(rows);
  }

  /** Rows not yet in a batch with `afterId < id <= uptoId`, in id order. */
  selectUnbatched(afterId: number, uptoId: number, limit: number): StoredRow[] {
    return this.#s.selectUnbatched.all(afterId, uptoId, limit) as StoredRow[];
  }

  assignBatch(batch: number, firstId: number, lastId: number): number {
    return this.#s.assignBatch.run(batch, firstId, lastId).changes;
  }

  batchRows(batch: number, firstId: number, lastId: number): StoredRow[] {
    return this.#s.batchRows.all(batch, firstId, lastId) as StoredRow[];
  }

  markBatchSynced(batch: number, firstId: number, lastId: number, at: number): number {
    const n = this.#s.markSynced.run(at, batch, firstId, lastId).changes;
    this.#adjust(-n);
    return n;
  }

  /** Removes rows of a batch (they moved to the dead-letter table with the batch body). */
  deleteBatchRows(batch: number, firstId: number, lastId: number): number {
    const n = this.#s.deleteBatch.run(batch, firstId, lastId).changes;
    this.#adjust(-n);
    return n;
  }

  deleteRow(id: number): void {
    this.#adjust(-this.#s.deleteRow.run(id).changes);
  }

  decode(row: ReadingColumns): Reading {
    return decodeReadingRow(row);
  }

  #adjust(delta: number): void {
    if (this.#unsynced !== undefined) this.#unsynced = Math.max(0, this.#unsynced + delta);
  }
}

function summarise(rows: ReadonlyArray<{ device: string; ts: number }>): RemovedSummary {
  return { count: rows.length, perDevice: spansPerDevice(rows) };
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare('INSERT OR IGNORE INTO readings (device, boot, seq, ts, body) VALUES (?, ?, ?, ?, ?)'),
    touch: db.prepare(
      `INSERT INTO device_last (device, boot, seq, ts, uptime_s, stored_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET boot = excluded.boot, seq = excluded.seq, ts = excluded.ts,
         uptime_s = excluded.uptime_s, stored_at = excluded.stored_at
       WHERE excluded.boot > device_last.boot
          OR (excluded.boot = device_last.boot AND excluded.seq > device_last.seq)`,
    ),
    last: db.prepare('SELECT device, boot, seq, ts, uptime_s FROM device_last ORDER BY device'),
    countUnbatched: db.prepare('SELECT count(*) AS n FROM readings WHERE batch IS NULL'),
    countInFlight: db.prepare('SELECT coalesce(sum(reading_count), 0) AS n FROM sync_batches'),
    oldestUnsynced: db.prepare(
      `SELECT min(ts) AS ts FROM (
         SELECT ts FROM (SELECT ts FROM readings WHERE batch IS NULL ORDER BY id LIMIT 1)
         UNION ALL
         SELECT r.ts FROM sync_batches b JOIN readings r ON r.id = b.first_id
       )`,
    ),
    countAll: db.prepare('SELECT count(*) AS n FROM readings'),
    maxId: db.prepare('SELECT max(id) AS id FROM readings'),
    deleteOldestSynced: db.prepare(
      `DELETE FROM readings WHERE id IN (
         SELECT id FROM readings WHERE synced_at IS NOT NULL ORDER BY ts LIMIT ?)`,
    ),
    deleteSyncedBefore: db.prepare(
      `DELETE FROM readings WHERE id IN (
         SELECT id FROM readings WHERE synced_at IS NOT NULL AND ts < ? ORDER BY ts LIMIT ?)`,
    ),
    oldestUnbatched: db.prepare(
      'SELECT id, device, ts FROM readings WHERE batch IS NULL ORDER BY id LIMIT ?',
    ),
    deleteUnbatchedUpTo: db.prepare('DELETE FROM readings WHERE batch IS NULL AND id <= ?'),
    selectUnbatched: db.prepare(
      `SELECT id, device, boot, seq, ts, body FROM readings
       WHERE batch IS NULL AND id > ? AND id <= ? ORDER BY id LIMIT ?`,
    ),
    assignBatch: db.prepare('UPDATE readings SET batch = ? WHERE batch IS NULL AND id BETWEEN ? AND ?'),
    batchRows: db.prepare(
      'SELECT id, device, boot, seq, ts, body FROM readings WHERE batch = ? AND id BETWEEN ? AND ? ORDER BY id',
    ),
    markSynced: db.prepare(
      'UPDATE readings SET synced_at = ? WHERE batch = ? AND id BETWEEN ? AND ? AND synced_at IS NULL',
    ),
    deleteBatch: db.prepare(
      'DELETE FROM readings WHERE batch = ? AND id BETWEEN ? AND ? AND synced_at IS NULL',
    ),
    deleteRow: db.prepare('DELETE FROM readings WHERE id = ? AND synced_at IS NULL'),
  };
}
