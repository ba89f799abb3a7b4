import type { Queryable } from '../../aicss/queryable.ts';
import type { ReportKind } from './report-period.ts';

export interface StoredReportMeta {
  reportId: number;
  scopeKind: 'site' | 'device';
  scopeId: string;
  kind: ReportKind;
  periodFrom: string;
  periodTo: string;
  timeZone: string;
  trigger: 'schedule' | 'manual';
  generatedAt: Date;
  filePath: string | null;
}

const META = `report_id::int as "reportId", scope_kind as "scopeKind", scope_id as "scopeId", kind,
  period_from::text as "periodFrom", period_to::text as "periodTo", time_zone as "timeZone", trigger,
  generated_at as "generatedAt", file_path as "filePath"`;

export class ReportsRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores a report; when the same scope, kind and period is already stored, `replace` decides: a manual run
   * refreshes it, a scheduled run leaves it alone (idempotent, safe for two instances racing).
   */
  async save(
    r: Omit<StoredReportMeta, 'reportId' | 'generatedAt'> & { json: unknown; csv: string; generatedAt: Date },
    replace: boolean,
  ): Promise<{ meta: StoredReportMeta; created: boolean }> {
    const { rows } = await this.db.query<StoredReportMeta & { inserted: boolean }>(
      `insert into reports (scope_kind, scope_id, kind, period_from, period_to, time_zone, trigger, generated_at,
                            json_body, csv_body, file_path)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       on conflict (scope_kind, scope_id, kind, period_from, period_to) do update
         set trigger = excluded.trigger, generated_at = excluded.generated_at, json_body = excluded.json_body,
             csv_body = excluded.csv_body, file_path = excluded.file_path
         where $12
       returning ${META}, (xmax = 0) as inserted`,
      [
        r.scopeKind,
        r.scopeId,
        r.kind,
        r.periodFrom,
        r.periodTo,
        r.timeZone,
        r.trigger,
        r.generatedAt,
        JSON.stringify(r.json),
        r.csv,
        r.filePath,
        replace,
      ],
    );
    if (rows[0]) {
      const { inserted, ...meta } = rows[0];
      return { meta, created: inserted };
    }
    const existing = await this.db.query<StoredReportMeta>(
      `select ${META} from reports where scope_kind = $1 and scope_id = $2 and kind = $3 and period_from = $4 and period_to = $5`,
      [r.scopeKind, r.scopeId, r.kind, r.periodFrom, r.periodTo],
    );
    return { meta: existing.rows[0]!, created: false };
  }

  async list(filter: { scopeKind?: string; scopeId?: string; limit: number }): Promise<StoredReportMeta[]> {
    const { rows } = await this.db.query<StoredReportMeta>(
      `select ${META} from reports
        where ($1::text is null or scope_kind = $1) and ($2::text is null or scope_id = $2)
        order by generated_at desc, report_id desc limit $3`,
      [filter.scopeKind ?? null, filter.scopeId ?? null, filter.limit],
    );
    return rows;
  }

  async body(
    reportId: number,
    format: 'json' | 'csv',
  ): Promise<{ meta: StoredReportMeta; body: string } | null> {
    const { rows } = await this.db.query<StoredReportMeta & { body: string }>(
      `select ${META}, ${format === 'json' ? 'json_body::text' : 'csv_body'} as body from reports where report_id = $1`,
      [reportId],
    );
    if (!rows[0]) return null;
    const { body, ...meta } = rows[0];
    return { meta, body };
  }
}
