/**
 * `npm run bench:ingest` — end-to-end ingest through the HTTP API versus a raw COPY of the same rows into the
 * same table, in one run on one database.
 *
 * Server: DATABASE_URL if set, else 127.0.0.1:5432 (user postgres) if reachable, else an embedded PostgreSQL
 * in a temp folder — always with the server's own (stock, durable) settings. The bench creates its own
 * database and drops it at the end.
 *
 * E2E: the real app (buildCloudApp, every hook: gateway-token auth, audit row per request, metrics) listens
 * on a free port; G simulated gateways each send their batches one after another (a gateway waits for the
 * answer before the next batch, as the sync client does), all G at once. Bodies are gzip JSON built before
 * the clock starts (the gateways' CPU is not the cloud's). Raw: TRUNCATE, then the same rows as COPY text
 * (also built before the clock starts) through one connection; and, for the same batch shape, one COPY per
 * batch over G connections.
 *
 * Options: --readings N (1000000) --gateways G (8) --devices D (1000) --per-batch B (2500) --instances I (1):
 * with I > 1, I − 1 more app instances run as child processes on the same database (stateless replicas, as
 * behind a load balancer) and gateway g talks to instance g mod I.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { registerGateway } from '../cloud/aicss/gateway-service.ts';
import { SitesRepository } from '../cloud/aicss/sites-repository.ts';
import { buildCloudApp } from '../cloud/app.ts';
import { CloudConfig } from '../cloud/config.ts';
import { migrate } from '../cloud/db/migrate.ts';
import { createPool } from '../cloud/db/pool.ts';
import { readingCopyLine } from '../cloud/ingest/readings-repository.ts';
import { createCloudMetrics } from '../cloud/observability/metrics.ts';
import { createLogger } from '../shared/log.ts';
import type { Reading } from '../shared/schemas/reading.ts';
import { openBenchDatabase } from './bench-database.ts';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '1000000' },
    gateways: { type: 'string', default: '8' },
    devices: { type: 'string', default: '1000' },
    'per-batch': { type: 'string', default: '2500' },
    instances: { type: 'string', default: '1' },
    serve: { type: 'string' },
  },
});
const TOTAL = Number(args.readings);
const GATEWAYS = Number(args.gateways);
const DEVICES = Number(args.devices);
const PER_BATCH = Number(args['per-batch']);
const INSTANCES = Math.max(1, Number(args.instances));
const DEVICES_PER_GW = Math.ceil(DEVICES / GATEWAYS);
const PER_DEVICE = Math.ceil(TOTAL / DEVICES);
const STEPS_PER_BATCH = Math.max(1, Math.floor(PER_BATCH / DEVICES_PER_GW));
const log = createLogger({ name: 'ingest-bench', level: 'error', pretty: false });

/** The synthesized reading `step` of device `d` of gateway `g` (deterministic, so both runs load the same rows). */
function makeReading(g: number, d: number, step: number, start: number): Reading {
  const ts = start + step * 10_000 + d * 37;
  const on = step % 360 < 200;
  return {
    device: `bench-${g}-${d}`,
    boot: 1_760_000_000 + g,
    seq: step,
    ts,
    timeQuality: 'board',
    receivedAt: ts + 120,
    source: 'mqtt',
    uptimeS: 100_000 + step * 10,
    voltageV: 127 + ((step * 7 + d) % 11) / 10,
    frequencyHz: 60,
    channels: [
      {
        currentA: on ? 0.47 : 0,
        powerW: on ? 60 : 0,
        apparentPowerVa: on ? 63 : 0,
        powerFactor: 0.95,
        energyWh: 1000 + step * 0.17,
      },
      {
        currentA: on ? 0.79 : 0,
        powerW: on ? 100 : 0,
        apparentPowerVa: on ? 100 : 0,
        powerFactor: 1,
        energyWh: 4000 + step * 0.28,
      },
    ],
    temperatureC: 24.5,
    humidityPct: 58,
    lightRaw: 1450 + (step % 100),
    distanceCm: 87,
    lampInternal: on,
    lampExternal: on,
    flags: 0,
  };
}

interface Plan {
  /** Per gateway: its batches in order, each the device range × step range it covers. */
  batches: { g: number; stepFrom: number; stepTo: number }[][];
}

function plan(): Plan {
  const batches: Plan['batches'] = [];
  for (let g = 0; g < GATEWAYS; g++) {
    const list: Plan['batches'][number] = [];
    for (let s = 0; s < PER_DEVICE; s += STEPS_PER_BATCH)
      list.push({ g, stepFrom: s, stepTo: Math.min(PER_DEVICE, s + STEPS_PER_BATCH) });
    batches.push(list);
  }
  return { batches };
}

function batchReadings(b: { g: number; stepFrom: number; stepTo: number }, start: number): Reading[] {
  const out: Reading[] = [];
  for (let s = b.stepFrom; s < b.stepTo; s++)
    for (let d = 0; d < DEVICES_PER_GW; d++)
      if (b.g * DEVICES_PER_GW + d < DEVICES) out.push(makeReading(b.g, d, s, start));
  return out;
}

function post(agent: Agent, port: number, token: string, batchId: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/aicss/dados',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'idempotency-key': batchId,
          'content-length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200)
            reject(new Error(`batch ${batchId}: ${res.statusCode} ${Buffer.concat(chunks)}`));
          else resolve(JSON.parse(Buffer.concat(chunks).toString()).accepted as number);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function copyChunks(client: pg.PoolClient | pg.Client, chunks: readonly Buffer[]): Promise<void> {
  const stream = client.query(
    copyFrom(
      'copy readings (device_id, boot, seq, ts, time_quality, received_at, gateway_id, source, uptime_s, reset_reason, ' +
        'voltage_v, frequency_hz, current_a, power_w, apparent_power_va, power_factor, energy_wh, temperature_c, ' +
        'humidity_pct, light_raw, distance_cm, lamp_internal, lamp_external, flags) from stdin',
    ),
  );
  await pipeline(Readable.from(chunks), stream);
}

/**
 * CPU seconds used so far by each server process (backend) connected to the bench database, read from
 * /proc (Linux, server on this machine; empty otherwise). On a shared machine CPU time is a steadier
 * measure of cost than wall time.
 */
async function backendCpu(admin: pg.Client, dbName: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [
    dbName,
  ]);
  for (const { pid } of rows) {
    try {
      const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      // fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; index 11/12 after the "(comm) " prefix
      out.set(pid, (Number(stat[11]) + Number(stat[12])) / 100);
    } catch {
      // not local, or the backend just ended
    }
  }
  return out;
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

/** The real app on a free port of 127.0.0.1, on the database at `url`. */
async function startApp(url: string, pool: pg.Pool) {
  const config = CloudConfig.parse({
    jwtSecret: randomBytes(32).toString('hex'),
    databaseUrl: url,
    docs: false,
  });
  const app = await buildCloudApp({ log, config, pool, clock: Date.now, metrics: createCloudMetrics() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as AddressInfo).port };
}

/** The app's pool in every instance: a connection per gateway plus two, long statements allowed. */
function benchPool(url: string) {
  return createPool({
    url,
    log,
    max: GATEWAYS + 2,
    applicationName: 'cds-ingest-bench',
    statementTimeoutMs: 120_000,
  });
}

/** Child mode (`--serve <url>`): one more app instance; prints its port, exits when stdin closes. */
async function serve(url: string): Promise<void> {
  const pool = benchPool(url);
  const { app, port } = await startApp(url, pool);
  process.stdout.write(`PORT ${port}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await app.close();
  await pool.end();
}

function spawnInstance(url: string): Promise<{ port: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url)),
      fileURLToPath(import.meta.url),
      '--serve',
      url,
      '--gateways',
      String(GATEWAYS),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), stop: () => child.stdin.end() });
    });
    child.on('exit', (code) => reject(new Error(`app instance exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const dbName = `cds_bench_${randomBytes(4).toString('hex')}`;
  const db = await openBenchDatabase({ log, name: dbName });
  const { admin, url, server } = db;
  const pool = benchPool(url);
  let app: Awaited<ReturnType<typeof buildCloudApp>> | undefined;
  const others: { port: number; stop(): void }[] = [];
  try {
    const settings = await pool.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings where name in ('server_version','fsync','synchronous_commit','full_page_writes','shared_buffers','max_wal_size','wal_level') order by name`,
    );
    await migrate({ pool, log });
    await new SitesRepository(pool).create('bench-site', { name: 'Bench site (synthesized)' });
    const tokens: string[] = [];
    for (let g = 0; g < GATEWAYS; g++)
      tokens.push(
        (
          await registerGateway(pool, {
            siteId: 'bench-site',
            gatewayId: `bench-gw-${g}`,
            cloudUrl: 'http://bench',
          })
        ).token,
      );

    const start = Date.now() - PER_DEVICE * 10_000 - 3_600_000;
    const p = plan();
    const genStart = performance.now();
    const bodies = p.batches.map((list) =>
      list.map((b, i) => {
        const batchId = `bench-${b.g}-${i}-${dbName}`;
        return {
          batchId,
          body: gzipSync(
            JSON.stringify({ gatewayId: `bench-gw-${b.g}`, batchId, readings: batchReadings(b, start) }),
          ),
        };
      }),
    );
    const totalRows = p.batches
      .flat()
      .reduce(
        (n, b) => n + (b.stepTo - b.stepFrom) * Math.min(DEVICES_PER_GW, DEVICES - b.g * DEVICES_PER_GW),
        0,
      );
    const wireBytes = bodies.flat().reduce((n, b) => n + b.body.length, 0);
    const genS = (performance.now() - genStart) / 1000;

    const first = await startApp(url, pool);
    app = first.app;
    for (let i = 1; i < INSTANCES; i++) others.push(await spawnInstance(url));
    const ports = [first.port, ...others.map((o) => o.port)];
    const agent = new Agent({ keepAlive: true, maxSockets: GATEWAYS });

    await pool.query('checkpoint');
    const latencies: number[] = [];
    let accepted = 0;
    const pgBefore = await backendCpu(admin, dbName);
    const nodeBefore = process.cpuUsage();
    const e2eStart = performance.now();
    await Promise.all(
      bodies.map(async (list, g) => {
        for (const { batchId, body } of list) {
          const t = performance.now();
          const n = await post(agent, ports[g % ports.length]!, tokens[g]!, batchId, body);
          accepted += n;
          latencies.push(performance.now() - t);
        }
      }),
    );
    const e2eS = (performance.now() - e2eStart) / 1000;
    const nodeUsage = process.cpuUsage(nodeBefore);
    const e2eNodeCpu = (nodeUsage.user + nodeUsage.system) / 1e6;
    const e2ePgCpu = cpuDelta(pgBefore, await backendCpu(admin, dbName));
    agent.destroy();
    const stored = Number((await pool.query('select count(*) n from readings')).rows[0].n);
    if (stored !== totalRows || accepted !== totalRows)
      throw new Error(`stored ${stored}, accepted ${accepted}, expected ${totalRows}`);
    const size = await pool.query<{ bytes: string; hourly_bytes: string; hourly_rows: string }>(
      `select (select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'readings'::regclass) bytes,
              pg_total_relation_size('reading_hourly') hourly_bytes, (select count(*) from reading_hourly) hourly_rows`,
    );
    const bytesPerRow = Number(size.rows[0]!.bytes) / stored;

    // Raw COPY of the same rows (text built before the clock starts), into the same, emptied table.
    const copyText = p.batches.map((list, g) =>
      list.map((b) =>
        Buffer.from(
          `${batchReadings(b, start)
            .map((r) => readingCopyLine(r, `bench-gw-${g}`))
            .join('\n')}\n`,
        ),
      ),
    );
    await pool.query('truncate readings');
    await pool.query('checkpoint');
    const one = await pool.connect();
    const rawPgBefore = await backendCpu(admin, dbName);
    const rawStart = performance.now();
    await copyChunks(one, copyText.flat());
    const rawS = (performance.now() - rawStart) / 1000;
    const rawPgCpu = cpuDelta(rawPgBefore, await backendCpu(admin, dbName));
    one.release();

    await pool.query('truncate readings');
    await pool.query('checkpoint');
    const rawBatchPgBefore = await backendCpu(admin, dbName);
    const rawBatchStart = performance.now();
    await Promise.all(
      copyText.map(async (list) => {
        const c = await pool.connect();
        try {
          for (const chunk of list) await copyChunks(c, [chunk]);
        } finally {
          c.release();
        }
      }),
    );
    const rawBatchS = (performance.now() - rawBatchStart) / 1000;
    const rawBatchPgCpu = cpuDelta(rawBatchPgBefore, await backendCpu(admin, dbName));

    latencies.sort((a, b) => a - b);
    const e2eRate = totalRows / e2eS;
    const rawRate = totalRows / rawS;
    const rawBatchRate = totalRows / rawBatchS;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const lines = [
      `CDS ingest bench — ${new Date().toISOString()} — server ${server.label}, ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(' ')}`,
      `rows ${fmt(totalRows)} in ${bodies.flat().length} gzip batches of ~${STEPS_PER_BATCH * DEVICES_PER_GW} readings; ${GATEWAYS} gateways concurrently; ${DEVICES} devices; ` +
        `wire ${(wireBytes / 1e6).toFixed(1)} MB (${(wireBytes / totalRows).toFixed(1)} B/reading); bodies built in ${genS.toFixed(1)} s (not timed)`,
      '',
      '| case | seconds | rows/s | ratio to raw COPY |',
      '|---|---:|---:|---:|',
      `| E2E: HTTP API (gzip, auth, validation, COPY, rollups, audit), ${GATEWAYS} gateways, ${INSTANCES} app instance(s) | ${e2eS.toFixed(2)} | ${fmt(e2eRate)} | ${(e2eRate / rawRate).toFixed(2)} |`,
      `| raw COPY, one connection, one stream | ${rawS.toFixed(2)} | ${fmt(rawRate)} | 1.00 |`,
      `| raw COPY, one COPY per batch, ${GATEWAYS} connections | ${rawBatchS.toFixed(2)} | ${fmt(rawBatchRate)} | ${(rawBatchRate / rawRate).toFixed(2)} |`,
      '',
      `batch latency ms: p50 ${pct(latencies, 50).toFixed(0)}, p95 ${pct(latencies, 95).toFixed(0)}, p99 ${pct(latencies, 99).toFixed(0)}, max ${latencies[latencies.length - 1]!.toFixed(0)}`,
      `E2E / raw COPY (one stream) = ${(e2eRate / rawRate).toFixed(2)}; E2E / raw COPY (same batches) = ${(e2eRate / rawBatchRate).toFixed(2)}`,
      `readings on disk (heap + PK + TOAST) after E2E: ${bytesPerRow.toFixed(0)} B/row; reading_hourly: ${fmt(Number(size.rows[0]!.hourly_rows))} rows, ${(Number(size.rows[0]!.hourly_bytes) / 1e6).toFixed(1)} MB`,
      e2ePgCpu > 0
        ? `CPU per reading: E2E ${((1e6 * (e2eNodeCpu + e2ePgCpu)) / totalRows).toFixed(1)} µs (app process ${((1e6 * e2eNodeCpu) / totalRows).toFixed(1)}` +
          `${INSTANCES > 1 ? ` for instance 1 of ${INSTANCES} only` : ''}, PostgreSQL backends ${((1e6 * e2ePgCpu) / totalRows).toFixed(1)}); ` +
          `raw COPY one stream ${((1e6 * rawPgCpu) / totalRows).toFixed(1)} µs, per batch ${((1e6 * rawBatchPgCpu) / totalRows).toFixed(1)} µs (backends)`
        : 'CPU per reading: not measured (server not on this machine)',
      'Raw COPY = the same rows as COPY text into the same emptied table (partitions, primary key), same durable settings, in this run; the ratio uses the one-stream figure.',
      'Note: one shared 2-core machine runs PostgreSQL, the app and the simulated gateways; numbers vary with the other load on it.',
    ];
    console.log(lines.join('\n'));
  } finally {
    for (const o of others) o.stop();
    await app?.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await db.close();
  }
}

if (args.serve) await serve(args.serve);
else await main();
