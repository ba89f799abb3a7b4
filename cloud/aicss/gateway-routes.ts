import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { GatewayId } from '../../shared/schemas/sync.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { registerGateway, revokeGateway, rotateGatewayToken } from './gateway-service.ts';
import { type GatewayRow, GatewaysRepository } from './gateways-repository.ts';
import { SiteId } from './site-schemas.ts';

const GatewaySchema = z
  .object({
    gatewayId: z.string(),
    siteId: z.string(),
    name: z.string().nullable(),
    tokenCreatedAt: z.date().nullable(),
    lastSeenAt: z.date().nullable(),
    configVersionApplied: z.number().int(),
    revoked: z.boolean(),
    createdAt: z.date(),
  })
  .strict();

const CredentialsSchema = z
  .object({
    gatewayId: z.string(),
    siteId: z.string(),
    token: z.string().describe('Gateway bearer token: shown only in this answer, store it now'),
    claim: z.string().describe('`cds1:…` claim string for `cds gateway init --claim`'),
  })
  .strict();

function publicGateway(g: GatewayRow): z.infer<typeof GatewaySchema> {
  return {
    gatewayId: g.gatewayId,
    siteId: g.siteId,
    name: g.name,
    tokenCreatedAt: g.tokenCreatedAt,
    lastSeenAt: g.lastSeenAt,
    configVersionApplied: g.configVersionApplied,
    revoked: g.revokedAt !== null,
    createdAt: g.createdAt,
  };
}

/** The base URL gateways should use: configured `publicUrl`, else how this request reached us. */
export function cloudUrlOf(request: FastifyRequest, deps: CloudDeps): string {
  return deps.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** `/api/v1/gateways` (registration, listing, token rotation and revocation) and `/api/v1/gateway/self`. */
export async function registerGatewayRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const gateways = new GatewaysRepository(deps.pool);
  const params = z.object({ gatewayId: GatewayId });

  app.get(
    '/api/v1/gateways',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'List gateways',
        tags: ['gateways'],
        querystring: z.object({ site: SiteId.optional() }).strict(),
        response: { 200: z.object({ gateways: z.array(GatewaySchema) }) },
      },
    },
    async (request) => ({ gateways: (await gateways.list(request.query.site)).map(publicGateway) }),
  );

  app.post(
    '/api/v1/gateways',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Register a gateway',
        description: 'Returns its token and claim string once; only the token’s sha256 is stored.',
        tags: ['gateways'],
        body: z
          .object({
            siteId: SiteId,
            gatewayId: GatewayId.optional(),
            name: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: { 201: CredentialsSchema },
      },
    },
    async (request, reply) => {
      request.auditTarget = `site:${request.body.siteId}`;
      const creds = await registerGateway(deps.pool, {
        ...request.body,
        cloudUrl: cloudUrlOf(request, deps),
      });
      request.auditTarget = `gateway:${creds.gatewayId}`;
      request.auditDetails = { siteId: creds.siteId };
      return reply.code(201).send(creds);
    },
  );

  app.post(
    '/api/v1/gateways/:gatewayId/token',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Rotate a gateway’s token',
        description: 'The old token stops working at once; a revoked gateway is enabled again.',
        tags: ['gateways'],
        params,
        response: { 200: CredentialsSchema },
      },
    },
    async (request) => {
      request.auditTarget = `gateway:${request.params.gatewayId}`;
      return rotateGatewayToken(deps.pool, request.params.gatewayId, cloudUrlOf(request, deps));
    },
  );

  app.delete(
    '/api/v1/gateways/:gatewayId/token',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Revoke a gateway (its token is refused from now on)',
        tags: ['gateways'],
        params,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      request.auditTarget = `gateway:${request.params.gatewayId}`;
      await revokeGateway(deps.pool, request.params.gatewayId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/gateway/self',
    {
      config: { access: ['gateway'] },
      schema: {
        summary: 'The calling gateway (checks a token; used by `cds gateway init`)',
        tags: ['gateways'],
        response: { 200: GatewaySchema },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p?.kind !== 'gateway') throw new AppError('forbidden', 'only a gateway token can ask this');
      const gw = await gateways.get(p.gatewayId);
      if (!gw) throw new AppError('not_found', `no gateway ${p.gatewayId}`);
      return publicGateway(gw);
    },
  );
}
