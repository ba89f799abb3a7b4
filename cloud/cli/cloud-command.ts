import type { Command } from 'commander';

export function registerCloudCommand(program: Command): void {
  program
    .command('cloud')
    .description('Cloud service: PostgreSQL, ingest API, ANEEL data, analytics (issues 4 and 5)')
    .action(() => {
      console.error('cds cloud: not implemented yet');
      process.exit(2);
    });
}
