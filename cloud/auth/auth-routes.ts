import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { LoginBody, RefreshBody, RoleSchema, TokenPairSchema } from './auth-schemas.ts';
import { AuthService } from './auth-service.ts';

/** `/api/v1/auth/*`: login, refresh, logout and who-am-I. */
export async function registerAuthRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const auth = new AuthService(app, deps);

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'Log in with username and password',
        description:
          'Returns a 15-minute access token and a refresh token. Limited per source address and per username ' +
          '(429 with `details.retryAfterS` past the limit).',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      request.auditTarget = `user:${username}`;
      try {
        await auth.checkRateLimit(request.ip, username);
      } catch (err) {
        if (err instanceof AppError && err.code === 'rate_limited') {
          reply.header('retry-after', String((err.details as { retryAfterS: number }).retryAfterS));
        }
        throw err;
      }
      return auth.login(username, password);
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'Exchange a refresh token for a new token pair',
        description: 'The presented refresh token is retired; presenting it again ends the whole login.',
        tags: ['auth'],
        body: RefreshBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => {
      const pair = await auth.refresh(request.body.refreshToken);
      request.auditTarget = `user:${pair.user.username}`;
      return pair;
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'End the session of a refresh token',
        tags: ['auth'],
        body: RefreshBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'The logged-in user',
        tags: ['auth'],
        response: { 200: z.object({ userId: z.number().int(), username: z.string(), role: RoleSchema }) },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p?.kind !== 'user') throw new AppError('forbidden', 'not a user session');
      return { userId: p.userId, username: p.username, role: p.role };
    },
  );
}
