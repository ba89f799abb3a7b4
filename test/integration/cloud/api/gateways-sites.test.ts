import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClaim } from '../../../../cloud/aicss/claim.ts';
import { createTestCloud, SEED, type TestCloud } from '../../../helpers/cloud-app.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await createTestCloud();
});
afterAll(() => cloud?.close());

function self(token: string) {
  return cloud.app.inject({
    method: 'GET',
    url: '/api/v1/gateway/self',
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('gateway registration', () => {
  it('returns a one-time token and a claim string that round-trips to a working credential', async () => {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: cloud.auth('admin'),
      payload: { siteId: SEED.siteA, gatewayId: 'gw-sala', name: 'Sala de aula' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const creds = res.json();
    expect(creds.token).toMatch(/^cdsgw_[A-Za-z0-9_-]{43}$/);
    expect(creds.claim).toMatch(/^cds1:/);
    expect(decodeClaim(creds.claim)).toEqual({
      cloudUrl: SEED.cloudUrl,
      gatewayId: 'gw-sala',
      token: creds.token,
      siteId: SEED.siteA,
    });

    // Only the hash is stored.
    const { rows } = await cloud.pool.query('select * from gateways where gateway_id = $1', ['gw-sala']);
    expect(JSON.stringify(rows[0])).not.toContain(creds.token);

    const me = await self(decodeClaim(creds.claim).token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      gatewayId: 'gw-sala',
      siteId: SEED.siteA,
      name: 'Sala de aula',
      revoked: false,
    });

    const listed = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/gateways?site=${SEED.siteA}`,
      headers: cloud.auth('viewer'),
    });
    expect(listed.json().gateways.map((g: { gatewayId: string }) => g.gatewayId)).toEqual([
      'gw-a',
      'gw-sala',
    ]);
    expect(listed.body).not.toContain('cdsgw_');
  });

  it('generates an id when none is given, and refuses an unknown site or a taken id', async () => {
    const gen = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: cloud.auth('admin'),
      payload: { siteId: SEED.siteB },
    });
    expect(gen.json().gatewayId).toMatch(/^gw-[0-9a-f]{8}$/);
    const noSite = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: cloud.auth('admin'),
      payload: { siteId: 'nowhere' },
    });
    expect(noSite.statusCode).toBe(404);
    const taken = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: cloud.auth('admin'),
      payload: { siteId: SEED.siteA, gatewayId: SEED.gatewayA },
    });
    expect(taken.statusCode).toBe(409);
  });

  it('rotation replaces the token at once; revocation refuses it; rotation re-enables', async () => {
    const old = cloud.gateways.b.token;
    expect((await self(old)).statusCode).toBe(200);
    const rotated = await cloud.app.inject({
      method: 'POST',
      url: `/api/v1/gateways/${SEED.gatewayB}/token`,
      headers: cloud.auth('admin'),
    });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().token as string;
    expect(fresh).not.toBe(old);
    const refused = await self(old);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('unknown or revoked gateway token');
    expect((await self(fresh)).statusCode).toBe(200);

    const revoked = await cloud.app.inject({
      method: 'DELETE',
      url: `/api/v1/gateways/${SEED.gatewayB}/token`,
      headers: cloud.auth('admin'),
    });
    expect(revoked.statusCode).toBe(204);
    expect((await self(fresh)).statusCode).toBe(401);
    const sync = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aicss/dados',
      headers: { authorization: `Bearer ${fresh}`, 'idempotency-key': 'revoked-batch-01' },
      payload: { gatewayId: SEED.gatewayB, batchId: 'revoked-batch-01', readings: [] },
    });
    expect(sync.statusCode).toBe(401);

    const again = await cloud.app.inject({
      method: 'POST',
      url: `/api/v1/gateways/${SEED.gatewayB}/token`,
      headers: cloud.auth('admin'),
    });
    expect((await self(again.json().token)).json()).toMatchObject({
      gatewayId: SEED.gatewayB,
      revoked: false,
    });
  });
});

describe('sites', () => {
  it('admins create, change and delete sites; everyone logged in reads them', async () => {
    const created = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: cloud.auth('admin'),
      payload: {
        siteId: 'escola-sp-01',
        name: 'Escola SP',
        distributorCnpj: '61695227000193',
        modality: 'Branca',
        icmsRate: 0.18,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      siteId: 'escola-sp-01',
      modality: 'Branca',
      icmsRate: 0.18,
      subgroup: 'B1',
      timeZone: 'America/Sao_Paulo',
      nominalVoltage: 127,
    });
    const patched = await cloud.app.inject({
      method: 'PATCH',
      url: '/api/v1/sites/escola-sp-01',
      headers: cloud.auth('admin'),
      payload: { icmsRate: null, nominalVoltage: 220, timeZone: 'America/Manaus' },
    });
    expect(patched.json()).toMatchObject({ icmsRate: null, nominalVoltage: 220, timeZone: 'America/Manaus' });
    const badZone = await cloud.app.inject({
      method: 'PATCH',
      url: '/api/v1/sites/escola-sp-01',
      headers: cloud.auth('admin'),
      payload: { timeZone: 'Mars/Olympus' },
    });
    expect(badZone.json().error.details).toEqual(['body.timeZone: not an IANA time zone']);

    const one = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/sites/escola-sp-01',
      headers: cloud.auth('viewer'),
    });
    expect(one.json().name).toBe('Escola SP');

    const inUse = await cloud.app.inject({
      method: 'DELETE',
      url: `/api/v1/sites/${SEED.siteA}`,
      headers: cloud.auth('admin'),
    });
    expect(inUse.statusCode).toBe(409);
    const del = await cloud.app.inject({
      method: 'DELETE',
      url: '/api/v1/sites/escola-sp-01',
      headers: cloud.auth('admin'),
    });
    expect(del.statusCode).toBe(204);
    const gone = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/sites/escola-sp-01',
      headers: cloud.auth('viewer'),
    });
    expect(gone.statusCode).toBe(404);
  });

  it('lists devices of a site', async () => {
    const res = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/devices?site=${SEED.siteB}`,
      headers: cloud.auth('viewer'),
    });
    expect(res.json().devices).toEqual([
      expect.objectContaining({ deviceId: SEED.deviceB, gatewayId: SEED.gatewayB, expectedIntervalS: 10 }),
    ]);
  });
});
