import type Database from 'better-sqlite3';

export interface SyncBatchRow {
  id: number;
  batchKey: string;
  kind: 'live' | 'backlog';
  createdAt: number;
  /** The batch JSON without `status` (a fresh status is attached at each send). */
  body: string;
  readingCount: number;
  firstId: number | null;
  lastId: number | null;
  alertVersions: Array<[string, number]>;
  lossIds: string[];
  attempts: number;
  lastError: string | null;
}

interface Row {
  id: number;
  batch_key: string;
  kind: 'live' | 'backlog';
  created_at: number;
  body: string;
  reading_count: number;
  first_id: number | null;
  last_id: number | null;
  alert_versions: string;
  loss_ids: string;
  attempts: number;
  last_error: string | null;
}

const toBatch = (r: Row): SyncBatchRow => ({
  id: r.id,
  batchKey: r.batch_key,
  kind: r.kind,
  createdAt: r.created_at,
  body: r.body,
  readingCount: r.reading_count,
  firstId: r.first_id,
  lastId: r.last_id,
  alertVersions: JSON.parse(r.alert_versions) as Array<[string, number]>,
  lossIds: JSON.parse(r.loss_ids) as string[],
  attempts: r.attempts,
  lastError: r.last_error,
});

/** `sync_batches`: batches persisted before they are sent, until the cloud answers for good. */
export class SyncBatchRepository {
  readonly #s: ReturnType<typeof prepare>;

  constructor(deps: { db: Database.Database }) {
    this.#s = prepare(deps.db);
  }

  /** Inserts a batch shell and returns its id (the body is set once the rows are assigned). */
  insert(b: { batchKey: string; kind: 'live' | 'backlog'; createdAt: number }): number {
    return Number(this.#s.insert.run(b.batchKey, b.kind, b.createdAt).lastInsertRowid);
  }

  complete(
    id: number,
    b: {
      body: string;
      readingCount: number;
      firstId: number | null;
      lastId: number | null;
      alertVersions: Array<[string, number]>;
      lossIds: string[];
    },
  ): void {
    this.#s.complete.run(
      b.body,
      b.readingCount,
      b.firstId,
      b.lastId,
      JSON.stringify(b.alertVersions),
      JSON.stringify(b.lossIds),
      id,
    );
  }

  /** The oldest batch still waiting for a final answer. */
  oldestPending(): SyncBatchRow | undefined {
    const r = this.#s.oldest.get() as Row | undefined;
    return r ? toBatch(r) : undefined;
  }

  count(): number {
    return (this.#s.count.get() as { n: number }).n;
  }

  recordFailure(id: number, nextAttemptAt: number, error: string): void {
    this.#s.failure.run(nextAttemptAt, error.slice(0, 500), id);
  }

  delete(id: number): void {
    this.#s.delete.run(id);
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO sync_batches (batch_key, kind, created_at, body, reading_count) VALUES (?, ?, ?, '', 0)`,
    ),
    complete: db.prepare(
      `UPDATE sync_batches SET body = ?, reading_count = ?, first_id = ?, last_id = ?, alert_versions = ?,
         loss_ids = ? WHERE id = ?`,
    ),
    oldest: db.prepare('SELECT * FROM sync_batches ORDER BY id LIMIT 1'),
    count: db.prepare('SELECT count(*) AS n FROM sync_batches'),
    failure: db.prepare(
      'UPDATE sync_batches SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    ),
    delete: db.prepare('DELETE FROM sync_batches WHERE id = ?'),
  };
}
