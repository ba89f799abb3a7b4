import { z } from 'zod';
import type { CloudApp, CloudDeps } from '../app.ts';
import { SiteId } from './site-schemas.ts';
import { StatusRepository } from './status-repository.ts';
import { deviceState, gatewayState, parseStatusReport, syncIntervalOf, totalPower } from './status-rules.ts';

const Counts = z.record(z.string(), z.number().int());

const DeviceStatus = z
  .object({
    deviceId: z.string(),
    name: z.string().nullable(),
    state: z.enum(['reporting', 'zero_consumption', 'silent', 'gateway_offline', 'never_seen']),
    lastReadingTs: z.date().nullable().describe('Time of the newest stored reading'),
    gatewayLastSeenAt: z
      .date()
      .nullable()
      .describe('When the gateway last heard from the board (its report)'),
    expectedIntervalS: z.number().int(),
    lastPowerW: z.number().nullable().describe('Total power of the newest reading, W'),
    activeAlerts: z.number().int(),
    rejectedByCode: Counts.describe('Rejections counted by the gateway since it started'),
    cloudRejectedByCode: Counts.describe('Rejections at cloud ingest since yesterday (UTC)'),
  })
  .strict();

const GatewayStatus = z
  .object({
    gatewayId: z.string(),
    siteId: z.string(),
    name: z.string().nullable(),
    state: z.enum(['online', 'offline', 'never_seen', 'revoked']),
    lastSeenAt: z.date().nullable().describe('Last sync'),
    syncIntervalS: z.number(),
    offlineAfterS: z.number().describe('No sync for longer than this = offline'),
    backlogReadings: z.number().int().nullable().describe('Readings stored on the gateway, not yet synced'),
    oldestUnsyncedAgeS: z.number().nullable().describe('Age of the oldest unsynced reading, seconds'),
    rejectedByCode: Counts.describe('Rejections counted by the gateway since it started'),
    softwareVersion: z.string().nullable(),
    configVersionApplied: z.number().int(),
    configVersionLatest: z.number().int().nullable(),
    activeAlerts: z.number().int(),
    devices: z.array(DeviceStatus),
  })
  .strict();

export const StatusResponse = z.object({ generatedAt: z.date(), gateways: z.array(GatewayStatus) }).strict();

/** `GET /api/v1/aicss/status`: what each gateway and board is doing, and why data may be missing. */
export async function registerStatusRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new StatusRepository(deps.pool);
  const cfg = deps.config.status;

  app.get(
    '/api/v1/aicss/status',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Status of every gateway and device',
        description:
          'Tells a gateway that does not sync (`offline`) from a board its gateway no longer hears (`silent`) ' +
          'and from a board that reports but consumes nothing (`zero_consumption`).',
        tags: ['aicss'],
        querystring: z.object({ site: SiteId.optional() }).strict(),
        response: { 200: StatusResponse },
      },
    },
    async (request) => {
      const now = deps.clock();
      const site = request.query.site;
      const [gws, devs] = await deps.metrics.timeQuery('status', () =>
        Promise.all([repo.gateways(site), repo.devices(site, new Date(now - 24 * 3600 * 1000))]),
      );
      const gateways = gws.map((g) => {
        const report = parseStatusReport(g.lastStatus);
        const syncIntervalS = syncIntervalOf(g.latestConfig, cfg.defaultSyncIntervalS);
        const state = gatewayState(
          { lastSeenAt: g.lastSeenAt, revokedAt: g.revokedAt, syncIntervalS },
          now,
          cfg,
        );
        const reported = new Map((report?.devices ?? []).map((d) => [d.device, d]));
        const devices = devs
          .filter((d) => d.gatewayId === g.gatewayId)
          .map((d) => {
            const r = reported.get(d.deviceId);
            const gatewayLastSeenAt = r?.lastSeenAt ? new Date(r.lastSeenAt) : null;
            return {
              deviceId: d.deviceId,
              name: d.name,
              state: deviceState(
                {
                  expectedIntervalS: d.expectedIntervalS,
                  lastReadingTs: d.lastReadingTs,
                  gatewayLastSeenAt,
                  lastPowerW: d.lastPowerW,
                },
                state,
                now,
                cfg,
              ),
              lastReadingTs: d.lastReadingTs,
              gatewayLastSeenAt,
              expectedIntervalS: d.expectedIntervalS,
              lastPowerW: totalPower(d.lastPowerW),
              activeAlerts: d.activeAlerts,
              rejectedByCode: r?.rejectedByCode ?? {},
              cloudRejectedByCode: d.rejected24h ?? {},
            };
          });
        return {
          gatewayId: g.gatewayId,
          siteId: g.siteId,
          name: g.name,
          state,
          lastSeenAt: g.lastSeenAt,
          syncIntervalS,
          offlineAfterS: syncIntervalS * cfg.gatewayOfflineAfterIntervals,
          backlogReadings: report?.backlogReadings ?? null,
          oldestUnsyncedAgeS:
            report?.oldestUnsyncedTs != null ? Math.max(0, (now - report.oldestUnsyncedTs) / 1000) : null,
          rejectedByCode: report?.rejectedByCode ?? {},
          softwareVersion: report?.softwareVersion ?? null,
          configVersionApplied: g.configVersionApplied,
          configVersionLatest: g.latestConfigVersion,
          activeAlerts: g.activeAlerts,
          devices,
        };
      });
      return { generatedAt: new Date(now), gateways };
    },
  );
}
