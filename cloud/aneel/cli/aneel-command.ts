import type { Command } from 'commander';

export interface AneelSyncFlags {
  config?: string;
  dataDir?: string;
  fromDir?: string;
  baseUrl?: string;
  datasets?: string;
  sampYears?: string;
  via?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * `cds cloud aneel …` (registered by cloud/cli/cloud-command.ts). Imports only commander; the action loads
 * the loader lazily. The database is the cloud's: $DATABASE_URL, else the embedded PostgreSQL under
 * `<data-dir>/pg`.
 */
export function registerAneelCommand(cloud: Command): void {
  const aneel = cloud
    .command('aneel')
    .description('ANEEL open data: tariffs, tariff flags, SAMP market data');
  aneel
    .command('sync')
    .description(
      'Load the ANEEL data sets from the portal (CKAN) or, with --from-dir, from local files named as ANEEL ' +
        'publishes them (tarifas-homologadas*.csv, bandeira-tarifaria-acionamento*.csv, ' +
        'bandeira-tarifaria-adicional*.csv, samp-*.csv); unchanged files are skipped',
    )
    .option(
      '--from-dir <dir>',
      'load the files of this folder instead of the portal (sites without internet)',
    )
    .option('--base-url <url>', 'CKAN portal root (default: config aneel.baseUrl)')
    .option('--datasets <list>', 'comma-separated: tarifas,bandeiras,samp (default: all)')
    .option(
      '--samp-years <list>',
      'SAMP years to fetch from the portal, comma-separated (default: this year and last)',
    )
    .option(
      '--via <how>',
      'download (CSV files, default) | datastore (datastore_search paging for tarifas/bandeiras)',
    )
    .option('--force', 'load even files whose version did not change')
    .option('--json', 'print the result as JSON')
    .option('-c, --config <file>', 'config file, JSON or YAML (default $CDS_CLOUD_CONFIG)')
    .option('--data-dir <dir>', 'data folder of the embedded database (default ./data)')
    .action(async (o: AneelSyncFlags) => (await import('./aneel-cli-actions.ts')).syncAction(o));
}
