import type Database from 'better-sqlite3';
import type { AlertEvent, AlertRule, AlertSeverity } from '../../shared/schemas/sync.ts';

export interface NewAlert {
  id: string;
  /** One active alert per key: `<rule>:<device|->:<subject>`. */
  key: string;
  device: string | null;
  rule: AlertRule;
  severity: AlertSeverity;
  raisedAt: number;
  value: number | null;
  threshold: number | null;
  message: string;
}

export interface StoredAlert {
  event: AlertEvent;
  key: string;
  version: number;
}

interface AlertRow {
  id: string;
  alert_key: string;
  device: string | null;
  rule: AlertRule;
  severity: AlertSeverity;
  state: 'raised' | 'cleared';
  raised_at: number;
  cleared_at: number | null;
  value: number | null;
  threshold: number | null;
  message: string;
  version: number;
}

function toStored(r: AlertRow): StoredAlert {
  return {
    key: r.alert_key,
    version: r.version,
    event: {
      id: r.id,
      device: r.device,
      rule: r.rule,
      severity: r.severity,
      state: r.state,
      raisedAt: r.raised_at,
      clearedAt: r.cleared_at,
      value: r.value,
      threshold: r.threshold,
      message: r.message,
    },
  };
}

/** The `alerts` table: raised/cleared episodes, their sync versions, and the active set at start. */
export class AlertsRepository {
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<typeof prepare>;

  constructor(deps: { db: Database.Database }) {
    this.#db = deps.db;
    this.#stmts = prepare(deps.db);
  }

  insertRaised(a: NewAlert): AlertEvent {
    this.#stmts.insert.run({
      id: a.id,
      key: a.key,
      device: a.device,
      rule: a.rule,
      severity: a.severity,
      raisedAt: a.raisedAt,
      value: a.value,
      threshold: a.threshold,
      message: a.message.slice(0, 500),
    });
    return {
      id: a.id,
      device: a.device,
      rule: a.rule,
      severity: a.severity,
      state: 'raised',
      raisedAt: a.raisedAt,
      clearedAt: null,
      value: a.value,
      threshold: a.threshold,
      message: a.message.slice(0, 500),
    };
  }

  /** Marks an active alert cleared; returns the cleared event, or undefined if it was not active. */
  clear(id: string, at: number): AlertEvent | undefined {
    const row = this.#stmts.clear.get({ id, at }) as AlertRow | undefined;
    return row ? toStored(row).event : undefined;
  }

  active(): StoredAlert[] {
    return (this.#stmts.active.all() as AlertRow[]).map(toStored);
  }

  /** Alerts changed since they were last sent (oldest change first). */
  unsynced(limit: number): StoredAlert[] {
    return (this.#stmts.unsynced.all(limit) as AlertRow[]).map(toStored);
  }

  markSynced(versions: ReadonlyArray<readonly [id: string, version: number]>): void {
    for (const [id, version] of versions) this.#stmts.markSynced.run(version, id);
  }

  unsyncedCount(): number {
    return (this.#stmts.unsyncedCount.get() as { n: number }).n;
  }

  /** Deletes cleared, synced alerts older than `before`. */
  expire(before: number): number {
    return this.#stmts.expire.run(before).changes;
  }

  get db(): Database.Database {
    return this.#db;
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO alerts (id, alert_key, device, rule, severity, state, raised_at, value, threshold, message, updated_at)
       VALUES (@id, @key, @device, @rule, @severity, 'raised', @raisedAt, @value, @threshold, @message, @raisedAt)`,
    ),
    clear: db.prepare(
      `UPDATE alerts SET state = 'cleared', cleared_at = @at, updated_at = @at, version = version + 1
       WHERE id = @id AND state = 'raised' RETURNING *`,
    ),
    active: db.prepare(`SELECT * FROM alerts WHERE state = 'raised' ORDER BY raised_at`),
    unsynced: db.prepare(`SELECT * FROM alerts WHERE version > synced_version ORDER BY updated_at LIMIT ?`),
    unsyncedCount: db.prepare(`SELECT count(*) AS n FROM alerts WHERE version > synced_version`),
    markSynced: db.prepare(`UPDATE alerts SET synced_version = max(synced_version, ?) WHERE id = ?`),
    expire: db.prepare(
      `DELETE FROM alerts WHERE state = 'cleared' AND cleared_at < ? AND version <= synced_version`,
    ),
  };
}
