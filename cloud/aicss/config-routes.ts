import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { GatewayId } from '../../shared/schemas/sync.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { GatewayConfigOverrides } from './gateway-config-schema.ts';
import { GatewayConfigsRepository } from './gateway-configs-repository.ts';
import { GatewaysRepository } from './gateways-repository.ts';
import { withTransaction } from './queryable.ts';

const ConfigVersion = z
  .object({
    gatewayId: z.string(),
    version: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    createdBy: z.string().nullable(),
    createdAt: z.date(),
  })
  .strict();

/**
 * `/api/v1/aicss/config`: versioned per-gateway configuration. A PUT stores a new version; the gateway gets
 * it in the answer to its next sync (cloud/ingest reads gateway_configs) and reports the version it applied.
 */
export async function registerConfigRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const configs = new GatewayConfigsRepository(deps.pool);
  const gateways = new GatewaysRepository(deps.pool);

  app.put(
    '/api/v1/aicss/config',
    {
      config: { access: ['operator'] },
      schema: {
        summary: 'Store a new configuration version for a gateway',
        description:
          'The whole override set (alerts, sync, budgets); the gateway applies it at its next sync.',
        tags: ['aicss'],
        body: z.object({ gatewayId: GatewayId, config: GatewayConfigOverrides }).strict(),
        response: { 201: ConfigVersion },
      },
    },
    async (request, reply) => {
      const { gatewayId, config } = request.body;
      const p = request.principal;
      const by = p?.kind === 'user' ? p.username : 'unknown';
      request.auditTarget = `gateway:${gatewayId}`;
      const row = await withTransaction(deps.pool, (client) =>
        new GatewayConfigsRepository(client).insertNext(client, gatewayId, config, by),
      );
      if (!row) throw new AppError('not_found', `no gateway ${gatewayId}`);
      request.auditDetails = { version: row.version };
      return reply.code(201).send(row);
    },
  );

  app.get(
    '/api/v1/aicss/config',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'A gateway’s current configuration and its history',
        tags: ['aicss'],
        querystring: z.object({ gateway: GatewayId }).strict(),
        response: {
          200: z
            .object({
              gatewayId: z.string(),
              current: ConfigVersion.nullable().describe('Newest version, null if none was ever pushed'),
              appliedVersion: z.number().int().describe('Version the gateway last reported applying'),
              history: z.array(ConfigVersion).describe('All versions, newest first'),
            })
            .strict(),
        },
      },
    },
    async (request) => {
      const gatewayId = request.query.gateway;
      const gw = await gateways.get(gatewayId);
      if (!gw) throw new AppError('not_found', `no gateway ${gatewayId}`);
      const history = await configs.history(gatewayId);
      return { gatewayId, current: history[0] ?? null, appliedVersion: gw.configVersionApplied, history };
    },
  );
}
