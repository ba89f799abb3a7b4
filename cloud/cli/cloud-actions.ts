import { z } from 'zod';
import { AppError, formatIssues } from '../../shared/errors.ts';
import { createLogger, type Logger } from '../../shared/log.ts';
import { registerGateway, revokeGateway, rotateGatewayToken } from '../aicss/gateway-service.ts';
import { CreateSiteBody } from '../aicss/site-schemas.ts';
import { SitesRepository } from '../aicss/sites-repository.ts';
import { NewPassword, RoleSchema, Username } from '../auth/auth-schemas.ts';
import { randomPassword } from '../auth/tokens.ts';
import { createUser, publicUser } from '../auth/user-service.ts';
import { UsersRepository } from '../auth/users-repository.ts';
import type { CloudConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { type CloudDatabase, loadCloudConfig, openCloudDatabase, runningCloudUrl, serve } from '../server.ts';
import type { CommonOptions, GatewayFlags, SiteFlags } from './cloud-command.ts';

/** Implementations of `cds cloud …` (loaded only when a command runs). */

/**
 * Expected failures (bad input, unknown site, invalid config, port taken) print their message and exit 1;
 * anything else keeps its stack for bin/cds.ts to print.
 */
function cli<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof AppError || err instanceof UserError) {
        console.error(`cds cloud: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
  };
}

class UserError extends Error {}

function sources(o: CommonOptions, overrides: Record<string, unknown> = {}) {
  return {
    ...(o.config ? { configFile: o.config } : {}),
    overrides: { ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...overrides },
  };
}

export const serveAction = cli(async (o: CommonOptions & { host?: string; port?: number }): Promise<void> => {
  await serve(sources(o, { host: o.host, port: o.port }));
});

/** Opens the database (migrated), runs `fn`, closes it again. */
async function withDatabase<T>(
  o: CommonOptions,
  fn: (db: CloudDatabase, config: CloudConfig, log: Logger) => Promise<T>,
): Promise<T> {
  const config = await loadCloudConfig(sources(o));
  const log = createLogger({ name: 'cds-cloud', level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openCloudDatabase(config, log);
  try {
    await migrate({ pool: db.pool, log });
    return await fn(db, config, log);
  } finally {
    await db.close();
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(`${what}:\n  ${formatIssues(r.error.issues).join('\n  ')}`);
  return r.data;
}

export const migrateAction = cli(async (o: CommonOptions): Promise<void> => {
  const config = await loadCloudConfig(sources(o));
  const log = createLogger({ name: 'cds-cloud', level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openCloudDatabase(config, log);
  try {
    const r = await migrate({ pool: db.pool, log });
    console.log(
      r.applied.length
        ? `applied ${r.applied.join(', ')}; schema version ${r.version} (${db.where})`
        : `nothing to apply; schema version ${r.version} (${db.where})`,
    );
  } finally {
    await db.close();
  }
});

export const userAddAction = cli(
  async (username: string, o: CommonOptions & { role: string; password?: string }): Promise<void> => {
    const input = check(
      z.object({ username: Username, role: RoleSchema, password: NewPassword.optional() }),
      { username, role: o.role, password: o.password },
      'cannot create the user',
    );
    const password = input.password ?? randomPassword();
    await withDatabase(o, async (db) => {
      const u = await createUser(db.pool, { username: input.username, role: input.role, password });
      console.log(`created ${u.role} "${u.username}"`);
      if (!input.password) console.log(`password (shown only now): ${password}`);
    });
  },
);

export const userListAction = cli(async (o: CommonOptions): Promise<void> => {
  await withDatabase(o, async (db) => {
    for (const u of (await new UsersRepository(db.pool).list()).map(publicUser)) {
      console.log(`${u.username}\t${u.role}${u.disabled ? '\tdisabled' : ''}`);
    }
  });
});

export const siteAddAction = cli(async (siteId: string, o: CommonOptions & SiteFlags): Promise<void> => {
  const body = check(
    CreateSiteBody,
    {
      siteId,
      name: o.name,
      ...(o.cnpj ? { distributorCnpj: o.cnpj } : {}),
      ...(o.modality ? { modality: o.modality } : {}),
      ...(o.subgroup ? { subgroup: o.subgroup } : {}),
      ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      ...(o.voltage ? { nominalVoltage: o.voltage } : {}),
    },
    'cannot create the site',
  );
  const { siteId: id, ...fields } = body;
  await withDatabase(o, async (db) => {
    const site = await new SitesRepository(db.pool).create(id, fields);
    if (!site) throw new UserError(`site ${id} already exists`);
    console.log(`created site ${site.siteId} "${site.name}" (${site.modality}, ${site.timeZone})`);
  });
});

export const siteListAction = cli(async (o: CommonOptions): Promise<void> => {
  await withDatabase(o, async (db) => {
    for (const s of await new SitesRepository(db.pool).list()) console.log(`${s.siteId}\t${s.name}`);
  });
});

async function cloudUrlFor(
  config: CloudConfig,
  flag: string | undefined,
): Promise<{ url: string; guessed: boolean }> {
  if (flag) return { url: flag, guessed: false };
  if (config.publicUrl) return { url: config.publicUrl, guessed: false };
  const running = await runningCloudUrl(config);
  if (running) return { url: running, guessed: true };
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { url: `${config.tls ? 'https' : 'http'}://${host}:${config.port}`, guessed: true };
}

function printCredentials(
  c: { gatewayId: string; siteId: string; token: string; claim: string },
  guessed: boolean,
) {
  console.log(`gateway ${c.gatewayId} (site ${c.siteId})`);
  console.log(`token (shown only now): ${c.token}`);
  console.log(`claim: ${c.claim}`);
  console.log('on the gateway: cds gateway init --claim <the claim above>');
  if (guessed) {
    console.log(
      'note: the claim points at a local address; set publicUrl (CDS_CLOUD_PUBLIC_URL) or --cloud-url',
    );
  }
}

export const gatewayAddAction = cli(async (o: CommonOptions & GatewayFlags): Promise<void> => {
  await withDatabase(o, async (db, config) => {
    const { url, guessed } = await cloudUrlFor(config, o.cloudUrl);
    const creds = await registerGateway(db.pool, {
      siteId: o.site,
      cloudUrl: url,
      ...(o.id ? { gatewayId: o.id } : {}),
      ...(o.name ? { name: o.name } : {}),
    });
    printCredentials(creds, guessed);
  });
});

export const gatewayRotateAction = cli(
  async (gatewayId: string, o: CommonOptions & { cloudUrl?: string }): Promise<void> => {
    await withDatabase(o, async (db, config) => {
      const { url, guessed } = await cloudUrlFor(config, o.cloudUrl);
      printCredentials(await rotateGatewayToken(db.pool, gatewayId, url), guessed);
    });
  },
);

export const gatewayRevokeAction = cli(async (gatewayId: string, o: CommonOptions): Promise<void> => {
  await withDatabase(o, async (db) => {
    await revokeGateway(db.pool, gatewayId);
    console.log(`gateway ${gatewayId} revoked: its token is refused from now on`);
  });
});
