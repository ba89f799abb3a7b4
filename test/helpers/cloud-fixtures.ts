import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import pg from 'pg';
import type { CloudApp } from '../../cloud/app.ts';
import { migrate } from '../../cloud/db/migrate.ts';
import { registerErrorHandlers } from '../../cloud/error-handler.ts';
import { registerIngestRoutes } from '../../cloud/ingest/ingest-routes.ts';
import { type CloudMetrics, createCloudMetrics } from '../../cloud/observability/metrics.ts';
import { silentLogger } from '../../shared/log.ts';
import type { Reading } from '../../shared/schemas/reading.ts';
import { SYNC_LIMITS, type SyncBatchRequest } from '../../shared/schemas/sync.ts';
import { createTestDatabase, endsBeforeDrop } from './postgres.ts';

/**
 * Cloud-side test fixtures (cloud-data): a migrated database, sites/gateways, SYNTHESIZED readings and
 * batches, and a minimal ingest app on a real port. The app uses the real error handler and zod compilers
 * of cloud/app.ts; only authentication is replaced: header `x-test-gateway: <id>` stands for a valid gateway
 * token (the real token hook is cloud-api's and tested there).
 */

export interface MigratedDb {
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function createMigratedDatabase(poolMax = 10): Promise<MigratedDb> {
  const db = await createTestDatabase();
  const pool = endsBeforeDrop(new pg.Pool({ connectionString: db.url, max: poolMax }));
  await migrate({ pool, log: silentLogger() });
  return {
    url: db.url,
    pool,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

export async function seedGateway(
  pool: pg.Pool,
  g: { gatewayId: string; siteId?: string; autoEnroll?: boolean },
): Promise<void> {
  const siteId = g.siteId ?? `site-${g.gatewayId}`;
  await pool.query(`insert into sites (site_id, name) values ($1, $1) on conflict do nothing`, [siteId]);
  await pool.query('insert into gateways (gateway_id, site_id, auto_enroll_devices) values ($1, $2, $3)', [
    g.gatewayId,
    siteId,
    g.autoEnroll ?? true,
  ]);
}

/** 2026-03-10T10:00:00Z: a fixed "now" for tests. */
export const T0 = Date.UTC(2026, 2, 10, 10, 0, 0);

export interface ReadingSpec {
  device: string;
  boot?: number;
  seq: number;
  ts: number;
  e1?: number | null;
  e2?: number | null;
  p1?: number;
  p2?: number;
  v?: number;
  flags?: number;
  lampInternal?: boolean;
  lampExternal?: boolean;
}

/** A synthesized two-channel reading. */
export function reading(s: ReadingSpec): Reading {
  const ch = (e: number | null | undefined, p: number | undefined) => ({
    ...(p === undefined ? {} : { powerW: p }),
    ...(e === null || e === undefined ? {} : { energyWh: e }),
  });
  return {
    device: s.device,
    boot: s.boot ?? 1_770_000_000,
    seq: s.seq,
    ts: s.ts,
    timeQuality: 'board',
    receivedAt: s.ts + 50,
    source: 'sim',
    ...(s.v === undefined ? {} : { voltageV: s.v }),
    channels: [ch(s.e1, s.p1), ch(s.e2, s.p2)],
    ...(s.lampInternal === undefined ? {} : { lampInternal: s.lampInternal }),
    ...(s.lampExternal === undefined ? {} : { lampExternal: s.lampExternal }),
    flags: s.flags ?? 0,
  };
}

let batchCounter = 0;

export function batch(
  gatewayId: string,
  readings: unknown[],
  extra: Partial<SyncBatchRequest> = {},
): SyncBatchRequest & { batchId: string } {
  batchCounter++;
  return {
    gatewayId,
    batchId: `b-${process.pid}-${Date.now().toString(36)}-${batchCounter}`,
    readings,
    ...extra,
  } as SyncBatchRequest & { batchId: string };
}

export interface IngestTestApp {
  app: CloudApp;
  url: string;
  metrics: CloudMetrics;
  close(): Promise<void>;
}

export async function startIngestApp(
  pool: pg.Pool,
  opts: { clock?: () => number; maxBodyBytes?: number; maxWireBytes?: number } = {},
): Promise<IngestTestApp> {
  const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>() as unknown as CloudApp;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);
  app.addHook('onRequest', async (request) => {
    const id = request.headers['x-test-gateway'];
    if (typeof id !== 'string') return;
    const { rows } = await pool.query<{ site_id: string }>(
      'select site_id from gateways where gateway_id = $1',
      [id],
    );
    if (rows[0]) request.principal = { kind: 'gateway', gatewayId: id, siteId: rows[0].site_id };
  });
  const metrics = createCloudMetrics();
  await registerIngestRoutes(app, {
    log: silentLogger(),
    pool,
    clock: opts.clock ?? (() => T0),
    metrics,
    config: {
      ingest: {
        maxBodyBytes: opts.maxBodyBytes ?? SYNC_LIMITS.maxBodyBytes,
        maxWireBytes: opts.maxWireBytes ?? SYNC_LIMITS.maxWireBytes,
        syncBatchRetentionDays: 30,
      },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, metrics, close: () => app.close() };
}

export interface PostOptions {
  gatewayId?: string;
  /** Idempotency-Key; default: the body's batchId; null = leave the header out. */
  key?: string | null;
  gzip?: boolean;
  /** Send these bytes instead of JSON.stringify(body). */
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

export interface PostResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  body: any;
}

export async function postBatch(url: string, body: unknown, opts: PostOptions = {}): Promise<PostResult> {
  const b = body as { batchId?: string; gatewayId?: string };
  const json = opts.raw ?? JSON.stringify(body);
  const payload = opts.gzip ? gzipSync(json) : json;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const gw = opts.gatewayId ?? b?.gatewayId;
  if (gw) headers['x-test-gateway'] = gw;
  const key = opts.key === undefined ? b?.batchId : opts.key;
  if (key !== null && key !== undefined) headers['idempotency-key'] = key;
  if (opts.gzip) headers['content-encoding'] = 'gzip';
  const res = await fetch(`${url}/api/v1/aicss/dados`, {
    method: 'POST',
    headers,
    body: typeof payload === 'string' ? payload : new Uint8Array(payload),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text: the assertion will show it
  }
  return { status: res.status, body: parsed };
}

export async function countRows(pool: pg.Pool, table: string, where = 'true', params: unknown[] = []) {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from ${table} where ${where}`,
    params,
  );
  return rows[0]!.n;
}
