import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCloudCommand } from '../../../cloud/cli/cloud-command.ts';
import { registerDemoCommand } from '../../../demo/demo-command.ts';
import { registerSimCommand } from '../../../firmware-sim/cli/sim-command.ts';
import { registerGatewayCommand } from '../../../gateway/cli/gateway-command.ts';

/** The same tree bin/cds.ts builds. */
function program(): Command {
  const p = new Command('cds').description('CDS');
  registerSimCommand(p);
  registerGatewayCommand(p);
  registerCloudCommand(p);
  registerDemoCommand(p);
  return p;
}

function walk(c: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return [{ path, cmd: c }, ...c.commands.flatMap((s) => walk(s, [...path, s.name()]))];
}

describe('cds --help on every level', () => {
  const all = walk(program());

  it('has the four sides and their subcommands', () => {
    const paths = all.map((a) => a.path.join(' '));
    for (const p of [
      'sim',
      'gateway run',
      'gateway init',
      'gateway doctor',
      'gateway status',
      'cloud serve',
      'cloud migrate',
      'cloud user add',
      'cloud site add',
      'cloud gateway add',
      'cloud aneel sync',
      'cloud rollups rebuild',
      'demo',
    ])
      expect(paths).toContain(p);
  });

  it('every command and every option says what it is for', () => {
    for (const { path, cmd } of all.slice(1)) {
      expect(cmd.description(), `cds ${path.join(' ')}`).not.toBe('');
      for (const o of cmd.options) expect(o.description, `cds ${path.join(' ')} ${o.flags}`).not.toBe('');
      let help = '';
      cmd.configureOutput({ writeOut: (t) => (help += t) });
      cmd.outputHelp();
      expect(help).toContain(`Usage: cds ${path.join(' ')}`);
      expect(help).toContain('-h, --help');
    }
  });

  it('answers --help through the real bin with exit 0 at the top, a side and a leaf', () => {
    const cds = fileURLToPath(new URL('../../../bin/cds.mjs', import.meta.url));
    for (const args of [[], ['gateway'], ['cloud', 'aneel', 'sync']]) {
      const out = execFileSync(process.execPath, [cds, ...args, '--help'], { encoding: 'utf8' });
      expect(out).toMatch(/^Usage: cds/);
    }
  });
});
