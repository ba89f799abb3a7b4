import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { DeviceId } from '../../shared/schemas/reading.ts';
import { GatewayId } from '../../shared/schemas/sync.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { DevicesRepository } from './devices-repository.ts';
import { SiteId } from './site-schemas.ts';

const DeviceSchema = z
  .object({
    deviceId: z.string(),
    siteId: z.string(),
    gatewayId: z.string(),
    name: z.string().nullable(),
    expectedIntervalS: z.number().int().describe('Seconds between readings the board is set up for'),
    firstSeenAt: z.date(),
    lastSeenAt: z.date().nullable(),
    lastReadingTs: z.date().nullable(),
  })
  .strict();

const AlertSchema = z
  .object({
    gatewayId: z.string(),
    alertId: z.string(),
    deviceId: z.string().nullable(),
    siteId: z.string(),
    rule: z.string(),
    severity: z.string(),
    state: z.string().describe('`raised` (active) or `cleared`'),
    raisedAt: z.date(),
    clearedAt: z.date().nullable(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    message: z.string().nullable(),
    receivedAt: z.date(),
  })
  .strict();

/** `/api/v1/devices` and `/api/v1/alerts`. */
export async function registerDeviceRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const devices = new DevicesRepository(deps.pool);

  app.get(
    '/api/v1/devices',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'List devices (boards), optionally of one site or gateway',
        tags: ['devices'],
        querystring: z.object({ site: SiteId.optional(), gateway: GatewayId.optional() }).strict(),
        response: { 200: z.object({ devices: z.array(DeviceSchema) }) },
      },
    },
    async (request) => ({
      devices: await devices.list({ siteId: request.query.site, gatewayId: request.query.gateway }),
    }),
  );

  app.patch(
    '/api/v1/devices/:deviceId',
    {
      config: { access: ['operator'] },
      schema: {
        summary: 'Rename a device or set its expected reading interval',
        tags: ['devices'],
        params: z.object({ deviceId: DeviceId }),
        body: z
          .object({
            name: z.string().min(1).max(200).nullable().optional(),
            expectedIntervalS: z.number().int().min(1).max(86_400).optional(),
          })
          .strict(),
        response: { 200: DeviceSchema },
      },
    },
    async (request) => {
      request.auditTarget = `device:${request.params.deviceId}`;
      request.auditDetails = { ...request.body };
      const d = await devices.update(request.params.deviceId, request.body);
      if (!d) throw new AppError('not_found', `no device ${request.params.deviceId}`);
      return d;
    },
  );

  app.get(
    '/api/v1/alerts',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Alerts reported by gateways, newest first',
        tags: ['alerts'],
        querystring: z
          .object({
            site: SiteId.optional(),
            gateway: GatewayId.optional(),
            device: DeviceId.optional(),
            state: z.enum(['raised', 'cleared', 'all']).default('raised').describe('Default: active only'),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          })
          .strict(),
        response: { 200: z.object({ alerts: z.array(AlertSchema) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const alerts = await deps.metrics.timeQuery('alerts', () =>
        devices.alerts({
          siteId: q.site,
          gatewayId: q.gateway,
          deviceId: q.device,
          state: q.state === 'all' ? undefined : q.state,
          limit: q.limit,
        }),
      );
      return { alerts };
    },
  );
}
