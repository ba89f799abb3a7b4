import { Command } from 'commander';
import { registerCloudCommand } from '../cloud/cli/cloud-command.ts';
import { registerDemoCommand } from '../demo/demo-command.ts';
import { registerSimCommand } from '../firmware-sim/cli/sim-command.ts';
import { registerGatewayCommand } from '../gateway/cli/gateway-command.ts';

// Each side registers its own subcommands; registration modules import only commander, and each action
// loads its implementation lazily, so `cds sim --help` does not pay for Fastify or PostgreSQL.
const program = new Command('cds')
  .description('CDS — energy-consumption analysis for AICSS boards: simulator, edge gateway and cloud')
  .showHelpAfterError()
  .enablePositionalOptions();

registerSimCommand(program);
registerGatewayCommand(program);
registerCloudCommand(program);
registerDemoCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
