import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncBatchRetention } from '../../../../cloud/ingest/sync-batch-retention.ts';
import { silentLogger } from '../../../../shared/log.ts';
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

const DAY = 86_400_000;
let db: MigratedDb;
let app: IngestTestApp;

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool);
  await seedGateway(db.pool, { gatewayId: 'gw-ret' });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

function rows(device: string, from: number, n: number) {
  return Array.from({ length: n }, (_, i) =>
    reading({ device, seq: from + i, ts: T0 + (from + i) * 10_000, e1: 100 + from + i, v: 127 }),
  );
}

describe('sync batch retention', () => {
  it('prunes stored answers past the retention in chunks; a pruned batch re-sent stores nothing twice', async () => {
    const old = batch('gw-ret', rows('dev-ret', 0, 20));
    const recent = batch('gw-ret', rows('dev-ret', 20, 20));
    for (const b of [old, recent]) expect((await postBatch(app.url, b)).body.accepted).toBe(20);
    const now = Date.now();
    // The first batch's answer is 40 days old, the second's 29: only the first is past 30 days.
    await db.pool.query('update sync_batches set received_at = $2 where batch_id = $1', [
      old.batchId,
      new Date(now - 40 * DAY),
    ]);
    await db.pool.query('update sync_batches set received_at = $2 where batch_id = $1', [
      recent.batchId,
      new Date(now - 29 * DAY),
    ]);
    const retention = new SyncBatchRetention({
      pool: db.pool,
      log: silentLogger(),
      clock: () => now,
      retentionDays: 30,
      chunk: 1,
    });
    expect(await retention.pruneOnce()).toBe(1);
    expect(await countRows(db.pool, 'sync_batches', 'batch_id = $1', [old.batchId])).toBe(0);
    expect(await countRows(db.pool, 'sync_batches', 'batch_id = $1', [recent.batchId])).toBe(1);
    expect(await retention.pruneOnce()).toBe(0);

    // The recent batch still gets its original answer; the pruned one is de-duplicated by its readings.
    const replay = await postBatch(app.url, recent);
    expect(replay.body).toMatchObject({ replayed: true, accepted: 20, duplicates: 0 });
    const resent = await postBatch(app.url, old);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ replayed: false, accepted: 0, duplicates: 20 });
    expect(await countRows(db.pool, 'readings', 'device_id = $1', ['dev-ret'])).toBe(40);
    const { rows: hours } = await db.pool.query<{ n: number }>(
      'select sum(reading_count)::int as n from reading_hourly where device_id = $1',
      ['dev-ret'],
    );
    expect(hours[0]!.n).toBe(40);
  });

  it('retentionDays 0 keeps every answer', async () => {
    const keepAll = new SyncBatchRetention({
      pool: db.pool,
      log: silentLogger(),
      clock: () => Date.now() + 3650 * DAY,
      retentionDays: 0,
    });
    const before = await countRows(db.pool, 'sync_batches');
    expect(before).toBeGreaterThan(0);
    expect(await keepAll.pruneOnce()).toBe(0);
    expect(await countRows(db.pool, 'sync_batches')).toBe(before);
  });
});
