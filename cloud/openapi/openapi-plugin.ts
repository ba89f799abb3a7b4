import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { CloudApp, CloudDeps } from '../app.ts';
import { type Access, describeAccess } from '../auth/access.ts';

/**
 * OpenAPI 3.1 from the routes' zod schemas (fastify-type-provider-zod's transform), with each operation's
 * declared access added as `x-access`, a bearer security requirement and a line in its description.
 * Swagger UI is served at `/docs` unless `config.docs` is false; the document itself is always built so
 * `npm run docs:api` can write docs/api.md.
 */
export async function registerOpenApi(app: CloudApp, deps: CloudDeps): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CDS cloud API',
        description:
          'AICSS energy monitoring: gateway sync, status, configuration, sites, users, tariffs and analytics.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A user access token (JWT from /api/v1/auth/login) or a gateway token (cdsgw_…)',
          },
        },
      },
    },
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const access = (doc.route.config as { access?: readonly Access[] } | undefined)?.access;
      if (!access || !out.schema) return out;
      const schema = out.schema as Record<string, unknown>;
      schema['x-access'] = access;
      if (!access.includes('public')) schema.security = [{ bearer: [] }];
      const line = `Access: ${describeAccess(access)}.`;
      schema.description = schema.description ? `${String(schema.description)}\n\n${line}` : line;
      return out;
    },
  });
  if (deps.config.docs) {
    await app.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // The UI's default policy upgrades subresources to https, which breaks it on a plain-HTTP install.
      transformStaticCSP: (header) =>
        header
          .replace(/upgrade-insecure-requests;?/, '')
          .replace("frame-ancestors 'self'", "frame-ancestors 'none'"),
    });
  }
}
