import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestCloud, type TestCloud } from '../../../helpers/cloud-app.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await createTestCloud();
});
afterAll(() => cloud?.close());

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
    payload: { gatewayId: 'gw-a', config: { sync: { intervalS: 30 } } },
  });
  await cloud.app.inject({ method: 'DELETE', url: '/api/v1/sites/casa-rj-01', headers: cloud.auth('admin') });

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
