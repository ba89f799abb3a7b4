import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { monthStartUtc, partitionName, ReadingPartitions } from '../../../../cloud/db/partitions.ts';
import { listReadingsPartitions } from '../../../../cloud/db/partitions-repository.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createMigratedDatabase, type MigratedDb } from '../../../helpers/cloud-fixtures.ts';

let db: MigratedDb;

beforeAll(async () => {
  db = await createMigratedDatabase(12);
});
afterAll(async () => {
  await db?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('partition naming', () => {
  it('cuts months in UTC', () => {
    // 21:30 on 31 March in São Paulo is already April in UTC
    const t = Date.parse('2025-03-31T21:30:00-03:00');
    expect(partitionName(t)).toBe('readings_y2025m04');
    expect(new Date(monthStartUtc(t)).toISOString()).toBe('2025-04-01T00:00:00.000Z');
  });
});

describe('ReadingPartitions', () => {
  it('creates the current month and the months ahead at start', async () => {
    const parts = new ReadingPartitions({
      pool: db.pool,
      log: silentLogger(),
      clock: () => Date.UTC(2031, 10, 15),
      monthsAhead: 2,
    });
    await parts.start();
    await parts.stop();
    const names = await listReadingsPartitions(db.pool);
    expect(names).toEqual(
      expect.arrayContaining(['readings_y2031m11', 'readings_y2031m12', 'readings_y2032m01']),
    );
    expect(names).not.toContain('readings_y2032m02');
  });

  it('keeps creating ahead on its timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = Date.UTC(2033, 0, 10);
    const parts = new ReadingPartitions({
      pool: db.pool,
      log: silentLogger(),
      clock: () => now,
      monthsAhead: 0,
      intervalMs: 60_000,
    });
    await parts.start();
    expect(await listReadingsPartitions(db.pool)).toContain('readings_y2033m01');
    now = Date.UTC(2033, 1, 2);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(async () =>
      expect(await listReadingsPartitions(db.pool)).toContain('readings_y2033m02'),
    );
    await parts.stop();
  });

  it('many creators of the same months at once (separate processes = separate caches) all succeed', async () => {
    const months = [Date.UTC(2034, 0, 5), Date.UTC(2034, 1, 5), Date.UTC(2034, 2, 5)];
    const instances = Array.from(
      { length: 8 },
      () => new ReadingPartitions({ pool: db.pool, log: silentLogger(), clock: () => 0 }),
    );
    await Promise.all(instances.map((p) => p.ensureFor(months)));
    const names = (await listReadingsPartitions(db.pool)).filter((n) => n.startsWith('readings_y2034'));
    expect(names).toEqual(['readings_y2034m01', 'readings_y2034m02', 'readings_y2034m03']);
    // and every partition really is attached with the primary key
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(
        `insert into readings (device_id, boot, seq, ts, time_quality, received_at, gateway_id, source, flags)
         values ('d', 1, 1, '2034-02-05Z', 'board', now(), 'g', 'sim', 0)`,
      );
      await expect(
        c.query(
          `insert into readings (device_id, boot, seq, ts, time_quality, received_at, gateway_id, source, flags)
           values ('d', 1, 1, '2034-02-05Z', 'board', now(), 'g', 'sim', 0)`,
        ),
      ).rejects.toMatchObject({ code: '23505' });
    } finally {
      await c.end();
    }
  });
});
