import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../../shared/schemas/reading.ts';
import {
  batch,
  countRows,
  createMigratedDatabase,
  type IngestTestApp,
  type MigratedDb,
  postBatch,
  reading,
  seedGateway,
  startIngestApp,
  T0,
} from '../../../helpers/cloud-fixtures.ts';

const GATEWAYS = 50;
const DEVICES_PER_GATEWAY = 2;
const BATCHES_PER_GATEWAY = 2;
const READINGS_PER_DEVICE_PER_BATCH = 40;
const STEP_MS = 10_000;

let db: MigratedDb;
let app: IngestTestApp;

beforeAll(async () => {
  db = await createMigratedDatabase(12);
  app = await startIngestApp(db.pool);
  for (let s = 0; s < 5; s++)
    await db.pool.query(`insert into sites (site_id, name) values ($1, $1)`, [`site-c${s}`]);
  await Promise.all(
    Array.from({ length: GATEWAYS }, (_, g) =>
      seedGateway(db.pool, { gatewayId: `gw-c${g}`, siteId: `site-c${g % 5}` }),
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

/** Batch b of gateway g: 40 consecutive readings of each of its devices; energy +2 Wh per reading. */
function gatewayBatch(g: number, b: number): Reading[] {
  const out: Reading[] = [];
  for (let d = 0; d < DEVICES_PER_GATEWAY; d++) {
    for (let i = 0; i < READINGS_PER_DEVICE_PER_BATCH; i++) {
      const seq = b * READINGS_PER_DEVICE_PER_BATCH + i;
      out.push(
        reading({ device: `dev-c${g}-${d}`, seq, ts: T0 + seq * STEP_MS, e1: 1000 + 2 * seq, v: 127 }),
      );
    }
  }
  return out;
}

describe('concurrent ingest', () => {
  it('50 gateways at once, each batch sent twice at the same time: every row stored once, rollups consistent', async () => {
    const sends: Promise<{ status: number; body: { accepted: number; replayed: boolean } }>[] = [];
    for (let b = 0; b < BATCHES_PER_GATEWAY; b++) {
      for (let g = 0; g < GATEWAYS; g++) {
        const body = batch(`gw-c${g}`, gatewayBatch(g, b));
        // the same request twice concurrently (a retry racing the original)
        sends.push(postBatch(app.url, body, { gzip: true }), postBatch(app.url, body));
      }
    }
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const perBatch = READINGS_PER_DEVICE_PER_BATCH * DEVICES_PER_GATEWAY;
    for (let i = 0; i < results.length; i += 2) {
      const pair = [results[i]!.body, results[i + 1]!.body];
      // exactly one of the two stored the batch; the other answered with the stored response
      expect(pair.map((p) => p.replayed).sort()).toEqual([false, true]);
      expect(pair.map((p) => p.accepted)).toEqual([perBatch, perBatch]);
    }

    const total = GATEWAYS * BATCHES_PER_GATEWAY * perBatch;
    expect(await countRows(db.pool, 'readings')).toBe(total);
    expect(await countRows(db.pool, 'sync_batches')).toBe(GATEWAYS * BATCHES_PER_GATEWAY);
    const { rows } = await db.pool.query<{ device_id: string; n: number; e: number }>(
      `select device_id, sum(reading_count)::int n, sum(energy_wh[1]) e from reading_hourly group by device_id`,
    );
    expect(rows).toHaveLength(GATEWAYS * DEVICES_PER_GATEWAY);
    const perDevice = BATCHES_PER_GATEWAY * READINGS_PER_DEVICE_PER_BATCH;
    for (const r of rows) {
      expect(r.n).toBe(perDevice);
      // first reading is the baseline, every later one adds 2 Wh
      expect(r.e).toBe(2 * (perDevice - 1));
    }
    const sites = await db.pool.query<{ n: number }>(
      'select count(distinct site_id)::int n from reading_hourly',
    );
    expect(sites.rows[0]!.n).toBe(5);
  });
});
