import type { Command } from 'commander';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('Edge gateway: serial/MQTT ingest, SQLite store-and-forward, local alerts, sync (issue 3)')
    .action(() => {
      console.error('cds gateway: not implemented yet');
      process.exit(2);
    });
}
