import type { AlertEngine } from './alerts/alert-engine.ts';
import type { GatewayBuffer } from './buffer/create-buffer.ts';
import type { GatewayConfig } from './config/config-schema.ts';
import type { GatewayStatusResponse } from './http/status-schema.ts';
import type { DeviceTracker } from './ingest/device-tracker.ts';
import type { IngestStats } from './ingest/ingest-stats.ts';
import type { EmbeddedBroker } from './mqtt/embedded-broker.ts';
import type { ExternalBrokerClient } from './mqtt/external-broker-client.ts';
import type { SerialSource } from './serial/serial-source.ts';
import type { SyncService } from './sync/sync-service.ts';

export interface StatusSources {
  config: GatewayConfig;
  softwareVersion: string;
  startedAt: number;
  now: number;
  stats: IngestStats;
  tracker: DeviceTracker;
  buffer: GatewayBuffer | undefined;
  sync: SyncService | undefined;
  alerts: AlertEngine | undefined;
  serial: readonly SerialSource[];
  broker: EmbeddedBroker | undefined;
  external: ExternalBrokerClient | undefined;
}

export function buildGatewayStatus(s: StatusSources): GatewayStatusResponse {
  const backlog = s.buffer?.db.open ? s.buffer.store.backlog() : { count: 0, oldestTs: null };
  const sync = s.buffer?.db.open ? s.sync?.stats() : undefined;
  const totals = s.stats.totals();
  const commits = s.buffer?.committer.stats();
  const deviceStats = new Map(s.stats.devices().map((d) => [d.device, d]));
  const names = new Set([...deviceStats.keys(), ...s.tracker.devices().map((d) => d.device)]);
  const devices = [...names].sort().map((device) => {
    const d = deviceStats.get(device);
    const t = s.tracker.get(device);
    return {
      device,
      lastSeenAt: d?.lastSeenAt ?? null,
      online: d?.online ?? null,
      stored: d?.stored ?? 0,
      rejectedByCode: d?.rejectedByCode ?? {},
      boot: t?.boot ?? null,
      seq: t?.seq ?? null,
      firmware: d?.firmware ?? null,
      resetReason: d?.resetReason ?? null,
    };
  });
  return {
    gatewayId: s.config.gatewayId,
    softwareVersion: s.softwareVersion,
    startedAt: s.startedAt,
    now: s.now,
    buffer: {
      backlog: backlog.count,
      oldestUnsyncedTs: backlog.oldestTs,
      oldestUnsyncedAgeS: backlog.oldestTs === null ? null : Math.max(0, (s.now - backlog.oldestTs) / 1000),
      dbFile: s.config.buffer.path,
      groupCommit: {
        transactions: commits?.transactions ?? 0,
        readings: commits ? commits.stored + commits.duplicates + commits.refused : 0,
        maxBatchSize: commits?.maxBatchSize ?? 0,
      },
    },
    sync: {
      state: sync?.state ?? 'stopped',
      lastSuccessAt: sync?.lastSuccessAt ?? null,
      lastAttemptAt: sync?.lastAttemptAt ?? null,
      lastError: sync?.lastError ?? null,
      batchesSent: sync?.batchesSent ?? 0,
      batchesFailed: sync?.batchesFailed ?? 0,
      batchesDeadLettered: sync?.batchesDeadLettered ?? 0,
      readingsSynced: sync?.readingsSynced ?? 0,
    },
    ingest: { ...totals, rejectedByCode: s.stats.rejectedByCode() },
    sources: s.stats.sources(),
    devices,
    serial: s.serial.map((p) => {
      const st = p.status();
      return {
        path: st.path,
        format: st.format,
        open: st.open,
        opens: st.opens,
        failures: st.failures,
        lastError: st.lastError,
        lines: st.lines,
        bannerDevice: st.bannerDevice,
        readings: st.readings,
        lastReadingAt: st.lastReadingAt,
      };
    }),
    broker: s.broker ? { port: s.broker.port, clients: s.broker.connectedClients } : null,
    externalBroker: s.external ? { url: s.config.externalBroker.url, connected: s.external.connected } : null,
    alerts: { active: s.alerts?.active() ?? [] },
  };
}
