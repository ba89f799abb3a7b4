import { z } from 'zod';
import type { CloudApp, CloudDeps } from '../app.ts';
import { CreateUserBody, UpdateUserBody, Username, UserSchema } from './auth-schemas.ts';
import { createUser, publicUser, updateUser } from './user-service.ts';
import { UsersRepository } from './users-repository.ts';

/** `/api/v1/users`: user administration (admin only). */
export async function registerUserRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const users = new UsersRepository(deps.pool);

  app.get(
    '/api/v1/users',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'List users',
        tags: ['users'],
        response: { 200: z.object({ users: z.array(UserSchema) }) },
      },
    },
    async () => ({ users: (await users.list()).map(publicUser) }),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a user',
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => {
      request.auditTarget = `user:${request.body.username}`;
      request.auditDetails = { role: request.body.role };
      const u = await createUser(deps.pool, request.body);
      return reply.code(201).send(publicUser(u));
    },
  );

  app.patch(
    '/api/v1/users/:username',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Change a user’s role or password, or disable/enable it',
        tags: ['users'],
        params: z.object({ username: Username }),
        body: UpdateUserBody,
        response: { 200: UserSchema },
      },
    },
    async (request) => {
      const { username } = request.params;
      request.auditTarget = `user:${username}`;
      request.auditDetails = {
        ...(request.body.role ? { role: request.body.role } : {}),
        ...(request.body.password ? { passwordChanged: true } : {}),
        ...(request.body.disabled === undefined ? {} : { disabled: request.body.disabled }),
      };
      return publicUser(await updateUser(deps.pool, username, request.body, new Date(deps.clock())));
    },
  );
}
