import type { Logger } from '../shared/log.ts';
import type { CloudConfigPush } from '../shared/schemas/sync.ts';
import { AlertEngine } from './alerts/alert-engine.ts';
import type { AlertSink } from './alerts/sinks/alert-sink.ts';
import { LogSink } from './alerts/sinks/log-sink.ts';
import { MqttAlertSink } from './alerts/sinks/mqtt-sink.ts';
import { WebhookSink } from './alerts/sinks/webhook-sink.ts';
import { createBuffer, type GatewayBuffer } from './buffer/create-buffer.ts';
import { GatewayBus } from './bus.ts';
import { applyCloudOverrides, CLOUD_CONFIG_KV } from './cloud-config.ts';
import type { GatewayConfig } from './config/config-schema.ts';
import { buildGatewayStatus } from './gateway-status.ts';
import type { GatewayHttpServer } from './http/http-server.ts';
import type { GatewayStatusResponse } from './http/status-schema.ts';
import { DeviceTracker } from './ingest/device-tracker.ts';
import { IngestPipeline } from './ingest/ingest-pipeline.ts';
import { IngestStats } from './ingest/ingest-stats.ts';
import type { GatewayMetrics } from './metrics.ts';
import { BrokerCredentials } from './mqtt/broker-auth.ts';
import type { EmbeddedBroker } from './mqtt/embedded-broker.ts';
import type { ExternalBrokerClient } from './mqtt/external-broker-client.ts';
import { MqttMessageHandler } from './mqtt/mqtt-message-handler.ts';
import type { OpenPort, SerialSource } from './serial/serial-source.ts';
import { SyncService } from './sync/sync-service.ts';

/**
 * The gateway factory: builds every part from one deps object and runs them in order. main.ts is the only
 * caller that reads the environment and opens configured ports; tests call this directly with port 0.
 *
 * Start: buffer (SQLite, group committer) → device state rebuilt from the store → alerts → sync →
 * HTTP → broker → external client → serial ports. A required part that fails to start (database, a port
 * that cannot be bound) makes `start()` throw after stopping what already ran. A serial port that is
 * missing, or an external broker that is down, is not fatal: they are retried in the background.
 *
 * Stop, in reverse: stop taking input (serial closed, HTTP and broker refuse new readings), drain the
 * group commit (in-flight readings commit and their PUBACKs/201s go out), stop sync and alerts, publish
 * the gateway's `Offline`, close the broker and the external client, close the database.
 */

export interface GatewayDeps {
  log: Logger;
  config: GatewayConfig;
  clock: () => number;
  /** Serial port factory: the real `SerialPort` in main.ts, `SerialPortMock` in unit tests. */
  openPort: OpenPort;
  softwareVersion: string;
}

export interface Gateway {
  readonly bus: GatewayBus;
  readonly stats: IngestStats;
  readonly tracker: DeviceTracker;
  readonly pipeline: IngestPipeline;
  /** Set once started. */
  readonly buffer: GatewayBuffer | undefined;
  readonly broker: EmbeddedBroker | undefined;
  readonly http: GatewayHttpServer | undefined;
  readonly serial: readonly SerialSource[];
  readonly externalBroker: ExternalBrokerClient | undefined;
  readonly alerts: AlertEngine | undefined;
  readonly sync: SyncService | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): GatewayStatusResponse;
  /** Publishes through the embedded broker, else the external one (alert sink, gateway status). */
  publish(topic: string, payload: string, opts: { retain: boolean }): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { clock } = deps;
  /** The file's config, then with the cloud's last pushed overrides once the buffer is open. */
  let config = deps.config;
  const log = deps.log.child({ gateway: config.gatewayId });
  const bus = new GatewayBus({ log });
  const stats = new IngestStats();
  const tracker = new DeviceTracker();
  const startedAt = clock();
  const statusTopic = `${config.alerts.mqtt.topicPrefix}/${config.gatewayId}/status`;

  let buffer: GatewayBuffer | undefined;
  let metrics: GatewayMetrics | undefined;
  let alerts: AlertEngine | undefined;
  let sync: SyncService | undefined;
  let broker: EmbeddedBroker | undefined;
  let http: GatewayHttpServer | undefined;
  let external: ExternalBrokerClient | undefined;
  const serial: SerialSource[] = [];

  const pipeline = new IngestPipeline({
    log,
    bus,
    tracker,
    stats,
    clock,
    timeZone: config.site.timeZone,
    submitter: {
      submit: (r) => {
        if (!buffer) return Promise.reject(new Error('buffer not open'));
        return buffer.committer.submit(r);
      },
    },
  });

  const publish = (topic: string, payload: string, opts: { retain: boolean }): Promise<void> => {
    if (broker) return broker.publish(topic, payload, opts);
    if (external) return external.publish(topic, payload, opts);
    return Promise.resolve();
  };

  const status = (): GatewayStatusResponse =>
    buildGatewayStatus({
      config,
      softwareVersion: deps.softwareVersion,
      startedAt,
      now: clock(),
      stats,
      tracker,
      buffer,
      sync,
      alerts,
      serial,
      broker,
      external,
    });

  async function startAll(): Promise<void> {
    buffer = createBuffer({ config: config.buffer, log, clock, bus });
    const b = buffer;
    if (b.recovered) log.error(b.recovered, 'the buffer database was unusable and has been replaced');
    const pushed = b.kv.get<Record<string, unknown>>(CLOUD_CONFIG_KV);
    if (pushed) {
      try {
        config = applyCloudOverrides(config, pushed).config;
      } catch (err) {
        log.error({ err }, 'ignoring the stored cloud config');
      }
    }
    tracker.restore(b.store.lastReadingPerDevice().map((d) => ({ ...d, uptimeS: d.uptimeS ?? undefined })));
    b.start();

    const sinks: AlertSink[] = [new LogSink({ log })];
    if (config.alerts.mqtt.enabled)
      sinks.push(
        new MqttAlertSink({
          publish,
          gatewayId: config.gatewayId,
          topicPrefix: config.alerts.mqtt.topicPrefix,
          log,
        }),
      );
    const webhook = config.alerts.webhook;
    if (webhook.url !== null)
      sinks.push(
        new WebhookSink({ config: { ...webhook, url: webhook.url }, gatewayId: config.gatewayId, log }),
      );
    alerts = new AlertEngine({
      gatewayId: config.gatewayId,
      config: config.alerts,
      bus,
      repo: b.alerts,
      kv: b.kv,
      log,
      clock,
      sinks,
      storage: () => b.policy.state(),
      knownDevices: () => b.store.lastReadingPerDevice().map((d) => d.device),
    });
    alerts.start();
    const engine = alerts;

    sync = new SyncService({
      gatewayId: config.gatewayId,
      config: config.sync,
      buffer: b,
      bus,
      log,
      clock,
      alertEngine: engine,
      softwareVersion: deps.softwareVersion,
      statusProvider: () => ({
        rejectedByCode: stats.rejectedByCode(),
        devices: stats.devices().map((d) => ({
          device: d.device,
          lastSeenAt: d.lastSeenAt,
          rejectedByCode: d.rejectedByCode,
        })),
      }),
      onConfig: (push) => applyPush(push, b, engine),
    });
    sync.start();

    // Parts are imported when configured: a gateway without serial ports never loads serialport, one
    // without HTTP never loads prom-client (start-up time and RSS on a 1 GB board).
    if (config.broker.enabled) {
      const handler = new MqttMessageHandler({ log, pipeline, stats, tracker, sourceId: 'mqtt' });
      const credentials = new BrokerCredentials(
        config.broker.devices,
        config.broker.allowAnonymous,
        config.broker.observers,
      );
      const topicPrefix = config.alerts.mqtt.topicPrefix;
      const { EmbeddedBroker } = await import('./mqtt/embedded-broker.ts');
      const br = new EmbeddedBroker({
        log,
        config: config.broker,
        credentials,
        handler,
        stats,
        clock,
        topicPrefix,
      });
      broker = br;
      await br.start();
      await br.publish(statusTopic, 'Online', { retain: true });
    }

    if (config.externalBroker.enabled) {
      const handler = new MqttMessageHandler({ log, pipeline, stats, tracker, sourceId: 'mqtt-external' });
      const { ExternalBrokerClient } = await import('./mqtt/external-broker-client.ts');
      const ext = new ExternalBrokerClient({
        log,
        config: config.externalBroker,
        gatewayId: config.gatewayId,
        handler,
        clock,
        statusTopic,
      });
      external = ext;
      // Not awaited: a broker that is down must not hold up the local sources; mqtt.js keeps retrying.
      void ext.start();
    }

    if (config.http.enabled) {
      const [{ GatewayHttpServer }, { createGatewayMetrics }] = await Promise.all([
        import('./http/http-server.ts'),
        import('./metrics.ts'),
      ]);
      metrics = createGatewayMetrics({
        stats,
        bus,
        clock,
        backlog: () => b.store.backlog(),
        serialPorts: () => serial.map((s) => s.status()),
        mqttClients: () => broker?.connectedClients ?? 0,
      });
      const h = new GatewayHttpServer({
        log,
        config: config.http,
        pipeline,
        registry: metrics.registry,
        status,
        health: () => health(),
      });
      http = h;
      await h.start();
    }

    const { SerialSource } =
      config.serial.ports.length > 0
        ? await import('./serial/serial-source.ts')
        : { SerialSource: undefined };
    for (const port of config.serial.ports) {
      if (!SerialSource) break;
      const s = new SerialSource({
        log,
        port,
        reopenMinMs: config.serial.reopenMinMs,
        reopenMaxMs: config.serial.reopenMaxMs,
        pipeline,
        openPort: deps.openPort,
      });
      serial.push(s);
      await s.start();
    }
  }

  function health(): { ok: boolean; checks: Record<string, string> } {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      buffer?.db.prepare('select 1').get();
      checks.database = buffer?.db.open ? 'ok' : 'closed';
      ok &&= checks.database === 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
      ok = false;
    }
    checks.broker = broker ? 'listening' : config.broker.enabled ? 'down' : 'disabled';
    ok &&= !config.broker.enabled || broker !== undefined;
    return { ok, checks };
  }

  function applyPush(push: CloudConfigPush, b: GatewayBuffer, engine: AlertEngine): void {
    // A push is the cloud's whole override set: it replaces the previous one, so it goes over the file's
    // config, as at start (over the running config, an override the cloud dropped would stay until restart).
    const { config: next, ignored } = applyCloudOverrides(deps.config, push.config);
    if (ignored.length > 0)
      log.warn({ ignored, version: push.version }, 'cloud config keys the gateway does not take');
    engine.updateConfig(next.alerts);
    b.kv.set(CLOUD_CONFIG_KV, push.config, clock());
    config = next;
    log.info(
      { version: push.version },
      'applied the cloud config (sync settings take effect at the next start)',
    );
  }

  /** Input first, then the drain, then the rest; a part that fails to stop is logged and skipped. */
  async function stopAll(): Promise<void> {
    const step = async (part: string, run: () => unknown): Promise<void> => {
      try {
        await run();
      } catch (err) {
        log.error({ err, part }, 'stopping a part failed');
      }
    };
    broker?.stopInputs();
    external?.stopInputs();
    for (const s of serial) await step(`serial ${s.status().path}`, () => s.stop());
    await step('http', () => http?.stop());
    // In-flight readings commit now; their PUBACKs and HTTP answers go out while the sockets are open.
    await step('group commit', () => buffer?.committer.stop());
    await step('sync', () => sync?.stop());
    await step('alerts', () => alerts?.stop());
    metrics?.close();
    if (broker || external)
      await step('gateway offline', () => publish(statusTopic, 'Offline', { retain: true }));
    await step('broker', () => broker?.stop());
    await step('external broker', () => external?.stop());
    await step('database', () => buffer?.stop());
    broker = undefined;
    external = undefined;
    http = undefined;
  }

  let started = false;
  return {
    bus,
    stats,
    tracker,
    pipeline,
    get buffer() {
      return buffer;
    },
    get broker() {
      return broker;
    },
    get http() {
      return http;
    },
    get externalBroker() {
      return external;
    },
    get alerts() {
      return alerts;
    },
    get sync() {
      return sync;
    },
    serial,
    status,
    publish,
    async start() {
      try {
        await startAll();
        started = true;
        log.info(
          { broker: broker?.port, http: http?.port, serial: serial.length, external: Boolean(external) },
          'gateway started',
        );
      } catch (err) {
        await stopAll();
        throw err;
      }
    },
    async stop() {
      if (!started) return;
      started = false;
      await stopAll();
      log.info('gateway stopped');
    },
  };
}
