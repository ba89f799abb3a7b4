import type { Queryable } from './queryable.ts';

export interface GatewayStatusRow {
  gatewayId: string;
  siteId: string;
  name: string | null;
  lastSeenAt: Date | null;
  lastStatus: unknown;
  lastStatusAt: Date | null;
  configVersionApplied: number;
  revokedAt: Date | null;
  latestConfigVersion: number | null;
  latestConfig: unknown;
  activeAlerts: number;
}

export interface DeviceStatusRow {
  deviceId: string;
  gatewayId: string;
  name: string | null;
  expectedIntervalS: number;
  lastSeenAt: Date | null;
  lastReadingTs: Date | null;
  /** Channel powers of the latest stored reading. */
  lastPowerW: (number | null)[] | null;
  activeAlerts: number;
  /** Cloud-side rejections of this device's readings in the last 24 h, by code. */
  rejected24h: Record<string, number> | null;
}

/** The reads behind `GET /api/v1/aicss/status`: two queries whatever the number of gateways and devices. */
export class StatusRepository {
  constructor(private readonly db: Queryable) {}

  async gateways(siteId: string | undefined): Promise<GatewayStatusRow[]> {
    const { rows } = await this.db.query<GatewayStatusRow>(
      `select g.gateway_id as "gatewayId", g.site_id as "siteId", g.name, g.last_seen_at as "lastSeenAt",
              g.last_status as "lastStatus", g.last_status_at as "lastStatusAt",
              g.config_version_applied as "configVersionApplied", g.revoked_at as "revokedAt",
              c.version as "latestConfigVersion", c.config as "latestConfig",
              (select count(*)::int from alerts a
                where a.gateway_id = g.gateway_id and a.state = 'raised') as "activeAlerts"
         from gateways g
         left join lateral (
           select version, config from gateway_configs gc
            where gc.gateway_id = g.gateway_id order by version desc limit 1
         ) c on true
        where ($1::text is null or g.site_id = $1)
        order by g.gateway_id`,
      [siteId ?? null],
    );
    return rows;
  }

  async devices(siteId: string | undefined, since: Date): Promise<DeviceStatusRow[]> {
    // The latest reading per device comes from the readings primary key (device_id, ts, …) backwards:
    // one index probe per device, whatever the table size.
    const { rows } = await this.db.query<DeviceStatusRow>(
      `select d.device_id as "deviceId", d.gateway_id as "gatewayId", d.name,
              d.expected_interval_s as "expectedIntervalS", d.last_seen_at as "lastSeenAt",
              d.last_reading_ts as "lastReadingTs", r.power_w as "lastPowerW",
              (select count(*)::int from alerts a
                where a.device_id = d.device_id and a.state = 'raised') as "activeAlerts",
              (select jsonb_object_agg(code, n) from (
                 select code, sum(count)::int as n from ingest_rejections ir
                  where ir.device_id = d.device_id and ir.day >= $2::date group by code) x) as "rejected24h"
         from devices d
         left join lateral (
           select power_w from readings rd where rd.device_id = d.device_id order by ts desc limit 1
         ) r on true
        where ($1::text is null or d.site_id = $1)
        order by d.gateway_id, d.device_id`,
      [siteId ?? null, since],
    );
    return rows;
  }
}
