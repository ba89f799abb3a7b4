import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicesRepository } from '../../../../cloud/aicss/devices-repository.ts';
import { createTestCloud, SEED, type TestCloud } from '../../../helpers/cloud-app.ts';
import { reading } from '../../../helpers/cloud-fixtures.ts';

// Readings are SYNTHESIZED (test/helpers/cloud-fixtures.ts) and go through the real ingest route.
let cloud: TestCloud;
let T: number;
beforeAll(async () => {
  cloud = await createTestCloud();
  T = cloud.clock.now();
});
afterAll(() => cloud?.close());

let batchNo = 0;
async function sync(who: 'gatewayA' | 'gatewayB', body: Record<string, unknown>) {
  const gatewayId = who === 'gatewayA' ? SEED.gatewayA : SEED.gatewayB;
  const batchId = `status-test-${gatewayId}-${++batchNo}`;
  const res = await cloud.app.inject({
    method: 'POST',
    url: '/api/v1/aicss/dados',
    headers: { ...cloud.auth(who), 'idempotency-key': batchId },
    payload: { gatewayId, batchId, readings: [], ...body },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function putConfig(gatewayId: string, config: unknown, who: 'operator' | 'admin' | 'viewer' = 'operator') {
  return cloud.app.inject({
    method: 'PUT',
    url: '/api/v1/aicss/config',
    headers: cloud.auth(who),
    payload: { gatewayId, config },
  });
}

function statusReport(configVersion: number) {
  return {
    backlogReadings: 12,
    oldestUnsyncedTs: T - 90_000,
    rejectedByCode: { crc_mismatch: 3 },
    devices: [{ device: SEED.deviceA, lastSeenAt: T - 30_000, rejectedByCode: { crc_mismatch: 3 } }],
    configVersion,
    softwareVersion: '0.1.0-test',
    sentAt: T,
  };
}

describe('gateway configuration', () => {
  it('stores versions, refuses bad ones, and hands the newest to the gateway at its next sync', async () => {
    // gw-a syncs hourly (offline after 6 h), gw-b every 10 s (offline after 60 s).
    const v1 = await putConfig(SEED.gatewayA, { sync: { schedule: '0 0 * * * *' } });
    expect(v1.statusCode, v1.body).toBe(201);
    expect(v1.json()).toMatchObject({ gatewayId: SEED.gatewayA, version: 1, createdBy: 'operator' });
    expect((await putConfig(SEED.gatewayB, { sync: { schedule: '*/10 * * * * *' } })).statusCode).toBe(201);

    const bad = await putConfig(SEED.gatewayA, {
      sync: { schedule: 'often', token: 'x' },
      alerts: { overCurrent: { maxA: -1 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^body\.config\.sync: Unrecognized key: "token"/),
        expect.stringMatching(/^body\.config\.alerts\.overCurrent\.maxA: /),
      ]),
    );
    expect((await putConfig('gw-nope', {})).statusCode).toBe(404);
    expect((await putConfig(SEED.gatewayA, {}, 'viewer')).statusCode).toBe(403);

    const budgets = {
      sync: { schedule: '0 0 * * * *' },
      alerts: { energyBudget: { dailyWh: 1500 }, devices: { [SEED.deviceA]: { dailyBudgetWh: 800 } } },
    };
    const v2 = await putConfig(SEED.gatewayA, budgets, 'admin');
    expect(v2.json()).toMatchObject({ version: 2, config: budgets, createdBy: 'admin' });

    const hist = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/aicss/config?gateway=${SEED.gatewayA}`,
      headers: cloud.auth('viewer'),
    });
    expect(hist.statusCode).toBe(200);
    expect(hist.json()).toMatchObject({ current: { version: 2, config: budgets }, appliedVersion: 0 });
    expect(hist.json().history.map((h: { version: number }) => h.version)).toEqual([2, 1]);

    // The gateway has applied nothing yet: the sync answer carries version 2 (stored verbatim, no defaults).
    const first = await sync('gatewayA', { status: statusReport(0) });
    expect(first.config).toEqual({ version: 2, config: budgets });
    const applied = await sync('gatewayA', { status: statusReport(2) });
    expect(applied.config).toBeNull();
    const after = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/aicss/config?gateway=${SEED.gatewayA}`,
      headers: cloud.auth('viewer'),
    });
    expect(after.json().appliedVersion).toBe(2);
  });
});

describe('status', () => {
  it('tells an offline gateway, a silent board and a board that really consumes nothing apart', async () => {
    const devices = new DevicesRepository(cloud.pool);
    await devices.create({
      deviceId: 'dev-a-zero',
      siteId: SEED.siteA,
      gatewayId: SEED.gatewayA,
      expectedIntervalS: 120,
    });
    await devices.create({
      deviceId: 'dev-a-quiet',
      siteId: SEED.siteA,
      gatewayId: SEED.gatewayA,
      expectedIntervalS: 10,
    });
    const patched = await cloud.app.inject({
      method: 'PATCH',
      url: `/api/v1/devices/${SEED.deviceA}`,
      headers: cloud.auth('operator'),
      payload: { expectedIntervalS: 120, name: 'Sala' },
    });
    expect(patched.json()).toMatchObject({ name: 'Sala', expectedIntervalS: 120 });

    const ts = T - 30_000;
    await sync('gatewayA', {
      readings: [
        reading({ device: SEED.deviceA, seq: 1, ts, e1: 100, e2: 50, p1: 60, p2: 15 }),
        reading({ device: 'dev-a-zero', seq: 1, ts, e1: 10, e2: 10, p1: 0, p2: 0.2 }),
        reading({ device: 'dev-a-quiet', seq: 1, ts, e1: 10, e2: 10, p1: 30, p2: 0 }),
        { ...reading({ device: SEED.deviceA, seq: 2, ts: ts + 1000 }), voltageV: 9999 },
      ],
      alerts: [
        {
          id: 'alert-1',
          device: SEED.deviceA,
          rule: 'over_current',
          severity: 'warning',
          state: 'raised',
          raisedAt: ts,
          clearedAt: null,
          value: 12,
          threshold: 10,
          message: 'channel 1 above 10 A',
        },
      ],
      status: statusReport(2),
    });
    await sync('gatewayB', { readings: [reading({ device: SEED.deviceB, seq: 1, ts, e1: 1, p1: 40 })] });

    cloud.clock.set(T + 300_000);
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aicss/status',
      headers: cloud.auth('viewer'),
    });
    expect(res.statusCode, res.body).toBe(200);
    const gws = Object.fromEntries(res.json().gateways.map((g: { gatewayId: string }) => [g.gatewayId, g]));
    const a = gws[SEED.gatewayA];
    expect(a).toMatchObject({
      state: 'online',
      syncIntervalS: 3600,
      backlogReadings: 12,
      oldestUnsyncedAgeS: 390,
      rejectedByCode: { crc_mismatch: 3 },
      softwareVersion: '0.1.0-test',
      configVersionApplied: 2,
      configVersionLatest: 2,
      activeAlerts: 1,
    });
    const dev = Object.fromEntries(a.devices.map((d: { deviceId: string }) => [d.deviceId, d]));
    expect(dev[SEED.deviceA]).toMatchObject({
      state: 'reporting',
      name: 'Sala',
      lastPowerW: 75,
      activeAlerts: 1,
    });
    expect(dev[SEED.deviceA].rejectedByCode).toEqual({ crc_mismatch: 3 });
    expect(Object.values(dev[SEED.deviceA].cloudRejectedByCode)).toEqual([1]);
    expect(dev['dev-a-zero']).toMatchObject({ state: 'zero_consumption' });
    expect(dev['dev-a-zero'].lastPowerW).toBeCloseTo(0.2);
    expect(dev['dev-a-quiet']).toMatchObject({ state: 'silent' });

    expect(gws[SEED.gatewayB]).toMatchObject({ state: 'offline', syncIntervalS: 10, offlineAfterS: 60 });
    expect(gws[SEED.gatewayB].devices[0]).toMatchObject({ deviceId: SEED.deviceB, state: 'gateway_offline' });

    const siteB = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/aicss/status?site=${SEED.siteB}`,
      headers: cloud.auth('viewer'),
    });
    expect(siteB.json().gateways.map((g: { gatewayId: string }) => g.gatewayId)).toEqual([SEED.gatewayB]);

    const alerts = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/alerts?site=${SEED.siteA}`,
      headers: cloud.auth('viewer'),
    });
    expect(alerts.json().alerts).toEqual([
      expect.objectContaining({
        alertId: 'alert-1',
        deviceId: SEED.deviceA,
        rule: 'over_current',
        state: 'raised',
      }),
    ]);
  });
});
