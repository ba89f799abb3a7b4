import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../../helpers/cloud-app.ts';
import {
  type AnalyticsCloud,
  CEMIG_CNPJ,
  createAnalyticsCloud,
  insertRollups,
  type RollupSpec,
} from './helpers/analytics-fixture.ts';

/**
 * GET /api/v1/analytics/consumo for a Tarifa Branca site: an admin switches site-a to CEMIG-D Branca through
 * PATCH /api/v1/sites (the way a site gets its modality); the ponta/intermediário hours come from the
 * CEMIG-D row seeded by sql/postgres/150_analytics_branca_schedules.sql (ponta 17:00–20:00, intermediário
 * 1 h before and after) and the prices from the SYNTHETIC Branca tariff file loaded by the analytics fixture.
 *
 * Prices used: the three "Tarifa de Aplicação" rows of test/fixtures/aneel/tarifas-homologadas-branca.SYNTHETIC.csv
 * (CEMIG-D B1 Residencial, REH 3.589/2026, in force 2026-05-28 → 2027-05-27; the "Base Econômica" rows are
 * never used for billing):
 *   Ponta          TUSD 985,40 + TE 478,12 = 1 463,52 R$/MWh
 *   Intermediário  TUSD 865,22 + TE 310,21 = 1 175,43 R$/MWh
 *   Fora ponta     TUSD 362,05 + TE 294,11 =   656,16 R$/MWh
 * July 2026 is not in the flag file: April 2026's Verde (0 R$/MWh) stands in, provisional.
 *
 * SYNTHETIC rollups, the same 24 local hours on Wednesday 2026-07-08 and on Saturday 2026-07-11 (all other
 * hours of those days 0 Wh, so both days are complete): 02 h 1 000 Wh, 15 h 100, 16 h 200, 17/18/19 h 300
 * each, 20 h 400, 21 h 250 — 2 850 Wh a day.
 */
let cloud: AnalyticsCloud;
const H = 3_600_000;

/** Wh of channel 1 and 2 per local hour; the hours not listed are 0. */
const PROFILE: Record<number, [number, number]> = {
  2: [600, 400],
  15: [100, 0],
  16: [150, 50],
  17: [200, 100],
  18: [200, 100],
  19: [200, 100],
  20: [300, 100],
  21: [200, 50],
};

function day(localDate: string): RollupSpec[] {
  const midnight = Date.parse(`${localDate}T03:00:00Z`); // America/Sao_Paulo is UTC−3 (no DST since 2019)
  return [...Array(24).keys()].map((h) => {
    const [wh1, wh2] = PROFILE[h] ?? [0, 0];
    return {
      deviceId: SEED.deviceA,
      siteId: SEED.siteA,
      hourStartMs: midnight + h * H,
      wh1,
      wh2,
      readings: 360,
    };
  });
}

beforeAll(async () => {
  cloud = await createAnalyticsCloud();
  cloud.clock.set(Date.parse('2026-07-20T15:00:00Z'));
  const patched = await cloud.app.inject({
    method: 'PATCH',
    url: `/api/v1/sites/${SEED.siteA}`,
    headers: cloud.auth('admin'),
    payload: { distributorCnpj: CEMIG_CNPJ, modality: 'Branca' },
  });
  expect(patched.statusCode).toBe(200);
  expect(patched.json()).toMatchObject({ modality: 'Branca', distributorCnpj: CEMIG_CNPJ });
  await cloud.pool.query(`update devices set first_seen_at = '2026-07-01T03:00:00Z' where device_id = $1`, [
    SEED.deviceA,
  ]);
  await insertRollups(cloud.pool, [...day('2026-07-08'), ...day('2026-07-11')]);
});
afterAll(async () => {
  await cloud?.close();
});

async function consumo(query: string) {
  const res = await cloud.app.inject({
    method: 'GET',
    url: `/api/v1/analytics/consumo?${query}`,
    headers: cloud.auth('viewer'),
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

type PostoCost = { posto: string; kwh: number; rs: number };
const byName = (a: PostoCost, b: PostoCost) => a.posto.localeCompare(b.posto);

describe('GET /api/v1/analytics/consumo, Tarifa Branca (CEMIG-D)', () => {
  it('splits a weekday by posto — energy and R$ — and leaves a Saturday all fora ponta', async () => {
    const body = await consumo(`siteId=${SEED.siteA}&from=2026-07-08&to=2026-07-11&interval=day`);
    expect(body.pricing).toMatchObject({
      modality: 'Branca',
      distributorCnpj: CEMIG_CNPJ,
      unavailable: null,
    });
    expect(body.pricing.notes).toEqual([]);
    const [wed, thu, fri, sat] = body.buckets;
    expect(wed.start).toBe('2026-07-08T00:00:00-03:00');
    expect(wed).toMatchObject({ kwh: 2.85, missing: false, partial: false });
    // Wednesday:
    //   Fora ponta     02 h + 15 h + 21 h = 1 000 + 100 + 250 = 1 350 Wh × 656,16   = 0,885816 R$
    //   Intermediário  16 h + 20 h        =   200 + 400       =   600 Wh × 1 175,43 = 0,705258 R$
    //   Ponta          17 h + 18 h + 19 h = 3 × 300           =   900 Wh × 1 463,52 = 1,317168 R$
    //   net = 2,908242 R$ (flag Verde: 0)
    expect([...wed.cost.byPosto].sort(byName)).toEqual([
      { posto: 'Fora ponta', kwh: 1.35, rs: 0.8858 },
      { posto: 'Intermediário', kwh: 0.6, rs: 0.7053 },
      { posto: 'Ponta', kwh: 0.9, rs: 1.3172 },
    ]);
    expect(wed.cost).toMatchObject({ netRs: 2.9082, grossRs: null, unpricedKwh: 0, provisional: true });
    expect(wed.cost.flags).toEqual([
      { month: '2026-07-01', flag: 'Verde', kwh: 2.85, rs: 0, provisional: true },
    ]);
    // Thursday and Friday have no data: missing, never priced as zero.
    expect([thu.missing, thu.cost, fri.missing, fri.cost]).toEqual([true, null, true, null]);
    // Saturday, the same hours: 2 850 Wh × 656,16 = 1,870056 R$, all fora ponta.
    expect(sat.start).toBe('2026-07-11T00:00:00-03:00');
    expect(sat.cost.byPosto).toEqual([{ posto: 'Fora ponta', kwh: 2.85, rs: 1.8701 }]);
    expect(sat.cost.netRs).toBe(1.8701);
    // 2,908242 + 1,870056 = 4,778298
    expect(body.totals).toMatchObject({ kwh: 5.7, netRs: 4.7783, unpricedKwh: 0, missingBuckets: 2 });
  });

  it('puts each weekday hour in its posto at the schedule boundaries (16 h and 20 h intermediário, 17–19 h ponta)', async () => {
    // 15:00 → 22:00 local on Wednesday 2026-07-08.
    const body = await consumo(
      `siteId=${SEED.siteA}&from=2026-07-08T18:00:00Z&to=2026-07-09T01:00:00Z&interval=hour`,
    );
    expect(
      body.buckets.map((b: { start: string; cost: { byPosto: PostoCost[] } }) => [
        b.start.slice(11, 16),
        b.cost.byPosto,
      ]),
    ).toEqual([
      ['15:00', [{ posto: 'Fora ponta', kwh: 0.1, rs: 0.0656 }]], // 100 Wh × 656,16
      ['16:00', [{ posto: 'Intermediário', kwh: 0.2, rs: 0.2351 }]], // 200 Wh × 1 175,43 = 0,235086
      ['17:00', [{ posto: 'Ponta', kwh: 0.3, rs: 0.4391 }]], // 300 Wh × 1 463,52 = 0,439056
      ['18:00', [{ posto: 'Ponta', kwh: 0.3, rs: 0.4391 }]],
      ['19:00', [{ posto: 'Ponta', kwh: 0.3, rs: 0.4391 }]],
      ['20:00', [{ posto: 'Intermediário', kwh: 0.4, rs: 0.4702 }]], // 400 Wh × 1 175,43 = 0,470172
      ['21:00', [{ posto: 'Fora ponta', kwh: 0.25, rs: 0.164 }]], // 250 Wh × 656,16 = 0,16404
    ]);
  });
});
