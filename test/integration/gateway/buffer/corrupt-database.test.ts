import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openGatewayDatabase } from '../../../../gateway/buffer/open-database.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { makeReading, openTestBuffer, T0 } from './reading-fixture.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dir(): Promise<string> {
  const d = await tempDir('cds-gw-corrupt-');
  cleanups.push(d.cleanup);
  return d.path;
}

function activeAlerts(db: ReturnType<typeof openGatewayDatabase>['db']) {
  return db.prepare(`SELECT rule, severity, message FROM alerts WHERE state = 'raised'`).all() as Array<{
    rule: string;
    severity: string;
    message: string;
  }>;
}

describe('a damaged SQLite file at start', () => {
  it('garbage in the file: moved aside (kept, with its -wal), fresh database, storage alert', async () => {
    const d = await dir();
    const path = join(d, 'gateway.sqlite');
    const garbage = Buffer.alloc(64 * 1024, 0x5a);
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, 'not a wal');
    const { db, recovered } = openGatewayDatabase({ path, log: silentLogger(), clock: () => T0 });
    try {
      expect(recovered).toBeDefined();
      expect(recovered!.movedTo).toMatch(/gateway\.sqlite\.corrupt-2026-11-29T12-00-00-000Z$/);
      expect(readFileSync(recovered!.movedTo)).toEqual(garbage);
      expect(existsSync(`${recovered!.movedTo}-wal`)).toBe(true);
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const alerts = activeAlerts(db);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ rule: 'storage', severity: 'critical' });
      expect(alerts[0]!.message).toContain(recovered!.movedTo);
    } finally {
      db.close();
    }
  });

  it('a truncated database: moved aside, and the gateway opens a working buffer on it', async () => {
    const d = await dir();
    const first = await openTestBuffer({}, { dir: d });
    for (let s = 0; s < 6000; s += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, k) => first.buffer.committer.submit(makeReading(s + k))),
      );
    }
    await first.buffer.stop(); // checkpoints: everything is in the main file now
    const size = statSync(first.path).size;
    truncateSync(first.path, Math.floor(size / 2));

    const second = await openTestBuffer({}, { dir: d });
    cleanups.push(() => second.buffer.stop());
    expect(second.buffer.recovered?.reason).toBeTruthy();
    expect(readdirSync(d).some((f) => f.startsWith('gateway.sqlite.corrupt-'))).toBe(true);
    expect(second.buffer.store.count()).toBe(0);
    expect(await second.buffer.committer.submit(makeReading(1))).toBe('stored');
    expect(activeAlerts(second.buffer.db).map((a) => a.rule)).toEqual(['storage']);
  });

  it('a healthy database is opened in place, and a third start does not move anything', async () => {
    const d = await dir();
    const path = join(d, 'gateway.sqlite');
    for (let i = 0; i < 3; i++) {
      const { db, recovered } = openGatewayDatabase({ path, log: silentLogger(), clock: () => T0 });
      expect(recovered).toBeUndefined();
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
      db.close();
    }
    expect(readdirSync(d).filter((f) => f.includes('corrupt'))).toEqual([]);
  });

  it('refuses to open a database from a newer gateway (no downgrade, no move)', async () => {
    const d = await dir();
    const path = join(d, 'gateway.sqlite');
    const { db } = openGatewayDatabase({ path, log: silentLogger(), clock: () => T0 });
    db.pragma('user_version = 999');
    db.close();
    expect(() => openGatewayDatabase({ path, log: silentLogger(), clock: () => T0 })).toThrow(/newer/);
    expect(readdirSync(d).filter((f) => f.includes('corrupt'))).toEqual([]);
  });
});
