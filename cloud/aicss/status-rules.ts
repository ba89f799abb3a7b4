import { GatewayStatusReport } from '../../shared/schemas/sync.ts';
import type { CloudConfig } from '../config.ts';
import { scheduleIntervalS } from './gateway-config-schema.ts';

export type GatewayState = 'online' | 'offline' | 'never_seen' | 'revoked';
/**
 * - `reporting`: readings arrive and show consumption;
 * - `zero_consumption`: readings arrive and the latest shows (about) 0 W — the lamps are really off;
 * - `silent`: the gateway is online but has not heard from this board for too long;
 * - `gateway_offline`: nothing can be said about the board while its gateway does not sync;
 * - `never_seen`: no reading yet.
 */
export type DeviceState = 'reporting' | 'zero_consumption' | 'silent' | 'gateway_offline' | 'never_seen';

export interface GatewayFacts {
  lastSeenAt: Date | null;
  revokedAt: Date | null;
  syncIntervalS: number;
}

export interface DeviceFacts {
  expectedIntervalS: number;
  lastReadingTs: Date | null;
  /** When the gateway last heard from the board, per its own status report (may be newer than readings). */
  gatewayLastSeenAt: Date | null;
  lastPowerW: (number | null)[] | null;
}

/** Offline = no sync for more than `gatewayOfflineAfterIntervals` of its sync intervals. */
export function gatewayState(g: GatewayFacts, now: number, cfg: CloudConfig['status']): GatewayState {
  if (g.revokedAt) return 'revoked';
  if (!g.lastSeenAt) return 'never_seen';
  const limitMs = cfg.gatewayOfflineAfterIntervals * g.syncIntervalS * 1000;
  return now - g.lastSeenAt.getTime() > limitMs ? 'offline' : 'online';
}

export function deviceState(
  d: DeviceFacts,
  gw: GatewayState,
  now: number,
  cfg: CloudConfig['status'],
): DeviceState {
  const heard = Math.max(d.lastReadingTs?.getTime() ?? 0, d.gatewayLastSeenAt?.getTime() ?? 0);
  if (gw !== 'online') return heard === 0 && gw === 'never_seen' ? 'never_seen' : 'gateway_offline';
  if (heard === 0) return 'never_seen';
  if (now - heard > cfg.deviceSilentAfterIntervals * d.expectedIntervalS * 1000) return 'silent';
  const power = totalPower(d.lastPowerW);
  if (power !== null && power <= cfg.zeroPowerW) return 'zero_consumption';
  return 'reporting';
}

/** Sum of the channel powers that were measured; null when no channel was. */
export function totalPower(powerW: (number | null)[] | null): number | null {
  if (!powerW) return null;
  const measured = powerW.filter((p): p is number => typeof p === 'number' && Number.isFinite(p));
  return measured.length ? measured.reduce((a, b) => a + b, 0) : null;
}

/** The sync interval the pushed gateway config's `sync.schedule` gives, or the configured default. */
export function syncIntervalOf(config: unknown, fallbackS: number): number {
  const schedule = (config as { sync?: { schedule?: unknown } } | null)?.sync?.schedule;
  return (typeof schedule === 'string' ? scheduleIntervalS(schedule) : undefined) ?? fallbackS;
}

/** The gateway's last status report, if it is one (a malformed stored value is ignored, not fatal). */
export function parseStatusReport(v: unknown): GatewayStatusReport | null {
  const r = GatewayStatusReport.safeParse(v);
  return r.success ? r.data : null;
}
