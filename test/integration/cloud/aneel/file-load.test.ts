import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRetryDeps } from '../../../../cloud/aneel/ckan/retry.ts';
import { fileSource } from '../../../../cloud/aneel/load/file-source.ts';
import { type LoadDeps, runLoad } from '../../../../cloud/aneel/load/load-runner.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { type AneelTestDb, aneelTestDb, FIXTURES } from './aneel-test-db.ts';

let db: AneelTestDb;
let deps: LoadDeps;

beforeAll(async () => {
  db = await aneelTestDb();
  deps = {
    pool: db.pool,
    log: silentLogger(),
    clock: Date.now,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    retryDeps: realRetryDeps,
  };
});
afterAll(async () => {
  await db?.close();
});

describe('loading the real fixture files', () => {
  it('loads the 66 real tariff rows', async () => {
    const s = await runLoad(deps, fileSource(join(FIXTURES, 'tarifas-homologadas-sample.csv'), 'tarifas'));
    expect(s).toMatchObject({
      status: 'succeeded',
      rowsRead: 66,
      rowsInserted: 66,
      rowsUpdated: 0,
      rowsRejected: 0,
    });
  });
});
