import type Database from 'better-sqlite3';

export interface DeadLetterInput {
  kind: 'batch' | 'reading';
  batchKey: string;
  readingKey: string | null;
  device: string | null;
  httpStatus: number | null;
  code: string;
  message: string;
  readingCount: number;
  /** The batch body as sent, or the reading as JSON. */
  payload: string;
  at: number;
}

export interface DeadLetterEntry extends DeadLetterInput {
  id: number;
}

interface Row {
  id: number;
  kind: 'batch' | 'reading';
  batch_key: string;
  reading_key: string | null;
  device: string | null;
  http_status: number | null;
  code: string;
  message: string;
  reading_count: number;
  payload: string;
  created_at: number;
}

const toEntry = (r: Row): DeadLetterEntry => ({
  id: r.id,
  kind: r.kind,
  batchKey: r.batch_key,
  readingKey: r.reading_key,
  device: r.device,
  httpStatus: r.http_status,
  code: r.code,
  message: r.message,
  readingCount: r.reading_count,
  payload: r.payload,
  at: r.created_at,
});

/** What the cloud refused for good (4xx batches, per-row rejections), kept with its code and message. */
export class DeadLetterRepository {
  readonly #s: ReturnType<typeof prepare>;

  constructor(deps: { db: Database.Database }) {
    this.#s = prepare(deps.db);
  }

  add(e: DeadLetterInput): void {
    this.#s.insert.run({
      kind: e.kind,
      batchKey: e.batchKey,
      readingKey: e.readingKey,
      device: e.device,
      httpStatus: e.httpStatus,
      code: e.code.slice(0, 64),
      message: e.message.slice(0, 1000),
      readingCount: e.readingCount,
      payload: e.payload,
      at: e.at,
    });
  }

  list(limit = 100): DeadLetterEntry[] {
    return (this.#s.list.all(limit) as Row[]).map(toEntry);
  }

  summary(): { entries: number; readings: number } {
    return this.#s.summary.get() as { entries: number; readings: number };
  }

  /** Removes entries older than `before` (at most `limit`); returns what was removed, for the ledger. */
  expire(before: number, limit: number): DeadLetterEntry[] {
    return (this.#s.expire.all(before, limit) as Row[]).map(toEntry);
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO dead_letter (kind, batch_key, reading_key, device, http_status, code, message, reading_count, payload, created_at)
       VALUES (@kind, @batchKey, @readingKey, @device, @httpStatus, @code, @message, @readingCount, @payload, @at)`,
    ),
    list: db.prepare('SELECT * FROM dead_letter ORDER BY id DESC LIMIT ?'),
    summary: db.prepare(
      'SELECT count(*) AS entries, coalesce(sum(reading_count), 0) AS readings FROM dead_letter',
    ),
    expire: db.prepare(
      `DELETE FROM dead_letter WHERE id IN (
         SELECT id FROM dead_letter WHERE created_at < ? ORDER BY created_at LIMIT ?) RETURNING *`,
    ),
  };
}
