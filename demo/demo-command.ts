import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole chain on embedded defaults: PostgreSQL, cloud, gateway with broker, simulated boards',
    )
    .action(() => {
      console.error('cds demo: not yet — the chain needs the gateway (issue 3) and the cloud (issue 4).');
      process.exit(2);
    });
}
