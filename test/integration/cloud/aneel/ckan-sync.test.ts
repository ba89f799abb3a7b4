import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAneelScheduler } from '../../../../cloud/aneel/aneel-scheduler.ts';
import { AneelSync, type AneelSyncDeps } from '../../../../cloud/aneel/aneel-sync.ts';
import { realRetryDeps } from '../../../../cloud/aneel/ckan/retry.ts';
import { getSync } from '../../../../cloud/aneel/etl-runs-repository.ts';
import { measureAneelLoadRate } from '../../../../cloud/aneel/load/load-rate.ts';
import { flagsForRange, resolveTariffs } from '../../../../cloud/aneel/tariff-repository.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { driftedTariffCsv, FakeCkan, RESOURCE } from '../../../helpers/fake-ckan.ts';
import { type AneelTestDb, aneelTestDb, FIXTURES, resetAneelTables } from './aneel-test-db.ts';

let ckan: FakeCkan;
let db: AneelTestDb;

function syncDeps(extra: Partial<AneelSyncDeps> = {}): AneelSyncDeps {
  return {
    pool: db.pool,
    log: silentLogger(),
    clock: Date.now,
    baseUrl: ckan.baseUrl,
    timeoutMs: 400,
    idleTimeoutMs: 400,
    retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    retryDeps: realRetryDeps,
    datastorePageSize: 50,
    ...extra,
  };
}

beforeAll(async () => {
  db = await aneelTestDb();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  ckan = await new FakeCkan(FIXTURES).start();
  await resetAneelTables(db.pool);
});
afterEach(async () => {
  await ckan.stop();
});

describe('sync from the CKAN portal', () => {
  it('loads every data set, then skips unchanged resources, and a forced reload changes nothing', async () => {
    const sync = new AneelSync(syncDeps());
    const first = await sync.run({ trigger: 'api', sampYears: [2024] });
    expect(first.status).toBe('succeeded');
    const byDataset = Object.fromEntries(first.loads.map((l) => [l.dataset, l]));
    expect(byDataset.tarifas).toMatchObject({
      rowsRead: 66,
      rowsInserted: 66,
      rowsUpdated: 0,
      rowsRejected: 0,
    });
    expect(byDataset.bandeiras).toMatchObject({ rowsRead: 136, rowsInserted: 136, rowsRejected: 0 });
    expect(byDataset['bandeiras-adicional']).toMatchObject({ rowsRead: 27, rowsInserted: 27 });
    // 24 SAMP rows sum into 24 keys: no two rows of the fixture differ only in the columns the table drops
    expect(byDataset.samp).toMatchObject({ rowsRead: 24, rowsInserted: 24, rowsRejected: 0 });

    // cp1252 file over HTTP: `Escassez H\xEDdrica` decoded right
    const flags = await flagsForRange(db.pool, { from: '2021-09-01', to: '2021-09-30' });
    expect(flags).toEqual([
      { month: '2021-09-01', flag: 'Escassez Hídrica', adicionalRsMwh: 142, published: true },
    ]);

    const second = await sync.run({ trigger: 'cron', sampYears: [2024] });
    expect(second.status).toBe('succeeded');
    expect(second.loads.every((l) => l.unchanged && l.rowsRead === 0)).toBe(true);
    expect(ckan.count('/download/')).toBe(4);

    const forced = await sync.run({ trigger: 'cli', sampYears: [2024], force: true });
    expect(forced.loads.map((l) => [l.dataset, l.rowsRead, l.rowsInserted, l.rowsUpdated])).toEqual([
      ['tarifas', 66, 0, 0],
      ['bandeiras', 136, 0, 0],
      ['bandeiras-adicional', 27, 0, 0],
      ['samp', 24, 0, 0],
    ]);
    const stored = await getSync(db.pool, forced.syncId);
    expect(stored).toMatchObject({
      status: 'succeeded',
      trigger: 'cli',
      datasets: ['tarifas', 'bandeiras', 'samp'],
    });
    expect(stored?.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('retries a transient 500, a 429 and a response slower than the client timeout', async () => {
    ckan.failNext('/api/3/action/package_show', 1, 500);
    ckan.failNext(`/resource/${RESOURCE.tarifas}/download/`, 1, 503);
    ckan.failNext(`/resource/${RESOURCE.tarifas}/download/`, 1, 429);
    ckan.delayNext(`/resource/${RESOURCE.tarifas}/download/`, 1500);
    const result = await new AneelSync(syncDeps()).run({ trigger: 'api', datasets: ['tarifas'] });
    expect(result.status).toBe('succeeded');
    expect(result.loads[0]).toMatchObject({ rowsRead: 66, rowsInserted: 66 });
    expect(ckan.count('/api/3/action/package_show')).toBe(2);
    // 503, 429, then the slow answer the client gave up on, then the good one
    expect(ckan.requests.filter((r) => r.path.includes('/download/')).map((r) => r.status)).toEqual([
      503, 429, 0, 200,
    ]);
  });

  it('starts a file over when the connection drops mid-body', async () => {
    ckan.dropNext(`/resource/${RESOURCE.tarifas}/download/`, 5000);
    const result = await new AneelSync(syncDeps()).run({ trigger: 'api', datasets: ['tarifas'] });
    expect(result.loads[0]).toMatchObject({ status: 'succeeded', rowsRead: 66, rowsInserted: 66 });
    const stored = await getSync(db.pool, result.syncId);
    expect(stored?.runs[0]?.progress).toMatchObject({ attempt: 2, phase: 'done', encoding: 'utf-8' });
  });

  it('fails loudly on a header with an unknown column and still loads the other data sets', async () => {
    ckan.setFile(
      RESOURCE.tarifas,
      driftedTariffCsv(readFileSync(join(FIXTURES, 'tarifas-homologadas-sample.csv'))),
    );
    const result = await new AneelSync(syncDeps()).run({
      trigger: 'api',
      datasets: ['tarifas', 'bandeiras'],
    });
    expect(result.status).toBe('failed');
    const tarifas = result.loads.find((l) => l.dataset === 'tarifas');
    expect(tarifas?.error?.code).toBe('schema_drift');
    expect(tarifas?.error?.message).toContain('unknown column(s) "DscNovaColuna"');
    expect(result.error).toContain('DscNovaColuna');
    expect(result.loads.find((l) => l.dataset === 'bandeiras')).toMatchObject({
      status: 'succeeded',
      rowsRead: 136,
    });
    const stored = await getSync(db.pool, result.syncId);
    const run = stored?.runs.find((r) => r.dataset === 'tarifas');
    expect(run?.status).toBe('failed');
    expect(run?.errors.at(-1)).toMatchObject({ reason: 'schema_drift' });
    const { rows } = await db.pool.query('select count(*)::int as n from aneel_tariffs');
    expect(rows[0].n).toBe(0);
  });

  it('updates only what changed in a new file version', async () => {
    const sync = new AneelSync(syncDeps());
    await sync.run({ trigger: 'api', datasets: ['tarifas'] });
    const sample = readFileSync(join(FIXTURES, 'tarifas-homologadas-sample.csv'), 'utf8');
    // SYNTHETIC change: the CEMIG-D 2026 B1 Residencial TE goes from 310,21 to 311,00 in a "new version"
    const changed = sample.replace(
      '"Residencial";"Residencial";"Não se aplica";"Não se aplica";"MWh";"Não se aplica";"593,08";"310,21"',
      '"Residencial";"Residencial";"Não se aplica";"Não se aplica";"MWh";"Não se aplica";"593,08";"311,00"',
    );
    expect(changed).not.toBe(sample);
    ckan.setFile(RESOURCE.tarifas, Buffer.from(changed, 'utf8'), '2026-10-30T08:00:00');
    const result = await sync.run({ trigger: 'api', datasets: ['tarifas'] });
    expect(result.loads[0]).toMatchObject({
      unchanged: false,
      rowsRead: 66,
      rowsInserted: 0,
      rowsUpdated: 1,
    });
    const r = await resolveTariffs(db.pool, {
      cnpj: '06981180000116',
      subgroup: 'B1',
      modality: 'Convencional',
      from: '2026-07-01',
      to: '2026-07-01',
    });
    expect(r.periods).toEqual([
      {
        from: '2026-07-01',
        to: '2026-07-01',
        posto: 'Não se aplica',
        tusdRsMwh: 593.08,
        teRsMwh: 311,
        reh: expect.any(String),
      },
    ]);
  });

  it('refuses a second sync while one runs', async () => {
    ckan.delayNext('/api/3/action/package_show', 300);
    const sync = new AneelSync(syncDeps());
    const first = await sync.start({ trigger: 'api', datasets: ['tarifas'] });
    await expect(new AneelSync(syncDeps()).start({ trigger: 'cron' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(first.done).resolves.toMatchObject({ status: 'succeeded' });
    await sync.stop();
  });
});

describe('datastore_search paging', () => {
  it('follows relative next links and stops at offset ≥ total', async () => {
    const result = await new AneelSync(syncDeps()).run({
      trigger: 'api',
      datasets: ['tarifas'],
      via: 'datastore',
      tariffFilters: { SigAgente: 'CEMIG-D', DscSubGrupo: 'B1' },
    });
    expect(result.loads[0]).toMatchObject({ status: 'succeeded', rowsRead: 6, rowsInserted: 6 });
    const offsets = ckan.requests
      .filter((r) => r.path === '/api/3/action/datastore_search')
      .map((r) => r.query.get('offset'));
    // page 2 came from the fixture's relative `_links.next` (its filters carry spaces as `+`)
    expect(offsets).toEqual(['0', '4']);
  });

  it('stops on the empty page when the portal sends no total', async () => {
    const result = await new AneelSync(syncDeps()).run({
      trigger: 'api',
      datasets: ['bandeiras'],
      via: 'datastore',
    });
    const acionamento = result.loads.find((l) => l.dataset === 'bandeiras');
    expect(acionamento).toMatchObject({ status: 'succeeded', rowsRead: 136, rowsInserted: 136 });
    const pages = ckan.requests.filter((r) => r.path === '/api/3/action/datastore_search');
    expect(pages.map((r) => r.query.get('offset'))).toEqual(['0', '50', '100', '150']);
    const flags = await flagsForRange(db.pool, { from: '2024-07-01', to: '2024-07-31' });
    expect(flags).toEqual([{ month: '2024-07-01', flag: 'Amarela', adicionalRsMwh: 18.85, published: true }]);
  });
});

function capture() {
  const scheduled: { expression: string; fire: () => Promise<void>; started: boolean; destroyed: boolean }[] =
    [];
  const schedule = (expression: string, fn: () => Promise<void>) => {
    const t = { expression, fire: fn, started: false, destroyed: false };
    scheduled.push(t);
    return {
      start: () => {
        t.started = true;
      },
      destroy: () => {
        t.destroyed = true;
      },
    };
  };
  return { scheduled, schedule };
}

describe('ANEEL scheduler', () => {
  it('does nothing when aneel.enabled is false', async () => {
    const { scheduled, schedule } = capture();
    const s = createAneelScheduler({
      log: silentLogger(),
      config: { aneel: { baseUrl: ckan.baseUrl, cron: '0 4 * * *', enabled: false } },
      pool: db.pool,
      clock: Date.now,
      schedule,
    });
    s.start();
    expect(scheduled).toHaveLength(0);
    await s.stop();
  });

  it('refuses an invalid cron expression at start', () => {
    const s = createAneelScheduler({
      log: silentLogger(),
      config: { aneel: { baseUrl: ckan.baseUrl, cron: 'every day at 4', enabled: true } },
      pool: db.pool,
      clock: Date.now,
    });
    expect(() => s.start()).toThrow(/aneel\.cron/);
  });

  it('each tick runs a cron-triggered sync from the portal; the next tick skips the unchanged resources', async () => {
    const { scheduled, schedule } = capture();
    const s = createAneelScheduler({
      log: silentLogger(),
      config: { aneel: { baseUrl: ckan.baseUrl, cron: '0 4 * * *', enabled: true } },
      pool: db.pool,
      // 2024 → the default SAMP years are 2023 and 2024; only samp-2024.csv is in the (real) package listing
      clock: () => Date.UTC(2024, 6, 1),
      schedule,
    });
    s.start();
    expect(scheduled.map((t) => [t.expression, t.started])).toEqual([['0 4 * * *', true]]);
    await scheduled[0]!.fire();
    await scheduled[0]!.fire();
    const { rows } = await db.pool.query(
      `select s.sync_id::int as sync, s.trigger, s.status, sum(r.rows_read)::int as read
         from aneel_syncs s join etl_runs r using (sync_id) group by 1, 2, 3 order by 1`,
    );
    expect(rows).toEqual([
      { sync: 1, trigger: 'cron', status: 'succeeded', read: 66 + 136 + 27 + 24 },
      { sync: 2, trigger: 'cron', status: 'succeeded', read: 0 },
    ]);
    await s.stop();
    expect(scheduled[0]!.destroyed).toBe(true);
  });
});

describe('measureAneelLoadRate (analytics bench)', () => {
  it('loads a SYNTHETIC tariff file over HTTP twice, the second time changing nothing, and cleans up', async () => {
    const r = await measureAneelLoadRate({ pool: db.pool, rows: 3000 });
    expect(r).toMatchObject({ rows: 3000, inserted: 3000, rerunChanged: 0 });
    expect(r.rowsPerSecond).toBeGreaterThan(0);
    expect(r.bytes).toBeGreaterThan(3000 * 200);
    const { rows } = await db.pool.query(`select count(*)::int as n from aneel_tariffs`);
    expect(rows[0].n).toBe(0);
  });
});
