import type pg from 'pg';
import type { Queryable } from '../../aicss/queryable.ts';
import { withTransaction } from '../../aicss/queryable.ts';
import type { ImportPoint } from './import-csv.ts';

export interface ForecastImport {
  importId: number;
  scopeKind: 'site' | 'device';
  scopeId: string;
  model: string;
  step: 'hour' | 'day';
  fileName: string | null;
  fileSha256: string;
  rows: number;
  firstTs: Date;
  lastTs: Date;
  createdBy: string | null;
  createdAt: Date;
}

const COLUMNS = `import_id::int as "importId", scope_kind as "scopeKind", scope_id as "scopeId", model, step,
  file_name as "fileName", file_sha256 as "fileSha256", rows, first_ts as "firstTs", last_ts as "lastTs",
  created_by as "createdBy", created_at as "createdAt"`;

export class ForecastImportsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores the import and all its points in one transaction (all or nothing). */
  async create(
    meta: Omit<ForecastImport, 'importId' | 'createdAt' | 'rows' | 'firstTs' | 'lastTs'>,
    points: ImportPoint[],
  ): Promise<ForecastImport> {
    return withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<ForecastImport>(
        `insert into forecast_imports (scope_kind, scope_id, model, step, file_name, file_sha256, rows, first_ts, last_ts, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${COLUMNS}`,
        [
          meta.scopeKind,
          meta.scopeId,
          meta.model,
          meta.step,
          meta.fileName,
          meta.fileSha256,
          points.length,
          new Date(points[0]!.ts),
          new Date(points[points.length - 1]!.ts),
          meta.createdBy,
        ],
      );
      const created = rows[0]!;
      // unnest() inserts a chunk in one statement; 5 000 rows per statement keeps the parameters small.
      for (let i = 0; i < points.length; i += 5000) {
        const chunk = points.slice(i, i + 5000);
        await c.query(
          `insert into forecast_import_points (import_id, ts, kwh, lower_kwh, upper_kwh)
           select $1, to_timestamp(t / 1000.0), k, l, u
             from unnest($2::float8[], $3::float8[], $4::float8[], $5::float8[]) as x(t, k, l, u)`,
          [
            created.importId,
            chunk.map((p) => p.ts),
            chunk.map((p) => p.kwh),
            chunk.map((p) => p.lower),
            chunk.map((p) => p.upper),
          ],
        );
      }
      return created;
    });
  }

  async get(importId: number): Promise<ForecastImport | null> {
    const { rows } = await this.pool.query<ForecastImport>(
      `select ${COLUMNS} from forecast_imports where import_id = $1`,
      [importId],
    );
    return rows[0] ?? null;
  }

  async list(scope: { kind: 'site' | 'device'; id: string }, limit = 50): Promise<ForecastImport[]> {
    const { rows } = await this.pool.query<ForecastImport>(
      `select ${COLUMNS} from forecast_imports where scope_kind = $1 and scope_id = $2
        order by created_at desc, import_id desc limit $3`,
      [scope.kind, scope.id, limit],
    );
    return rows;
  }

  async points(importId: number): Promise<ImportPoint[]> {
    return pointsOf(this.pool, importId);
  }
}

async function pointsOf(db: Queryable, importId: number): Promise<ImportPoint[]> {
  const { rows } = await db.query<{ t: string; kwh: number; lower: number | null; upper: number | null }>(
    `select (extract(epoch from ts) * 1000)::bigint as t, kwh, lower_kwh as lower, upper_kwh as upper
       from forecast_import_points where import_id = $1 order by ts`,
    [importId],
  );
  return rows.map((r) => ({ ts: Number(r.t), kwh: r.kwh, lower: r.lower, upper: r.upper }));
}
