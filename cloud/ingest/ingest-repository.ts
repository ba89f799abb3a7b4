import type pg from 'pg';
import type {
  AlertEvent,
  CloudConfigPush,
  GatewayStatusReport,
  LossEntry,
  SyncBatchResponse,
} from '../../shared/schemas/sync.ts';
import { textArray, timestampArray } from '../db/pg-array.ts';
import { type CounterState, type StateRow, toState } from './rollup-repository.ts';

type Queryable = Pick<pg.ClientBase, 'query'>;

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export interface StoredBatch {
  requestSha256: string;
  response: SyncBatchResponse;
}

export async function findSyncBatch(
  db: Queryable,
  gatewayId: string,
  batchId: string,
): Promise<StoredBatch | null> {
  const { rows } = await db.query<{ request_sha256: string; response: SyncBatchResponse }>(
    'select request_sha256, response from sync_batches where gateway_id = $1 and batch_id = $2',
    [gatewayId, batchId],
  );
  const r = rows[0];
  return r ? { requestSha256: r.request_sha256, response: r.response } : null;
}

export interface IngestGateway {
  siteId: string;
  autoEnrollDevices: boolean;
  configVersionApplied: number;
  revoked: boolean;
}

export interface BatchClaim {
  /** False: the key is taken (committed by someone else); answer with the stored response. */
  claimed: boolean;
  /** Null when the gateway does not exist. */
  gateway: IngestGateway | null;
  /** The newest config pushed to the gateway, if any. */
  latestConfig: CloudConfigPush | null;
}

/**
 * Claims (gateway, batch) for this transaction and loads what the batch needs about the gateway, in one
 * round trip. If another transaction holds the same key uncommitted, the insert waits for it.
 */
export async function claimBatch(
  client: Queryable,
  gatewayId: string,
  batchId: string,
  requestSha256: string,
): Promise<BatchClaim> {
  const { rows } = await client.query<{
    claimed: boolean;
    site_id: string | null;
    auto_enroll_devices: boolean;
    config_version_applied: number;
    revoked: boolean;
    version: number | null;
    config: Record<string, unknown> | null;
  }>(
    `with claim as (
       insert into sync_batches (gateway_id, batch_id, request_sha256, response, readings)
       values ($1, $2, $3, '{}', 0) on conflict do nothing returning 1
     )
     select exists (select 1 from claim) as claimed, g.site_id, g.auto_enroll_devices, g.config_version_applied,
            g.revoked_at is not null as revoked, c.version, c.config
       from (select 1) as one
       left join gateways g on g.gateway_id = $1
       left join lateral (
         select version, config from gateway_configs where gateway_id = $1 order by version desc limit 1
       ) c on true`,
    [gatewayId, batchId, requestSha256],
  );
  const r = rows[0]!;
  return {
    claimed: r.claimed,
    gateway:
      r.site_id === null
        ? null
        : {
            siteId: r.site_id,
            autoEnrollDevices: r.auto_enroll_devices,
            configVersionApplied: r.config_version_applied,
            revoked: r.revoked,
          },
    latestConfig: r.version === null ? null : { version: r.version, config: r.config ?? {} },
  };
}

/**
 * The last statement of a batch: stores the response under its key, marks the devices seen (max reading
 * time) and the gateway seen with its status report, in one round trip.
 */
export async function finishBatch(
  client: Queryable,
  f: {
    gatewayId: string;
    batchId: string;
    response: SyncBatchResponse;
    readings: number;
    status: GatewayStatusReport | undefined;
    devicesSeen: readonly { deviceId: string; maxTs: number }[];
  },
): Promise<void> {
  const seen = [...f.devicesSeen].sort(byKey((s) => s.deviceId));
  await client.query(
    `with dev as (
       update devices d set last_seen_at = now(), last_reading_ts = greatest(d.last_reading_ts, u.ts)
         from unnest($6::text[], $7::timestamptz[]) as u(device_id, ts)
        where d.device_id = u.device_id
     ), gw as (
       update gateways set last_seen_at = now(),
              last_status = coalesce($4::jsonb, last_status),
              last_status_at = case when $4::jsonb is null then last_status_at else now() end,
              config_version_applied = coalesce($5, config_version_applied)
        where gateway_id = $1
     )
     update sync_batches set response = $3, readings = $8 where gateway_id = $1 and batch_id = $2`,
    [
      f.gatewayId,
      f.batchId,
      JSON.stringify(f.response),
      f.status ? JSON.stringify(f.status) : null,
      f.status?.configVersion ?? null,
      textArray(seen.map((s) => s.deviceId)),
      timestampArray(seen.map((s) => s.maxTs)),
      f.readings,
    ],
  );
}

export interface DeviceOwner {
  gatewayId: string;
  siteId: string;
}

export async function findDevices(
  db: Queryable,
  deviceIds: readonly string[],
): Promise<Map<string, DeviceOwner>> {
  const { rows } = await db.query<{ device_id: string; gateway_id: string; site_id: string }>(
    'select device_id, gateway_id, site_id from devices where device_id = any($1::text[])',
    [deviceIds],
  );
  return new Map(rows.map((r) => [r.device_id, { gatewayId: r.gateway_id, siteId: r.site_id }]));
}

export interface OwnedDevices {
  /** Owner of every enrolled device among the ids (any gateway). */
  owners: Map<string, DeviceOwner>;
  /** Locked counter states of the devices owned by the gateway that have a state row. */
  states: Map<string, CounterState>;
}

/**
 * Owners of the devices and, in the same round trip, the lock on the counter states of those the gateway
 * owns (FOR UPDATE, in id order: concurrent batches of the same devices wait here, never deadlock here).
 */
export async function lockOwnedDevices(
  client: Queryable,
  deviceIds: readonly string[],
  gatewayId: string,
): Promise<OwnedDevices> {
  const { rows } = await client.query<
    { device_id: string; gateway_id: string; site_id: string; has_state: boolean } & StateRow
  >(
    `with locked as materialized (
       select s.device_id, s.ts, s.boot, s.seq, s.energy_wh, s.energy_boot, s.max_boot from device_counter_state s
        where s.device_id in (select device_id from devices where device_id = any($1::text[]) and gateway_id = $2)
        order by s.device_id for update
     )
     select d.device_id, d.gateway_id, d.site_id, l.device_id is not null as has_state,
            l.ts, l.boot, l.seq, l.energy_wh, l.energy_boot, l.max_boot
       from devices d left join locked l on l.device_id = d.device_id
      where d.device_id = any($1::text[])`,
    [textArray([...new Set(deviceIds)].sort()), gatewayId],
  );
  const out: OwnedDevices = { owners: new Map(), states: new Map() };
  for (const r of rows) {
    out.owners.set(r.device_id, { gatewayId: r.gateway_id, siteId: r.site_id });
    if (r.has_state) out.states.set(r.device_id, toState(r));
  }
  return out;
}

/** Enrolls devices to the gateway's site; returns the ids this call inserted (others raced in first). */
export async function enrollDevices(
  client: Queryable,
  deviceIds: readonly string[],
  gatewayId: string,
  siteId: string,
): Promise<string[]> {
  const { rows } = await client.query<{ device_id: string }>(
    `insert into devices (device_id, site_id, gateway_id)
     select d, $2, $3 from unnest($1::text[]) d order by d
     on conflict do nothing returning device_id`,
    [[...deviceIds].sort(), siteId, gatewayId],
  );
  return rows.map((r) => r.device_id);
}

/** Inserts or updates alerts by (gateway, alert id): a `cleared` event updates the stored `raised` one. */
export async function upsertAlerts(
  client: Queryable,
  gatewayId: string,
  siteId: string,
  alerts: readonly AlertEvent[],
): Promise<number> {
  if (alerts.length === 0) return 0;
  const sorted = [...new Map(alerts.map((a) => [a.id, a])).values()].sort(byKey((a) => a.id));
  const ms = (v: number | null) => (v === null ? null : new Date(v));
  const { rowCount } = await client.query(
    `insert into alerts (gateway_id, alert_id, device_id, site_id, rule, severity, state, raised_at, cleared_at,
        value, threshold, message)
     select $1, u.id, u.device, $2, u.rule, u.severity, u.state, u.raised_at, u.cleared_at, u.value, u.threshold,
            u.message
       from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
                   $9::timestamptz[], $10::float8[], $11::float8[], $12::text[])
            as u(id, device, rule, severity, state, raised_at, cleared_at, value, threshold, message)
     on conflict (gateway_id, alert_id) do update set
       state = excluded.state, cleared_at = excluded.cleared_at, severity = excluded.severity,
       value = excluded.value, threshold = excluded.threshold, message = excluded.message,
       received_at = now()`,
    [
      gatewayId,
      siteId,
      sorted.map((a) => a.id),
      sorted.map((a) => a.device),
      sorted.map((a) => a.rule),
      sorted.map((a) => a.severity),
      sorted.map((a) => a.state),
      sorted.map((a) => new Date(a.raisedAt)),
      sorted.map((a) => ms(a.clearedAt)),
      sorted.map((a) => a.value),
      sorted.map((a) => a.threshold),
      sorted.map((a) => a.message),
    ],
  );
  return rowCount ?? 0;
}

export async function upsertLosses(
  client: Queryable,
  gatewayId: string,
  losses: readonly LossEntry[],
): Promise<number> {
  if (losses.length === 0) return 0;
  const sorted = [...new Map(losses.map((l) => [l.id, l])).values()].sort(byKey((l) => l.id));
  const ms = (v: number | null) => (v === null ? null : new Date(v));
  const { rowCount } = await client.query(
    // A gateway speaks for its own devices only: an entry naming a device another gateway owns is kept as a
    // loss of this gateway with no device (it counts for this gateway's site), never in the other site's data
    // quality. A device not enrolled anywhere yet keeps its name (the gateway may enroll it with its readings).
    `insert into losses (gateway_id, loss_id, device_id, reason, count, from_ts, to_ts, recorded_at)
     select $1, u.id,
            case when exists (select 1 from devices d where d.device_id = u.device and d.gateway_id <> $1)
                 then null else u.device end,
            u.reason, u.count, u.from_ts, u.to_ts, u.recorded_at
       from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[],
                   $8::timestamptz[]) as u(id, device, reason, count, from_ts, to_ts, recorded_at)
     on conflict (gateway_id, loss_id) do update set
       device_id = excluded.device_id, count = excluded.count, from_ts = excluded.from_ts, to_ts = excluded.to_ts,
       recorded_at = excluded.recorded_at`,
    [
      gatewayId,
      sorted.map((l) => l.id),
      sorted.map((l) => l.device),
      sorted.map((l) => l.reason),
      sorted.map((l) => l.count),
      sorted.map((l) => ms(l.fromTs)),
      sorted.map((l) => ms(l.toTs)),
      sorted.map((l) => new Date(l.recordedAt)),
    ],
  );
  return rowCount ?? 0;
}

export async function countRejections(
  client: Queryable,
  gatewayId: string,
  day: string,
  counts: readonly { deviceId: string; code: string; count: number }[],
): Promise<void> {
  if (counts.length === 0) return;
  const rows = [...counts].sort(byKey((c) => `${c.deviceId} ${c.code}`));
  await client.query(
    `insert into ingest_rejections (gateway_id, device_id, code, count, day)
     select $1, u.device, u.code, u.n, $2::date
       from unnest($3::text[], $4::text[], $5::bigint[]) as u(device, code, n)
     on conflict (gateway_id, device_id, code, day) do update set count = ingest_rejections.count + excluded.count`,
    [gatewayId, day, rows.map((r) => r.deviceId), rows.map((r) => r.code), rows.map((r) => r.count)],
  );
}
