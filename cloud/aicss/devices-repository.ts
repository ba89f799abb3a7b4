import type { Queryable } from './queryable.ts';

export interface DeviceRow {
  deviceId: string;
  siteId: string;
  gatewayId: string;
  name: string | null;
  expectedIntervalS: number;
  firstSeenAt: Date;
  lastSeenAt: Date | null;
  lastReadingTs: Date | null;
}

export interface AlertRow {
  gatewayId: string;
  alertId: string;
  deviceId: string | null;
  siteId: string;
  rule: string;
  severity: string;
  state: string;
  raisedAt: Date;
  clearedAt: Date | null;
  value: number | null;
  threshold: number | null;
  message: string | null;
  receivedAt: Date;
}

const DEVICE_COLUMNS = `device_id as "deviceId", site_id as "siteId", gateway_id as "gatewayId", name,
  expected_interval_s as "expectedIntervalS", first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt",
  last_reading_ts as "lastReadingTs"`;

export class DevicesRepository {
  constructor(private readonly db: Queryable) {}

  async list(f: { siteId?: string; gatewayId?: string }): Promise<DeviceRow[]> {
    const { rows } = await this.db.query<DeviceRow>(
      `select ${DEVICE_COLUMNS} from devices
        where ($1::text is null or site_id = $1) and ($2::text is null or gateway_id = $2)
        order by device_id`,
      [f.siteId ?? null, f.gatewayId ?? null],
    );
    return rows;
  }

  /** Registers a device ahead of its first reading (ingest auto-enrolls otherwise); false if it exists. */
  async create(d: {
    deviceId: string;
    siteId: string;
    gatewayId: string;
    expectedIntervalS?: number;
  }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `insert into devices (device_id, site_id, gateway_id, expected_interval_s)
       values ($1, $2, $3, coalesce($4, 10)) on conflict (device_id) do nothing`,
      [d.deviceId, d.siteId, d.gatewayId, d.expectedIntervalS ?? null],
    );
    return rowCount === 1;
  }

  async update(
    deviceId: string,
    c: { name?: string | null; expectedIntervalS?: number },
  ): Promise<DeviceRow | null> {
    const { rows } = await this.db.query<DeviceRow>(
      `update devices set
         name = case when $2::boolean then $3 else name end,
         expected_interval_s = coalesce($4, expected_interval_s)
       where device_id = $1 returning ${DEVICE_COLUMNS}`,
      [deviceId, c.name !== undefined, c.name ?? null, c.expectedIntervalS ?? null],
    );
    return rows[0] ?? null;
  }

  async alerts(f: {
    siteId?: string;
    gatewayId?: string;
    deviceId?: string;
    state?: 'raised' | 'cleared';
    limit: number;
  }): Promise<AlertRow[]> {
    const { rows } = await this.db.query<AlertRow>(
      `select gateway_id as "gatewayId", alert_id as "alertId", device_id as "deviceId", site_id as "siteId",
              rule, severity, state, raised_at as "raisedAt", cleared_at as "clearedAt", value, threshold,
              message, received_at as "receivedAt"
         from alerts
        where ($1::text is null or site_id = $1) and ($2::text is null or gateway_id = $2)
          and ($3::text is null or device_id = $3) and ($4::text is null or state = $4)
        order by raised_at desc, gateway_id, alert_id
        limit $5`,
      [f.siteId ?? null, f.gatewayId ?? null, f.deviceId ?? null, f.state ?? null, f.limit],
    );
    return rows;
  }
}
