import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCloud, type TestCloud } from '../../../helpers/cloud-app.ts';
import { FakeCkan } from '../../../helpers/fake-ckan.ts';
import { FIXTURES } from './aneel-test-db.ts';

let ckan: FakeCkan;
let cloud: TestCloud;

async function waitForSync(
  id: number,
): Promise<{ status: string; runs: { dataset: string; status: string; rowsRead: number }[] }> {
  for (let i = 0; i < 200; i++) {
    const res = await cloud.app.inject({
      method: 'GET',
      url: `/api/v1/aneel/sync/${id}`,
      headers: cloud.auth('operator'),
    });
    const body = res.json();
    if (body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sync ${id} did not finish`);
}

beforeAll(async () => {
  ckan = await new FakeCkan(FIXTURES).start();
  cloud = await createTestCloud({
    config: { aneel: { baseUrl: ckan.baseUrl, cron: '0 4 * * *', enabled: false } },
  });
});
afterAll(async () => {
  await cloud?.close();
  await ckan?.stop();
});

describe('/api/v1/aneel', () => {
  it('declares who may call what', () => {
    const table = cloud.app.cloudRoutes
      .filter((r) => r.url.startsWith('/api/v1/aneel'))
      .map((r) => `${r.method} ${r.url} ${r.access.join(',')}`);
    expect(table).toEqual([
      'POST /api/v1/aneel/sync admin',
      'GET /api/v1/aneel/sync/:id operator',
      'GET /api/v1/aneel/tarifas viewer',
      'GET /api/v1/aneel/consumo viewer',
    ]);
  });

  it('POST /sync: only admins start a sync; it answers 202 at once and the status shows the runs', async () => {
    const body = { sampYears: [2024] };
    for (const who of ['operator', 'viewer'] as const) {
      const denied = await cloud.app.inject({
        method: 'POST',
        url: '/api/v1/aneel/sync',
        headers: cloud.auth(who),
        payload: body,
      });
      expect(denied.statusCode).toBe(403);
    }
    const anonymous = await cloud.app.inject({ method: 'POST', url: '/api/v1/aneel/sync', payload: body });
    expect(anonymous.statusCode).toBe(401);

    ckan.delayNext('/api/3/action/package_show', 300);
    const started = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aneel/sync',
      headers: cloud.auth('admin'),
      payload: body,
    });
    expect(started.statusCode).toBe(202);
    const { syncId, status, statusUrl } = started.json();
    expect(status).toBe('running');
    expect(statusUrl).toBe(`/api/v1/aneel/sync/${syncId}`);

    const again = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aneel/sync',
      headers: cloud.auth('admin'),
      payload: body,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');

    const viewer = await cloud.app.inject({ method: 'GET', url: statusUrl, headers: cloud.auth('viewer') });
    expect(viewer.statusCode).toBe(403);

    const done = await waitForSync(syncId);
    expect(done.status).toBe('succeeded');
    expect(done.runs.map((r) => [r.dataset, r.status, r.rowsRead])).toEqual([
      ['tarifas', 'succeeded', 66],
      ['bandeiras', 'succeeded', 136],
      ['bandeiras-adicional', 'succeeded', 27],
      ['samp', 'succeeded', 24],
    ]);
    const audit = await cloud.pool.query(
      `select target, status from audit_log where target like 'aneel-sync:%'`,
    );
    expect(audit.rows).toContainEqual({ target: `aneel-sync:${syncId}`, status: 202 });

    const missing = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/sync/999999',
      headers: cloud.auth('operator'),
    });
    expect(missing.statusCode).toBe(404);
    const invalid = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/aneel/sync',
      headers: cloud.auth('admin'),
      payload: { datasets: ['tarifas', 'weather'] },
    });
    expect(invalid.statusCode).toBe(400);
  });

  it('GET /tarifas: CEMIG-D B1 Convencional in force on 2026-07-15, by sigla or CNPJ', async () => {
    const bySigla = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=CEMIG-D&date=2026-07-15',
      headers: cloud.auth('viewer'),
    });
    expect(bySigla.statusCode).toBe(200);
    expect(bySigla.json()).toEqual({
      distributor: { cnpj: '06981180000116', sigla: 'CEMIG-D' },
      date: '2026-07-15',
      subgroup: 'B1',
      modality: 'Convencional',
      consumerClass: 'Residencial',
      subclass: 'Residencial',
      base: 'Tarifa de Aplicação',
      inForce: true,
      postos: [
        {
          posto: 'Não se aplica',
          tusdRsMwh: 593.08,
          teRsMwh: 310.21,
          totalRsMwh: 903.29,
          tusdRsKwh: 0.59308,
          teRsKwh: 0.31021,
          totalRsKwh: 0.90329,
          reh: 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.589, DE 26 DE MAIO DE 2026',
          validFrom: '2026-05-28',
          validTo: '2027-05-27',
        },
      ],
      conflicts: [],
    });
    const byCnpj = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=06.981.180/0001-16&date=2025-12-31',
      headers: cloud.auth('viewer'),
    });
    expect(byCnpj.json().postos).toMatchObject([
      { tusdRsMwh: 541.3, teRsMwh: 317.28, validTo: '2025-12-31' },
    ]);

    // no Branca line in the portal's (sample) file: answered, but not in force
    const branca = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=CEMIG-D&modality=Branca&date=2026-07-15',
      headers: cloud.auth('viewer'),
    });
    expect(branca.json()).toMatchObject({ inForce: false, postos: [] });

    const unknown = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=NOPE',
      headers: cloud.auth('viewer'),
    });
    expect(unknown.statusCode).toBe(404);
    const badDate = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=CEMIG-D&date=15/07/2026',
      headers: cloud.auth('viewer'),
    });
    expect(badDate.statusCode).toBe(400);
    const anonymous = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/tarifas?distributor=CEMIG-D',
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('GET /consumo: COCEL residential January 2024 from the real SAMP sample (no consumer count → null)', async () => {
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/api/v1/aneel/consumo?distributor=COCEL&month=2024-01',
      headers: cloud.auth('viewer'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      distributor: { cnpj: '75805895000130', sigla: 'COCEL' },
      consumerClass: 'Residencial',
      from: '2024-01',
      to: '2024-01',
      months: [{ month: '2024-01-01', energyKwh: 122, consumers: 0, kwhPerConsumer: null }],
    });
  });
});
