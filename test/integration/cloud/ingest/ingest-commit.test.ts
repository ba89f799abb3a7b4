import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let db: MigratedDb;
let app: IngestTestApp;

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool);
  await seedGateway(db.pool, { gatewayId: 'gw-commit' });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('the ingest answer comes only after COMMIT', () => {
  it('a COMMIT that fails gives the gateway an error and stores nothing; the same batch later stores once', async () => {
    // A deferred constraint trigger runs at COMMIT, after every statement of the ingest transaction has
    // succeeded: the last moment a commit can fail (as a disk-full or a lost primary would).
    await db.pool.query(`
      create function fail_at_commit() returns trigger language plpgsql as $$
      begin raise exception 'simulated failure at commit'; end $$;
      create constraint trigger fail_at_commit after insert on sync_batches
        deferrable initially deferred for each row execute function fail_at_commit();`);
    const rows = Array.from({ length: 30 }, (_, i) =>
      reading({ device: 'dev-commit', seq: i, ts: T0 + i * 10_000, e1: 10 + i, v: 127 }),
    );
    const b = batch('gw-commit', rows);
    const failed = await postBatch(app.url, b);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.error).toMatchObject({ retryable: true });
    for (const table of ['readings', 'reading_hourly', 'sync_batches'])
      expect(await countRows(db.pool, table, 'true')).toBe(0);

    await db.pool.query('drop trigger fail_at_commit on sync_batches');
    const stored = await postBatch(app.url, b);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ committed: true, accepted: 30, duplicates: 0, replayed: false });
    expect(await countRows(db.pool, 'readings', 'device_id = $1', ['dev-commit'])).toBe(30);
    const again = await postBatch(app.url, b);
    expect(again.body).toMatchObject({ replayed: true, accepted: 30 });
    expect(await countRows(db.pool, 'readings', 'device_id = $1', ['dev-commit'])).toBe(30);
  });
});
