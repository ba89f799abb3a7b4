import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { Logger } from '../../shared/log.ts';
import type { GatewayConfig } from '../config/config-schema.ts';
import type { IngestStats } from '../ingest/ingest-stats.ts';
import { type BrokerCredentials, type BrokerIdentity, mayPublish, maySubscribe } from './broker-auth.ts';
import type { MqttMessageHandler } from './mqtt-message-handler.ts';

/**
 * The embedded MQTT broker (aedes 1.x) the boards publish to.
 *
 * Durability: aedes answers a QoS 1 PUBLISH in `enqueuePublish` (lib/handlers/publish.js), which runs only
 * after `authorizePublish` called back. So `authorizePublish` awaits the reading's commit: the PUBACK leaves
 * only once the row is in SQLite. aedes hands every packet of one socket read to its handlers at once and
 * reads the next chunk when all of them finished (lib/client.js `enqueue`/`nextBatch`), so the publishes a
 * board pipelines, and those of all boards, reach `submit()` together and share one group commit.
 *
 * A publish outside the client's ACL is refused by failing `authorizePublish`: aedes then closes the
 * connection without a PUBACK (MQTT 3.1.1 has no negative PUBACK). The same happens when the buffer's
 * full policy refuses a reading, so the board keeps it and retries. An undecodable payload is counted and
 * acknowledged (a re-send would not fix it).
 */

export interface EmbeddedBrokerDeps {
  log: Logger;
  config: GatewayConfig['broker'];
  credentials: BrokerCredentials;
  handler: Pick<MqttMessageHandler, 'handle'>;
  stats: IngestStats;
  clock: () => number;
  /** First level of the gateway's own topics (alerts, status), readable by observers. */
  topicPrefix: string;
}

export class EmbeddedBroker {
  readonly #deps: EmbeddedBrokerDeps;
  readonly #log: Logger;
  readonly #identities = new WeakMap<Client, BrokerIdentity>();
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  #accepting = false;

  constructor(deps: EmbeddedBrokerDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'broker' });
  }

  /** The port actually bound (differs from the config when it says 0). */
  get port(): number {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    return a?.port ?? 0;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { config } = this.#deps;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) =>
        this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.#authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => {
        const id = this.#identities.get(client);
        if (id && maySubscribe(id, sub.topic, this.#deps.topicPrefix)) {
          done(null, sub);
          return;
        }
        this.#log.warn(
          { clientId: client.id, user: id?.username, filter: sub.topic },
          'subscribe refused by ACL',
        );
        done(null, null);
      },
    });
    aedes.on('clientError', (client, err) =>
      this.#log.debug({ clientId: client.id, err: err.message }, 'client error'),
    );
    aedes.on('connectionError', (_client, err) => this.#log.debug({ err: err.message }, 'connection error'));
    this.#aedes = aedes;
    const server = config.tls
      ? createTlsServer(
          { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
          aedes.handle,
        )
      : createNetServer(aedes.handle);
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: config.host, port: config.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#log.error({ err }, 'broker server error'));
    this.#accepting = true;
    this.#log.info({ host: config.host, port: this.port, tls: Boolean(config.tls) }, 'MQTT broker listening');
  }

  /** Stop taking readings: new publishes are refused (not acknowledged), no new connections. */
  stopInputs(): void {
    this.#accepting = false;
    this.#server?.close();
  }

  /** Publishes on behalf of the gateway (alerts, its own status); bypasses the ACL. */
  publish(topic: string, payload: string | Buffer, opts: { retain: boolean; qos?: 0 | 1 }): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes || aedes.closed) return Promise.resolve();
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: opts.qos ?? 1,
      retain: opts.retain,
      dup: false,
    };
    return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    this.stopInputs();
    const aedes = this.#aedes;
    this.#aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    const server = this.#server;
    this.#server = undefined;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    this.#deps.credentials.authenticate(username, password).then(
      (r) => {
        if (r.ok) {
          this.#identities.set(client, r.identity);
          this.#log.debug({ clientId: client.id, user: r.identity.username }, 'client authenticated');
          return done(null, true);
        }
        this.#log.warn({ clientId: client.id, user: username }, `login refused: ${r.reason}`);
        const err = new Error(r.reason) as AuthenticateError;
        (err as { returnCode: number }).returnCode = r.returnCode;
        done(err, false);
      },
      (err: unknown) => {
        this.#log.error({ err }, 'authentication failed');
        const e = new Error('server unavailable') as AuthenticateError;
        (e as { returnCode: number }).returnCode = 3;
        done(e, false);
      },
    );
  }

  /** Why a publish may not go on (an Error), 'skip' for a will of a gone client, or null to handle it. */
  #refusal(client: Client | null, packet: PublishPacket): Error | 'skip' | null {
    // A will left by a client of an earlier broker run (no client any more): nothing of ours.
    if (client === null) return 'skip';
    const identity = this.#identities.get(client);
    if (!identity) return new Error('not authenticated');
    if (!this.#accepting) return new Error('gateway is stopping');
    if (!mayPublish(identity, packet.topic)) {
      this.#deps.stats.rejected('mqtt', identity.device ?? undefined, 'acl_denied');
      this.#log.warn(
        { clientId: client.id, user: identity.username, topic: packet.topic },
        'publish refused by ACL',
      );
      return new Error('not authorized');
    }
    return null;
  }

  #authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    const refusal = this.#refusal(client, packet);
    if (refusal === 'skip') {
      done(null);
      return;
    }
    if (refusal) {
      done(refusal);
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.#deps.handler.handle(packet.topic, payload, this.#deps.clock()).then(
      (r) => done(r === 'refused' ? new Error('buffer full: reading refused') : null),
      (err: unknown) => {
        this.#log.error({ err, topic: packet.topic }, 'storing an MQTT reading failed');
        done(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }
}
