import type Database from 'better-sqlite3';

/** Small durable state as JSON values (sync bookkeeping, applied config version, rule state). */
export class KvRepository {
  readonly #get: Database.Statement;
  readonly #set: Database.Statement;

  constructor(deps: { db: Database.Database }) {
    this.#get = deps.db.prepare('SELECT value FROM kv WHERE key = ?');
    this.#set = deps.db.prepare(
      `INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  get<T>(key: string): T | undefined {
    const row = this.#get.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown, at: number): void {
    this.#set.run(key, JSON.stringify(value), at);
  }
}
