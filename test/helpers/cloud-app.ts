/**
 * The real cloud app on a fresh test database, for everyone's integration tests.
 *
 *   const cloud = await createTestCloud();          // in beforeAll
 *   await cloud.app.inject({ method: 'GET', url: '/api/v1/sites', headers: cloud.auth('viewer') });
 *   await cloud.close();                            // in afterAll (closes the app and pool, drops the db)
 *
 * What it does: `createTestDatabase()`, all migrations of sql/postgres/ (cloud-data's `migrate`), then
 * `buildCloudApp` (not listening; use `app.inject`, or `await cloud.listen()` for a real HTTP server on
 * 127.0.0.1 and a free port) with a silent logger, fresh metrics and a manual clock.
 *
 * Seeded data (constant names, see SEED):
 * - sites `site-a` and `site-b`;
 * - gateways `gw-a` (site-a) and `gw-b` (site-b) with bearer tokens `cloud.gateways.a.token` / `.b.token`;
 * - devices `dev-a1` (gw-a, site-a, expected every 10 s) and `dev-b1` (gw-b, site-b);
 * - users `admin`, `operator`, `viewer` (passwords in `cloud.users.<role>.password`) with ready access
 *   tokens (`cloud.users.<role>.token`, valid 15 min of the manual clock).
 *
 * `cloud.auth(who)` gives the headers for 'admin' | 'operator' | 'viewer' | 'gatewayA' | 'gatewayB' |
 * 'anonymous'. `cloud.clock` starts at real time and moves only with `set(ms)` / `advance(ms)`
 * (deps.clock reads it: JWT expiry, rate-limit windows, status ages). `cloud.pool` is the app's pool for
 * direct SQL checks. Options: `config` (partial CloudConfig input merged over the test defaults),
 * `migrate: false` (empty database), `migrationsDir`, `seed: false` (no sites, gateways, devices, users).
 */
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { DevicesRepository } from '../../cloud/aicss/devices-repository.ts';
import { registerGateway } from '../../cloud/aicss/gateway-service.ts';
import { SitesRepository } from '../../cloud/aicss/sites-repository.ts';
import { buildCloudApp, type CloudApp, type CloudDeps } from '../../cloud/app.ts';
import type { Role } from '../../cloud/auth/access.ts';
import { issueAccessToken } from '../../cloud/auth/auth-service.ts';
import { createUser } from '../../cloud/auth/user-service.ts';
import { CloudConfig, type CloudConfigInput } from '../../cloud/config.ts';
import { migrate } from '../../cloud/db/migrate.ts';
import { createPool } from '../../cloud/db/pool.ts';
import { createCloudMetrics } from '../../cloud/observability/metrics.ts';
import { silentLogger } from '../../shared/log.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export const SEED = {
  siteA: 'site-a',
  siteB: 'site-b',
  gatewayA: 'gw-a',
  gatewayB: 'gw-b',
  deviceA: 'dev-a1',
  deviceB: 'dev-b1',
  cloudUrl: 'http://cloud.test',
} as const;

export type TestCaller = Role | 'gatewayA' | 'gatewayB' | 'anonymous';

export interface TestClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export interface TestUser {
  userId: number;
  username: string;
  password: string;
  role: Role;
  /** Access token signed at creation time (manual clock). */
  token: string;
}

export interface TestGateway {
  gatewayId: string;
  siteId: string;
  token: string;
  claim: string;
}

export interface TestCloud {
  app: CloudApp;
  deps: CloudDeps;
  pool: pg.Pool;
  db: TestDatabase;
  clock: TestClock;
  users: Record<Role, TestUser>;
  gateways: { a: TestGateway; b: TestGateway };
  /** Authorization header for a caller ({} for anonymous). */
  auth(who: TestCaller): Record<string, string>;
  /** A new access token for a seeded user, signed at the clock's current time. */
  tokenFor(role: Role): string;
  /** Listens on 127.0.0.1:<free port> and returns the base URL (for real HTTP clients). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateTestCloudOptions {
  config?: Partial<CloudConfigInput>;
  migrate?: boolean;
  migrationsDir?: string;
  seed?: boolean;
}

function manualClock(start: number): TestClock {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export async function createTestCloud(opts: CreateTestCloudOptions = {}): Promise<TestCloud> {
  const db = await createTestDatabase();
  const log = silentLogger();
  const pool = createPool({ url: db.url, log, max: 5, applicationName: 'cds-test' });
  const clock = manualClock(Date.now());
  try {
    if (opts.migrate !== false)
      await migrate({ pool, log, ...(opts.migrationsDir ? { dir: opts.migrationsDir } : {}) });
    const config = CloudConfig.parse({
      jwtSecret: 'test-secret-0123456789abcdef0123456789',
      publicUrl: SEED.cloudUrl,
      docs: true,
      ...opts.config,
    });
    const deps: CloudDeps = {
      log,
      config,
      pool,
      clock: clock.now,
      metrics: createCloudMetrics(),
      ...(opts.migrationsDir ? { migrationsDir: opts.migrationsDir } : {}),
    };
    const app = await buildCloudApp(deps);
    const seeded = opts.seed === false || opts.migrate === false ? undefined : await seed(app, deps);
    const users = seeded?.users ?? ({} as Record<Role, TestUser>);
    const gateways = seeded?.gateways ?? ({} as { a: TestGateway; b: TestGateway });
    const tokenFor = (role: Role): string => {
      const u = users[role];
      if (!u) throw new Error('createTestCloud: not seeded');
      return issueAccessToken(app, deps, u);
    };
    return {
      app,
      deps,
      pool,
      db,
      clock,
      users,
      gateways,
      tokenFor,
      auth(who): Record<string, string> {
        if (who === 'anonymous') return {};
        const token =
          who === 'gatewayA' ? gateways.a?.token : who === 'gatewayB' ? gateways.b?.token : users[who]?.token;
        if (!token) throw new Error(`createTestCloud: no credentials for ${who} (not seeded)`);
        return { authorization: `Bearer ${token}` };
      },
      async listen() {
        await app.listen({ host: '127.0.0.1', port: 0 });
        return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      },
      async close() {
        await app.close();
        await pool.end();
        await db.drop();
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw err;
  }
}

async function seed(
  app: CloudApp,
  deps: CloudDeps,
): Promise<{ users: Record<Role, TestUser>; gateways: { a: TestGateway; b: TestGateway } }> {
  const sites = new SitesRepository(deps.pool);
  await sites.create(SEED.siteA, { name: 'Site A (test)' });
  await sites.create(SEED.siteB, { name: 'Site B (test)' });
  const a = await registerGateway(deps.pool, {
    siteId: SEED.siteA,
    gatewayId: SEED.gatewayA,
    cloudUrl: SEED.cloudUrl,
  });
  const b = await registerGateway(deps.pool, {
    siteId: SEED.siteB,
    gatewayId: SEED.gatewayB,
    cloudUrl: SEED.cloudUrl,
  });
  const devices = new DevicesRepository(deps.pool);
  await devices.create({
    deviceId: SEED.deviceA,
    siteId: SEED.siteA,
    gatewayId: SEED.gatewayA,
    expectedIntervalS: 10,
  });
  await devices.create({
    deviceId: SEED.deviceB,
    siteId: SEED.siteB,
    gatewayId: SEED.gatewayB,
    expectedIntervalS: 10,
  });
  const users = {} as Record<Role, TestUser>;
  const roles: Role[] = ['admin', 'operator', 'viewer'];
  await Promise.all(
    roles.map(async (role) => {
      const password = `${role}-password-123`;
      const u = await createUser(deps.pool, { username: role, password, role });
      users[role] = {
        userId: u.userId,
        username: role,
        password,
        role,
        token: issueAccessToken(app, deps, u),
      };
    }),
  );
  return { users, gateways: { a, b } };
}
