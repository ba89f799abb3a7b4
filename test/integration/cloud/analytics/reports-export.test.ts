import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReportScheduler } from '../../../../cloud/analytics/reports/report-scheduler.ts';
import { silentLogger } from '../../../../shared/log.ts';
import type { LossEntry } from '../../../../shared/schemas/sync.ts';
import { SEED } from '../../../helpers/cloud-app.ts';
import { batch, reading } from '../../../helpers/cloud-fixtures.ts';
import { type AnalyticsCloud, configureSite, createAnalyticsCloud } from './helpers/analytics-fixture.ts';
import { parseCsvStrictly } from './helpers/strict-csv.ts';

/**
 * Reports (on demand, stored, scheduled) and the SCR export, on SYNTHETIC readings sent through the real
 * ingest: 2026-07-01 00:00 → 2026-07-02 23:50 local, one reading every 10 min, except a missing hour
 * (2026-07-01 05:00–05:59 local); voltage absent on every 7th reading and temperature never sent (NA).
 */
let cloud: AnalyticsCloud;
const START = Date.parse('2026-07-01T03:00:00Z');
const sent: { ts: number; seq: number; e1: number; e2: number; v?: number }[] = [];

beforeAll(async () => {
  cloud = await createAnalyticsCloud();
  cloud.clock.set(Date.parse('2026-08-03T12:00:00Z'));
  await configureSite(cloud.pool, SEED.siteA, { icms: 0.18, pis: 0.0082, cofins: 0.0377, cosip: 18.5 });
  await cloud.pool.query(
    `update devices set expected_interval_s = 600, first_seen_at = '2026-07-01T03:00:00Z' where device_id = $1`,
    [SEED.deviceA],
  );
  const readings = [];
  for (let i = 0; i < 2 * 144; i++) {
    if (i >= 30 && i < 36) continue;
    const r = {
      ts: START + i * 600_000,
      seq: i,
      e1: 100 + 5 * i,
      e2: 200 + 8 * i,
      ...(i % 7 === 0 ? {} : { v: 127.5 }),
    };
    sent.push(r);
    readings.push(
      reading({
        device: SEED.deviceA,
        seq: r.seq,
        ts: r.ts,
        e1: r.e1,
        e2: r.e2,
        p1: 30,
        p2: 48,
        ...(r.v ? { v: r.v } : {}),
        lampInternal: i % 2 === 0,
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
  await cloud.pool.query(
    `insert into alerts (gateway_id, alert_id, device_id, site_id, rule, severity, state, raised_at)
     values ($1, 'a1', $2, $3, 'voltage_low', 'warning', 'cleared', '2026-07-01T12:00:00Z'),
            ($1, 'a2', $2, $3, 'voltage_low', 'warning', 'raised', '2026-07-02T12:00:00Z')`,
    [SEED.gatewayA, SEED.deviceA, SEED.siteA],
  );
});
afterAll(async () => {
  await cloud?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const get = (url: string) => cloud.app.inject({ method: 'GET', url, headers: cloud.auth('viewer') });

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

interface ReportJson {
  period: { from: string; to: string };
  energy: { kwh: number; kwhInternal: number; kwhExternal: number };
  cost: { netRs: number | null; grossRs: number | null };
  dataQuality: {
    completeness: number | null;
    missingHours: number;
    receivedReadings: number;
    expectedReadings: number;
  };
  daily: {
    date: string;
    kwh: number | null;
    kwhInternal: number | null;
    kwhExternal: number | null;
    netRs: number | null;
    grossRs: number | null;
    completeness: number | null;
    missingHours: number;
  }[];
}

interface ConsumoDay {
  start: string;
  end: string;
  kwh: number | null;
  kwhInternal: number | null;
  kwhExternal: number | null;
  missingHours: number;
  expectedReadings: number;
  receivedReadings: number;
  completeness: number | null;
  cost: { netRs: number; grossRs: number | null } | null;
}

/** The report's days and totals against GET …/consumo?interval=day of the same site and local days. */
async function expectReportMatchesDailyConsumo(report: ReportJson, from: string, to: string): Promise<void> {
  const res = await get(`/api/v1/analytics/consumo?siteId=${SEED.siteA}&from=${from}&to=${to}&interval=day`);
  expect(res.statusCode).toBe(200);
  const consumo = res.json();
  const days: ConsumoDay[] = consumo.buckets;
  // Local midnight to local midnight (America/Sao_Paulo, UTC−3).
  expect(days[0]!.start).toBe(`${from}T00:00:00-03:00`);
  expect(days.at(-1)!.start).toBe(`${to}T00:00:00-03:00`);
  expect(report.daily).toEqual(
    days.map((d) => ({
      date: d.start.slice(0, 10),
      kwh: d.kwh,
      kwhInternal: d.kwhInternal,
      kwhExternal: d.kwhExternal,
      netRs: d.cost?.netRs ?? null,
      grossRs: d.cost?.grossRs ?? null,
      completeness: d.completeness,
      missingHours: d.missingHours,
    })),
  );
  const sum = (f: (d: ConsumoDay) => number | null | undefined) => days.reduce((s, d) => s + (f(d) ?? 0), 0);
  expect(report.energy).toMatchObject({
    kwh: r4(sum((d) => d.kwh)),
    kwhInternal: r4(sum((d) => d.kwhInternal)),
    kwhExternal: r4(sum((d) => d.kwhExternal)),
  });
  expect(report.energy.kwh).toBe(consumo.totals.kwh);
  expect(report.cost.netRs).toBe(r4(sum((d) => d.cost?.netRs)));
  expect(report.cost.netRs).toBe(consumo.totals.netRs);
  expect(report.cost.grossRs).toBe(r4(sum((d) => d.cost?.grossRs)));
  expect(report.cost.grossRs).toBe(consumo.totals.grossRs);
  expect(report.dataQuality).toMatchObject({
    missingHours: sum((d) => d.missingHours),
    receivedReadings: sum((d) => d.receivedReadings),
    expectedReadings: sum((d) => d.expectedReadings),
    completeness: consumo.totals.completeness,
  });
}

/** The CSV form of a report: one row per day as in the JSON, then TOTAL with the JSON totals. */
function expectCsvMatchesReport(bytes: Buffer, report: ReportJson): void {
  const csv = parseCsvStrictly(bytes, {
    header: 'date,kwh,kwh_internal,kwh_external,net_rs,gross_rs,completeness,missing_hours',
    character: ['date'],
  });
  expect(csv.rows).toEqual([
    ...report.daily.map((d) => ({
      date: d.date,
      kwh: d.kwh,
      kwh_internal: d.kwhInternal,
      kwh_external: d.kwhExternal,
      net_rs: d.netRs,
      gross_rs: d.grossRs,
      completeness: d.completeness,
      missing_hours: d.missingHours,
    })),
    {
      date: 'TOTAL',
      kwh: report.energy.kwh,
      kwh_internal: report.energy.kwhInternal,
      kwh_external: report.energy.kwhExternal,
      net_rs: report.cost.netRs,
      gross_rs: report.cost.grossRs,
      completeness: report.dataQuality.completeness,
      missing_hours: report.dataQuality.missingHours,
    },
  ]);
  expect(csv.rows[0]!.date).toBe(report.period.from);
  expect(csv.rows.at(-2)!.date).toBe(report.period.to);
}

describe('GET /api/v1/export/scr', () => {
  it('streams raw readings as a CSV R reads as is: header, ISO timestamps, NA for missing', async () => {
    const res = await get(`/api/v1/export/scr?deviceId=${SEED.deviceA}&from=2026-07-01&to=2026-07-02`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const csv = parseCsvStrictly(res.rawPayload, {
      header:
        'device_id,timestamp,seq,uptime_s,voltage_v,freq_hz,p1_w,p2_w,e1_wh,e2_wh,pf1,pf2,temp_c,rh_pct,light_level,distance_cm,internal_led,external_led,status_flags,clock_synced',
      character: ['device_id'],
      timestamps: ['timestamp'],
    });
    expect(csv.rows).toHaveLength(sent.length);
    sent.forEach((s, i) => {
      const row = csv.rows[i]!;
      expect(row.device_id).toBe(SEED.deviceA);
      expect(row.timestamp).toBe(new Date(s.ts).toISOString());
      expect(row.seq).toBe(s.seq);
      expect(row.voltage_v).toBe(s.v ?? null);
      expect(row.e1_wh).toBe(s.e1);
      expect(row.e2_wh).toBe(s.e2);
      expect(row.temp_c).toBeNull();
      expect(row.internal_led).toBe(s.seq % 2 === 0 ? 1 : 0);
      expect(row.external_led).toBeNull();
      expect(row.clock_synced).toBe(1);
    });
  });

  it('streams the hourly variant on a regular grid with NA rows for the missing hour', async () => {
    const res = await get(`/api/v1/export/scr?siteId=${SEED.siteA}&from=2026-07-01&to=2026-07-01&level=hour`);
    expect(res.statusCode).toBe(200);
    const csv = parseCsvStrictly(res.rawPayload, {
      header:
        'device_id,site_id,hour_start,energy_wh,e1_wh,e2_wh,voltage_min,voltage_max,voltage_mean,power_max_w,reading_count,expected_count,completeness,lamp_internal_on_count,lamp_external_on_count',
      character: ['device_id', 'site_id'],
      timestamps: ['hour_start'],
    });
    expect(csv.rows).toHaveLength(24);
    expect(csv.rows.map((r) => r.hour_start)).toEqual(
      [...Array(24).keys()].map((h) => new Date(START + h * 3_600_000).toISOString()),
    );
    const hole = csv.rows[5]!;
    expect(hole).toMatchObject({
      energy_wh: null,
      reading_count: null,
      completeness: null,
      expected_count: 6,
    });
    expect(csv.rows[4]).toMatchObject({ reading_count: 6, completeness: 1, voltage_max: 127.5 });
    expect(csv.rows[6]!.reading_count).toBe(6);
  });

  it('needs a viewer and a scope', async () => {
    expect(
      (
        await cloud.app.inject({
          method: 'GET',
          url: `/api/v1/export/scr?siteId=${SEED.siteA}&from=2026-07-01&to=2026-07-02`,
        })
      ).statusCode,
    ).toBe(401);
    expect((await get('/api/v1/export/scr?from=2026-07-01&to=2026-07-02')).statusCode).toBe(400);
  });
});

describe('reports', () => {
  it('builds a monthly site report with the bill, savings, alerts and data quality, as JSON and CSV', async () => {
    const json = (
      await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=monthly&date=2026-07-15`)
    ).json();
    expect(json.period).toEqual({ from: '2026-07-01', to: '2026-07-31', timeZone: 'America/Sao_Paulo' });
    // Counter deltas: (e1: 5 Wh + e2: 8 Wh) × 287 steps, the first reading has no predecessor.
    expect(json.energy.kwh).toBeCloseTo((13 * 287) / 1000, 6);
    expect(json.cost.bill).toMatchObject({
      measuredKwh: 3.731,
      availability: { minimumKwh: 30 },
      cosipRs: 18.5,
    });
    expect(json.alerts).toEqual({
      total: 2,
      byRule: [{ rule: 'voltage_low', severity: 'warning', count: 2 }],
    });
    expect(json.dataQuality).toMatchObject({ missingHours: 29 * 24 + 1, receivedReadings: sent.length });
    expect(json.dataQuality.missingDays).toHaveLength(29);
    // 1 July has 23 of 24 hours (95.8 % ≥ the 90 % threshold) and 2 July all 24: two board-days count.
    expect(json.savings).toMatchObject({ boardDaysCounted: 2, boardDaysSkipped: 29 });
    expect(json.savings.baseline.kwh).toBe(3);
    const csv = await get(
      `/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=monthly&date=2026-07-15&format=csv`,
    );
    const parsed = parseCsvStrictly(csv.rawPayload, {
      header: 'date,kwh,kwh_internal,kwh_external,net_rs,gross_rs,completeness,missing_hours',
      character: ['date'],
    });
    expect(parsed.rows).toHaveLength(32);
    expect(parsed.rows[31]!.date).toBe('TOTAL');
    expect(parsed.rows[5]).toMatchObject({ date: '2026-07-06', kwh: null, net_rs: null, missing_hours: 24 });
  });

  it('builds the last complete ISO week in the site time zone, JSON and CSV, totals = the daily consumo of that week', async () => {
    // Sunday 2026-07-12 23:00 local = Monday 2026-07-13 02:00 UTC: the last complete week is the one of
    // Monday 29 June → Sunday 5 July (in UTC it would already be 6 → 12 July, a week without data).
    const before = cloud.clock.now();
    cloud.clock.set(Date.parse('2026-07-13T02:00:00Z'));
    try {
      const res = await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=weekly`);
      expect(res.statusCode).toBe(200);
      const json = res.json();
      expect(json.kind).toBe('weekly');
      expect(json.period).toEqual({ from: '2026-06-29', to: '2026-07-05', timeZone: 'America/Sao_Paulo' });
      const days = [
        '2026-06-29',
        '2026-06-30',
        '2026-07-01',
        '2026-07-02',
        '2026-07-03',
        '2026-07-04',
        '2026-07-05',
      ];
      expect(json.daily.map((d: { date: string }) => d.date)).toEqual(days);
      // Everything that was sent: 287 counter steps × 13 Wh; 1 July 143 steps (1,859 kWh), 2 July 144 (1,872).
      expect(json.energy.kwh).toBe(3.731);
      // 1 859 Wh × 903,29 R$/MWh = 1,67922 → 1,6792; 1 872 Wh × 903,29 = 1,69096 → 1,6910 (Verde, provisional).
      expect(json.cost).toMatchObject({ netRs: 3.3702, provisional: true, bill: null });
      expect(json.dataQuality).toMatchObject({ receivedReadings: sent.length, missingHours: 3 * 24 + 1 });
      await expectReportMatchesDailyConsumo(json, '2026-06-29', '2026-07-05');
      // An explicit day of the same week gives the same period.
      const byDate = (
        await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=weekly&date=2026-07-05`)
      ).json();
      expect(byDate.period).toEqual(json.period);
      const csv = await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=weekly&format=csv`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-disposition']).toBe(
        `attachment; filename="cds-weekly-${SEED.siteA}-2026-06-29.csv"`,
      );
      expectCsvMatchesReport(csv.rawPayload, json);
    } finally {
      cloud.clock.set(before);
    }
  });

  it('builds a custom from/to report bounded by local midnights, JSON and CSV, totals = the daily consumo of the range', async () => {
    // 30 June → 1 July local: only 1 July's readings count (143 steps × 13 Wh = 1,859 kWh). With UTC day
    // bounds the last 3 local hours of 1 July would fall out and nothing of 2 July would come in.
    const json = (
      await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=custom&from=2026-06-30&to=2026-07-01`)
    ).json();
    expect(json.kind).toBe('custom');
    expect(json.period).toEqual({ from: '2026-06-30', to: '2026-07-01', timeZone: 'America/Sao_Paulo' });
    expect(json.daily.map((d: { date: string }) => d.date)).toEqual(['2026-06-30', '2026-07-01']);
    expect(json.energy.kwh).toBe(1.859);
    expect(json.cost.netRs).toBe(1.6792);
    expect(json.dataQuality).toMatchObject({ receivedReadings: 144 - 6, missingHours: 1 });
    await expectReportMatchesDailyConsumo(json, '2026-06-30', '2026-07-01');
    const csv = await get(
      `/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=custom&from=2026-06-30&to=2026-07-01&format=csv`,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="cds-custom-${SEED.siteA}-2026-06-30.csv"`,
    );
    expectCsvMatchesReport(csv.rawPayload, json);
    // A custom report needs both ends, in order.
    expect(
      (await get(`/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=custom&from=2026-07-01`)).statusCode,
    ).toBe(400);
    expect(
      (
        await get(
          `/api/v1/analytics/relatorios?siteId=${SEED.siteA}&kind=custom&from=2026-07-02&to=2026-07-01`,
        )
      ).statusCode,
    ).toBe(400);
  });

  it('keeps a report generated on request and serves it for download', async () => {
    const created = await cloud.app.inject({
      method: 'POST',
      url: `/api/v1/analytics/relatorios/arquivo?deviceId=${SEED.deviceA}&kind=daily&date=2026-07-02`,
      headers: cloud.auth('operator'),
    });
    expect(created.statusCode).toBe(201);
    const meta = created.json();
    expect(meta).toMatchObject({
      scopeKind: 'device',
      scopeId: SEED.deviceA,
      kind: 'daily',
      periodFrom: '2026-07-02',
      trigger: 'manual',
    });
    const csv = await get(`/api/v1/analytics/relatorios/arquivo/${meta.reportId}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe(await readFile(meta.filePath, 'utf8'));
    const json = (await get(`/api/v1/analytics/relatorios/arquivo/${meta.reportId}?format=json`)).json();
    expect(json.energy.kwh).toBeCloseTo((13 * 144) / 1000, 6);
    expect((await get('/api/v1/analytics/relatorios/arquivo/999999')).statusCode).toBe(404);
    const viewerPost = await cloud.app.inject({
      method: 'POST',
      url: `/api/v1/analytics/relatorios/arquivo?deviceId=${SEED.deviceA}&kind=daily`,
      headers: cloud.auth('viewer'),
    });
    expect(viewerPost.statusCode).toBe(403);
  });

  it('generates the previous month of every site on the cron schedule, once', async () => {
    vi.useFakeTimers({
      now: Date.parse('2026-08-01T05:59:58Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const scheduler = createReportScheduler({
      log: silentLogger(),
      config: { ...cloud.deps.config, reports: { cron: '0 6 1 * *', dir: cloud.reportsDir } },
      pool: cloud.pool,
      clock: () => Date.now(),
    });
    scheduler.start();
    try {
      await vi.advanceTimersByTimeAsync(4_000);
      await vi.waitFor(
        async () => {
          const { rows } = await cloud.pool.query(
            `select scope_id, kind, period_from::text, trigger from reports where trigger = 'schedule' order by scope_id`,
          );
          expect(rows).toEqual([
            { scope_id: SEED.siteA, kind: 'monthly', period_from: '2026-07-01', trigger: 'schedule' },
            { scope_id: SEED.siteB, kind: 'monthly', period_from: '2026-07-01', trigger: 'schedule' },
          ]);
        },
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      await scheduler.stop();
    }
    // A second run (or a second instance) leaves the stored reports alone.
    expect(await scheduler.runOnce()).toEqual([]);
    const files = await readdir(join(cloud.reportsDir, SEED.siteA));
    expect(files).toContain(`site-${SEED.siteA}-monthly-2026-07-01_2026-07-31.csv`);
  });
});

describe('reports: the gateway loss ledger in data quality', () => {
  /** 'MM-DD HH:MM' in 2026, America/Sao_Paulo (UTC−3) → epoch ms. */
  const at = (local: string) => Date.parse(`2026-${local.replace(' ', 'T')}:00-03:00`);
  const loss = (
    id: string,
    device: string | null,
    count: number,
    span: [string, string] | null,
    recorded: string,
  ) => ({
    id,
    device,
    reason: 'buffer_full_dropped',
    count,
    fromTs: span ? at(span[0]) : null,
    toTs: span ? at(span[1]) : null,
    recordedAt: at(recorded),
  });

  /** A sync batch with ledger entries only, through the real ingest route and gateway token. */
  async function sendLosses(who: 'gatewayA' | 'gatewayB', gatewayId: string, losses: LossEntry[]) {
    const b = batch(gatewayId, [], { losses });
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aicss/dados',
      headers: {
        ...cloud.auth(who),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'idempotency-key': b.batchId,
      },
      payload: gzipSync(JSON.stringify(b)),
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  const lost = async (query: string) => {
    const res = await get(`/api/v1/analytics/relatorios?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json().dataQuality.lostReadings;
  };

  it('counts the losses a gateway synced in the period of a site or device report, by the readings they concern', async () => {
    const answer = await sendLosses('gatewayA', SEED.gatewayA, [
      // The missing hour of 1 July (05:00–05:59 local): the 6 readings the gateway had to drop.
      loss('l-hole', SEED.deviceA, 6, ['07-01 05:00', '07-01 05:50'], '07-02 08:00'),
      loss('l-0702', SEED.deviceA, 4, ['07-02 12:00', '07-02 12:30'], '07-02 13:00'),
      // No reading times: placed by when it was recorded.
      loss('l-undated', SEED.deviceA, 2, null, '07-02 20:00'),
      // 30 June, before the July reports.
      loss('l-june', SEED.deviceA, 11, ['06-30 12:00', '06-30 13:00'], '06-30 14:00'),
      // 1 July 23:30 local is already 2 July in UTC: it belongs to 1 July's report.
      loss('l-late', SEED.deviceA, 3, ['07-01 23:30', '07-01 23:40'], '07-02 01:00'),
      // Not tied to a device (the protocol allows `device: null`): a loss of the gateway, so of its site.
      loss('l-gateway', null, 5, ['07-02 09:00', '07-02 09:10'], '07-02 10:00'),
    ]);
    expect(answer.lossesAccepted).toBe(6);
    // Another site's gateway and device: never in site-a's reports.
    await sendLosses('gatewayB', SEED.gatewayB, [
      loss('l-b', SEED.deviceB, 100, ['07-01 10:00', '07-01 11:00'], '07-01 12:00'),
    ]);
    // Gateway A naming site B's device: kept as gateway A's own (device-less) loss, never in site B's data.
    await sendLosses('gatewayA', SEED.gatewayA, [
      loss('l-foreign', SEED.deviceB, 7, ['07-03 10:00', '07-03 10:10'], '07-03 11:00'),
    ]);

    const site = `siteId=${SEED.siteA}`;
    expect(await lost(`${site}&kind=daily&date=2026-07-01`)).toBe(6 + 3);
    expect(await lost(`${site}&kind=daily&date=2026-07-02`)).toBe(4 + 2 + 5);
    expect(await lost(`${site}&kind=custom&from=2026-06-30&to=2026-07-01`)).toBe(11 + 6 + 3);
    expect(await lost(`${site}&kind=monthly&date=2026-07-15`)).toBe(6 + 4 + 2 + 3 + 5 + 7);
    expect(await lost(`${site}&kind=daily&date=2026-07-03`)).toBe(7);
    expect(await lost(`${site}&kind=monthly&date=2026-06-15`)).toBe(11);
    expect(await lost(`${site}&kind=monthly&date=2026-08-15`)).toBe(0);
    // A device report carries its own device's losses, not the gateway-wide one.
    expect(await lost(`deviceId=${SEED.deviceA}&kind=monthly&date=2026-07-15`)).toBe(6 + 4 + 2 + 3);
    expect(await lost(`siteId=${SEED.siteB}&kind=monthly&date=2026-07-15`)).toBe(100);
    expect(await lost(`deviceId=${SEED.deviceB}&kind=monthly&date=2026-07-15`)).toBe(100);

    // The gateway keeps adding to an entry until it is acknowledged; a re-send replaces the count, never adds.
    await sendLosses('gatewayA', SEED.gatewayA, [
      loss('l-hole', SEED.deviceA, 9, ['07-01 05:00', '07-01 05:50'], '07-02 08:30'),
    ]);
    expect(await lost(`${site}&kind=daily&date=2026-07-01`)).toBe(9 + 3);
    expect(await lost(`${site}&kind=monthly&date=2026-07-15`)).toBe(9 + 4 + 2 + 3 + 5 + 7);
  });
});
