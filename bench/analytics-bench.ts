/**
 * `npm run bench:analytics` — latency of the dashboard queries through the real HTTP API over one simulated
 * year of one-minute readings of 50 devices, and the ANEEL load rate.
 *
 * Server: DATABASE_URL if set, else 127.0.0.1:5432 (user postgres) if reachable, else an embedded PostgreSQL
 * in a temp folder, with the server's own settings. The bench creates its own database and drops it at the end.
 *
 * Data (SYNTHETIC): 50 AICSS boards of one site (CEMIG-D, B1 Convencional, taxes set). Each board is simulated
 * minute by minute for a year (lamp duty cycles of test/integration/cloud/analytics/helpers/synthetic-load.ts,
 * 60 W + 100 W, cumulative energy counters, mains 127 V ± noise, about 0.3 % of readings lost and a few whole
 * hours missing). The one-minute readings are folded into hourly rollups by the ingest's own rules
 * (cloud/ingest/rollup-rules.ts foldReadings, as the in-order ingest path does) and COPYed into
 * reading_hourly; site_hourly is then rebuilt from those rows with cds_rebuild_site_hourly (the same aggregate
 * ingest's late path uses; the in-order path maintains it additively, tested equal). Pushing 26 M readings
 * through the ingest API would measure ingest (bench:ingest does that), not the dashboard. ANEEL tariffs and
 * flags come from test/fixtures/aneel through the aneel helper's loader.
 *
 * Queries (each warmed up, then timed `--runs` times, sequentially, over a keep-alive connection):
 * month by hour and year by day of `GET /api/v1/analytics/consumo`, for one device and for the 50-device
 * site. ANEEL load rate: the aneel helper's `measureAneelLoadRate` (synthetic tariff file in the real format,
 * served over HTTP, loaded through the production path, then re-loaded as the idempotent re-run).
 *
 * Options: --devices N (50) --runs N (40) --aneel-rows N (100000) --reuse (keep the database
 * `cds_bench_analytics` and its data between runs, to profile queries without regenerating the year).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { registerGateway } from '../cloud/aicss/gateway-service.ts';
import { SitesRepository } from '../cloud/aicss/sites-repository.ts';
import { mulberry32 } from '../cloud/analytics/forecast/rng.ts';
import { AneelSync } from '../cloud/aneel/aneel-sync.ts';
import { measureAneelLoadRate } from '../cloud/aneel/load/load-rate.ts';
import { buildCloudApp } from '../cloud/app.ts';
import { issueAccessToken } from '../cloud/auth/auth-service.ts';
import { createUser } from '../cloud/auth/user-service.ts';
import { CloudConfig } from '../cloud/config.ts';
import { migrate } from '../cloud/db/migrate.ts';
import { createPool } from '../cloud/db/pool.ts';
import {
  type ChannelCounter,
  foldReadings,
  type HourRollup,
  type RollupReading,
} from '../cloud/ingest/rollup-rules.ts';
import { createCloudMetrics } from '../cloud/observability/metrics.ts';
import { createLogger } from '../shared/log.ts';
import { syntheticHours } from '../test/integration/cloud/analytics/helpers/synthetic-load.ts';
import { openBenchDatabase } from './bench-database.ts';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    runs: { type: 'string', default: '40' },
    'aneel-rows': { type: 'string', default: '100000' },
    reuse: { type: 'boolean', default: false },
  },
});
const DEVICES = Number(args.devices);
const RUNS = Number(args.runs);
const ANEEL_ROWS = Number(args['aneel-rows']);
const log = createLogger({ name: 'analytics-bench', level: 'error', pretty: false });

const H = 3_600_000;
// One local year, 2025-11-01 00:00 → 2026-11-01 00:00 (America/Sao_Paulo, UTC−3).
const YEAR_FROM = Date.parse('2025-11-01T03:00:00Z');
const YEAR_HOURS = 365 * 24;
const NOW = YEAR_FROM + YEAR_HOURS * H + 9 * H;
const SITE = 'bench-site';
const GATEWAY = 'bench-gw';

const iso = (ms: number) => new Date(ms).toISOString();

function copyLine(device: string, h: HourRollup): string {
  const total = h.energyWh.reduce((a, b) => a + b, 0);
  return `${device}\t${iso(h.hourStart)}\t${SITE}\t{${h.energyWh.join(',')}}\t${total}\t${h.voltageMin ?? '\\N'}\t${h.voltageMax ?? '\\N'}\t${h.voltageSum}\t${h.voltageCount}\t${h.powerMaxW ?? '\\N'}\t${h.readingCount}\t${h.lampInternalOn}\t${h.lampExternalOn}\t${iso(h.firstTs)}\t${iso(h.lastTs)}\n`;
}

/**
 * COPY lines of one device's year of hourly rollups: one-minute readings (cumulative counters, one boot)
 * folded a day at a time by the ingest rules, the counters carried from day to day.
 */
function* deviceRollups(device: string, seed: number): Generator<string> {
  const rand = mulberry32(seed * 7919 + 1);
  const counters: (ChannelCounter | null)[] = [];
  const boot = Math.floor(YEAR_FROM / 1000) - 86_400;
  let e1 = 1000 + 37 * seed;
  let e2 = 4000 + 53 * seed;
  let seq = 0;
  let day: RollupReading[] = [];
  let hoursInDay = 0;
  for (const h of syntheticHours({ fromMs: YEAR_FROM, hours: YEAR_HOURS, seed })) {
    // A few whole hours lost (gateway offline): about 2 per month per board.
    const lostHour = rand() < 0.0027;
    for (let m = 0; m < 60; m++) {
      const l1 = rand() < h.lampInternalOnFraction;
      const l2 = rand() < h.lampExternalOnFraction;
      e1 += l1 ? 1 : 0;
      e2 += l2 ? 100 / 60 : 0;
      seq++;
      const v = 127 + (rand() - 0.5) * 4;
      if (lostHour || rand() < 0.003) continue; // this reading never arrived
      const ts = h.hourStartMs + m * 60_000 + 59_000;
      day.push({
        ts,
        te: ts,
        boot,
        seq,
        flags: 0,
        voltageV: v,
        powerW: [l1 ? 60 : 0, l2 ? 100 : 0],
        energyWh: [e1, e2],
        lampInternal: l1,
        lampExternal: l2,
      });
    }
    if (++hoursInDay === 24) {
      let chunk = '';
      for (const agg of foldReadings(counters, day).values()) chunk += copyLine(device, agg);
      yield chunk;
      day = [];
      hoursInDay = 0;
    }
  }
  let chunk = '';
  for (const agg of foldReadings(counters, day).values()) chunk += copyLine(device, agg);
  yield chunk;
}

async function loadRollups(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  let rows = 0;
  try {
    const copy = client.query(
      copyFrom(
        `copy reading_hourly (device_id, hour_start, site_id, energy_wh, energy_wh_total, voltage_min, voltage_max,
           voltage_sum, voltage_count, power_max_w, reading_count, lamp_internal_on_count, lamp_external_on_count,
           first_ts, last_ts) from stdin`,
      ),
    );
    async function* chunks() {
      for (let d = 0; d < DEVICES; d++) {
        for (const chunk of deviceRollups(deviceId(d), d + 1)) {
          for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) rows++;
          yield chunk;
        }
      }
    }
    await pipeline(Readable.from(chunks()), copy);
  } finally {
    client.release();
  }
  return rows;
}

const deviceId = (d: number) => `bench-d${String(d).padStart(2, '0')}`;

function get(
  agent: Agent,
  base: string,
  path: string,
  token: string,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function seed(pool: pg.Pool, aneelDir: string, serverLabel: string): Promise<void> {
  const sites = new SitesRepository(pool);
  await sites.create(SITE, { name: 'Bench site (50 boards, SYNTHETIC)' });
  await pool.query(
    `update sites set distributor_cnpj = '06981180000116', icms_rate = 0.18, pis_rate = 0.0082, cofins_rate = 0.0377,
              cosip_rs = 18.5 where site_id = $1`,
    [SITE],
  );
  await registerGateway(pool, { siteId: SITE, gatewayId: GATEWAY, cloudUrl: 'http://bench.invalid' });
  for (let d = 0; d < DEVICES; d++) {
    await pool.query(
      `insert into devices (device_id, site_id, gateway_id, expected_interval_s, first_seen_at) values ($1, $2, $3, 60, $4)`,
      [deviceId(d), SITE, GATEWAY, new Date(YEAR_FROM)],
    );
  }
  for (const f of ['tarifas-homologadas-sample.csv', 'bandeira-tarifaria-acionamento.verbatim.csv']) {
    await copyFile(join('test/fixtures/aneel', f), join(aneelDir, f));
  }
  await new AneelSync({ pool, log, clock: Date.now, baseUrl: 'http://127.0.0.1:9' }).run({
    trigger: 'bench',
    fromDir: aneelDir,
  });

  const t0 = performance.now();
  const rows = await loadRollups(pool);
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await pool.query(`select cds_rebuild_site_hourly($1, '-infinity', 'infinity')`, [SITE]);
  const siteS = (performance.now() - t1) / 1000;
  const siteRows = Number((await pool.query('select count(*) n from site_hourly')).rows[0].n);
  await pool.query('vacuum analyze reading_hourly');
  await pool.query('vacuum analyze site_hourly');
  console.log(
    `data: ${DEVICES} devices × 1 year of one-minute readings (${(DEVICES * YEAR_HOURS * 60).toLocaleString('en')} simulated minutes) ` +
      `folded by the ingest rules → ${rows.toLocaleString('en')} reading_hourly rows COPYed in ${loadS.toFixed(1)} s; ` +
      `site_hourly rebuilt from them (cds_rebuild_site_hourly) → ${siteRows.toLocaleString('en')} rows in ${siteS.toFixed(1)} s (server: ${serverLabel})`,
  );
}

async function main(): Promise<void> {
  const dbName = args.reuse ? 'cds_bench_analytics' : `cds_bench_analytics_${randomBytes(4).toString('hex')}`;
  const db = await openBenchDatabase({ log, name: dbName, reuse: args.reuse });
  const pool = createPool({
    url: db.url,
    log,
    max: 10,
    applicationName: 'cds-analytics-bench',
  });
  let app: Awaited<ReturnType<typeof buildCloudApp>> | undefined;
  const aneelDir = await mkdtemp(join(tmpdir(), 'cds-bench-aneel-'));
  try {
    await migrate({ pool, log });
    const loaded = db.existed && (await pool.query('select 1 from site_hourly limit 1')).rowCount === 1;
    if (loaded) console.log(`data: reusing ${dbName}`);
    else await seed(pool, aneelDir, db.server.label);

    const config = CloudConfig.parse({ jwtSecret: randomBytes(32).toString('hex'), docs: false });
    const deps = { log, config, pool, clock: () => NOW, metrics: createCloudMetrics() };
    app = await buildCloudApp(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const viewer = await createUser(pool, {
      username: `bench-viewer-${randomBytes(3).toString('hex')}`,
      password: 'bench-viewer-password',
      role: 'viewer',
    });
    const token = issueAccessToken(app, deps, viewer);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });

    const month = 'from=2026-10-01&to=2026-10-31&interval=hour';
    const year = 'from=2025-11-01&to=2026-10-31&interval=day';
    const cases: [string, string][] = [
      ['month by hour, 1 device', `deviceId=${deviceId(0)}&${month}`],
      ['month by hour, 50-device site', `siteId=${SITE}&${month}`],
      ['year by day, 1 device', `deviceId=${deviceId(0)}&${year}`],
      ['year by day, 50-device site', `siteId=${SITE}&${year}`],
    ];
    console.log(
      `\nGET /api/v1/analytics/consumo over HTTP (${RUNS} timed runs each after 3 warm-ups; target p95 < 100 ms)`,
    );
    console.log('query                            buckets   bytes     p50 ms   p95 ms   max ms');
    for (const [name, query] of cases) {
      const path = `/api/v1/analytics/consumo?${query}`;
      let bytes = 0;
      for (let i = 0; i < 3; i++) {
        const r = await get(agent, base, path, token);
        if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status}`);
        bytes = r.bytes;
      }
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        const r = await get(agent, base, path, token);
        times.push(performance.now() - s);
        if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status}`);
      }
      times.sort((a, b) => a - b);
      const buckets = query.includes('interval=hour') ? 31 * 24 : 365;
      console.log(
        `${name.padEnd(32)} ${String(buckets).padStart(7)} ${String(bytes).padStart(8)} ${percentile(times, 50).toFixed(1).padStart(9)} ${percentile(times, 95).toFixed(1).padStart(8)} ${times[times.length - 1]!.toFixed(1).padStart(8)}`,
      );
    }
    agent.destroy();

    console.log(
      `\nANEEL load rate (aneel helper's measureAneelLoadRate, ${ANEEL_ROWS.toLocaleString('en')} SYNTHETIC tariff rows over HTTP)`,
    );
    const rate = await measureAneelLoadRate({ pool, rows: ANEEL_ROWS, log });
    console.log(
      `first load ${rate.rowsPerSecond.toLocaleString('en')} rows/s (${rate.seconds.toFixed(1)} s, ${rate.megabytesPerSecond} MB/s, ${rate.inserted.toLocaleString('en')} inserted); ` +
        `idempotent re-run ${rate.rerunRowsPerSecond.toLocaleString('en')} rows/s (${rate.rerunChanged} changed)`,
    );
  } finally {
    await app?.close();
    await pool.end();
    if (!args.reuse) await db.drop();
    await rm(aneelDir, { recursive: true, force: true });
    await db.close();
  }
}

await main();
