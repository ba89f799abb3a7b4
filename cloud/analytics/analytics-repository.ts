import type { Queryable } from '../aicss/queryable.ts';
import type { BrancaSchedule } from './cost/branca-postos.ts';
import type { Modality, SupplyType } from './cost/types.ts';

/**
 * SQL for the analytics endpoints. Energy comes only from `reading_hourly` (never raw readings), plus
 * sites/devices and the branca_schedules table. Every query is parameterised.
 */

export interface AnalyticsSite {
  siteId: string;
  name: string;
  distributorCnpj: string | null;
  subgroup: string;
  modality: Modality;
  consumerClass: string;
  supplyType: SupplyType;
  timeZone: string;
  icmsRate: number | null;
  pisRate: number | null;
  cofinsRate: number | null;
  cosipRs: number | null;
}

export interface ScopeDevice {
  deviceId: string;
  siteId: string;
  gatewayId: string;
  expectedIntervalS: number;
  firstSeenMs: number;
}

/** One hour of a scope: the sum over its devices (null aggregates when no device has the value). */
export interface ScopeHour {
  hourStartMs: number;
  wh: number;
  wh1: number;
  wh2: number;
  voltageMin: number | null;
  voltageMax: number | null;
  /** Σ over devices of each device's hourly peak: an upper bound of the coincident peak. */
  powerMaxSumW: number | null;
  readings: number;
  devices: number;
}

export type ScopeFilter = { siteId: string; deviceIds?: string[] };

/** The columns `hourly` packs per hour, in order (see there). */
const HOUR_FIELDS = [
  'extract(epoch from hour_start) * 1000',
  'wh',
  'wh1',
  'wh2',
  'vmin',
  'vmax',
  'pmax',
  'readings',
  'devices',
] as const;
const HOUR_BYTES = HOUR_FIELDS.length * 8;

export class AnalyticsRepository {
  constructor(private readonly db: Queryable) {}

  async site(siteId: string): Promise<AnalyticsSite | null> {
    const { rows } = await this.db.query<AnalyticsSite>(
      `select site_id as "siteId", name, distributor_cnpj as "distributorCnpj", subgroup, modality,
              consumer_class as "consumerClass", supply_type as "supplyType", time_zone as "timeZone",
              icms_rate::float8 as "icmsRate", pis_rate::float8 as "pisRate", cofins_rate::float8 as "cofinsRate",
              cosip_rs::float8 as "cosipRs"
         from sites where site_id = $1`,
      [siteId],
    );
    return rows[0] ?? null;
  }

  async siteIds(): Promise<string[]> {
    const { rows } = await this.db.query<{ site_id: string }>('select site_id from sites order by site_id');
    return rows.map((r) => r.site_id);
  }

  private static readonly DEVICE_COLUMNS =
    `device_id as "deviceId", site_id as "siteId", gateway_id as "gatewayId",
    expected_interval_s as "expectedIntervalS", (extract(epoch from first_seen_at) * 1000)::float8 as "firstSeenMs"`;

  async device(deviceId: string): Promise<ScopeDevice | null> {
    const { rows } = await this.db.query<ScopeDevice>(
      `select ${AnalyticsRepository.DEVICE_COLUMNS} from devices where device_id = $1`,
      [deviceId],
    );
    return rows[0] ?? null;
  }

  async devicesOfSite(siteId: string): Promise<ScopeDevice[]> {
    const { rows } = await this.db.query<ScopeDevice>(
      `select ${AnalyticsRepository.DEVICE_COLUMNS} from devices where site_id = $1 order by device_id`,
      [siteId],
    );
    return rows;
  }

  async devicesOfGateway(gatewayId: string): Promise<{ siteId: string | null; devices: ScopeDevice[] }> {
    const g = await this.db.query<{ site_id: string }>('select site_id from gateways where gateway_id = $1', [
      gatewayId,
    ]);
    if (!g.rows[0]) return { siteId: null, devices: [] };
    const { rows } = await this.db.query<ScopeDevice>(
      `select ${AnalyticsRepository.DEVICE_COLUMNS} from devices where gateway_id = $1 order by device_id`,
      [gatewayId],
    );
    return { siteId: g.rows[0].site_id, devices: rows };
  }

  /**
   * Hourly totals of a scope in [fromMs, toMs), in hour order. A whole site reads the per-site rollup
   * `site_hourly` (one row per hour, maintained with reading_hourly at ingest); a device list reads
   * reading_hourly with the site filter (the leading column of its (site_id, hour_start) index), one device by
   * its primary key.
   *
   * The hours come back as ONE bytea of big-endian doubles, nine per hour (HOUR_FIELDS; NaN = null), not one
   * row each: for a year (8 760 hours) node-postgres spent more on its per-row work (a message, a string per
   * field, a type parser per field) than PostgreSQL on the query, and parsing the same numbers from text cost
   * about as much again. Every value is a float8 or an integer far below 2^53, so the doubles are exact.
   */
  async hourly(scope: ScopeFilter, fromMs: number, toMs: number): Promise<ScopeHour[]> {
    const params: unknown[] = [scope.siteId, new Date(fromMs), new Date(toMs)];
    let rows: string;
    if (!scope.deviceIds) {
      rows = `select hour_start, energy_wh_total as wh, energy_wh[1] as wh1, energy_wh[2] as wh2,
                     voltage_min::float8 as vmin, voltage_max::float8 as vmax,
                     case when power_max_count > 0 then power_max_sum_w end as pmax,
                     reading_count as readings, device_count as devices
                from site_hourly
               where site_id = $1 and hour_start >= $2 and hour_start < $3`;
    } else if (scope.deviceIds.length === 1) {
      params.push(scope.deviceIds[0]);
      rows = `select hour_start, energy_wh_total as wh, energy_wh[1] as wh1, energy_wh[2] as wh2,
                     voltage_min::float8 as vmin, voltage_max::float8 as vmax, power_max_w::float8 as pmax,
                     reading_count as readings, 1 as devices
                from reading_hourly
               where device_id = $4 and hour_start >= $2 and hour_start < $3 and site_id = $1`;
    } else {
      params.push(scope.deviceIds);
      rows = `select hour_start, sum(energy_wh_total)::float8 as wh,
                     sum(energy_wh[1])::float8 as wh1, sum(energy_wh[2])::float8 as wh2,
                     min(voltage_min)::float8 as vmin, max(voltage_max)::float8 as vmax,
                     sum(power_max_w::float8) as pmax, sum(reading_count) as readings, count(*) as devices
                from reading_hourly
               where site_id = $1 and hour_start >= $2 and hour_start < $3 and device_id = any($4::text[])
               group by hour_start`;
    }
    const packed = HOUR_FIELDS.map((c) => `float8send(coalesce(${c}::float8, 'NaN'))`).join(' || ');
    const { rows: out } = await this.db.query<{ b: Buffer | null }>(
      `select string_agg(${packed}, ''::bytea order by hour_start) as b from (${rows}) h`,
      params,
    );
    const b = out[0]?.b;
    if (!b) return [];
    const hours: ScopeHour[] = [];
    const orNull = (o: number) => {
      const v = b.readDoubleBE(o);
      return Number.isNaN(v) ? null : v;
    };
    for (let o = 0; o + HOUR_BYTES <= b.length; o += HOUR_BYTES) {
      hours.push({
        hourStartMs: b.readDoubleBE(o),
        wh: b.readDoubleBE(o + 8),
        wh1: orNull(o + 16) ?? 0,
        wh2: orNull(o + 24) ?? 0,
        voltageMin: orNull(o + 32),
        voltageMax: orNull(o + 40),
        powerMaxSumW: orNull(o + 48),
        readings: b.readDoubleBE(o + 56),
        devices: b.readDoubleBE(o + 64),
      });
    }
    return hours;
  }

  /** Hourly kWh per device of a scope (savings need each board's own channels). */
  async hourlyByDevice(
    scope: ScopeFilter,
    fromMs: number,
    toMs: number,
  ): Promise<{ deviceId: string; hourStartMs: number; wh1: number; wh2: number }[]> {
    const params: unknown[] = [scope.siteId, new Date(fromMs), new Date(toMs)];
    let deviceFilter = '';
    if (scope.deviceIds) {
      params.push(scope.deviceIds);
      deviceFilter = 'and device_id = any($4::text[])';
    }
    const { rows } = await this.db.query<{ d: string; t: string; wh1: number | null; wh2: number | null }>(
      `select device_id as d, (extract(epoch from hour_start) * 1000)::bigint as t,
              coalesce(energy_wh[1], 0)::float8 as wh1, coalesce(energy_wh[2], 0)::float8 as wh2
         from reading_hourly
        where site_id = $1 and hour_start >= $2 and hour_start < $3 ${deviceFilter}
        order by device_id, hour_start`,
      params,
    );
    return rows.map((r) => ({ deviceId: r.d, hourStartMs: Number(r.t), wh1: r.wh1 ?? 0, wh2: r.wh2 ?? 0 }));
  }

  async brancaSchedules(cnpj: string): Promise<BrancaSchedule[]> {
    const { rows } = await this.db.query<{
      cnpj: string;
      ps: number;
      pe: number;
      before: number;
      after: number;
      valid_from: string;
      valid_to: string | null;
      source: string;
      confidence: string;
    }>(
      `select distributor_cnpj as cnpj,
              (extract(epoch from ponta_start) / 60)::int as ps, (extract(epoch from ponta_end) / 60)::int as pe,
              intermediate_before_min as before, intermediate_after_min as after,
              valid_from::text as valid_from, valid_to::text as valid_to, source, confidence
         from branca_schedules where distributor_cnpj = $1 order by valid_from`,
      [cnpj],
    );
    return rows.map((r) => ({
      distributorCnpj: r.cnpj,
      pontaStartMin: r.ps,
      pontaEndMin: r.pe,
      intermediateBeforeMin: r.before,
      intermediateAfterMin: r.after,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      source: r.source,
      confidence: r.confidence,
    }));
  }

  /** Alerts raised in [fromMs, toMs) for a site (optionally a device list), counted by rule and severity. */
  async alertCounts(
    scope: ScopeFilter,
    fromMs: number,
    toMs: number,
  ): Promise<{ rule: string; severity: string; count: number }[]> {
    const params: unknown[] = [scope.siteId, new Date(fromMs), new Date(toMs)];
    let deviceFilter = '';
    if (scope.deviceIds) {
      params.push(scope.deviceIds);
      deviceFilter = 'and device_id = any($4::text[])';
    }
    const { rows } = await this.db.query<{ rule: string; severity: string; n: string }>(
      `select rule, severity, count(*) as n from alerts
        where site_id = $1 and raised_at >= $2 and raised_at < $3 ${deviceFilter}
        group by rule, severity order by rule, severity`,
      params,
    );
    return rows.map((r) => ({ rule: r.rule, severity: r.severity, count: Number(r.n) }));
  }

  /**
   * Per-row ingest rejections and gateway-reported losses of a scope's devices in a day range. With
   * `siteId` (a whole-site report), the ledger entries a gateway of that site sent without a device (the
   * sync protocol allows `device: null`) count too: they concern the site and have no other place to show.
   */
  async dataQuality(
    deviceIds: string[],
    fromMs: number,
    toMs: number,
    siteId: string | null = null,
  ): Promise<{ rejected: number; lost: number }> {
    const { rows } = await this.db.query<{ rejected: string; lost: string }>(
      `select
         (select coalesce(sum(count), 0) from ingest_rejections
           where device_id = any($1::text[]) and day >= ($2::timestamptz)::date and day < ($3::timestamptz)::date)
           as rejected,
         (select coalesce(sum(count), 0) from losses
           where (device_id = any($1::text[])
                  or (device_id is null and gateway_id in (select gateway_id from gateways where site_id = $4)))
             and coalesce(to_ts, from_ts, recorded_at) >= $2
             and coalesce(from_ts, to_ts, recorded_at) < $3) as lost`,
      [deviceIds, new Date(fromMs), new Date(toMs), siteId],
    );
    return { rejected: Number(rows[0]?.rejected ?? 0), lost: Number(rows[0]?.lost ?? 0) };
  }
}
