import { AppError } from '../../shared/errors.ts';
import type { AnalyticsRepository, AnalyticsSite, ScopeDevice, ScopeFilter } from './analytics-repository.ts';
import { isLocalDate, type LocalDate, type TimeZoneClock } from './cost/local-time.ts';
import type { SiteTaxes } from './cost/types.ts';

/** What an analytics request is about: a whole site, one gateway's devices, or one device. */
export interface ResolvedScope {
  kind: 'site' | 'gateway' | 'device';
  id: string;
  site: AnalyticsSite;
  devices: ScopeDevice[];
  filter: ScopeFilter;
}

export async function resolveScope(
  repo: AnalyticsRepository,
  q: { siteId?: string | undefined; gatewayId?: string | undefined; deviceId?: string | undefined },
): Promise<ResolvedScope> {
  const given = [q.siteId, q.gatewayId, q.deviceId].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new AppError('bad_request', 'give exactly one of siteId, gatewayId, deviceId');
  if (q.deviceId !== undefined) {
    const d = await repo.device(q.deviceId);
    if (!d) throw new AppError('not_found', `device ${q.deviceId} not found`);
    const site = await repo.site(d.siteId);
    if (!site) throw new AppError('not_found', `site ${d.siteId} not found`);
    return {
      kind: 'device',
      id: d.deviceId,
      site,
      devices: [d],
      filter: { siteId: site.siteId, deviceIds: [d.deviceId] },
    };
  }
  if (q.gatewayId !== undefined) {
    const g = await repo.devicesOfGateway(q.gatewayId);
    if (!g.siteId) throw new AppError('not_found', `gateway ${q.gatewayId} not found`);
    const site = await repo.site(g.siteId);
    if (!site) throw new AppError('not_found', `site ${g.siteId} not found`);
    return {
      kind: 'gateway',
      id: q.gatewayId,
      site,
      devices: g.devices,
      filter: { siteId: site.siteId, deviceIds: g.devices.map((d) => d.deviceId) },
    };
  }
  const siteId = q.siteId as string;
  const site = await repo.site(siteId);
  if (!site) throw new AppError('not_found', `site ${siteId} not found`);
  return { kind: 'site', id: siteId, site, devices: await repo.devicesOfSite(siteId), filter: { siteId } };
}

export function siteTaxes(site: AnalyticsSite): SiteTaxes | null {
  if (site.icmsRate === null || site.pisRate === null || site.cofinsRate === null) return null;
  return { icms: site.icmsRate, pis: site.pisRate, cofins: site.cofinsRate };
}

export interface TimeRange {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Local days covering the range (inclusive). */
  fromDate: LocalDate;
  toDate: LocalDate;
}

const HOUR_MS = 3_600_000;

/**
 * `from`/`to` as local days (`YYYY-MM-DD`, both inclusive, in the site's time zone) or ISO instants
 * (`to` exclusive), rounded out to whole hours because the rollups are hourly.
 */
export function parseRange(from: string, to: string, clock: TimeZoneClock): TimeRange {
  const instant = (s: string, end: boolean): number => {
    if (isLocalDate(s)) return end ? clock.startOfDay(nextDate(s)) : clock.startOfDay(s);
    const ms = Date.parse(s);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(ms)) {
      throw new AppError('bad_request', `not a date (YYYY-MM-DD) or ISO 8601 instant: ${s}`);
    }
    return end ? Math.ceil(ms / HOUR_MS) * HOUR_MS : Math.floor(ms / HOUR_MS) * HOUR_MS;
  };
  const fromMs = instant(from, false);
  const toMs = instant(to, true);
  if (toMs <= fromMs) throw new AppError('bad_request', '`to` must be after `from`');
  return { fromMs, toMs, fromDate: clock.localDate(fromMs), toDate: clock.localDate(toMs - 1) };
}

function nextDate(d: LocalDate): LocalDate {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** ISO 8601 with the local offset, e.g. `2026-06-10T00:00:00-03:00`. */
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

export function localIso(clock: TimeZoneClock, ms: number): string {
  const off = clock.offsetMinutes(ms);
  const p = clock.local(ms);
  const sec = Math.floor((((ms % 60_000) + 60_000) % 60_000) / 1000);
  const abs = Math.abs(off);
  return `${p.date}T${two(Math.floor(p.minuteOfDay / 60))}:${two(p.minuteOfDay % 60)}:${two(sec)}${off < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
