import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCloudApp } from '../../../../cloud/app.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../../../../cloud/db/migrate.ts';
import { createTestCloud, SEED, type TestCloud } from '../../../helpers/cloud-app.ts';
import { reading } from '../../../helpers/cloud-fixtures.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await createTestCloud({ config: { metricsToken: 'metrics-token-0123456789' } });
});
afterAll(() => cloud?.close());

const HOUR = 3600_000;

function scrape(token = 'metrics-token-0123456789') {
  return cloud.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
}

describe('health and readiness', () => {
  it('/healthz says the process is up; /readyz checks database and migrations', async () => {
    expect((await cloud.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    const ready = await cloud.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      ready: true,
      database: true,
      migrations: { current: true, pending: [] },
    });
  });

  it('/readyz is 503 while a migration is pending, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cds-migrations-'));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(join(dir, '999_later.sql'), 'select 1;\n');
      const app = await buildCloudApp({ ...cloud.deps, migrationsDir: dir });
      try {
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({
          ready: false,
          database: true,
          migrations: { pending: ['999_later.sql'] },
        });
      } finally {
        await app.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('/metrics', () => {
  it('needs the configured token', async () => {
    expect((await cloud.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await scrape('wrong-token-0123456789')).statusCode).toBe(401);
  });

  it('exposes HTTP, ingest and query metrics and the KPIs computed from the database', async () => {
    // Last full hour before "now": dev-a1 (every 10 s = 360 expected) sent 180 readings, dev-b1 none.
    const now = Math.floor(cloud.clock.now() / HOUR) * HOUR + 10 * 60_000;
    cloud.clock.set(now);
    const hourStart = now - 10 * 60_000 - HOUR;
    await cloud.pool.query(`update devices set first_seen_at = $1`, [new Date(hourStart - HOUR)]);
    const readings = Array.from({ length: 180 }, (_, i) =>
      reading({ device: SEED.deviceA, seq: i + 1, ts: hourStart + i * 20_000, e1: 100 + i, p1: 50 }),
    );
    const bad = { ...reading({ device: SEED.deviceA, seq: 999, ts: hourStart }), voltageV: -5 };
    const sync = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aicss/dados',
      headers: { ...cloud.auth('gatewayA'), 'idempotency-key': 'metrics-batch-0001' },
      payload: { gatewayId: SEED.gatewayA, batchId: 'metrics-batch-0001', readings: [...readings, bad] },
    });
    expect(sync.statusCode, sync.body).toBe(200);
    // The ETL table is the aneel helper's; a finished run is all the KPI needs.
    await cloud.pool.query(
      `insert into etl_runs (dataset, source, started_at, finished_at, status)
       values ('tarifas', 'fixture', $1, $2, 'succeeded')`,
      [new Date(now - 60_000), new Date(now - 48_000)],
    );

    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('cds_ingest_rows_total{result="accepted"} 180');
    expect(text).toContain('cds_ingest_rows_total{result="rejected"} 1');
    expect(text).toContain('cds_ingest_batch_duration_seconds_count 1');
    expect(text).toMatch(/cds_ingest_rejections_total\{reason="[a-z_]+"\} 1/);
    expect(text).toMatch(/cds_query_duration_seconds_count\{query="kpi"\} 1/);
    expect(text).toContain(
      'cds_http_request_duration_seconds_count{route="/api/v1/aicss/dados",method="POST",status="200"} 1',
    );
    expect(text).toContain('cds_kpi_etl_duration_seconds{dataset="tarifas"} 12');
    expect(text).toContain('cds_kpi_etl_last_run_success{dataset="tarifas"} 1');
    expect(text).toContain(`cds_kpi_collection_success_ratio{device="${SEED.deviceA}"} 0.5`);
    expect(text).toContain(`cds_kpi_collection_success_ratio{device="${SEED.deviceB}"} 0`);
    expect(text).toContain('cds_kpi_collection_success_ratio_overall 0.25');
    expect(text).toMatch(/cds_kpi_rejections_24h\{reason="[a-z_]+"\} 1/);
  });
});
