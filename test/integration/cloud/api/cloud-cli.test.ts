import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudConfig, startCloud } from '../../../../cloud/server.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const run = promisify(execFile);
const CDS = fileURLToPath(new URL('../../../../bin/cds.mjs', import.meta.url));

/** `cds cloud migrate` and `cds cloud user add|list` as an operator types them, against a fresh database. */
describe('cds cloud migrate and user commands', () => {
  let db: TestDatabase;
  let dir: { path: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await tempDir('cds-cloud-cli-');
  });
  afterAll(async () => {
    await db?.drop();
    await dir?.cleanup();
  });

  const cds = (...args: string[]) =>
    run(process.execPath, [CDS, 'cloud', ...args, '--data-dir', dir.path], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });

  it('migrates, adds users (generated or given password, validated role), lists them, and they can log in', async () => {
    const migrated = await cds('migrate');
    expect(migrated.stdout).toMatch(/applied 001_core\.sql, .*; schema version \d+/);
    expect((await cds('migrate')).stdout).toMatch(/^nothing to apply; schema version \d+/);

    const added = await cds('user', 'add', 'maria', '--role', 'operator');
    const generated = /password \(shown only now\): (\S+)/.exec(added.stdout)?.[1];
    expect(generated).toBeDefined();
    await cds('user', 'add', 'joao', '--role', 'viewer', '--password', 'joao-password-123');
    await expect(cds('user', 'add', 'ana', '--role', 'superuser')).rejects.toMatchObject({
      stderr: expect.stringMatching(/role: Invalid option/),
    });
    await expect(cds('user', 'add', 'maria', '--role', 'viewer')).rejects.toMatchObject({
      stderr: expect.stringMatching(/user maria already exists/),
    });
    const list = (await cds('user', 'list')).stdout;
    expect(list).toMatch(/maria\s+operator/);
    expect(list).toMatch(/joao\s+viewer/);
    expect(list).not.toMatch(/\bana\b/);

    const env = { DATABASE_URL: db.url };
    const config = await loadCloudConfig({
      env,
      overrides: { host: '127.0.0.1', port: 0, dataDir: dir.path },
    });
    const cloud = await startCloud(config, silentLogger(), env);
    try {
      for (const [username, password, role] of [
        ['maria', generated!, 'operator'],
        ['joao', 'joao-password-123', 'viewer'],
      ] as const) {
        const res = await fetch(`${cloud.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        expect(res.status).toBe(200);
        const me = await fetch(`${cloud.url}/api/v1/auth/me`, {
          headers: { authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` },
        });
        expect(await me.json()).toMatchObject({ username, role });
      }
    } finally {
      await cloud.stop();
    }
  }, 60_000);

  it('on the embedded database (DATABASE_URL unset): exit 0 on success, 1 on failure, PostgreSQL stopped after', async () => {
    const data = await tempDir('cds-cloud-cli-embedded-');
    try {
      // PostgreSQL runs as its own user when we are root and must reach the data folder.
      await chmod(data.path, 0o755);
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
      delete env.DATABASE_URL;
      const embedded = (...args: string[]) =>
        run(process.execPath, [CDS, 'cloud', ...args, '--data-dir', data.path], { env, encoding: 'utf8' });
      const added = await embedded(
        'user',
        'add',
        'carla',
        '--role',
        'admin',
        '--password',
        'carla-password-1',
      );
      expect(added.stdout).toContain('created admin "carla"');
      expect((await embedded('user', 'list')).stdout).toMatch(/carla\s+admin/);
      await expect(embedded('user', 'add', 'carla', '--role', 'admin')).rejects.toMatchObject({ code: 1 });
      // Nothing left running on the data folder.
      const left = await run('pgrep', ['-f', `postgres -D ${data.path}`]).catch((e: { code: number }) => e);
      expect((left as { code?: number }).code).toBe(1);
    } finally {
      await data.cleanup();
    }
  }, 120_000);
});
