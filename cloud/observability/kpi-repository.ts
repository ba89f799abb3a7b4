import type { Queryable } from '../aicss/queryable.ts';

export interface EtlKpi {
  dataset: string;
  durationS: number;
  succeeded: boolean;
}

export interface CollectionKpi {
  deviceId: string;
  received: number;
  expected: number;
}

/** The database reads behind the KPI gauges of `/metrics` (run at scrape time). */
export class KpiRepository {
  constructor(private readonly db: Queryable) {}

  /** The last finished run per data set; empty when the ETL tables do not exist (yet). */
  async etl(): Promise<EtlKpi[]> {
    const exists = await this.db.query<{ t: string | null }>(`select to_regclass('etl_runs')::text as t`);
    if (!exists.rows[0]?.t) return [];
    const { rows } = await this.db.query<EtlKpi>(
      `select distinct on (dataset) dataset,
              extract(epoch from finished_at - started_at)::float8 as "durationS",
              status = 'succeeded' as succeeded
         from etl_runs where finished_at is not null
        order by dataset, finished_at desc`,
    );
    return rows;
  }

  /**
   * Readings received in the hour starting at `hourStart` against the expected `3600 / expected_interval_s`,
   * for devices that existed during the whole hour.
   */
  async collection(hourStart: Date): Promise<CollectionKpi[]> {
    const { rows } = await this.db.query<CollectionKpi>(
      `select d.device_id as "deviceId", coalesce(h.reading_count, 0)::int as received,
              3600.0 / d.expected_interval_s as expected
         from devices d
         left join reading_hourly h on h.device_id = d.device_id and h.hour_start = $1
        where d.first_seen_at <= $1
        order by d.device_id`,
      [hourStart],
    );
    return rows.map((r) => ({ ...r, expected: Number(r.expected) }));
  }

  /** Rejected readings by code since `sinceDay` (ingest_rejections is counted per UTC day). */
  async rejections(sinceDay: Date): Promise<{ reason: string; count: number }[]> {
    const { rows } = await this.db.query<{ reason: string; count: number }>(
      `select code as reason, sum(count)::float8 as count from ingest_rejections
        where day >= $1::date group by code order by code`,
      [sinceDay.toISOString().slice(0, 10)],
    );
    return rows;
  }
}
