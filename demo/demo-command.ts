import type { Command } from 'commander';

export interface DemoFlags {
  dataDir: string;
  boards: string;
  telePeriod: string;
  historyDays: string;
  seed: string;
  cloudPort?: string;
  brokerPort?: string;
  gatewayPort?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole chain on embedded defaults: PostgreSQL (or $DATABASE_URL), the cloud with an admin and a registered gateway, a gateway with its MQTT broker, and simulated boards. What `npm start` runs.',
    )
    .option('--data-dir <dir>', 'where everything is kept (reused by the next run)', 'data')
    .option('--boards <n>', 'simulated AICSS boards', '5')
    .option('--tele-period <s>', 'seconds between readings of each board', '5')
    .option(
      '--history-days <n>',
      'days of past readings generated on the first run (0 = none; 28 lets the forecast report its backtest)',
      '28',
    )
    .option('--seed <text>', 'simulator seed (device ids derive from it)', 'cds-demo')
    .option('--cloud-port <port>', 'cloud HTTP port (default 8080, else a free one)')
    .option('--broker-port <port>', 'gateway MQTT port (default 1883, else a free one)')
    .option('--gateway-port <port>', 'gateway HTTP port (default 5000, else a free one)')
    .addHelpText('after', '\nStops cleanly on Ctrl-C. Delete the data folder to start from scratch.')
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('./run-demo.ts');
      await runDemo(flags);
    });
}
