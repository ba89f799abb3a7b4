import type { Command } from 'commander';

export interface RollupsRebuildFlags {
  device?: string[];
  config?: string;
  dataDir?: string;
}

/**
 * `cds cloud rollups …` (registered by cloud/cli/cloud-command.ts). Imports only commander; the action loads
 * the implementation lazily. The database is the cloud's: $DATABASE_URL, else the embedded PostgreSQL under
 * `<data-dir>/pg`.
 */
export function registerRollupsCommand(cloud: Command): void {
  const rollups = cloud.command('rollups').description('Hourly rollups (reading_hourly, site_hourly)');
  rollups
    .command('rebuild')
    .description(
      'Recompute the hourly rollups of devices from their raw readings with the current energy rule ' +
        '(for rollups written before it; ingest keeps them current afterwards). Safe while ingest runs.',
    )
    .option('--device <id...>', 'only these devices (default: every device with readings)')
    .option('-c, --config <file>', 'config file, JSON or YAML (default $CDS_CLOUD_CONFIG)')
    .option('--data-dir <dir>', 'data folder of the embedded database (default ./data)')
    .action(async (o: RollupsRebuildFlags) => (await import('./rollups-cli-actions.ts')).rebuildAction(o));
}
