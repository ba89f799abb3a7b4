import type { Queryable } from '../aicss/queryable.ts';

export class LoginAttemptsRepository {
  constructor(private readonly db: Queryable) {}

  /** Counts one attempt for each key in the window and returns the counts after it, in key order. */
  async hit(keys: string[], windowStart: Date): Promise<number[]> {
    const { rows } = await this.db.query<{ key: string; count: number }>(
      `insert into login_attempts (key, window_start, count)
       select k, $2, 1 from unnest($1::text[]) as k
       on conflict (key, window_start) do update set count = login_attempts.count + 1
       returning key, count`,
      [keys, windowStart],
    );
    const byKey = new Map(rows.map((r) => [r.key, r.count]));
    return keys.map((k) => byKey.get(k) ?? 0);
  }

  async deleteBefore(before: Date): Promise<void> {
    await this.db.query('delete from login_attempts where window_start < $1', [before]);
  }
}
