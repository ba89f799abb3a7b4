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
