import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../../helpers/cloud-app.ts';
import { batch, reading } from '../../../helpers/cloud-fixtures.ts';
import {
  type AnalyticsCloud,
  COCEL_CNPJ,
  configureSite,
  createAnalyticsCloud,
  insertRollups,
} from './helpers/analytics-fixture.ts';

/**
 * GET /api/v1/analytics/consumo on a simulated site whose readings go through the real ingest (gateway
 * token, rollups maintained by cloud-data's code). SYNTHETIC readings: every 10 min, each channel's
 * counter +10 Wh per 10 min (60 Wh/h), with a 4-hour hole on 2026-07-08 and nothing at all on 2026-07-07.
 */
let cloud: AnalyticsCloud;
const H = 3_600_000;
const LOCAL_MIDNIGHT_0708 = Date.parse('2026-07-08T03:00:00Z');

beforeAll(async () => {
  cloud = await createAnalyticsCloud();
  cloud.clock.set(Date.parse('2026-07-10T15:00:00Z'));
  await configureSite(cloud.pool, SEED.siteA, { icms: 0.18, pis: 0.0082, cofins: 0.0377 });
  await cloud.pool.query(
    `update devices set expected_interval_s = 600, first_seen_at = '2026-07-01T00:00:00Z' where device_id = $1`,
    [SEED.deviceA],
  );
  const readings = [];
  for (let i = 0; i < 2 * 144; i++) {
    const ts = LOCAL_MIDNIGHT_0708 + i * 600_000;
    const localHour = Math.floor(i / 6) % 24;
    const inHole = i < 144 && localHour >= 10 && localHour < 14;
    if (inHole) continue;
    readings.push(
      reading({
        device: SEED.deviceA,
        seq: i,
        ts,
        e1: 1000 + 10 * i,
        e2: 5000 + 10 * i,
        p1: 60,
        p2: 60,
        v: 127,
      }),
    );
  }
  const b = batch(SEED.gatewayA, readings);
  const res = await cloud.app.inject({
    method: 'POST',
    url: '/api/v1/aicss/dados',
    headers: {
      ...cloud.auth('gatewayA'),
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'idempotency-key': b.batchId,
    },
    payload: gzipSync(JSON.stringify(b)),
  });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await cloud?.close();
});

async function consumo(query: string, who: 'viewer' | 'anonymous' = 'viewer') {
  return cloud.app.inject({
    method: 'GET',
    url: `/api/v1/analytics/consumo?${query}`,
    headers: cloud.auth(who),
  });
}

describe('GET /api/v1/analytics/consumo', () => {
  it('reports a day without data as missing (null), not zero, and a partial day with its missing hours', async () => {
    const res = await consumo(`deviceId=${SEED.deviceA}&from=2026-07-07&to=2026-07-09&interval=day`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.scope).toEqual({
      kind: 'device',
      id: SEED.deviceA,
      siteId: SEED.siteA,
      timeZone: 'America/Sao_Paulo',
    });
    const [d7, d8, d9] = body.buckets;
    expect(d7).toMatchObject({
      start: '2026-07-07T00:00:00-03:00',
      kwh: null,
      missing: true,
      missingHours: 24,
      cost: null,
      receivedReadings: 0,
    });
    expect(d7.expectedReadings).toBe(144);
    // 143 counter steps × 10 Wh × 2 channels (the first reading has no predecessor); the hole's energy is not lost.
    expect(d8).toMatchObject({ kwh: 2.86, missing: false, partial: true, missingHours: 4 });
    expect(d8.receivedReadings).toBe(144 - 24);
    expect(d8.completeness).toBeCloseTo(120 / 144, 4);
    expect(d9).toMatchObject({ kwh: 2.88, missing: false, partial: false, missingHours: 0, completeness: 1 });
    expect(body.totals.missingBuckets).toBe(1);
  });

  it('prices each day with the CEMIG-D 2026 tariff (593,08 + 310,21) and marks the unpublished flag month provisional', async () => {
    const body = (await consumo(`siteId=${SEED.siteA}&from=2026-07-09&to=2026-07-09&interval=day`)).json();
    const cost = body.buckets[0].cost;
    // 2,88 kWh × 0,90329 R$/kWh = 2,6014752; July 2026 is not in the flag file: April's Verde stands in.
    expect(cost.byPosto).toEqual([{ posto: 'Não se aplica', kwh: 2.88, rs: 2.6015 }]);
    expect(cost.flags).toEqual([{ month: '2026-07-01', flag: 'Verde', kwh: 2.88, rs: 0, provisional: true }]);
    expect(cost.provisional).toBe(true);
    expect(cost.netRs).toBe(2.6015);
    // por dentro: 2,6014752 / ((1 − 0,0082 − 0,0377) × (1 − 0,18)) = 3,32516
    expect(cost.grossRs).toBe(3.3252);
    expect(body.pricing).toMatchObject({
      modality: 'Convencional',
      distributorCnpj: '06981180000116',
      taxesIncluded: true,
    });
  });

  it('marks the hole hour by hour and keeps peaks and voltages of the hours with data', async () => {
    const body = (
      await consumo(
        `deviceId=${SEED.deviceA}&from=2026-07-08T12:00:00Z&to=2026-07-08T18:00:00Z&interval=hour`,
      )
    ).json();
    expect(
      body.buckets.map((b: { start: string; missing: boolean }) => [b.start.slice(11, 16), b.missing]),
    ).toEqual([
      ['09:00', false],
      ['10:00', true],
      ['11:00', true],
      ['12:00', true],
      ['13:00', true],
      ['14:00', false],
    ]);
    expect(body.buckets[1]).toMatchObject({
      kwh: null,
      completeness: 0,
      peakPowerW: null,
      voltageMinV: null,
    });
    expect(body.buckets[0]).toMatchObject({ kwh: 0.12, peakPowerW: 120, voltageMinV: 127, voltageMaxV: 127 });
  });

  it('aggregates weeks and months in the site time zone and refuses a range too long for hours', async () => {
    const week = (await consumo(`siteId=${SEED.siteA}&from=2026-07-06&to=2026-07-12&interval=week`)).json();
    expect(week.buckets).toHaveLength(1);
    expect(week.buckets[0].start).toBe('2026-07-06T00:00:00-03:00'); // Monday
    expect(week.buckets[0].kwh).toBeCloseTo(5.74, 6);
    const month = (
      await consumo(`gatewayId=${SEED.gatewayA}&from=2026-07-01&to=2026-07-31&interval=month`)
    ).json();
    expect(month.buckets[0]).toMatchObject({ start: '2026-07-01T00:00:00-03:00', kwh: 5.74 });
    const tooLong = await consumo(`siteId=${SEED.siteA}&from=2026-01-01&to=2026-07-01&interval=hour`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('bad_request');
  });

  it('compares a month with the SAMP regional average of the same distributor and class (SYNTHETIC SAMP)', async () => {
    await configureSite(cloud.pool, SEED.siteB, { cnpj: COCEL_CNPJ });
    await cloud.pool.query(`update devices set first_seen_at = '2023-12-01T00:00:00Z' where device_id = $1`, [
      SEED.deviceB,
    ]);
    const rows = [];
    for (let t = Date.parse('2024-01-01T03:00:00Z'); t < Date.parse('2024-02-01T03:00:00Z'); t += H) {
      rows.push({
        deviceId: SEED.deviceB,
        siteId: SEED.siteB,
        hourStartMs: t,
        wh1: 100,
        wh2: 150,
        readings: 360,
      });
    }
    await insertRollups(cloud.pool, rows);
    const body = (await consumo(`siteId=${SEED.siteB}&from=2024-01-01&to=2024-01-31&interval=month`)).json();
    expect(body.buckets[0].kwh).toBe(186); // 744 h × 250 Wh
    // The 2024-01 rows of test/fixtures/aneel/samp-2024-cocel-residencial.SYNTHETIC.csv (COCEL, class
    // Residencial, CATIVO, not refaturamento): `Energia TE (kWh)` 1 500 000 (Residencial) + 40 000 (baixa renda
    // – faixa 03) = 1 540 000 kWh; `Número de consumidores` 10 000 + `Número de Consumidores` 300 = 10 300.
    // Left out: the refaturamento row (5 consumers), the LIVRE row (9 999 kWh) and the Comercial row (777 777 kWh).
    const sampKwh = 1_500_000 + 40_000;
    const sampConsumers = 10_000 + 300;
    const perConsumer = sampKwh / sampConsumers; // 149,5146 kWh
    const r = body.regional[0];
    expect(r).toEqual({
      month: '2024-01-01',
      kwh: 186,
      daysCovered: 31,
      daysInMonth: 31,
      regionalKwhPerConsumer: 149.51,
      ratio: 1.244, // 186 / 149,5146 = 1,24403
      note: null,
    });
    expect(r.regionalKwhPerConsumer).toBe(Math.round(perConsumer * 100) / 100);
    expect(r.ratio).toBe(Math.round((186 / perConsumer) * 1e4) / 1e4);
  });

  it('requires a viewer and exactly one scope', async () => {
    expect(
      (await consumo(`siteId=${SEED.siteA}&from=2026-07-09&to=2026-07-09`, 'anonymous')).statusCode,
    ).toBe(401);
    const both = await consumo(`siteId=${SEED.siteA}&deviceId=${SEED.deviceA}&from=2026-07-09&to=2026-07-09`);
    expect(both.statusCode).toBe(400);
    expect((await consumo('siteId=nope&from=2026-07-09&to=2026-07-09')).statusCode).toBe(404);
  });

  it('publishes every analytics route in the OpenAPI document, each with its access', async () => {
    const doc = (await cloud.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of [
      '/api/v1/analytics/consumo',
      '/api/v1/analytics/fatura',
      '/api/v1/analytics/economia',
      '/api/v1/analytics/modalidade',
      '/api/v1/analytics/previsao',
      '/api/v1/analytics/previsao/import',
      '/api/v1/analytics/previsao/comparacao',
      '/api/v1/analytics/relatorios',
      '/api/v1/analytics/relatorios/arquivo/{id}',
      '/api/v1/export/scr',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const access = Object.fromEntries(
      cloud.app.cloudRoutes
        .filter((r) => /analytics|export/.test(r.url))
        .map((r) => [`${r.method} ${r.url}`, r.access]),
    );
    expect(access['POST /api/v1/analytics/previsao/import']).toEqual(['operator']);
    expect(access['POST /api/v1/analytics/relatorios/arquivo']).toEqual(['operator']);
    for (const [route, a] of Object.entries(access))
      if (route.startsWith('GET')) expect([route, a]).toEqual([route, ['viewer']]);
  });
});
