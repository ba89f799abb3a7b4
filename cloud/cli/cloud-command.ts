import type { Command } from 'commander';
import { registerAneelCommand } from '../aneel/cli/aneel-command.ts';
import { registerRollupsCommand } from '../ingest/cli/rollups-command.ts';

/**
 * `cds cloud …`. This module imports only commander; every action loads its implementation lazily, so
 * `cds cloud --help` does not pay for Fastify or PostgreSQL. Common options: `-c, --config <file>` (JSON or
 * YAML, else $CDS_CLOUD_CONFIG) and `--data-dir <dir>`; the database is $DATABASE_URL, else the embedded
 * PostgreSQL under `<data-dir>/pg` (shared with a running `cds cloud serve`).
 */
export function registerCloudCommand(program: Command): void {
  const cloud = program
    .command('cloud')
    .description('Cloud service: PostgreSQL, sync API, users, sites, gateways, ANEEL data, analytics')
    .showHelpAfterError();
  const actions = () => import('./cloud-actions.ts');

  common(cloud.command('serve'))
    .description('Run the API (embedded PostgreSQL when DATABASE_URL is unset; migrates; first admin)')
    .option('--host <host>', 'address to listen on (default 0.0.0.0)')
    .option('--port <port>', 'TCP port (default 8080)', toInt)
    .action(async (o: CommonOptions & { host?: string; port?: number }) => (await actions()).serveAction(o));

  common(cloud.command('migrate'))
    .description('Apply pending database migrations and exit')
    .action(async (o: CommonOptions) => (await actions()).migrateAction(o));

  const user = cloud.command('user').description('Users of the API and dashboard');
  common(user.command('add <username>'))
    .description('Create a user; prints a generated password when none is given')
    .requiredOption('--role <role>', 'admin | operator | viewer')
    .option('--password <password>', 'at least 10 characters (default: generated and printed)')
    .action(async (username: string, o: CommonOptions & { role: string; password?: string }) =>
      (await actions()).userAddAction(username, o),
    );
  common(user.command('list'))
    .description('List users')
    .action(async (o: CommonOptions) => (await actions()).userListAction(o));

  const site = cloud.command('site').description('Sites (an installation with its tariff facts)');
  common(site.command('add <siteId>'))
    .description('Create a site')
    .requiredOption('--name <name>', 'display name')
    .option('--cnpj <cnpj>', 'distributor CNPJ, 14 digits (ANEEL tariffs are looked up by it)')
    .option('--modality <modality>', 'Convencional | Branca')
    .option('--subgroup <subgroup>', 'ANEEL subgroup (default B1)')
    .option('--time-zone <zone>', 'IANA time zone (default America/Sao_Paulo)')
    .option('--voltage <volts>', 'nominal voltage (default 127)', toInt)
    .action(async (siteId: string, o: CommonOptions & SiteFlags) =>
      (await actions()).siteAddAction(siteId, o),
    );
  common(site.command('list'))
    .description('List sites')
    .action(async (o: CommonOptions) => (await actions()).siteListAction(o));

  const gateway = cloud.command('gateway').description('Gateways: registration and tokens');
  common(gateway.command('add'))
    .description(
      'Register a gateway; prints its token (shown once) and the claim for `cds gateway init --claim`',
    )
    .requiredOption('--site <siteId>', 'site the gateway belongs to')
    .option('--id <gatewayId>', 'gateway id (default: generated gw-xxxxxxxx)')
    .option('--name <name>', 'display name')
    .option(
      '--cloud-url <url>',
      'URL gateways reach the cloud at (default: publicUrl, else http://<host>:<port>)',
    )
    .action(async (o: CommonOptions & GatewayFlags) => (await actions()).gatewayAddAction(o));
  common(gateway.command('rotate <gatewayId>'))
    .description('Issue a new token (the old one stops working); prints token and claim')
    .option('--cloud-url <url>', 'URL gateways reach the cloud at')
    .action(async (id: string, o: CommonOptions & { cloudUrl?: string }) =>
      (await actions()).gatewayRotateAction(id, o),
    );
  common(gateway.command('revoke <gatewayId>'))
    .description('Refuse the gateway’s token from now on')
    .action(async (id: string, o: CommonOptions) => (await actions()).gatewayRevokeAction(id, o));

  // Other cloud features register their subcommands below: one import above and one call here each,
  // e.g. `registerAneelCommand(cloud);` for `cds cloud aneel …`.
  registerAneelCommand(cloud);
  registerRollupsCommand(cloud);
}

export interface CommonOptions {
  config?: string;
  dataDir?: string;
}

export interface SiteFlags {
  name: string;
  cnpj?: string;
  modality?: string;
  subgroup?: string;
  timeZone?: string;
  voltage?: number;
}

export interface GatewayFlags {
  site: string;
  id?: string;
  name?: string;
  cloudUrl?: string;
}

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file, JSON or YAML (default $CDS_CLOUD_CONFIG)')
    .option('--data-dir <dir>', 'data folder: embedded database, JWT secret (default ./data)');
}

function toInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${v}`);
  return n;
}
