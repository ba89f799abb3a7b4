import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyJwt from '@fastify/jwt';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Logger } from '../shared/log.ts';
import { registerAuditHook } from './audit/audit-hook.ts';
import type { Access, Principal } from './auth/access.ts';
import { registerAccessHooks } from './auth/access-hook.ts';
import type { CloudConfig } from './config.ts';
import { registerErrorHandlers } from './error-handler.ts';
import { registerHttpMetricsHook } from './observability/http-metrics-hook.ts';
import type { CloudMetrics } from './observability/metrics.ts';
import { registerOpenApi } from './openapi/openapi-plugin.ts';
import { routeRegistrars } from './routes.ts';

export type { Access, Principal } from './auth/access.ts';

/** Everything the cloud app needs, as one object; `cloud/server.ts` and the tests build it. */
export interface CloudDeps {
  log: Logger;
  config: CloudConfig;
  pool: pg.Pool;
  /** Epoch milliseconds; tests pass a fixed or stepping clock. */
  clock: () => number;
  metrics: CloudMetrics;
  /** Migration folder `/readyz` compares the database with; default sql/postgres/. */
  migrationsDir?: string;
}

export interface BuildCloudAppOptions {
  /** PEM key and certificate: serve HTTPS (server.ts reads `config.tls` files into this). */
  https?: { key: string | Buffer; cert: string | Buffer };
  /** Route modules registered after those of cloud/routes.ts (tests, tools). */
  extraRoutes?: RouteRegistrar[];
}

/** The Fastify instance with the zod type provider, as route modules receive it. */
export type CloudApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What every route module exports: `register<Feature>Routes(app, deps)`, listed in cloud/routes.ts. */
export type RouteRegistrar = (app: CloudApp, deps: CloudDeps) => Promise<void>;

/** One row of the app's route table (HEAD twins of GET routes left out). */
export interface CloudRouteInfo {
  method: string;
  url: string;
  access: readonly Access[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; required on every route (start-up fails without it). */
    access?: readonly Access[];
  }
  interface FastifyRequest {
    /** The authenticated caller; undefined for anonymous calls to public routes. */
    principal?: Principal;
    /** What a state-changing call acted on, for the audit log (e.g. `gateway:gw-sp-01`). */
    auditTarget?: string;
    /** Extra audit details (never secrets). */
    auditDetails?: Record<string, unknown>;
  }
  interface FastifyInstance {
    /** Every route with its declared access, in registration order (the authorization matrix uses it). */
    cloudRoutes: CloudRouteInfo[];
  }
}

/**
 * Builds the cloud HTTP application without listening: security headers, CORS (off unless origins are
 * configured), JWT, the access hook, the audit hook, HTTP metrics, OpenAPI, the error handler and every
 * route module of cloud/routes.ts. Stateless: everything that must survive a request lives in PostgreSQL,
 * so several instances can run behind a load balancer.
 */
export async function buildCloudApp(deps: CloudDeps, opts: BuildCloudAppOptions = {}): Promise<CloudApp> {
  const { config } = deps;
  if (!config.jwtSecret) throw new Error('cloud config: jwtSecret is required to build the app');
  const https = opts.https;
  // Route modules see one app type either way: an https.Server handles requests like an http.Server.
  const options = {
    loggerInstance: deps.log.child({ component: 'http' }),
    trustProxy: parseTrustProxy(config.trustProxy),
    // Route modules that take large bodies (ingest) raise this per route.
    bodyLimit: 1024 * 1024,
  };
  const app = (https
    ? Fastify({ ...options, https: { key: https.key, cert: https.cert } })
    : Fastify(options)
  ).withTypeProvider<ZodTypeProvider>() as unknown as CloudApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);

  await app.register(fastifyHelmet, {
    // Same-origin only: the API answers JSON, and the dashboard (cloud/web) is served by this app from its
    // own origin. No upgrade-insecure-requests: a plain-HTTP install on a LAN must still load its own assets.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
      },
    },
    hsts: https ? undefined : false,
  });
  if (config.corsOrigins.length > 0) {
    await app.register(fastifyCors, { origin: config.corsOrigins, credentials: false });
  }
  await app.register(fastifyJwt, { secret: config.jwtSecret });

  registerAccessHooks(app, deps);
  registerAuditHook(app, deps);
  registerHttpMetricsHook(app, deps);
  await registerOpenApi(app, deps);

  for (const register of [...routeRegistrars, ...(opts.extraRoutes ?? [])]) await register(app, deps);
  await app.ready();
  return app;
}

type TrustProxy = boolean | string | string[] | ((addr: string, hop: number) => boolean);

function parseTrustProxy(v: boolean | string | number): TrustProxy {
  // A hop count: trust that many proxies in front of us.
  if (typeof v === 'number') return (_addr, hop) => hop < v;
  if (typeof v !== 'string') return v;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length === 1 ? (parts[0] as string) : parts;
}
