import type { InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCloudApp } from '../../../../cloud/app.ts';
import { createTestCloud, SEED, type TestCaller } from '../../../helpers/cloud-app.ts';
import { reading } from '../../../helpers/cloud-fixtures.ts';

/**
 * The authorization matrix: every route the app registers × the six kinds of caller (anonymous, viewer,
 * operator, admin, the gateway of the site a request is about, another site's gateway), checked against a
 * table written by hand from issues #4 (cloud core) and #5 (ANEEL and analytics) — never from the routes'
 * own `config.access`, so a wrongly declared route fails here. The table must list exactly the app's routes:
 * a new route fails the test until someone decides, here, who may call it.
 *
 * OK = past authorization: any status but 401/403 (a 400 for the probe body, a 404 for a missing id, a 422
 * are all fine) and never a 5xx. NO = 401 `unauthenticated` for anonymous (and any bad token), 403
 * `forbidden` for an authenticated caller without the right.
 *
 * Probes carry a body no route accepts (`[]`) and ids that do not exist, so an allowed call stops at
 * validation or "not found" and changes nothing; requests are about site A, so `gatewayA` is the own-site
 * gateway and `gatewayB` another site's.
 *
 * Rows without a comment follow the issues' explicit words or the general rule they state: roles are
 * hierarchical (admin ⊇ operator ⊇ viewer), viewers read, state changes are operator (operational config) or
 * admin (users, sites, gateways, tokens, ANEEL), and a gateway token is not a user: it may call only the
 * gateway's own sync/self endpoints.
 *
 * Where the product's access differs from what the issues imply, the row holds the product's current
 * behaviour and a `// DISAGREES:` comment saying what it should be and why (none today).
 */
const OK = 'allowed' as const;
const NO = 'denied' as const;
type Outcome = typeof OK | typeof NO;

const CALLERS = [
  'anonymous',
  'viewer',
  'operator',
  'admin',
  'gatewayA',
  'gatewayB',
] as const satisfies readonly TestCaller[];
type Caller = (typeof CALLERS)[number];

interface Row {
  method: string;
  url: string;
  expected: Record<Caller, Outcome>;
}

function row(
  method: string,
  url: string,
  anonymous: Outcome,
  viewer: Outcome,
  operator: Outcome,
  admin: Outcome,
  gatewayA: Outcome,
  gatewayB: Outcome,
): Row {
  return { method, url, expected: { anonymous, viewer, operator, admin, gatewayA, gatewayB } };
}

// biome-ignore format: a table aligned by hand
const TABLE: Row[] = [
  //   method    url                                             anon viewer oper admin gw-own gw-other
  // Public (issue 4): health, readiness, Prometheus metrics (no metrics token here; see the block below), docs.
  row('GET',    '/healthz',                                       OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/readyz',                                        OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/metrics',                                       OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs',                                          OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs/json',                                     OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs/yaml',                                     OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs/static/index.html',                        OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs/static/swagger-initializer.js',            OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/docs/static/*',                                 OK,  OK,   OK,  OK,  OK,   OK),
  // The web UI under /ui/ is public (its data calls carry the user's token); / only redirects to it.
  row('GET',    '/',                                              OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/ui/',                                           OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/ui/app.js',                                     OK,  OK,   OK,  OK,  OK,   OK),
  row('GET',    '/ui/styles.css',                                 OK,  OK,   OK,  OK,  OK,   OK),

  // Auth (issue 4: login returns a JWT plus refresh). Login is how one gets a token, so it is public.
  row('POST',   '/api/v1/auth/login',                             OK,  OK,   OK,  OK,  OK,   OK),
  // Silent: refresh and logout are authenticated by the refresh token in the body, not by a bearer token.
  row('POST',   '/api/v1/auth/refresh',                           OK,  OK,   OK,  OK,  OK,   OK),
  row('POST',   '/api/v1/auth/logout',                            OK,  OK,   OK,  OK,  OK,   OK),
  // Silent: who-am-I for any logged-in user; a gateway is not a user (it has /gateway/self).
  row('GET',    '/api/v1/auth/me',                                NO,  OK,   OK,  OK,  NO,   NO),

  // User management is admin (issue 4, and the brief) — listing users included.
  row('GET',    '/api/v1/users',                                  NO,  NO,   NO,  OK,  NO,   NO),
  row('POST',   '/api/v1/users',                                  NO,  NO,   NO,  OK,  NO,   NO),
  row('PATCH',  '/api/v1/users/:username',                        NO,  NO,   NO,  OK,  NO,   NO),

  // Silent: sites are read by every user (the dashboard lists them) and managed by admins only.
  row('GET',    '/api/v1/sites',                                  NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/sites/:siteId',                          NO,  OK,   OK,  OK,  NO,   NO),
  row('POST',   '/api/v1/sites',                                  NO,  NO,   NO,  OK,  NO,   NO),
  row('PATCH',  '/api/v1/sites/:siteId',                          NO,  NO,   NO,  OK,  NO,   NO),
  row('DELETE', '/api/v1/sites/:siteId',                          NO,  NO,   NO,  OK,  NO,   NO),

  // Gateway registration is an admin endpoint (issue 4); so are its token rotation and revocation.
  // Silent: the gateway list is a read, for every user.
  row('GET',    '/api/v1/gateways',                               NO,  OK,   OK,  OK,  NO,   NO),
  row('POST',   '/api/v1/gateways',                               NO,  NO,   NO,  OK,  NO,   NO),
  row('POST',   '/api/v1/gateways/:gatewayId/token',              NO,  NO,   NO,  OK,  NO,   NO),
  row('DELETE', '/api/v1/gateways/:gatewayId/token',              NO,  NO,   NO,  OK,  NO,   NO),
  // Silent: a gateway checks its own token (`cds gateway init`); each gateway is answered about itself only.
  row('GET',    '/api/v1/gateway/self',                           NO,  NO,   NO,  NO,  OK,   OK),

  // Silent: devices and alerts are read by every user; renaming a device or setting its expected reading
  // interval is operational configuration (operator).
  row('GET',    '/api/v1/devices',                                NO,  OK,   OK,  OK,  NO,   NO),
  row('PATCH',  '/api/v1/devices/:deviceId',                      NO,  NO,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/alerts',                                 NO,  OK,   OK,  OK,  NO,   NO),

  // Silent on the role: status is a read, for every user.
  row('GET',    '/api/v1/aicss/status',                           NO,  OK,   OK,  OK,  NO,   NO),
  // PUT config is operator/admin (issue 4). Silent on GET: a read, for every user; gateways get their config
  // in the sync answer (issue 4: "the gateway fetches it during sync"), not here.
  row('PUT',    '/api/v1/aicss/config',                           NO,  NO,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/aicss/config',                           NO,  OK,   OK,  OK,  NO,   NO),

  // The audit log is readable by admins only (issue 4).
  row('GET',    '/api/v1/audit',                                  NO,  NO,   NO,  OK,  NO,   NO),

  // Ingest is gateway-only, and a gateway writes only its own devices (issue 4): the probe is site A's batch.
  row('POST',   '/api/v1/aicss/dados',                            NO,  NO,   NO,  NO,  OK,   NO),

  // Analytics, reports and the SCR export are reads, for every user (issue 5 is silent on roles).
  row('GET',    '/api/v1/analytics/consumo',                      NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/fatura',                       NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/economia',                     NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/modalidade',                   NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/previsao',                     NO,  OK,   OK,  OK,  NO,   NO),
  // Silent: importing R predictions stores data beside the built-in forecast: a change, for operators.
  row('POST',   '/api/v1/analytics/previsao/import',              NO,  NO,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/previsao/importacoes',         NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/previsao/comparacao',          NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/relatorios',                   NO,  OK,   OK,  OK,  NO,   NO),
  // Silent: generating and keeping a report file writes to the server: a change, for operators; reading
  // the kept files is for every user.
  row('POST',   '/api/v1/analytics/relatorios/arquivo',           NO,  NO,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/relatorios/arquivo',           NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/analytics/relatorios/arquivo/:id',       NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/export/scr',                             NO,  OK,   OK,  OK,  NO,   NO),

  // ANEEL sync is admin (issue 5).
  row('POST',   '/api/v1/aneel/sync',                             NO,  NO,   NO,  OK,  NO,   NO),
  // Silent: a run's progress (rows, rejections, errors) is operational detail: operators watch whether the
  // tariffs the cost figures use are current; viewers only need the tariffs themselves.
  row('GET',    '/api/v1/aneel/sync/:id',                         NO,  NO,   OK,  OK,  NO,   NO),
  // Silent on roles: tariffs and market consumption are reads, for every user.
  row('GET',    '/api/v1/aneel/tarifas',                          NO,  OK,   OK,  OK,  NO,   NO),
  row('GET',    '/api/v1/aneel/consumo',                          NO,  OK,   OK,  OK,  NO,   NO),
];

const cloud = await createTestCloud();
// The same app on the same database, with a metrics token configured (the seeded users and gateways work).
const METRICS_TOKEN = 'matrix-metrics-token-0123456789';
const metricsApp = await buildCloudApp({
  ...cloud.deps,
  config: { ...cloud.deps.config, metricsToken: METRICS_TOKEN },
});
afterAll(async () => {
  await metricsApp.close();
  await cloud.close();
});

const key = (method: string, url: string): string => `${method} ${url}`;

// Matrix probes use path ids that do not exist (an admin's DELETE must not remove site A); where a body
// names a gateway, it is site A's.
const SITE_A_BATCH = 'matrix-site-a-batch-0001';

/** Per-route probe bodies where `[]` would stop every caller at validation before the check that matters. */
const PROBE_BODY: Record<string, unknown> = {
  // Site A's batch whose only reading is invalid: gw-a gets past authorization and is refused 422 (nothing
  // stored); gw-b is refused 403 because the batch names another gateway.
  [key('POST', '/api/v1/aicss/dados')]: { gatewayId: SEED.gatewayA, batchId: SITE_A_BATCH, readings: [{}] },
};

function concreteUrl(url: string, values: Record<string, string>): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name] ?? 'matrix-none')
    .replace('*', 'index.html');
}

function request(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  idempotencyKey = SITE_A_BATCH,
): InjectOptions {
  const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  return {
    method: method as InjectOptions['method'],
    url,
    headers: { ...headers, ...(hasBody ? { 'idempotency-key': idempotencyKey } : {}) },
    ...(hasBody ? { payload: body as InjectOptions['payload'] } : {}),
  };
}

function probe(r: Row, headers: Record<string, string>): InjectOptions {
  return request(r.method, concreteUrl(r.url, {}), headers, PROBE_BODY[key(r.method, r.url)] ?? []);
}

function expectOutcome(
  res: { statusCode: number; body: string; json(): unknown },
  outcome: Outcome,
  denial: 401 | 403,
): void {
  if (outcome === OK) {
    expect([401, 403], `expected past authorization: ${res.body}`).not.toContain(res.statusCode);
    expect(res.statusCode, res.body).toBeLessThan(500);
  } else {
    expect(res.statusCode, res.body).toBe(denial);
    expect((res.json() as { error: { code: string } }).error.code).toBe(
      denial === 401 ? 'unauthenticated' : 'forbidden',
    );
  }
}

describe('the table lists exactly the routes the app registers', () => {
  const app = cloud.app.cloudRoutes.map((r) => key(r.method, r.url));
  const table = TABLE.map((r) => key(r.method, r.url));
  it('every registered route has a row (decide who may call a new route here)', () => {
    expect(app.filter((k) => !table.includes(k))).toEqual([]);
  });
  it('every row is a registered route', () => {
    expect(table.filter((k) => !app.includes(k))).toEqual([]);
  });
  it('no route is listed twice', () => {
    expect(table.filter((k, i) => table.indexOf(k) !== i)).toEqual([]);
  });
});

describe.each(TABLE)('$method $url', (r) => {
  it.each(CALLERS)('as %s', async (who) => {
    const res = await cloud.app.inject(probe(r, cloud.auth(who)));
    expectOutcome(res, r.expected[who], who === 'anonymous' ? 401 : 403);
  });
  // A bad token is no better than none: 401 where anonymous callers are refused, ignored on public routes.
  it.each([
    ['an invalid JWT', 'not-a-jwt'],
    ['an unknown gateway token', 'cdsgw_matrix-unknown-token-0123456789'],
  ])('with %s', async (_, token) => {
    const res = await cloud.app.inject(probe(r, { authorization: `Bearer ${token}` }));
    expectOutcome(res, r.expected.anonymous, 401);
  });
});

// Issue 4: /metrics is public unless a metrics token is configured; then only that token opens it. A user's
// JWT or a gateway token is not a credential for it, so every one of the six callers is unauthenticated (401).
describe('GET /metrics with a metrics token configured', () => {
  it.each(CALLERS)('as %s', async (who) => {
    const res = await metricsApp.inject({
      method: 'GET',
      url: '/metrics',
      headers: cloud.auth(who),
    });
    expectOutcome(res, NO, 401);
  });
  it('with the metrics token', async () => {
    const res = await metricsApp.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode, res.body).toBe(200);
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
       (select row_to_json(g) from gateways g where gateway_id = $2) as gateway,
       (select row_to_json(s) from sites s where site_id = $1) as site`,
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
const siteAIds = { gatewayId: SEED.gatewayA, siteId: SEED.siteA, deviceId: SEED.deviceA };
// The routes only gateways may call: their answers are about the calling gateway alone.
const gatewayOnly = TABLE.filter((r) => r.expected.anonymous === NO && r.expected.gatewayB === OK);

describe('a gateway of site B cannot touch site A, through any route', () => {
  it('there are gateway routes to check', () => {
    expect(gatewayOnly.length).toBeGreaterThan(0);
  });
  it.each(TABLE)('$method $url', async (r) => {
    const before = await siteASnapshot();
    const target = concreteUrl(r.url, siteAIds);
    const res = await cloud.app.inject(
      request(r.method, target, cloud.auth('gatewayB'), crossSiteBody, crossSiteBody.batchId),
    );
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (gatewayOnly.includes(r) && res.statusCode < 300) {
      // Answered: then only about itself, never with site A's data.
      for (const id of Object.values(siteAIds)) expect(res.body).not.toContain(`"${id}"`);
    }
    expect(await siteASnapshot()).toEqual(before);
  });
});
