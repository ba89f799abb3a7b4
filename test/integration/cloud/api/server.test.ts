import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClaim } from '../../../../cloud/aicss/claim.ts';
import { SitesRepository } from '../../../../cloud/aicss/sites-repository.ts';
import { createPool } from '../../../../cloud/db/pool.ts';
import { loadCloudConfig, startCloud } from '../../../../cloud/server.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

let db: TestDatabase;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  db = await createTestDatabase();
  ({ path: dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await db?.drop();
  await cleanup?.();
});

function getTls(url: string, ca: Buffer): Promise<{ status: number; hsts: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] }),
      );
    }).on('error', reject);
  });
}

describe('cloud/server.ts', () => {
  it('reads file, environment and flags in that order, and reports every problem at once', async () => {
    const file = join(dir, 'cloud.yaml');
    await writeFile(file, 'port: 7000\nhost: 127.0.0.1\ncorsOrigins: [https://painel.example]\n');
    const config = await loadCloudConfig({
      configFile: file,
      env: { CDS_CLOUD_PORT: '7100', DATABASE_URL: 'postgres://x/y' },
      overrides: { port: 7200 },
    });
    expect(config).toMatchObject({
      port: 7200,
      host: '127.0.0.1',
      corsOrigins: ['https://painel.example'],
      databaseUrl: 'postgres://x/y',
    });
    await expect(
      loadCloudConfig({ env: { CDS_CLOUD_PORT: '-1', CDS_CLOUD_JWT_SECRET: 'short' } }),
    ).rejects.toThrow(/port: .*\n.*jwtSecret: /s);
  });

  it('migrates, creates the first admin once, listens, and keeps the data on a second start', async () => {
    const env = { DATABASE_URL: db.url, CDS_ADMIN_PASSWORD: 'first-admin-password' };
    const config = await loadCloudConfig({ env, overrides: { host: '127.0.0.1', port: 0, dataDir: dir } });
    const first = await startCloud(config, silentLogger(), env);
    try {
      expect(first.admin).toEqual({ username: 'admin', password: 'first-admin-password', generated: false });
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.parse(await readFile(join(dir, 'serve.json'), 'utf8')).url).toBe(first.url);
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      const login = await fetch(`${first.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'first-admin-password' }),
      });
      expect(login.status).toBe(200);
    } finally {
      await first.stop();
    }
    const second = await startCloud(config, silentLogger(), { DATABASE_URL: db.url });
    try {
      expect(second.admin).toBeNull();
      // The generated JWT secret was kept in the data folder: a token of the first run still verifies.
      expect((await readFile(join(dir, 'jwt-secret'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    } finally {
      await second.stop();
    }
  });

  it('serves HTTPS with HSTS when a certificate and key are configured', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    // A throw-away self-signed certificate for 127.0.0.1 (synthesized for this test).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const env = { DATABASE_URL: db.url };
    const config = await loadCloudConfig({
      env,
      overrides: { host: '127.0.0.1', port: 0, dataDir: dir, tls: { certFile: cert, keyFile: key } },
    });
    const cloud = await startCloud(config, silentLogger(), env);
    try {
      expect(cloud.url).toMatch(/^https:\/\//);
      const res = await getTls(`${cloud.url}/healthz`, await readFile(cert));
      expect(res.status).toBe(200);
      expect(res.hsts).toContain('max-age=');
    } finally {
      await cloud.stop();
    }
  });

  it('`cds cloud gateway add` prints a token and a claim for an existing site', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const cds = (...args: string[]) =>
      execFileSync(process.execPath, ['bin/cds.mjs', 'cloud', ...args, '--data-dir', dir], {
        env,
        encoding: 'utf8',
      });
    // The database is migrated by the earlier tests; one process start is enough to test the command.
    const pool = createPool({ url: db.url, log: silentLogger(), max: 1 });
    await new SitesRepository(pool).create('casa-cli', { name: 'Casa CLI' });
    await pool.end();
    const out = cds(
      'gateway',
      'add',
      '--site',
      'casa-cli',
      '--id',
      'gw-cli',
      '--cloud-url',
      'https://cds.example',
    );
    const claim = /claim: (cds1:\S+)/.exec(out)?.[1];
    const token = /token \(shown only now\): (\S+)/.exec(out)?.[1];
    expect(claim && decodeClaim(claim)).toEqual({
      cloudUrl: 'https://cds.example',
      gatewayId: 'gw-cli',
      token,
      siteId: 'casa-cli',
    });
  });
});
