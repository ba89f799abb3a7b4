import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syncAction } from '../../../../cloud/aneel/cli/aneel-cli-actions.ts';
import { registerCloudCommand } from '../../../../cloud/cli/cloud-command.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { type AneelTestDb, aneelTestDb, FIXTURES } from './aneel-test-db.ts';

let db: AneelTestDb;
let dir: { path: string; cleanup(): Promise<void> };

beforeAll(async () => {
  db = await aneelTestDb();
  dir = await tempDir('cds-aneel-cli-');
});
afterAll(async () => {
  await db?.close();
  await dir?.cleanup();
});

describe('cds cloud aneel sync', () => {
  it('is registered under cds cloud with its options', () => {
    const program = new Command('cds');
    registerCloudCommand(program);
    const sync = program.commands
      .find((c) => c.name() === 'cloud')
      ?.commands.find((c) => c.name() === 'aneel')
      ?.commands.find((c) => c.name() === 'sync');
    expect(sync?.options.map((o) => o.long)).toEqual(
      expect.arrayContaining([
        '--from-dir',
        '--base-url',
        '--datasets',
        '--samp-years',
        '--via',
        '--force',
        '--json',
      ]),
    );
  });

  it('--from-dir loads the fixture folder and prints progress and the counts', async () => {
    const config = join(dir.path, 'cloud.json');
    await writeFile(config, JSON.stringify({ databaseUrl: db.url, dataDir: dir.path }));
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi
      .spyOn(console, 'error')
      .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      await syncAction({ config, fromDir: FIXTURES, datasets: 'tarifas,bandeiras' });
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    const stdout = out.join('\n');
    expect(process.exitCode ?? 0).toBe(0);
    expect(stdout).toMatch(/^sync \d+: succeeded$/m);
    expect(stdout).toMatch(/^tarifas\s+tarifas-homologadas-sample\.csv\s+66\s+58\s+0\s+0\s+ok$/m);
    expect(stdout).toMatch(
      /^bandeiras\s+bandeira-tarifaria-acionamento\.verbatim\.csv\s+136\s+136\s+0\s+0\s+ok$/m,
    );
    expect(stdout).toContain('total: 243 read, 235 inserted, 0 updated, 0 rejected');
    expect(stdout).toContain('invented values (files marked SYNTHETIC)');
    expect(err.join('\n')).toContain('[tarifas] tarifas-homologadas-sample.csv: done — 66 rows read');
  });

  it('exits 1 from the real command when a file fails to load (header drift), 0 when all load', async () => {
    const cds = fileURLToPath(new URL('../../../../bin/cds.mjs', import.meta.url));
    const drifted = join(dir.path, 'drifted');
    await mkdir(drifted, { recursive: true });
    const text = await readFile(join(FIXTURES, 'tarifas-homologadas-sample.csv'), 'utf8');
    // ANEEL renamed a column: the load must stop loudly, not read VlrTE as empty.
    await writeFile(join(drifted, 'tarifas-homologadas-drift.csv'), text.replace('"VlrTE"', '"VlrTEnovo"'));
    const run = (from: string) =>
      promisify(execFile)(
        process.execPath,
        [cds, 'cloud', 'aneel', 'sync', '--from-dir', from, '--datasets', 'tarifas', '--data-dir', dir.path],
        { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, encoding: 'utf8' },
      );
    await expect(run(drifted)).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/failed/) });
    const ok = await run(FIXTURES);
    expect(ok.stdout).toMatch(/^sync \d+: succeeded$/m);
  }, 60_000);
});
