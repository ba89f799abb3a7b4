import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const H0 = Date.UTC(2026, 1, 3, 8);

let db: MigratedDb;
let app: IngestTestApp;

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool, { clock: () => Date.UTC(2026, 1, 20) });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

interface SiteRow {
  hour: number;
  energy: number[];
  total: number;
  vmin: number | null;
  vmax: number | null;
  psum: number;
  pcount: number;
  readings: number;
  devices: number;
}

/** site_hourly of a site, as stored. */
async function stored(siteId: string): Promise<SiteRow[]> {
  const { rows } = await db.pool.query(
    `select hour_start, energy_wh, energy_wh_total, voltage_min, voltage_max, power_max_sum_w, power_max_count,
            reading_count::int as n, device_count from site_hourly where site_id = $1 order by hour_start`,
    [siteId],
  );
  return rows.map((r) => ({
    hour: r.hour_start.getTime(),
    energy: r.energy_wh,
    total: r.energy_wh_total,
    vmin: r.voltage_min,
    vmax: r.voltage_max,
    psum: r.power_max_sum_w,
    pcount: r.power_max_count,
    readings: r.n,
    devices: r.device_count,
  }));
}

/** The same, aggregated here from the site's reading_hourly rows. */
async function aggregated(siteId: string): Promise<SiteRow[]> {
  const { rows } = await db.pool.query(
    `select hour_start, energy_wh, energy_wh_total, voltage_min, voltage_max, power_max_w, reading_count
       from reading_hourly where site_id = $1 order by hour_start, device_id`,
    [siteId],
  );
  const out = new Map<number, SiteRow>();
  for (const r of rows) {
    const hour = r.hour_start.getTime();
    const s = out.get(hour) ?? {
      hour,
      energy: [],
      total: 0,
      vmin: null,
      vmax: null,
      psum: 0,
      pcount: 0,
      readings: 0,
      devices: 0,
    };
    (r.energy_wh as number[]).forEach((e, i) => {
      s.energy[i] = (s.energy[i] ?? 0) + e;
    });
    s.total += r.energy_wh_total;
    if (r.voltage_min !== null) s.vmin = s.vmin === null ? r.voltage_min : Math.min(s.vmin, r.voltage_min);
    if (r.voltage_max !== null) s.vmax = s.vmax === null ? r.voltage_max : Math.max(s.vmax, r.voltage_max);
    if (r.power_max_w !== null) {
      s.psum += r.power_max_w;
      s.pcount++;
    }
    s.readings += r.reading_count;
    s.devices++;
    out.set(hour, s);
  }
  return [...out.values()];
}

function expectSame(got: SiteRow[], want: SiteRow[]): void {
  expect(got.map((g) => g.hour)).toEqual(want.map((w) => w.hour));
  got.forEach((g, i) => {
    const w = want[i]!;
    // Sums of floats are added in a different order by the additive path: equal up to rounding.
    expect(g.energy.length).toBe(w.energy.length);
    for (const [c, e] of g.energy.entries()) expect(e).toBeCloseTo(w.energy[c]!, 6);
    expect(g.total).toBeCloseTo(w.total, 6);
    expect(g.psum).toBeCloseTo(w.psum, 6);
    expect({ ...g, energy: [], total: 0, psum: 0 }).toEqual({ ...w, energy: [], total: 0, psum: 0 });
  });
}

describe('site_hourly', () => {
  it('property: equals the aggregate of its devices’ reading_hourly after random in-order and late batches', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.record({
              dt: fc.integer({ min: 30_000, max: 50 * 60_000 }),
              newBoot: fc.boolean(),
              lateBy: fc.oneof(fc.constant(0), fc.integer({ min: 60_000, max: 6 * 3_600_000 })),
              de: fc.option(fc.integer({ min: 0, max: 90 }), { nil: null }),
              v: fc.option(fc.integer({ min: 1150, max: 1350 }), { nil: null }),
              p: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
            }),
            { minLength: 1, maxLength: 14 },
          ),
          { minLength: 2, maxLength: 4 },
        ),
        fc.array(fc.nat(), { minLength: 56, maxLength: 56 }),
        fc.integer({ min: 1, max: 12 }),
        async (devices, keys, batchSize) => {
          const site = `site-sh-${run}`;
          const gw = `gw-sh-${run++}`;
          await seedGateway(db.pool, { gatewayId: gw, siteId: site });
          const all: Reading[] = [];
          devices.forEach((steps, d) => {
            const device = `${gw}-d${d}`;
            let ts = H0 + d * 7_000;
            let boot = 1;
            let seq = 0;
            let e = 100 * d;
            for (const s of steps) {
              ts += s.dt;
              if (s.newBoot) {
                boot++;
                seq = 0;
              } else seq++;
              if (s.de !== null) e += s.de;
              const base = {
                device,
                boot,
                seq,
                ts,
                e1: s.de === null ? null : e,
                e2: s.de === null ? null : 2 * e,
                ...(s.v === null ? {} : { v: s.v / 10 }),
                ...(s.p === null ? {} : { p1: s.p }),
              };
              if (s.newBoot && s.lateBy > 0) {
                const r = reading({ ...base, ts: ts + s.lateBy });
                all.push({
                  ...r,
                  timeQuality: 'gateway',
                  flags: BOARD_FLAGS.CLOCK_UNSYNCED | GATEWAY_FLAGS.TIME_FROM_GATEWAY,
                });
              } else all.push(reading(base));
            }
          });
          // Half of the runs in gateway order (each device in order), half shuffled across devices.
          const ordered =
            run % 2 === 0
              ? all
              : all
                  .map((r, i) => ({ r, k: keys[i] ?? 0 }))
                  .sort((a, b) => a.k - b.k)
                  .map((x) => x.r);
          for (let i = 0; i < ordered.length; i += batchSize) {
            const res = await postBatch(app.url, batch(gw, ordered.slice(i, i + batchSize)));
            expect(res.status, JSON.stringify(res.body)).toBe(200);
          }
          expectSame(await stored(site), await aggregated(site));
        },
      ),
      { numRuns: 12, endOnFailure: true },
    );
  });

  it('two gateways of one site at the same time: the site rows add both', async () => {
    for (const g of ['gw-two-a', 'gw-two-b'])
      await seedGateway(db.pool, { gatewayId: g, siteId: 'site-two' });
    const rows = (g: string) =>
      Array.from({ length: 120 }, (_, i) =>
        reading({ device: `${g}-dev`, seq: i, ts: H0 + i * 60_000, e1: i, v: 127, p1: 60 }),
      );
    const sends = [];
    for (let i = 0; i < 120; i += 30)
      for (const g of ['gw-two-a', 'gw-two-b'])
        sends.push(postBatch(app.url, batch(g, rows(g).slice(i, i + 30))));
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(8).fill(200));
    const got = await stored('site-two');
    expectSame(got, await aggregated('site-two'));
    // per device 60 readings an hour, 1 Wh apart: 59 pairs in the first hour, 60 in the second
    expect(got.map((g) => [g.readings, g.devices, g.total])).toEqual([
      [120, 2, 118],
      [120, 2, 120],
    ]);
  });
});
