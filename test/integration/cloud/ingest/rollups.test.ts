import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReadingsPartitions } from '../../../../cloud/db/partitions-repository.ts';
import { foldReadings, type HourRollup, type RollupReading } from '../../../../cloud/ingest/rollup-rules.ts';
import { BOARD_FLAGS, type Reading } from '../../../../shared/schemas/reading.ts';
import {
  batch,
  createMigratedDatabase,
  type IngestTestApp,
  type MigratedDb,
  postBatch,
  reading,
  seedGateway,
  startIngestApp,
} from '../../../helpers/cloud-fixtures.ts';

const RESTORED = BOARD_FLAGS.ENERGY_RESTORED;
const H10 = Date.UTC(2026, 0, 15, 10);
const at = (min: number) => H10 + min * 60_000;

let db: MigratedDb;
let app: IngestTestApp;
// The app starts with the clock in 2020 (so partitions created ahead are 2020's), then moves to just before
// New Year 2027, so 2026 and 2027 months only exist if created on demand.
let now = Date.UTC(2020, 5, 1);

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool, { clock: () => now });
  now = Date.UTC(2026, 11, 31, 23, 50);
  await seedGateway(db.pool, { gatewayId: 'gw-r', siteId: 'site-r' });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

/** The hand-computed scenario (channel 1 = e1, channel 2 = e2 with gaps), see the expected values below. */
function scenario(device: string): Reading[] {
  const r = (min: number, boot: number, seq: number, e1: number, e2: number | null, flags = 0) =>
    reading({ device, boot, seq, ts: at(min), e1, e2, v: 120 + min / 10, p1: min, p2: 1, flags });
  return [
    r(0, 1, 0, 1000, 500), // first ever: baseline
    r(10, 1, 1, 1010, null), // +10 | e2 missing
    r(20, 1, 2, 1025, 520), // +15 | +20 (predecessor is 10:00)
    r(25, 1, 3, 3, 521), // counter reset within the boot: +3 | +1
    r(30, 1, 4, 8, null), // +5
    r(35, 2, 0, 2, 530), // reboot, counter lost: +2 | e2 survived: +9
    r(40, 2, 1, 6, 531), // +4 | +1
    r(45, 3, 0, 5, 531, RESTORED), // restored but behind: 0 | 0
    r(50, 3, 1, 9, 540), // +4 | +9
    r(55, 4, 0, 12, 540, RESTORED), // restored, ahead: +3 | 0
    r(65, 4, 1, 20, 545), // hour 11: +8 | +5
  ];
}

async function hourly(device: string) {
  const { rows } = await db.pool.query(
    `select hour_start, energy_wh, energy_wh_total, voltage_min, voltage_max, voltage_sum, voltage_count, power_max_w,
            reading_count, lamp_internal_on_count, first_ts, last_ts
       from reading_hourly where device_id = $1 order by hour_start`,
    [device],
  );
  return rows.map((r) => ({
    ...r,
    hour_start: r.hour_start.getTime(),
    voltage_sum: Math.round(r.voltage_sum * 1e3),
  }));
}

async function send(rows: Reading[][]): Promise<void> {
  for (const rs of rows) {
    const res = await postBatch(app.url, batch('gw-r', rs), { gzip: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

describe('hourly rollups at ingest', () => {
  it('counter reset and reboots within one hour give the hand-computed energy', async () => {
    await send([scenario('dev-hand')]);
    const rows = await hourly('dev-hand');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      hour_start: H10,
      energy_wh: [46, 40],
      energy_wh_total: 86,
      voltage_min: 120,
      voltage_max: 125.5,
      voltage_count: 10,
      power_max_w: 56,
      reading_count: 10,
    });
    expect(rows[1]).toMatchObject({ energy_wh: [8, 5], reading_count: 1 });
  });

  it('out-of-order batches give the same rollups as in-order', async () => {
    const inOrder = await hourly('dev-hand');
    const orders: [string, (rs: Reading[]) => Reading[][]][] = [
      ['reversed, one per batch', (rs) => rs.reverse().map((r) => [r])],
      ['interleaved halves', (rs) => [rs.filter((_, i) => i % 2 === 1), rs.filter((_, i) => i % 2 === 0)]],
      ['last first', (rs) => [rs.slice(-3), rs.slice(0, 4), rs.slice(4, -3)]],
    ];
    for (const [i, [, split]] of orders.entries()) {
      const device = `dev-order-${i}`;
      await send(split(scenario(device)));
      expect(await hourly(device)).toEqual(inOrder);
    }
  });

  it('property: random batch orders of random data equal the pure fold of the sorted readings', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1_000, max: 90 * 60_000 }),
            newBoot: fc.boolean(),
            restored: fc.boolean(),
            e1: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
          }),
          { minLength: 2, maxLength: 25 },
        ),
        fc.array(fc.nat(), { minLength: 25, maxLength: 25 }),
        async (steps, keys) => {
          const device = `dev-prop-${run++}`;
          let ts = at(0);
          let boot = 1;
          let seq = 0;
          const rs = steps.map((s) => {
            ts += s.dt;
            if (s.newBoot) {
              boot++;
              seq = 0;
            } else seq++;
            return reading({ device, boot, seq, ts, e1: s.e1, v: 127, flags: s.restored ? RESTORED : 0 });
          });
          const shuffled = rs.map((r, i) => ({ r, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k);
          const batches: Reading[][] = [];
          for (let i = 0; i < shuffled.length; i += 4) batches.push(shuffled.slice(i, i + 4).map((x) => x.r));
          await send(batches);
          const expected = [...foldReadings([], rs.map(toRollup)).values()];
          const got = await hourly(device);
          expect(got.map((g) => g.hour_start)).toEqual(expected.map((e) => e.hourStart));
          got.forEach((g, i) => {
            const e = expected[i] as HourRollup;
            expect(g.reading_count).toBe(e.readingCount);
            expect(g.energy_wh).toEqual(e.energyWh);
          });
        },
      ),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it('lands readings of months without a partition: last year and next year', async () => {
    const lastYear = Date.UTC(2025, 4, 20, 12);
    const nextYear = Date.UTC(2027, 0, 1, 0, 5);
    const before = await listReadingsPartitions(db.pool);
    expect(before).not.toContain('readings_y2025m05');
    expect(before).not.toContain('readings_y2027m01');
    const res = await postBatch(
      app.url,
      batch('gw-r', [
        reading({ device: 'dev-late', seq: 0, ts: lastYear, e1: 1 }),
        reading({ device: 'dev-late', seq: 1, ts: nextYear, e1: 4 }),
      ]),
    );
    expect(res.body).toMatchObject({ accepted: 2, rejected: [] });
    const after = await listReadingsPartitions(db.pool);
    expect(after).toContain('readings_y2025m05');
    expect(after).toContain('readings_y2027m01');
    const { rows } = await db.pool.query<{ p: string }>(
      `select tableoid::regclass::text p from readings where device_id = 'dev-late' order by ts`,
    );
    expect(rows.map((r) => r.p)).toEqual(['readings_y2025m05', 'readings_y2027m01']);
  });

  it('a partition dropped behind the cache is created again on retry', async () => {
    const ts = Date.UTC(2024, 1, 10);
    await send([[reading({ device: 'dev-drop', seq: 0, ts, e1: 1 })]]);
    await db.pool.query('delete from readings where device_id = $1', ['dev-drop']);
    await db.pool.query('drop table readings_y2024m02');
    await send([[reading({ device: 'dev-drop', seq: 1, ts: ts + 1000, e1: 2 })]]);
    expect(await listReadingsPartitions(db.pool)).toContain('readings_y2024m02');
  });
});

function toRollup(r: Reading): RollupReading {
  return {
    ts: r.ts,
    boot: r.boot,
    seq: r.seq,
    flags: r.flags,
    voltageV: r.voltageV ?? null,
    powerW: r.channels.map((c) => c.powerW ?? null),
    energyWh: r.channels.map((c) => c.energyWh ?? null),
    lampInternal: r.lampInternal ?? null,
    lampExternal: r.lampExternal ?? null,
  };
}
