import type { Command } from 'commander';

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Firmware simulator: AICSS boards over serial, stdout or MQTT, with faults')
    .action(() => {
      console.error('cds sim: not implemented yet');
      process.exit(2);
    });
}
