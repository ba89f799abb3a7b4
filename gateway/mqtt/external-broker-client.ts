import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.ts';
import type { GatewayConfig } from '../config/config-schema.ts';
import type { MqttMessageHandler } from './mqtt-message-handler.ts';

/**
 * The gateway as a client of an existing broker (Mosquitto, a site's broker, Tasmota plugs): fixed client
 * id, persistent session (clean=false; MQTT 5 also needs a session expiry), QoS 1 subscriptions.
 *
 * Acknowledgement: mqtt.js sends the PUBACK of a QoS 1 message only after `client.handleMessage(packet, cb)`
 * called back (lib/handlers/publish.js). We override `handleMessage` to call back after the reading's
 * commit, so with either protocol version the broker keeps a message until it is in SQLite; if the gateway
 * dies first, the broker re-delivers it to the persistent session. (`customHandleAcks` exists only for
 * MQTT 5 and is meant for negative reason codes; a negative PUBACK would make the broker DROP the message,
 * which is not what a refused reading needs.) A refused reading (buffer full) is left unacknowledged and
 * the client reconnects after `reconnectMs`, which makes the broker deliver it again.
 *
 * Cost: mqtt.js handles incoming packets one at a time, so this path commits one reading per round trip;
 * fine for Tasmota plugs every 10 s, not for thousands per second (use the embedded broker for those).
 */

/** MQTT 5 session expiry: a week of gateway downtime before the broker forgets the session. */
const SESSION_EXPIRY_S = 7 * 24 * 3600;

export interface ExternalBrokerClientDeps {
  log: Logger;
  config: GatewayConfig['externalBroker'];
  gatewayId: string;
  handler: Pick<MqttMessageHandler, 'handle'>;
  clock: () => number;
  /** Retained `Online`/`Offline` status topic of the gateway (also its Last Will). */
  statusTopic: string;
}

export class ExternalBrokerClient {
  readonly #deps: ExternalBrokerClientDeps;
  readonly #log: Logger;
  #client: MqttClient | undefined;
  #accepting = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #connected = false;

  constructor(deps: ExternalBrokerClientDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'mqtt-external' });
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Resolves on the first CONNACK; a broker that is down only delays readings (mqtt.js keeps retrying). */
  start(): Promise<void> {
    const { config, gatewayId, statusTopic } = this.#deps;
    const opts: IClientOptions = {
      clientId: config.clientId ?? `cds-${gatewayId}`,
      clean: !config.persistentSession,
      protocolVersion: config.protocolVersion,
      reconnectPeriod: config.reconnectMs,
      connectTimeout: 10_000,
      resubscribe: true,
      will: { topic: statusTopic, payload: Buffer.from('Offline'), qos: 1, retain: true },
      ...(config.username !== undefined && { username: config.username }),
      ...(config.password !== undefined && { password: config.password }),
      ...(config.protocolVersion === 5 &&
        config.persistentSession && { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } }),
    };
    const client = connect(config.url, opts);
    this.#client = client;
    this.#accepting = true;
    client.handleMessage = (packet, callback) => {
      if (!this.#accepting) return callback(new Error('gateway is stopping'));
      const topic = packet.topic;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      this.#deps.handler.handle(topic, payload, this.#deps.clock()).then(
        (r) => {
          if (r === 'refused') {
            this.#scheduleRedelivery();
            return callback(new Error('buffer full: reading refused'));
          }
          callback();
        },
        (err: unknown) => {
          this.#log.error({ err, topic }, 'storing a reading from the external broker failed');
          this.#scheduleRedelivery();
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    client.on('error', (err) => this.#log.warn({ err: err.message }, 'external broker error'));
    client.on('offline', () => {
      if (this.#connected) this.#log.warn('external broker offline');
      this.#connected = false;
    });
    return new Promise((resolve) => {
      client.on('connect', (connack) => {
        this.#log.info(
          { url: config.url, sessionPresent: connack.sessionPresent },
          'connected to external broker',
        );
        // Subscribing again is harmless with a present session and needed without one. `connected`
        // turns true only once the broker granted the subscriptions.
        client.subscribe(
          Object.fromEntries(config.topics.map((t) => [t, { qos: 1 as const }])),
          (err, granted) => {
            if (err) this.#log.error({ err: err.message }, 'subscribe failed');
            for (const g of granted ?? [])
              if (g.qos > 1)
                this.#log.error({ topic: g.topic, code: g.qos }, 'subscription refused by broker');
            this.#connected = !err;
          },
        );
        client.publish(statusTopic, 'Online', { qos: 1, retain: true });
        resolve();
      });
    });
  }

  /** Stop taking readings: later deliveries stay unacknowledged and the broker keeps them. */
  stopInputs(): void {
    this.#accepting = false;
  }

  publish(topic: string, payload: string | Buffer, opts: { retain: boolean; qos?: 0 | 1 }): Promise<void> {
    const client = this.#client;
    if (!client) return Promise.resolve();
    return client
      .publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain })
      .then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopInputs();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.connected) {
      await Promise.race([
        client.publishAsync(this.#deps.statusTopic, 'Offline', { qos: 1, retain: true }),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]).catch(() => undefined);
    }
    await client.endAsync(false).catch(() => undefined);
  }

  /** Reconnect soon: the broker re-delivers unacknowledged messages of a persistent session on reconnect. */
  #scheduleRedelivery(): void {
    if (this.#reconnectTimer || !this.#accepting) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#accepting) this.#client?.reconnect();
    }, this.#deps.config.reconnectMs);
  }
}
