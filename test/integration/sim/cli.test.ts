import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../../firmware-sim/faults.ts';
import { renderSerial } from '../../../firmware-sim/render.ts';
import { createSimulation } from '../../../firmware-sim/simulation.ts';

const CDS = resolve(import.meta.dirname, '../../../bin/cds.mjs');

function runCli(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [CDS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    p.once('error', fail);
    p.once('exit', (code) => done({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe('cds sim (the real command line)', () => {
  it('backfills to stdout exactly what the programmatic API renders for the same seed and options', async () => {
    const r = await runCli([
      'sim',
      '--boards',
      '3',
      '--seed',
      'cli-bytes',
      '--from',
      '2024-11-14T00:00:00Z',
      '--duration',
      '3h',
      '--tele-period',
      '60',
      '--faults',
      'crc:0.05,brownout:0.01,dht:0.02',
      '--out',
      '-',
      '--log-level',
      'warn',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = renderSerial(
      createSimulation({
        seed: 'cli-bytes',
        boards: 3,
        startMs: Date.parse('2024-11-14T00:00:00Z'),
        telePeriodS: 60,
        faults: parseFaultSpec('crc:0.05,brownout:0.01,dht:0.02'),
      }),
      Date.parse('2024-11-14T03:00:00Z'),
    );
    expect(r.stdout.length).toBeGreaterThan(50_000);
    expect(r.stdout.equals(expected)).toBe(true);
  });
});
