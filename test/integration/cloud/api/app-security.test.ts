import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCloudApp } from '../../../../cloud/app.ts';
import { createTestCloud, type TestCloud } from '../../../helpers/cloud-app.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await createTestCloud();
});
afterAll(() => cloud?.close());

describe('security headers and CORS', () => {
  it('sends the helmet headers on API answers', async () => {
    const res = await cloud.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Plain HTTP: no HSTS (it would be ignored, and breaks a later move to another host name).
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('has CORS off by default: no allow-origin header, preflight not answered', async () => {
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/sites',
      headers: { ...cloud.auth('viewer'), origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await cloud.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/sites',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the configured origins when CORS is on', async () => {
    const app = await buildCloudApp({
      ...cloud.deps,
      config: { ...cloud.deps.config, corsOrigins: ['https://painel.example'] },
    });
    try {
      const ok = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/sites',
        headers: { origin: 'https://painel.example', 'access-control-request-method': 'GET' },
      });
      expect(ok.headers['access-control-allow-origin']).toBe('https://painel.example');
      const other = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/sites',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('error handler', () => {
  it('answers validation errors with 400 validation_failed and one `path: message` per issue', async () => {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: cloud.auth('admin'),
      payload: { siteId: 'bad id!', name: '', icmsRate: 3 },
    });
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('validation_failed');
    expect(err.retryable).toBe(false);
    expect(err.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^body\.siteId: /),
        expect.stringMatching(/^body\.name: /),
        expect.stringMatching(/^body\.icmsRate: /),
      ]),
    );
  });

  it('answers malformed JSON with 400 malformed_json and an oversized body with 413', async () => {
    const bad = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: { ...cloud.auth('admin'), 'content-type': 'application/json' },
      payload: '{"siteId": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('malformed_json');
    const big = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: { ...cloud.auth('admin'), 'content-type': 'application/json' },
      payload: JSON.stringify({ siteId: 'x', name: 'y'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('answers unknown routes with 404 in the same error shape', async () => {
    const res = await cloud.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'not_found', message: 'no route GET /api/v1/nothing-here', retryable: false },
    });
  });

  it('hides the message and stack of unexpected errors (500)', async () => {
    const app = await buildCloudApp(cloud.deps, {
      extraRoutes: [
        async (a) => {
          a.get('/boom', { config: { access: ['public'] } }, async () => {
            throw new Error('secret detail at /srv/cds/file.ts:12');
          });
        },
      ],
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/boom' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal error', retryable: true } });
      expect(res.body).not.toContain('secret');
    } finally {
      await app.close();
    }
  });
});

describe('the access convention', () => {
  it('fails app start-up when a route declares no access', async () => {
    await expect(
      buildCloudApp(cloud.deps, {
        extraRoutes: [
          async (a) => {
            a.get('/forgotten', { schema: { response: { 200: z.string() } } }, async () => 'x');
          },
        ],
      }),
    ).rejects.toThrow(/GET \/forgotten must declare config\.access/);
  });
});

describe('OpenAPI', () => {
  it('serves the document with each operation’s access and Swagger UI at /docs', async () => {
    const spec = await cloud.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json();
    const put = doc.paths['/api/v1/aicss/config'].put;
    expect(put['x-access']).toEqual(['operator']);
    expect(put.security).toEqual([{ bearer: [] }]);
    expect(put.requestBody.content['application/json'].schema.properties.gatewayId.type).toBe('string');
    const ui = await cloud.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});

describe('audit log', () => {
  async function auditRows() {
    const { rows } = await cloud.pool.query(
      'select actor_kind, actor_id, action, target, status, source_ip, details from audit_log order by id',
    );
    return rows;
  }

  it('writes one row per state-changing call, refused ones and failed logins included, none for reads', async () => {
    await cloud.pool.query('delete from audit_log');
    await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: cloud.auth('admin'),
      payload: { siteId: 'casa-rj-01', name: 'Casa RJ' },
      remoteAddress: '192.0.2.10',
    });
    await cloud.app.inject({ method: 'GET', url: '/api/v1/sites', headers: cloud.auth('admin') });
    await cloud.app.inject({
      method: 'PUT',
      url: '/api/v1/aicss/config',
      headers: cloud.auth('viewer'),
      payload: { gatewayId: 'gw-a', config: {} },
      remoteAddress: '192.0.2.11',
    });
    await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'operator', password: 'wrong-password' },
      remoteAddress: '192.0.2.12',
    });

    expect(await auditRows()).toEqual([
      {
        actor_kind: 'user',
        actor_id: 'admin',
        action: 'POST /api/v1/sites',
        target: 'site:casa-rj-01',
        status: 201,
        source_ip: '192.0.2.10',
        details: null,
      },
      {
        actor_kind: 'user',
        actor_id: 'viewer',
        action: 'PUT /api/v1/aicss/config',
        target: null,
        status: 403,
        source_ip: '192.0.2.11',
        details: null,
      },
      {
        actor_kind: 'anonymous',
        actor_id: null,
        action: 'POST /api/v1/auth/login',
        target: 'user:operator',
        status: 401,
        source_ip: '192.0.2.12',
        details: null,
      },
    ]);
  });

  it('records path targets and route details, and lets only admins read the log', async () => {
    await cloud.app.inject({
      method: 'PUT',
      url: '/api/v1/aicss/config',
      headers: cloud.auth('operator'),
      payload: { gatewayId: 'gw-a', config: { sync: { schedule: '*/30 * * * * *' } } },
    });
    await cloud.app.inject({
      method: 'DELETE',
      url: '/api/v1/sites/casa-rj-01',
      headers: cloud.auth('admin'),
    });

    const asViewer = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/audit',
      headers: cloud.auth('viewer'),
    });
    expect(asViewer.statusCode).toBe(403);
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=2',
      headers: cloud.auth('admin'),
    });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entries;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      action: 'DELETE /api/v1/sites/:siteId',
      target: 'site:casa-rj-01',
      status: 204,
    });
    expect(entries[1]).toMatchObject({
      actorKind: 'user',
      actorId: 'operator',
      action: 'PUT /api/v1/aicss/config',
      target: 'gateway:gw-a',
      status: 201,
      details: { version: 1 },
    });
    const older = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/audit?before=${entries[1].id}&actor=admin`,
      headers: cloud.auth('admin'),
    });
    expect(older.json().entries.every((e: { actorId: string }) => e.actorId === 'admin')).toBe(true);
    expect(older.json().entries[0]).toMatchObject({ action: 'POST /api/v1/sites', status: 201 });
  });
});
