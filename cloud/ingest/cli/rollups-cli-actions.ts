import { createLogger } from '../../../shared/log.ts';
import { migrate } from '../../db/migrate.ts';
import { loadCloudConfig, openCloudDatabase } from '../../server.ts';
import { devicesWithReadings, rebuildDeviceRollups } from '../rollup-rebuild.ts';
import type { RollupsRebuildFlags } from './rollups-command.ts';

/** Implementation of `cds cloud rollups rebuild` (loaded only when the command runs). */
export async function rebuildAction(o: RollupsRebuildFlags): Promise<void> {
  const config = await loadCloudConfig({
    ...(o.config ? { configFile: o.config } : {}),
    overrides: { ...(o.dataDir ? { dataDir: o.dataDir } : {}) },
  });
  const log = createLogger({ name: 'cds-cloud', level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openCloudDatabase(config, log);
  try {
    await migrate({ pool: db.pool, log });
    const devices = o.device?.length ? o.device : await devicesWithReadings(db.pool);
    console.error(`cds cloud rollups rebuild: ${devices.length} device(s) in ${db.where}`);
    let hours = 0;
    let readings = 0;
    for (const device of devices) {
      const r = await rebuildDeviceRollups(db.pool, device);
      hours += r.hours;
      readings += r.readings;
      console.error(`  ${device}: ${r.readings} readings → ${r.hours} hours`);
    }
    console.log(`rebuilt ${devices.length} device(s): ${readings} readings → ${hours} hourly rows`);
  } finally {
    await db.close();
  }
}
