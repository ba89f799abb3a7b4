import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { GatewayBus } from './bus.ts';
import type { IngestStats } from './ingest/ingest-stats.ts';

/**
 * Prometheus metrics of the gateway (`GET /metrics`). Ingest counters are kept as plain numbers by
 * IngestStats and copied into the registry at scrape time, so the hot path never touches prom-client.
 */

export interface GatewayMetricsDeps {
  stats: IngestStats;
  bus: GatewayBus;
  /** Buffer depth: readings stored and not yet synced, with the oldest one's reading time. */
  backlog: () => { count: number; oldestTs: number | null };
  clock: () => number;
  /** Serial ports and whether each is open. */
  serialPorts: () => { path: string; open: boolean }[];
  mqttClients: () => number;
}

export interface GatewayMetrics {
  registry: Registry;
  /** Detaches the bus listeners. */
  close(): void;
}

export function createGatewayMetrics(deps: GatewayMetricsDeps): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cds_gateway_' });
  const { stats } = deps;

  const perSource = (name: string, help: string, pick: 'received' | 'stored' | 'duplicate' | 'refused') =>
    new Counter({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of stats.sources()) this.inc({ source: s.source }, s[pick]);
      },
    });
  perSource('cds_gateway_messages_received_total', 'Messages and lines received, by source', 'received');
  perSource('cds_gateway_readings_stored_total', 'Readings committed to SQLite, by source', 'stored');
  perSource(
    'cds_gateway_readings_duplicate_total',
    'Readings already stored (re-sends), by source',
    'duplicate',
  );
  perSource('cds_gateway_readings_refused_total', 'Readings refused by the full-buffer policy', 'refused');

  new Counter({
    name: 'cds_gateway_rejected_total',
    help: 'Input rejected before storage, by source and reason code',
    labelNames: ['source', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats.sources())
        for (const [reason, n] of Object.entries(s.rejectedByCode)) this.inc({ source: s.source, reason }, n);
    },
  });

  new Gauge({
    name: 'cds_gateway_buffer_depth',
    help: 'Readings stored and not yet synced to the cloud',
    registers: [registry],
    collect() {
      this.set(deps.backlog().count);
    },
  });
  new Gauge({
    name: 'cds_gateway_oldest_unsynced_age_seconds',
    help: 'Age of the oldest unsynced reading (0 when none)',
    registers: [registry],
    collect() {
      const b = deps.backlog();
      this.set(b.oldestTs === null ? 0 : Math.max(0, (deps.clock() - b.oldestTs) / 1000));
    },
  });

  const syncBatches = new Counter({
    name: 'cds_gateway_sync_batches_total',
    help: 'Sync batches sent, by result (success = committed by the cloud)',
    labelNames: ['result'],
    registers: [registry],
  });
  syncBatches.inc({ result: 'success' }, 0);
  syncBatches.inc({ result: 'failure' }, 0);
  const syncedReadings = new Counter({
    name: 'cds_gateway_synced_readings_total',
    help: 'Readings in batches the cloud committed',
    registers: [registry],
  });
  const lastSync = new Gauge({
    name: 'cds_gateway_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful sync (0 = never since start)',
    registers: [registry],
  });
  lastSync.set(0);
  const off = deps.bus.on('sync', (e) => {
    syncBatches.inc({ result: e.ok ? 'success' : 'failure' });
    if (e.ok) {
      syncedReadings.inc(e.readings);
      lastSync.set(e.at / 1000);
    }
  });

  new Gauge({
    name: 'cds_gateway_serial_port_open',
    help: '1 when the serial port is open, 0 while it is being reopened',
    labelNames: ['path'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of deps.serialPorts()) this.set({ path: p.path }, p.open ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cds_gateway_mqtt_clients',
    help: 'Clients connected to the embedded broker',
    registers: [registry],
    collect() {
      this.set(deps.mqttClients());
    },
  });

  return { registry, close: off };
}
