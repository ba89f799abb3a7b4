import type { InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { type Access, allows, type Principal } from '../../../../cloud/auth/access.ts';
import { createTestCloud, SEED, type TestCaller } from '../../../helpers/cloud-app.ts';
import { reading } from '../../../helpers/cloud-fixtures.ts';

/**
 * The authorization matrix, generated from the app's own route table: every registered route × every kind
 * of caller. A route added by any module is covered without touching this file; the expected outcome comes
 * from the route's declared `access`. Requests carry a body no route accepts (`[]`) and ids that do not
 * exist, so an allowed call stops at validation or "not found" and changes nothing.
 */
const cloud = await createTestCloud();
afterAll(() => cloud.close());

const CALLERS: TestCaller[] = ['anonymous', 'viewer', 'operator', 'admin', 'gatewayA', 'gatewayB'];
const routes = cloud.app.cloudRoutes;

function principalOf(who: TestCaller): Principal | undefined {
  if (who === 'anonymous') return undefined;
  if (who === 'gatewayA') return { kind: 'gateway', gatewayId: SEED.gatewayA, siteId: SEED.siteA };
  if (who === 'gatewayB') return { kind: 'gateway', gatewayId: SEED.gatewayB, siteId: SEED.siteB };
  return { kind: 'user', userId: cloud.users[who].userId, username: who, role: who };
}

function concreteUrl(url: string, values: Record<string, string>): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name] ?? 'matrix-none')
    .replace('*', 'index.html');
}

function request(method: string, url: string, who: TestCaller, body: unknown): InjectOptions {
  const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  return {
    method: method as InjectOptions['method'],
    url,
    headers: { ...cloud.auth(who), ...(hasBody ? { 'idempotency-key': 'matrix-probe-0001' } : {}) },
    ...(hasBody ? { payload: body as InjectOptions['payload'] } : {}),
  };
}

describe.each(routes)('$method $url ($access)', ({ method, url, access }) => {
  it.each(CALLERS)('as %s', async (who) => {
    const res = await cloud.app.inject(request(method, concreteUrl(url, {}), who, []));
    const allowed = allows(access as Access[], principalOf(who));
    if (allowed) {
      expect([401, 403], `${who} is allowed: ${res.body}`).not.toContain(res.statusCode);
      expect(res.statusCode, res.body).toBeLessThan(500);
    } else {
      expect(res.statusCode, res.body).toBe(who === 'anonymous' ? 401 : 403);
      expect(res.json().error.code).toBe(who === 'anonymous' ? 'unauthenticated' : 'forbidden');
    }
  });
});

/** Everything the database holds about site A; a foreign gateway's call must leave it as it was. */
async function siteASnapshot(): Promise<unknown> {
  const { rows } = await cloud.pool.query(
    `select
       (select count(*) from readings where device_id = $3) as readings,
       (select count(*) from sync_batches where gateway_id = $2) as batches,
       (select count(*) from alerts where site_id = $1) as alerts,
       (select count(*) from losses where gateway_id = $2) as losses,
       (select count(*) from gateway_configs where gateway_id = $2) as configs,
       (select count(*) from ingest_rejections where gateway_id = $2) as rejections,
       (select json_agg(d order by device_id) from devices d where site_id = $1) as devices,
       (select row_to_json(g) from gateways g where gateway_id = $2) as gateway`,
    [SEED.siteA, SEED.gatewayA, SEED.deviceA],
  );
  return rows[0];
}

// A request that reaches into site A: its ids in the path, and a body naming its gateway and device.
const T = Date.UTC(2026, 2, 10, 10, 0, 0);
const crossSiteBody = {
  gatewayId: SEED.gatewayA,
  batchId: 'matrix-cross-site-0001',
  readings: [reading({ device: SEED.deviceA, seq: 1, ts: T, e1: 10, p1: 50 })],
};
const gatewayRoutes = routes.filter((r) => r.access.includes('gateway') && !r.access.includes('public'));

describe('a gateway of site B cannot touch site A', () => {
  it('there are gateway routes to check', () => {
    expect(gatewayRoutes.length).toBeGreaterThan(0);
  });
  it.each(gatewayRoutes)('$method $url', async ({ method, url }) => {
    const before = await siteASnapshot();
    const target = concreteUrl(url, { gatewayId: SEED.gatewayA, siteId: SEED.siteA, deviceId: SEED.deviceA });
    const res = await cloud.app.inject(request(method, target, 'gatewayB', crossSiteBody));
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode < 300) {
      // Answered: then only about itself, never with site A's data.
      for (const id of [SEED.gatewayA, SEED.siteA, SEED.deviceA]) expect(res.body).not.toContain(`"${id}"`);
    }
    expect(await siteASnapshot()).toEqual(before);
  });
});
