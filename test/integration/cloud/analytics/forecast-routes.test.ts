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
 * previsao, previsao/import and previsao/comparacao on the real app, over 10 weeks of SYNTHETIC hourly
 * rollups of one board (daily + weekly lighting cycles with noise).
 */
let cloud: AnalyticsCloud;
const H = 3_600_000;
const NOW = Date.parse('2026-09-20T15:00:00Z'); // 12:00 local, a Sunday
const FROM = Date.parse('2026-07-12T03:00:00Z');
const dailyActual = new Map<string, number>();

beforeAll(async () => {
  cloud = await createAnalyticsCloud();
  cloud.clock.set(NOW);
  await configureSite(cloud.pool, SEED.siteA, { icms: 0.18, pis: 0.0082, cofins: 0.0377, cosip: 18.5 });
  await cloud.pool.query(`update devices set first_seen_at = '2026-07-01T00:00:00Z' where device_id = $1`, [
    SEED.deviceA,
  ]);
  const rows: RollupSpec[] = [];
  for (const h of syntheticHours({ fromMs: FROM, hours: (NOW - FROM) / H, seed: 3 })) {
    rows.push({
      deviceId: SEED.deviceA,
      siteId: SEED.siteA,
      hourStartMs: h.hourStartMs,
      wh1: h.wh[0],
      wh2: h.wh[1],
      readings: 360,
    });
    const day = new Date(h.hourStartMs - 3 * H).toISOString().slice(0, 10);
    dailyActual.set(day, (dailyActual.get(day) ?? 0) + (h.wh[0] + h.wh[1]) / 1000);
  }
  await insertRollups(cloud.pool, rows);
});
afterAll(async () => {
  await cloud?.close();
});

const get = (url: string, who: 'viewer' | 'operator' = 'viewer') =>
  cloud.app.inject({ method: 'GET', url, headers: cloud.auth(who) });
const importCsv = (query: string, csv: string, who: 'viewer' | 'operator' = 'operator') =>
  cloud.app.inject({
    method: 'POST',
    url: `/api/v1/analytics/previsao/import?${query}`,
    headers: { ...cloud.auth(who), 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });

describe('GET /api/v1/analytics/previsao', () => {
  it('forecasts the next days and the month-end bill with intervals, and reports the backtest MAPE', async () => {
    const res = await get(`/api/v1/analytics/previsao?siteId=${SEED.siteA}&days=7`);
    expect(res.statusCode).toBe(200);
    const f = res.json();
    expect(f.method).toMatch(/Holt–Winters/);
    expect(f.fit.trainingHours).toBe(8 * 168);
    expect(f.backtest.holdoutDays).toBe(7);
    expect(f.backtest.mapeDailyPct).toBeLessThan(10);
    expect(f.daily).toHaveLength(8);
    expect(f.daily[0].date).toBe('2026-09-20');
    // Today so far: the 12 hours 00:00–11:59 local already in the rollups; the rest is forecast.
    expect(f.daily[0].actualKwh).toBeCloseTo(dailyActual.get('2026-09-20')!, 4);
    for (const d of f.daily) {
      expect(d.lowerKwh).toBeLessThanOrEqual(d.totalKwh + 1e-9);
      expect(d.upperKwh).toBeGreaterThanOrEqual(d.totalKwh - 1e-9);
      expect(d.forecastKwh).toBeGreaterThan(0);
    }
    // A board's lighting uses ~0,5–1 kWh a day: the forecast must be in that range.
    expect(f.daily[3].totalKwh).toBeGreaterThan(0.3);
    expect(f.daily[3].totalKwh).toBeLessThan(1.5);
    const septemberSoFar = [...dailyActual].filter(([d]) => d >= '2026-09-01').reduce((s, [, v]) => s + v, 0);
    expect(f.monthEnd).toMatchObject({ month: '2026-09-01' });
    expect(f.monthEnd.actualKwh).toBeCloseTo(septemberSoFar, 3);
    expect(f.monthEnd.totalKwh).toBeCloseTo(f.monthEnd.actualKwh + f.monthEnd.forecastKwh, 3);
    expect(f.monthEnd.bill).toMatchObject({ available: true, taxesIncluded: true, provisional: true });
    // ~20 kWh in the month is under the 30 kWh minimum: every path bills the minimum + flag + taxes + COSIP.
    expect(f.monthEnd.bill.lowerRs).toBeLessThanOrEqual(f.monthEnd.bill.totalRs);
    expect(f.monthEnd.bill.upperRs).toBeGreaterThanOrEqual(f.monthEnd.bill.totalRs);
    expect(f.monthEnd.bill.totalRs).toBeGreaterThan(18.5);
  });

  it('refuses a scope without two weeks of history', async () => {
    const res = await get(`/api/v1/analytics/previsao?deviceId=${SEED.deviceB}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/two weeks/);
  });
});

describe('prediction import from R', () => {
  it('rejects a file with bad rows, naming each line and reason, and stores nothing', async () => {
    const csv = [
      'timestamp,kwh,lower,upper',
      '2026-09-10T03:00:00Z,0.50,0.40,0.60',
      '2026-09-11 03:00,0.50,NA,NA',
      '2026-09-12T03:00:00Z,"0,52",NA,NA',
      '2026-09-13T03:00:00Z,-1,NA,NA',
      '2026-09-14T03:00:00Z,0.5,0.6,0.7',
      '2026-09-10T03:00:00Z,0.5,NA,NA',
      '2026-09-15T03:00:00Z,NA,NA,NA',
      '2026-09-16T05:00:00Z,0.5,NA,NA',
      '2026-09-17T03:00:00Z,0.5',
    ].join('\n');
    const res = await importCsv(`siteId=${SEED.siteA}&step=day`, csv);
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/nothing was stored/);
    const byLine = Object.fromEntries(
      err.details.problems.map((p: { line: number; column: string; reason: string }) => [
        p.line,
        `${p.column}: ${p.reason}`,
      ]),
    );
    expect(byLine).toEqual({
      3: 'timestamp: not an ISO 8601 instant with Z or an offset (e.g. 2026-07-01T00:00:00Z)',
      4: 'kwh: not a number (use a decimal point, not a comma)',
      5: 'kwh: negative energy',
      6: 'lower: lower is above kwh',
      7: 'timestamp: duplicate of line 2',
      8: 'kwh: NA is not allowed here',
      9: 'timestamp: not a local midnight in America/Sao_Paulo',
      10: 'null: expected 4 fields, got 2',
    });
    const { rows } = await cloud.pool.query('select count(*)::int as n from forecast_imports');
    expect(rows[0].n).toBe(0);
  });

  it('refuses a header it does not know and a viewer', async () => {
    const bad = await importCsv(`siteId=${SEED.siteA}`, 'time,energy\n2026-09-10T03:00:00Z,1\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.problems.map((p: { reason: string }) => p.reason)).toContain(
      'required column missing',
    );
    expect(
      (await importCsv(`siteId=${SEED.siteA}`, 'timestamp,kwh\n2026-09-10T03:00:00Z,1\n', 'viewer'))
        .statusCode,
    ).toBe(403);
  });

  it('stores a valid R file and compares its MAPE with the built-in forecast on the same days', async () => {
    // An "R model" 10 % above the actual of every day 10–16 September (R's write.csv output, row names off).
    const days = [
      '2026-09-10',
      '2026-09-11',
      '2026-09-12',
      '2026-09-13',
      '2026-09-14',
      '2026-09-15',
      '2026-09-16',
    ];
    const csv = `"timestamp","kwh","lower","upper"\n${days
      .map((d) => {
        const k = dailyActual.get(d)! * 1.1;
        return `"${d}T03:00:00Z",${k.toFixed(6)},${(k * 0.8).toFixed(6)},${(k * 1.2).toFixed(6)}`;
      })
      .join('\n')}\n`;
    const res = await importCsv(
      `siteId=${SEED.siteA}&step=day&model=R%20forecast%3A%3Aets&fileName=pred.csv`,
      csv,
    );
    expect(res.statusCode).toBe(201);
    const imp = res.json();
    expect(imp).toMatchObject({
      scopeKind: 'site',
      scopeId: SEED.siteA,
      step: 'day',
      rows: 7,
      model: 'R forecast::ets',
      createdBy: 'operator',
    });
    const audit = await cloud.pool.query(
      `select target, status from audit_log where action like 'POST /api/v1/analytics/previsao/import%' and status = 201`,
    );
    expect(audit.rows).toEqual([{ target: `site:${SEED.siteA}`, status: 201 }]);

    const list = (await get(`/api/v1/analytics/previsao/importacoes?siteId=${SEED.siteA}`)).json();
    expect(list.imports.map((i: { importId: number }) => i.importId)).toEqual([imp.importId]);

    const cmp = (await get(`/api/v1/analytics/previsao/comparacao?importId=${imp.importId}`)).json();
    expect(cmp).toMatchObject({ points: 7, scoredPoints: 7 });
    expect(cmp.importedMapePct).toBeCloseTo(10, 3);
    expect(cmp.builtinMapePct).toBeGreaterThan(0);
    expect(cmp.builtinMapePct).toBeLessThan(15);
    expect(cmp.better).toBe(cmp.builtinMapePct < 10 ? 'builtin' : 'imported');
    expect(cmp.importedIntervalCoveragePct).toBe(100);
    expect(cmp.rows[0]).toMatchObject({ start: '2026-09-10T00:00:00-03:00' });
    expect(cmp.rows[0].actualKwh).toBeCloseTo(dailyActual.get('2026-09-10')!, 3);
  });
});
