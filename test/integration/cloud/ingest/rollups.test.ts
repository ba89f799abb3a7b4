import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReadingsPartitions } from '../../../../cloud/db/partitions-repository.ts';
import {
  assignRollupTimes,
  compareChain,
  foldReadings,
  type HourRollup,
  type RollupReading,
  toRollupReading,
} from '../../../../cloud/ingest/rollup-rules.ts';
import { BOARD_FLAGS, GATEWAY_FLAGS, type Reading } from '../../../../shared/schemas/reading.ts';
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
/** What the gateway sets on a board's unsynced record it stamped with its arrival time. */
const ARRIVAL_STAMPED = BOARD_FLAGS.CLOCK_UNSYNCED | GATEWAY_FLAGS.TIME_FROM_GATEWAY;
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

  it('property: random batch orders of random data, late-stamped first records included, equal the pure fold', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1_000, max: 90 * 60_000 }),
            newBoot: fc.boolean(),
            restored: fc.boolean(),
            // the boot's first record stamped on arrival this much later (0 = on time)
            lateBy: fc.oneof(fc.constant(0), fc.integer({ min: 60_000, max: 30 * 3_600_000 })),
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
            const flags = s.restored ? RESTORED : 0;
            if (s.newBoot && s.lateBy > 0) {
              const r = reading({ device, boot, seq, ts: ts + s.lateBy, e1: s.e1, v: 127 });
              return { ...r, timeQuality: 'gateway' as const, flags: flags | ARRIVAL_STAMPED };
            }
            return reading({ device, boot, seq, ts, e1: s.e1, v: 127, flags });
          });
          const shuffled = rs.map((r, i) => ({ r, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k);
          const batches: Reading[][] = [];
          for (let i = 0; i < shuffled.length; i += 4) batches.push(shuffled.slice(i, i + 4).map((x) => x.r));
          await send(batches);
          const expected = [...foldReadings([], chainOf(rs)).values()].sort(
            (a, b) => a.hourStart - b.hourStart,
          );
          const got = await hourly(device);
          expect(got.map((g) => g.hour_start)).toEqual(expected.map((e) => e.hourStart));
          got.forEach((g, i) => {
            const e = expected[i] as HourRollup;
            expect(g.reading_count).toBe(e.readingCount);
            expect(g.energy_wh).toEqual(e.energyWh);
            expect(g.first_ts.getTime()).toBe(e.firstTs);
            expect(g.last_ts.getTime()).toBe(e.lastTs);
          });
        },
      ),
      { numRuns: 12, endOnFailure: true },
    );
  });

  it('a late-stamped first record of a boot (backfill) gives no spike: hourly energy is the true consumption', async () => {
    // The demo backfill, exactly: record MSG:0 of a boot had t:0, so the gateway stamped it on arrival, days
    // after the board took it; MSG:1…858 carry the board's own times (every 5 min over 3 days). The counter
    // grows with seq; MSG:0 (56 180 Wh) arrives first, then the rest in gateway-sized batches.
    const device = 'dev-backfill';
    const from = Date.UTC(2026, 5, 1, 0, 2);
    const step = 300_000;
    const boot = 1_780_000_000;
    const e = (s: number) => 56_180 + s * 0.5;
    const first = {
      ...reading({ device, boot, seq: 0, ts: from + 3 * 86_400_000 + 7_000, e1: e(0), v: 127 }),
      timeQuality: 'gateway' as const,
      flags: ARRIVAL_STAMPED,
    };
    const rest = Array.from({ length: 858 }, (_, i) =>
      reading({ device, boot, seq: i + 1, ts: from + (i + 1) * step - 60_000, e1: e(i + 1), v: 127 }),
    );
    const batches: Reading[][] = [[first]];
    for (let i = 0; i < rest.length; i += 200) batches.push(rest.slice(i, i + 200));
    await send(batches);
    const rows = await hourly(device);
    const total = rows.reduce((a, r) => a + r.energy_wh_total, 0);
    expect(total).toBeCloseTo(e(858) - e(0), 6);
    // every reading is 5 min apart at 0.5 Wh: at most 12 pairs, 6 Wh, in any hour
    expect(Math.max(...rows.map((r) => r.energy_wh_total))).toBeLessThanOrEqual(6);
    expect(rows.reduce((a, r) => a + r.reading_count, 0)).toBe(859);
    // MSG:0 counts in the hour of MSG:1, not three days later
    expect(rows[0]).toMatchObject({ hour_start: Date.UTC(2026, 5, 1, 0), reading_count: 12 });
    const arrivalHour = Math.floor(first.ts / 3_600_000) * 3_600_000;
    expect(rows.map((r) => r.hour_start)).not.toContain(arrivalHour);
    expect(rows.at(-1)!.last_ts.getTime()).toBe(rest.at(-1)!.ts);

    // A new boot after the backfill pairs with the boot's last board-stamped reading, not with MSG:0.
    await send([
      [
        reading({
          device,
          boot: boot + 1,
          seq: 0,
          ts: first.ts + 60_000,
          e1: e(858) + 2,
          v: 127,
          flags: RESTORED,
        }),
      ],
    ]);
    const after = await hourly(device);
    expect(after.reduce((a, r) => a + r.energy_wh_total, 0)).toBeCloseTo(e(858) + 2 - e(0), 6);
  });

  it('the late-stamped first record arriving after the rest of its boot gives the same rollups', async () => {
    const device = 'dev-backfill-2';
    const boot = 1_780_000_000;
    const base = Date.UTC(2026, 6, 1, 10, 1);
    const rs = Array.from({ length: 40 }, (_, i) =>
      reading({ device, boot, seq: i + 1, ts: base + (i + 1) * 300_000, e1: 1000 + i + 1, v: 127 }),
    );
    const first = {
      ...reading({ device, boot, seq: 0, ts: base + 20 * 86_400_000, e1: 1000, v: 127 }),
      timeQuality: 'gateway' as const,
      flags: ARRIVAL_STAMPED,
    };
    await send([rs.slice(0, 20), rs.slice(20), [first]]);
    const expected = [...foldReadings([], chainOf([first, ...rs])).values()];
    const got = await hourly(device);
    expect(got.map((g) => [g.hour_start, g.energy_wh, g.reading_count])).toEqual(
      expected.map((h) => [h.hourStart, h.energyWh, h.readingCount]),
    );
    expect(got.reduce((a, r) => a + r.energy_wh_total, 0)).toBe(40);
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

/** The device's readings in chain order with their rollup times: the input of the pure fold. */
function chainOf(rs: readonly Reading[]): RollupReading[] {
  const out = rs.map(toRollupReading);
  assignRollupTimes(out);
  return out.sort(compareChain);
}
