import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildAction } from '../../../../cloud/ingest/cli/rollups-cli-actions.ts';
import { rebuildDeviceRollups } from '../../../../cloud/ingest/rollup-rebuild.ts';
import {
  assignRollupTimes,
  compareChain,
  foldReadings,
  type RollupReading,
  toRollupReading,
} from '../../../../cloud/ingest/rollup-rules.ts';
import { BOARD_FLAGS, GATEWAY_FLAGS, type Reading } from '../../../../shared/schemas/reading.ts';
import {
  batch,
  createMigratedDatabase,
  type IngestTestApp,
  type MigratedDb,
  postBatch,
  reading,
  seedGateway,
  startIngestApp,
} from '../../../helpers/cloud-fixtures.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

let db: MigratedDb;
let app: IngestTestApp;
let dir: { path: string; cleanup(): Promise<void> };

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool, { clock: () => Date.UTC(2026, 4, 30) });
  dir = await tempDir('cds-rollups-cli-');
  await seedGateway(db.pool, { gatewayId: 'gw-rb', siteId: 'site-rb' });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  await dir?.cleanup();
});

const H = Date.UTC(2026, 4, 10, 6);
/** One reading sent after the rebuild. */
const more = [reading({ device: 'dev-rb', boot: 2, seq: 60, ts: H + 120 * 900_000, e1: 850, v: 127 })];

/** Two boots over 30 hours, the second boot's first record stamped on arrival 20 hours late. */
function history(device: string): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < 60; i++)
    out.push(reading({ device, boot: 1, seq: i, ts: H + i * 900_000, e1: 500 + 3 * i, v: 127 }));
  const first = reading({
    device,
    boot: 2,
    seq: 0,
    ts: H + 100 * 900_000,
    e1: 700,
    v: 126,
    flags: BOARD_FLAGS.ENERGY_RESTORED,
  });
  out.push({ ...first, timeQuality: 'gateway', flags: first.flags | GATEWAY_FLAGS.TIME_FROM_GATEWAY });
  for (let i = 1; i < 60; i++)
    out.push(reading({ device, boot: 2, seq: i, ts: H + (60 + i) * 900_000, e1: 700 + 2 * i, v: 128 }));
  return out;
}

function pureFold(rs: readonly Reading[]) {
  const chain: RollupReading[] = rs.map(toRollupReading);

  assignRollupTimes(chain);
  return [...foldReadings([], chain.sort(compareChain)).values()].map((h) => [
    h.hourStart,
    h.energyWh,
    h.readingCount,
  ]);
}

async function stored(device: string) {
  const { rows } = await db.pool.query(
    'select hour_start, energy_wh, reading_count from reading_hourly where device_id = $1 order by hour_start',
    [device],
  );
  return rows.map((r) => [r.hour_start.getTime(), r.energy_wh, r.reading_count]);
}

async function siteMatchesDevices(siteId: string): Promise<void> {
  const { rows } = await db.pool.query(
    `select s.hour_start, s.energy_wh_total, s.reading_count::int as n, s.device_count,
            a.t, a.n as an, a.d
       from site_hourly s full join (
         select hour_start, sum(energy_wh_total) t, sum(reading_count)::int n, count(*)::int d
           from reading_hourly where site_id = $1 group by hour_start) a using (hour_start)
      where s.site_id = $1 or s.site_id is null`,
    [siteId],
  );
  for (const r of rows) {
    expect(r.energy_wh_total).toBeCloseTo(r.t, 9);
    expect([r.n, r.device_count]).toEqual([r.an, r.d]);
  }
}

describe('rollup rebuild', () => {
  it('recomputes a device whose rollups were written by another rule, and ingest carries on from it', async () => {
    const rs = history('dev-rb');
    for (let i = 0; i < rs.length; i += 25) {
      const res = await postBatch(app.url, batch('gw-rb', rs.slice(i, i + 25)));
      expect(res.status).toBe(200);
    }
    const good = await stored('dev-rb');
    expect(good).toEqual(pureFold(rs));
    // What the old rule left behind: a spike hour, a missing hour, a stale counter state.
    await db.pool.query(
      `update reading_hourly set energy_wh = '{56180,0}', energy_wh_total = 56180
        where device_id = 'dev-rb' and hour_start = $1`,
      [new Date(H + 3_600_000)],
    );
    await db.pool.query(`delete from reading_hourly where device_id = 'dev-rb' and hour_start = $1`, [
      new Date(H + 5 * 3_600_000),
    ]);
    await db.pool.query(`update device_counter_state set energy_wh = '{1}' where device_id = 'dev-rb'`);
    await db.pool.query(`select cds_rebuild_site_hourly('site-rb', '-infinity', 'infinity')`);

    const r = await rebuildDeviceRollups(db.pool, 'dev-rb');
    expect(r).toEqual({ device: 'dev-rb', readings: 120, hours: good.length });
    expect(await stored('dev-rb')).toEqual(good);
    await siteMatchesDevices('site-rb');

    expect((await postBatch(app.url, batch('gw-rb', more))).status).toBe(200);
    expect(await stored('dev-rb')).toEqual(pureFold([...rs, ...more]));
    await siteMatchesDevices('site-rb');
  });

  it('cds cloud rollups rebuild --device rebuilds the named devices and prints the counts', async () => {
    await db.pool.query(`update reading_hourly set energy_wh_total = 0 where device_id = 'dev-rb'`);
    const config = join(dir.path, 'cloud.json');
    await writeFile(config, JSON.stringify({ databaseUrl: db.url, dataDir: dir.path }));
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await rebuildAction({ config, device: ['dev-rb'] });
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(out.join('\n')).toMatch(/^rebuilt 1 device\(s\): 121 readings → \d+ hourly rows$/m);
    expect(await stored('dev-rb')).toEqual(pureFold([...history('dev-rb'), ...more]));
    await siteMatchesDevices('site-rb');
  });
});
