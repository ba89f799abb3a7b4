import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { AneelSync } from '../../../../../cloud/aneel/aneel-sync.ts';
import { silentLogger } from '../../../../../shared/log.ts';
import {
  type CreateTestCloudOptions,
  createTestCloud,
  type TestCloud,
} from '../../../../helpers/cloud-app.ts';
import { tempDir } from '../../../../helpers/temp-dir.ts';

export const CEMIG_CNPJ = '06981180000116';
export const COCEL_CNPJ = '75805895000130';

/**
 * ANEEL files the analytics tests load through the aneel helper's real loader (AneelSync from a folder):
 * the VERBATIM tariff rows and flag file, the SYNTHETIC Branca tariff (invented values, real format) and the
 * SYNTHETIC COCEL residential SAMP sample (for the regional comparison).
 */
const FIXTURES = [
  'tarifas-homologadas-sample.csv',
  'tarifas-homologadas-branca.SYNTHETIC.csv',
  'bandeira-tarifaria-acionamento.verbatim.csv',
  'samp-2024-cocel-residencial.SYNTHETIC.csv',
];

export interface AnalyticsCloud extends TestCloud {
  reportsDir: string;
}

export async function createAnalyticsCloud(opts: CreateTestCloudOptions = {}): Promise<AnalyticsCloud> {
  const reports = await tempDir('cds-reports-');
  const cloud = await createTestCloud({
    ...opts,
    config: { reports: { cron: '0 6 1 * *', dir: reports.path }, ...opts.config },
  });
  const src = await tempDir('cds-aneel-');
  try {
    for (const f of FIXTURES) await copyFile(join('test/fixtures/aneel', f), join(src.path, f));
    const sync = new AneelSync({
      pool: cloud.pool,
      log: silentLogger(),
      clock: Date.now,
      baseUrl: 'http://127.0.0.1:9',
    });
    const result = await sync.run({ trigger: 'cli', fromDir: src.path });
    if (result.status !== 'succeeded')
      throw new Error(`ANEEL fixture load failed: ${JSON.stringify(result)}`);
  } finally {
    await src.cleanup();
  }
  const close = cloud.close.bind(cloud);
  return Object.assign(cloud, {
    reportsDir: reports.path,
    async close() {
      await close();
      await reports.cleanup();
    },
  });
}

export async function configureSite(
  pool: pg.Pool,
  siteId: string,
  f: {
    cnpj?: string | null;
    modality?: 'Convencional' | 'Branca';
    supplyType?: 'monofasico' | 'bifasico' | 'trifasico';
    icms?: number | null;
    pis?: number | null;
    cofins?: number | null;
    cosip?: number | null;
    timeZone?: string;
  },
): Promise<void> {
  await pool.query(
    `update sites set distributor_cnpj = $2, modality = $3, supply_type = $4, icms_rate = $5, pis_rate = $6,
            cofins_rate = $7, cosip_rs = $8, time_zone = $9 where site_id = $1`,
    [
      siteId,
      f.cnpj === undefined ? CEMIG_CNPJ : f.cnpj,
      f.modality ?? 'Convencional',
      f.supplyType ?? 'monofasico',
      f.icms ?? null,
      f.pis ?? null,
      f.cofins ?? null,
      f.cosip ?? null,
      f.timeZone ?? 'America/Sao_Paulo',
    ],
  );
}

export interface RollupSpec {
  deviceId: string;
  siteId: string;
  hourStartMs: number;
  wh1: number;
  wh2: number;
  readings: number;
  voltageMin?: number;
  voltageMax?: number;
  powerMaxW?: number;
}

/**
 * Writes SYNTHETIC hourly rollups straight into reading_hourly (what cloud-data's ingest maintains), for
 * tests that need months of history quickly. One statement per 5 000 rows through unnest(); then the site
 * rollup of those hours is recomputed with the function ingest uses (cds_refresh_site_hourly).
 */
export async function insertRollups(pool: pg.Pool, rows: RollupSpec[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const c = rows.slice(i, i + 5000);
    await pool.query(
      `insert into reading_hourly (device_id, hour_start, site_id, energy_wh, energy_wh_total, voltage_min, voltage_max,
                                   voltage_sum, voltage_count, power_max_w, reading_count, lamp_internal_on_count,
                                   lamp_external_on_count, first_ts, last_ts)
       select d, to_timestamp(t / 1000.0), s, array[w1, w2], w1 + w2, vmin, vmax, (vmin + vmax) / 2 * n, n, p, n, 0, 0,
              to_timestamp(t / 1000.0), to_timestamp((t + 3599000) / 1000.0)
         from unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::float8[], $6::real[], $7::real[],
                     $8::real[], $9::int[]) as x(d, t, s, w1, w2, vmin, vmax, p, n)`,
      [
        c.map((r) => r.deviceId),
        c.map((r) => r.hourStartMs),
        c.map((r) => r.siteId),
        c.map((r) => r.wh1),
        c.map((r) => r.wh2),
        c.map((r) => r.voltageMin ?? 125),
        c.map((r) => r.voltageMax ?? 129),
        c.map((r) => r.powerMaxW ?? (r.wh1 + r.wh2) * 1.2),
        c.map((r) => r.readings),
      ],
    );
  }
  await refreshSiteRollups(pool, rows);
}

/** Recomputes site_hourly for the (site, hour) of these rows, after reading_hourly was written directly. */
export async function refreshSiteRollups(
  pool: pg.Pool,
  rows: readonly { siteId: string; hourStartMs: number }[],
): Promise<void> {
  const keys = [...new Set(rows.map((r) => `${r.siteId}\u0000${r.hourStartMs}`))].map((k) =>
    k.split('\u0000'),
  );
  for (let i = 0; i < keys.length; i += 20_000) {
    const c = keys.slice(i, i + 20_000);
    await pool.query('select cds_refresh_site_hourly($1::text[], $2::timestamptz[])', [
      c.map((k) => k[0]),
      c.map((k) => new Date(Number(k[1]))),
    ]);
  }
}
