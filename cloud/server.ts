import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { AppError, formatIssues } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/log.ts';
import { createReportScheduler } from './analytics/reports/report-scheduler.ts';
import { createAneelScheduler } from './aneel/aneel-scheduler.ts';
import { buildCloudApp, type CloudApp } from './app.ts';
import { randomPassword } from './auth/tokens.ts';
import { createUser } from './auth/user-service.ts';
import { UsersRepository } from './auth/users-repository.ts';
import { CloudConfig } from './config.ts';
import { type RunningPostgres, startEmbeddedPostgres } from './db/embedded-postgres.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { createCloudMetrics } from './observability/metrics.ts';
import { envOverrides } from './server-env.ts';

/**
 * The cloud's composition root and the only module that reads the environment. It merges defaults, a
 * config file (JSON or YAML), `CDS_CLOUD_*` variables and `DATABASE_URL`, starts an embedded PostgreSQL
 * when there is no database URL, migrates, creates the first admin on an empty database, builds the app
 * and listens. `cds cloud …` commands and the demo call these functions.
 */

export interface ConfigSources {
  /** Config file (JSON or YAML); default `$CDS_CLOUD_CONFIG`. */
  configFile?: string;
  /** Highest precedence: values from command-line flags. */
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Validates everything at once; throws an Error listing every problem as `path: message`. */
export async function loadCloudConfig(src: ConfigSources = {}): Promise<CloudConfig> {
  const env = src.env ?? process.env;
  const file = src.configFile ?? env.CDS_CLOUD_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    const text = await readFile(file, 'utf8');
    fromFile = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) ?? {};
  }
  const merged = deepMerge(deepMerge(fromFile, envOverrides(env)), src.overrides ?? {});
  const r = CloudConfig.safeParse(merged);
  if (!r.success) {
    throw new AppError(
      'config_invalid',
      `invalid cloud configuration:\n  ${formatIssues(r.error.issues).join('\n  ')}`,
    );
  }
  return r.data;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface CloudDatabase {
  pool: pg.Pool;
  /** Where the database is, without the password. */
  where: string;
  embedded: RunningPostgres | undefined;
  close(): Promise<void>;
}

const RUNTIME_FILE = 'embedded-pg.json';

/**
 * Opens the configured database, or the embedded one under `<dataDir>/pg`: the one a running
 * `cds cloud serve` already started (found through `<dataDir>/embedded-pg.json`), else a new one.
 */
export async function openCloudDatabase(config: CloudConfig, log: Logger): Promise<CloudDatabase> {
  let url = config.databaseUrl;
  let embedded: RunningPostgres | undefined;
  const dataDir = resolve(config.dataDir);
  if (!url) {
    url = await runningEmbeddedUrl(dataDir);
    if (!url) {
      embedded = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'pg'),
        ...(config.embeddedPgPort ? { port: config.embeddedPgPort } : {}),
        log,
      });
      url = embedded.url;
      await writeFile(join(dataDir, RUNTIME_FILE), JSON.stringify({ url, pid: process.pid }), {
        mode: 0o600,
      });
    }
  }
  const pool = createPool({ url, log, applicationName: 'cds-cloud' });
  const u = new URL(url);
  return {
    pool,
    embedded,
    where: `${u.hostname}:${u.port || 5432}${u.pathname}${embedded ? ' (embedded)' : ''}`,
    async close() {
      await pool.end();
      if (embedded) {
        await rm(join(dataDir, RUNTIME_FILE), { force: true });
        await embedded.stop();
      }
    },
  };
}

const SERVE_FILE = 'serve.json';

/** The `url` of a runtime file whose writing process is still alive. */
async function liveRuntimeUrl(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const { url, pid } = JSON.parse(await readFile(file, 'utf8')) as { url: string; pid: number };
    process.kill(pid, 0);
    return url;
  } catch {
    // The process that wrote it is gone (it cleaned up, or died): nothing is running there.
    return undefined;
  }
}

function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  return liveRuntimeUrl(join(dataDir, RUNTIME_FILE));
}

/** Where a `cds cloud serve` on this data folder listens, if one runs (CLI commands use it for claims). */
export function runningCloudUrl(config: CloudConfig): Promise<string | undefined> {
  return liveRuntimeUrl(join(resolve(config.dataDir), SERVE_FILE));
}

/** The HMAC secret: configured, else kept in `<dataDir>/jwt-secret` (created on first start). */
async function resolveJwtSecret(config: CloudConfig): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  const file = join(resolve(config.dataDir), 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export interface BootstrapAdmin {
  username: string;
  password: string;
  /** True when the password was generated here (it is shown once). */
  generated: boolean;
}

/** On an empty users table, creates `admin` with `CDS_ADMIN_PASSWORD` or a random password. */
export async function bootstrapAdmin(
  pool: pg.Pool,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BootstrapAdmin | null> {
  if ((await new UsersRepository(pool).count()) > 0) return null;
  const given = env.CDS_ADMIN_PASSWORD;
  const password = given || randomPassword();
  await createUser(pool, { username: 'admin', password, role: 'admin' });
  return { username: 'admin', password, generated: !given };
}

export interface RunningCloud {
  app: CloudApp;
  config: CloudConfig;
  /** Base URL it listens on (a wildcard host shown as 127.0.0.1). */
  url: string;
  database: CloudDatabase;
  /** Set when this start created the first admin. */
  admin: BootstrapAdmin | null;
  stop(): Promise<void>;
}

/** Starts everything in order; on failure stops what was started. */
export async function startCloud(
  config: CloudConfig,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningCloud> {
  await mkdir(resolve(config.dataDir), { recursive: true });
  const database = await openCloudDatabase(config, log);
  try {
    await migrate({ pool: database.pool, log });
    const admin = await bootstrapAdmin(database.pool, env);
    const jwtSecret = await resolveJwtSecret(config);
    const https = config.tls
      ? { key: await readFile(config.tls.keyFile), cert: await readFile(config.tls.certFile) }
      : undefined;
    const app = await buildCloudApp(
      {
        log,
        config: { ...config, jwtSecret },
        pool: database.pool,
        clock: Date.now,
        metrics: createCloudMetrics({ processMetrics: true }),
      },
      { ...(https ? { https } : {}) },
    );
    let address: string;
    try {
      address = await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      await app.close();
      const code = (err as { code?: string }).code;
      throw code === 'EADDRINUSE'
        ? new AppError(
            'config_invalid',
            `port ${config.port} on ${config.host} is taken: choose another with --port or CDS_CLOUD_PORT`,
          )
        : err;
    }
    const url = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
    const serveFile = join(resolve(config.dataDir), SERVE_FILE);
    await writeFile(serveFile, JSON.stringify({ url, pid: process.pid }));
    // Background jobs: the daily ANEEL refresh and the monthly reports. Both take a PostgreSQL advisory
    // lock per run, so every instance may schedule them and only one works at a time.
    const jobDeps = { log, config, pool: database.pool, clock: Date.now };
    const aneel = createAneelScheduler(jobDeps);
    const reports = createReportScheduler(jobDeps);
    aneel.start();
    reports.start();
    return {
      app,
      config,
      url,
      database,
      admin,
      async stop() {
        await rm(serveFile, { force: true });
        await app.close();
        await aneel.stop();
        await reports.stop();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}

/** `cds cloud serve`: start, print where it listens, stop cleanly on SIGINT/SIGTERM. */
export async function serve(src: ConfigSources = {}): Promise<void> {
  const config = await loadCloudConfig(src);
  const log = createLogger({ name: 'cds-cloud' });
  const cloud = await startCloud(config, log, src.env ?? process.env);
  if (cloud.admin) {
    const how = cloud.admin.generated
      ? 'generated password, shown only now'
      : 'password from CDS_ADMIN_PASSWORD';
    console.log(`First start: created user "${cloud.admin.username}" (${how}): ${cloud.admin.password}`);
  }
  console.log(
    `CDS cloud listening on ${cloud.url} (API docs ${cloud.url}/docs), database ${cloud.database.where}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    cloud.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  // embedded-postgres installs an exit hook that stops PostgreSQL (and exits) on the first signal, under
  // requests still in flight. We take the signals over so the order is: stop listening, finish requests,
  // close the pool, then stop PostgreSQL.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
