import type { FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.ts';
import { GatewaysRepository } from '../aicss/gateways-repository.ts';
import type { CloudApp, CloudDeps, CloudRouteInfo } from '../app.ts';
import { type Access, allows, isAccessList, type Principal, ROLES, type Role } from './access.ts';
import { bearerToken, GATEWAY_TOKEN_PREFIX, sha256Hex } from './tokens.ts';

/** Routes added by plugins we do not write (Swagger UI and its static files) are public documentation. */
const PLUGIN_PUBLIC_PREFIXES = ['/docs'];

interface AccessClaims {
  sub: string;
  usr: string;
  role: Role;
  typ: 'access';
}

/**
 * Enforces the `access` convention: registering a route without `config.access` throws (app start-up
 * fails), and every request is authenticated in `onRequest`, before body parsing and validation, so a
 * caller without the right gets 401/403 and never learns anything about the body schema.
 */
export function registerAccessHooks(app: CloudApp, deps: CloudDeps): void {
  const gateways = new GatewaysRepository(deps.pool);
  const routes: CloudRouteInfo[] = [];
  app.decorate('cloudRoutes', routes);

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: unknown };
    if (config.access === undefined && PLUGIN_PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))) {
      route.config = { ...route.config, access: ['public'] };
    } else if (!isAccessList(config.access)) {
      throw new Error(
        `route ${String(route.method)} ${route.url} must declare config.access (public|viewer|operator|admin|gateway)`,
      );
    }
    const access = (route.config as { access: Access[] }).access;
    // HEAD twins of GET routes share the GET route's access; the table lists the GET only.
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    // Not-found requests have no route (and no access list); the not-found handler answers them.
    if (!access) return;
    request.principal = await authenticate(request, access, gateways, app, deps);
    if (!allows(access, request.principal)) {
      if (!request.principal)
        throw new AppError('unauthenticated', 'authentication required: send a bearer token');
      throw new AppError('forbidden', `this call needs ${access.join(' or ')} access`);
    }
  });
}

async function authenticate(
  request: FastifyRequest,
  access: readonly Access[],
  gateways: GatewaysRepository,
  app: CloudApp,
  deps: CloudDeps,
): Promise<Principal | undefined> {
  const token = bearerToken(request.headers.authorization);
  if (!token) return undefined;
  const isPublic = access.includes('public');
  if (token.startsWith(GATEWAY_TOKEN_PREFIX)) {
    const gw = await gateways.findByTokenHash(sha256Hex(token));
    if (!gw) {
      if (isPublic) return undefined;
      throw new AppError('unauthenticated', 'unknown or revoked gateway token');
    }
    return { kind: 'gateway', gatewayId: gw.gatewayId, siteId: gw.siteId };
  }
  try {
    const claims = app.jwt.verify<AccessClaims>(token, { clockTimestamp: deps.clock() });
    if (claims.typ !== 'access' || !(ROLES as readonly string[]).includes(claims.role)) {
      throw new Error('not an access token');
    }
    return { kind: 'user', userId: Number(claims.sub), username: claims.usr, role: claims.role };
  } catch (err) {
    if (isPublic) return undefined;
    const expired = (err as { code?: string }).code === 'FAST_JWT_EXPIRED';
    throw new AppError(
      'unauthenticated',
      expired ? 'access token expired: refresh it' : 'invalid access token',
    );
  }
}

export type { AccessClaims };
