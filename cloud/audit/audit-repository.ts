import type { Queryable } from '../aicss/queryable.ts';

export interface AuditEntry {
  actorKind: 'user' | 'gateway' | 'anonymous';
  actorId: string | null;
  action: string;
  target: string | null;
  status: number;
  sourceIp: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: Date;
}

export interface AuditQuery {
  limit: number;
  /** Only rows with an id below this (paging backwards). */
  beforeId?: number;
  actorId?: string;
  action?: string;
}

export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  async insert(e: AuditEntry): Promise<void> {
    await this.db.query(
      `insert into audit_log (actor_kind, actor_id, action, target, status, source_ip, details)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [e.actorKind, e.actorId, e.action, e.target, e.status, e.sourceIp, e.details],
    );
  }

  async list(q: AuditQuery): Promise<AuditRow[]> {
    const { rows } = await this.db.query<AuditRow & { id: string }>(
      `select id, at, actor_kind as "actorKind", actor_id as "actorId", action, target, status,
              source_ip as "sourceIp", details
         from audit_log
        where ($2::bigint is null or id < $2)
          and ($3::text is null or actor_id = $3)
          and ($4::text is null or action = $4)
        order by id desc
        limit $1`,
      [q.limit, q.beforeId ?? null, q.actorId ?? null, q.action ?? null],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }
}
