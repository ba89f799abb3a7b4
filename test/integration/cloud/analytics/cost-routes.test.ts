import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../../helpers/cloud-app.ts';
import {
  type AnalyticsCloud,
  configureSite,
  createAnalyticsCloud,
  insertRollups,
  type RollupSpec,
} from './helpers/analytics-fixture.ts';
import { syntheticHours } from './helpers/synthetic-load.ts';

/**
 * fatura / modalidade / economia on the real app, with ANEEL data loaded by the aneel helper's loader from
 * the fixtures (VERBATIM tariffs and flags; SYNTHETIC Branca tariff) and SYNTHETIC rollups.
 */
let cloud: AnalyticsCloud;
const H = 3_600_000;

function hours(
  fromIso: string,
  toIsoExclusive: string,
  f: (localHour: number, localDate: string) => [number, number],
): RollupSpec[] {
  const out: RollupSpec[] = [];
  for (let t = Date.parse(fromIso); t < Date.parse(toIsoExclusive); t += H) {
    const local = new Date(t - 3 * H);
    const [wh1, wh2] = f(local.getUTCHours(), local.toISOString().slice(0, 10));
    out.push({ deviceId: SEED.deviceA, siteId: SEED.siteA, hourStartMs: t, wh1, wh2, readings: 360 });
  }
  return out;
}

beforeAll(async () => {
  cloud = await createAnalyticsCloud();
  cloud.clock.set(Date.parse('2026-11-20T12:00:00Z'));
  await configureSite(cloud.pool, SEED.siteA, {});
  await cloud.pool.query(`update devices set first_seen_at = '2025-01-01T00:00:00Z' where device_id = $1`, [
    SEED.deviceA,
  ]);
  // 2025-11-17 → 2025-12-16 local: 5 kWh/day in November, 15 kWh/day in December (channel 1 only).
  await insertRollups(
    cloud.pool,
    hours('2025-11-17T03:00:00Z', '2025-12-17T03:00:00Z', (_h, d) => [
      (d < '2025-12-01' ? 5000 : 15000) / 24,
      0,
    ]),
  );
  // 2026-07-03 → 2026-09-30 local (90 days): 1 kWh at 02:00 every night — a pure fora-ponta load.
  await insertRollups(
    cloud.pool,
    hours('2026-07-03T03:00:00Z', '2026-10-01T03:00:00Z', (h) => [h === 2 ? 1000 : 0, 0]),
  );
});
afterAll(async () => {
  await cloud?.close();
});

const get = (url: string) => cloud.app.inject({ method: 'GET', url, headers: cloud.auth('viewer') });

describe('GET /api/v1/analytics/fatura', () => {
  it('prices CEMIG-D B1 Convencional on a day of its 2026 validity at TUSD 593,08 + TE 310,21 (loaded from the real file)', async () => {
    const res = await get(`/api/v1/analytics/fatura?siteId=${SEED.siteA}&from=2026-07-15&to=2026-07-15`);
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b.energy).toEqual([
      expect.objectContaining({
        posto: 'Não se aplica',
        kwh: 1,
        tusdRsMwh: 593.08,
        teRsMwh: 310.21,
        rs: 0.9,
      }),
    ]);
    expect(b.energy[0].reh).toMatch(/3\.589/);
  });

  it('bills a period across two real flag months, prorated by days like the distributor', async () => {
    const b = (
      await get(`/api/v1/analytics/fatura?siteId=${SEED.siteA}&from=2025-11-17&to=2025-12-16`)
    ).json();
    expect(b.measuredKwh).toBe(310);
    expect(b.energy).toEqual([
      expect.objectContaining({ kwh: 310, tusdRsMwh: 541.3, teRsMwh: 317.28, rs: 266.16 }),
    ]);
    expect(
      b.flags.map((f: { flag: string; kwh: number; rs: number; provisional: boolean }) => [
        f.flag,
        f.kwh,
        f.rs,
        f.provisional,
      ]),
    ).toEqual([
      ['Vermelha P1', 144.667, 6.46, false],
      ['Amarela', 165.333, 3.12, false],
    ]);
    expect(b.netRs).toBe(275.74);
    expect(b.warnings).toContain('site has no ICMS/PIS/COFINS rates: amounts are before taxes');
    const measured = (
      await get(
        `/api/v1/analytics/fatura?siteId=${SEED.siteA}&from=2025-11-17&to=2025-12-16&proration=measured`,
      )
    ).json();
    expect(measured.flags.map((f: { kwh: number; rs: number }) => [f.kwh, f.rs])).toEqual([
      [70, 3.12],
      [240, 4.52],
    ]);
  });

  it('adds the minimum, taxes and COSIP for a low month', async () => {
    await configureSite(cloud.pool, SEED.siteA, { icms: 0.18, pis: 0.0082, cofins: 0.0377, cosip: 18.5 });
    const b = (
      await get(`/api/v1/analytics/fatura?siteId=${SEED.siteA}&from=2026-09-01&to=2026-09-30`)
    ).json();
    await configureSite(cloud.pool, SEED.siteA, {});
    expect(b.measuredKwh).toBe(30);
    // 30 kWh measured = exactly the monofásico minimum: no complement.
    expect(b.availability).toMatchObject({ minimumKwh: 30, complementRs: 0 });
    expect(b.energy[0].rs).toBe(27.1); // 30 × 0,90329 = 27,0987
    expect(b.provisional).toBe(true); // September 2026 is not in the verbatim flag file
    expect(b.taxes.variant).toMatch(/PIS\/COFINS/);
    expect(b.totalRs).toBe(Math.round((b.grossRs + 18.5) * 100) / 100);
  });
});

describe('GET /api/v1/analytics/modalidade', () => {
  it('finds Branca cheaper for a night-only load, by (0,90329 − 0,65616) R$/kWh (SYNTHETIC Branca tariff)', async () => {
    const res = await get(`/api/v1/analytics/modalidade?siteId=${SEED.siteA}&to=2026-09-30`);
    expect(res.statusCode).toBe(200);
    const [c30, c90] = res.json().comparisons;
    expect(c30).toMatchObject({ days: 30, kwh: 30, cheaper: 'Branca', differenceRs: 7.41 }); // 30 × 0,24713
    expect(c90).toMatchObject({
      days: 90,
      kwh: 90,
      cheaper: 'Branca',
      differenceRs: 22.24,
      differencePct: 27.36,
    });
    expect(c90.branca.byPosto).toEqual([{ posto: 'Fora ponta', kwh: 90, netRs: 59.0544 }]);
    expect(c90.convencional.netRs).toBe(81.3);
  });

  it('finds Convencional cheaper when the load sits in the CEMIG ponta (17–20 h) on weekdays', async () => {
    await cloud.pool.query(
      `update reading_hourly
          set energy_wh = case when extract(hour from hour_start at time zone 'America/Sao_Paulo') = 18
                               then array[1000, 0]::float8[] else array[0, 0]::float8[] end,
              energy_wh_total = case when extract(hour from hour_start at time zone 'America/Sao_Paulo') = 18
                                     then 1000 else 0 end
        where site_id = $1 and hour_start >= '2026-09-01T03:00:00Z'`,
      [SEED.siteA],
    );
    await cloud.pool.query(`select cds_rebuild_site_hourly($1, '2026-09-01T03:00:00Z', 'infinity')`, [
      SEED.siteA,
    ]);
    const [c30] = (
      await get(`/api/v1/analytics/modalidade?siteId=${SEED.siteA}&to=2026-09-30&days=30`)
    ).json().comparisons;
    expect(c30.cheaper).toBe('Convencional');
    // 22 weekdays in September 2026, minus 7 September (a national holiday, fora ponta all day).
    const byPosto = Object.fromEntries(
      c30.branca.byPosto.map((p: { posto: string; kwh: number }) => [p.posto, p.kwh]),
    );
    expect(byPosto).toEqual({ Ponta: 21, 'Fora ponta': 9 });
  });
});

describe('GET /api/v1/analytics/economia', () => {
  it('prices the AICSS baseline (60 W × 5 h + 100 W × 12 h per board-day) and the measured lighting with the real tariff', async () => {
    await configureSite(cloud.pool, SEED.siteB, {});
    await cloud.pool.query(`update devices set first_seen_at = '2026-08-01T00:00:00Z' where device_id = $1`, [
      SEED.deviceB,
    ]);
    const rows: RollupSpec[] = [];
    let measuredWh = 0;
    for (const h of syntheticHours({
      fromMs: Date.parse('2026-09-01T03:00:00Z'),
      hours: 30 * 24,
      seed: 11,
    })) {
      const day = new Date(h.hourStartMs - 3 * H).toISOString().slice(0, 10);
      if (day === '2026-09-15' && new Date(h.hourStartMs - 3 * H).getUTCHours() >= 12) continue; // half a day lost
      rows.push({
        deviceId: SEED.deviceB,
        siteId: SEED.siteB,
        hourStartMs: h.hourStartMs,
        wh1: h.wh[0],
        wh2: h.wh[1],
        readings: 360,
      });
      if (day !== '2026-09-15') measuredWh += h.wh[0] + h.wh[1];
    }
    await insertRollups(cloud.pool, rows);
    const res = await get(
      `/api/v1/analytics/economia?deviceId=${SEED.deviceB}&from=2026-09-01&to=2026-09-30`,
    );
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ boardDaysCounted: 29, boardDaysSkipped: 1, provisional: true });
    // 29 board-days × (0,3 + 1,2) kWh; the original design's 45 kWh/month is 30 × 1,5.
    expect(s.baseline).toMatchObject({ kwh: 43.5, kwhInternal: 8.7, kwhExternal: 34.8 });
    expect(s.baseline.netRs).toBe(39.2931); // 43,5 × 0,90329 (September 2026: provisional Verde)
    expect(s.measured.kwh).toBeCloseTo(measuredWh / 1000, 4);
    expect(s.saved.kwh).toBeCloseTo(43.5 - measuredWh / 1000, 4);
    expect(s.saved.netRs).toBeCloseTo(39.2931 - (measuredWh / 1000) * 0.90329, 3);
    expect(s.saved.pct).toBeGreaterThan(30);
  });
});
