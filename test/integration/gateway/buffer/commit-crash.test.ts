import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { makeReading } from './reading-fixture.ts';

const CHILD = fileURLToPath(new URL('./commit-crash-child.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../../../bin/run-ts.mjs', import.meta.url));

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Runs the child until it acknowledged at least `minAcks` readings, then SIGKILLs it. */
function runAndKill(path: string, from: number, minAcks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_TS, CHILD, path, String(from)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let rest = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      const lines = (rest + c.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l !== 'ready' && l !== '') acked.push(Number(l));
      if (acked.length >= minAcks && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('group commit under kill -9', () => {
  it('every acknowledged reading is in SQLite after the process is killed, none twice', async () => {
    const dir = await tempDir('cds-gw-crash-');
    cleanup = dir.cleanup;
    const path = join(dir.path, 'gateway.sqlite');
    const all: number[] = [];
    let from = 0;
    for (const minAcks of [2000, 9000]) {
      const acked = await runAndKill(path, from, minAcks);
      expect(acked.length).toBeGreaterThanOrEqual(minAcks);
      all.push(...acked);
      from += 200_000; // a fresh range per run: none of these readings can be a duplicate of another run
    }
    const db = new Database(path, { readonly: true });
    try {
      const has = db.prepare('SELECT count(*) AS n FROM readings WHERE device = ? AND boot = ? AND seq = ?');
      const missing = all.filter((i) => {
        const r = makeReading(i);
        return (has.get(r.device, r.boot, r.seq) as { n: number }).n !== 1;
      });
      expect(missing).toEqual([]);
      const dupes = db
        .prepare(
          'SELECT count(*) AS n FROM (SELECT 1 FROM readings GROUP BY device, boot, seq HAVING count(*) > 1)',
        )
        .get() as { n: number };
      expect(dupes.n).toBe(0);
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
