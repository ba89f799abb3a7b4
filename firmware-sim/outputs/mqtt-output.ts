import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { type CommandResult, encodeResult, parseTopic, topicFor } from '../../shared/protocol/mqtt-topics.ts';
import type { SimEvent } from '../sim-events.ts';
import type { MqttEncoder, MqttMessage } from './mqtt-encoder.ts';

/**
 * One MQTT connection per simulated board, as real boards have: Last Will `tele/<dev>/LWT = Offline`
 * (retained, QoS 1), `Online` (retained) on every connect, everything at QoS 1, `cmnd/<dev>/+` answered on
 * `stat/<dev>/RESULT`. A brownout/hang/crash drops the TCP connection without DISCONNECT, so the broker
 * publishes the Will, exactly as when a real board loses power.
 *
 * Flow control: at most `window` unacknowledged publishes across all boards. Backfill therefore runs at the
 * broker's pace with bounded memory, and stays under Mosquitto's per-client queue limits (stack.md §2.10:
 * a window of 1000 lost 7 % of messages with the default config, 100 lost none).
 */

export interface MqttOutputOptions {
  url: string;
  /** `{device}` and `{index}` are replaced per board (per-board credentials). */
  username?: string;
  password?: string;
  clientId?: string;
  window?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
}

export interface MqttOutputDeps {
  log: Logger;
  encoder: MqttEncoder;
  /** Runs a `cmnd/<device>/<command>`; undefined for an unknown device. */
  command: (device: string, command: string, argument: string) => CommandResult | undefined;
  telePeriodS: (device: string) => number;
}

export interface MqttOutputStats {
  published: number;
  acked: number;
  failed: number;
  /** Unacknowledged publishes dropped with a connection the board lost (brownout, hang). */
  droppedInFlight: number;
  connects: number;
  commands: number;
  /** Highest number of unacknowledged publishes at any moment (≤ the window). */
  maxInflight: number;
}

interface BoardLink {
  client: MqttClient;
  pending: Set<() => void>;
}

function fill(pattern: string | undefined, device: string, index: number): string | undefined {
  return pattern?.replaceAll('{device}', device).replaceAll('{index}', String(index));
}

export class MqttOutput {
  readonly stats: MqttOutputStats = {
    published: 0,
    acked: 0,
    failed: 0,
    droppedInFlight: 0,
    connects: 0,
    commands: 0,
    maxInflight: 0,
  };
  readonly #opts: MqttOutputOptions;
  readonly #deps: MqttOutputDeps;
  readonly #log: Logger;
  readonly #links = new Map<string, BoardLink>();
  readonly #window: number;
  #inflight = 0;
  #waiters: (() => void)[] = [];
  #drainers: (() => void)[] = [];

  constructor(deps: MqttOutputDeps, opts: MqttOutputOptions) {
    this.#deps = deps;
    this.#opts = opts;
    this.#log = deps.log.child({ component: 'sim-mqtt' });
    this.#window = Math.max(1, opts.window ?? 100);
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Publishes what the event means on MQTT. Returns a promise only when it has to wait (connect, window). */
  handle(ev: SimEvent): Promise<void> | undefined {
    if (ev.type === 'power-loss') {
      this.#drop(ev.device);
      return undefined;
    }
    if (ev.type === 'boot') return this.#boot(ev);
    const link = this.#links.get(ev.device);
    if (!link) return undefined; // board never connected (its boot came before a stop): nothing to say
    return this.#publishAll(link, this.#deps.encoder.encode(ev, this.#deps.telePeriodS(ev.device)));
  }

  async #boot(ev: SimEvent & { type: 'boot' }): Promise<void> {
    let link = this.#links.get(ev.device);
    if (!link) link = await this.#connect(ev.device, ev.board);
    await this.#publishAll(link, this.#deps.encoder.encode(ev, ev.telePeriodS));
  }

  async #connect(device: string, index: number): Promise<BoardLink> {
    const encoder = this.#deps.encoder;
    const will = encoder.lwt(device, false);
    const opts: IClientOptions = {
      clientId: fill(this.#opts.clientId ?? '{device}', device, index)!,
      clean: true,
      keepalive: this.#opts.keepaliveS ?? 30,
      connectTimeout: this.#opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 1000,
      protocolVersion: 4,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    };
    const username = fill(this.#opts.username, device, index);
    const password = fill(this.#opts.password, device, index);
    if (username !== undefined) opts.username = username;
    if (password !== undefined) opts.password = password;
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(this.#opts.url, opts, false);
    } catch (err) {
      throw new AppError(
        'network',
        `cannot connect to MQTT broker ${this.#opts.url} as ${device}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const link: BoardLink = { client, pending: new Set() };
    this.#links.set(device, link);
    this.stats.connects++;
    const online = encoder.lwt(device, true);
    // Tasmota announces Online after every (re)connect; the first one is published right here.
    client.on('connect', () => {
      this.stats.connects++;
      void this.#publish(link, online);
    });
    client.on('error', (err) => this.#log.warn({ device, err: err.message }, 'mqtt client error'));
    client.on('message', (topic, payload) => this.#onCommand(link, topic, payload));
    await this.#publish(link, online);
    await client.subscribeAsync(topicFor('cmnd', device, '+'), { qos: 1 });
    return link;
  }

  #onCommand(link: BoardLink, topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (t?.prefix !== 'cmnd') return;
    this.stats.commands++;
    const result = this.#deps.command(t.device, t.suffix, payload.toString('utf8'));
    this.#log.debug({ device: t.device, command: t.suffix, result }, 'command');
    if (result === undefined) return;
    void this.#publish(link, {
      topic: topicFor('stat', t.device, 'RESULT'),
      payload: encodeResult(result),
      retain: false,
    });
  }

  #publishAll(link: BoardLink, messages: MqttMessage[]): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    for (const m of messages) {
      const w = wait ? wait.then(() => this.#publish(link, m)) : this.#publish(link, m);
      if (w) wait = w;
    }
    return wait;
  }

  /** Takes a window slot (waiting if full) and publishes; returns a promise only if it had to wait. */
  #publish(link: BoardLink, m: MqttMessage): Promise<void> | undefined {
    if (this.#inflight < this.#window) {
      this.#send(link, m);
      return undefined;
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(() => this.#publish(link, m));
  }

  #send(link: BoardLink, m: MqttMessage): void {
    this.#inflight++;
    if (this.#inflight > this.stats.maxInflight) this.stats.maxInflight = this.#inflight;
    this.stats.published++;
    let done = false;
    const release = (outcome: 'acked' | 'failed' | 'dropped') => {
      if (done) return;
      done = true;
      link.pending.delete(drop);
      if (outcome === 'acked') this.stats.acked++;
      else if (outcome === 'failed') this.stats.failed++;
      else this.stats.droppedInFlight++;
      this.#inflight--;
      this.#waiters.shift()?.();
      if (this.#inflight === 0) for (const d of this.#drainers.splice(0)) d();
    };
    const drop = () => release('dropped');
    link.pending.add(drop);
    this.#log.trace({ topic: m.topic }, 'publish');
    link.client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) =>
      release(err ? 'failed' : 'acked'),
    );
  }

  /** Power lost: the TCP connection just dies (no DISCONNECT), so the broker publishes the Will. */
  #drop(device: string): void {
    const link = this.#links.get(device);
    if (!link) return;
    this.#links.delete(device);
    for (const drop of [...link.pending]) drop();
    link.client.removeAllListeners('connect');
    link.client.end(true);
  }

  /** Waits until every publish so far is acknowledged. */
  async drain(): Promise<void> {
    if (this.#inflight === 0) return;
    await new Promise<void>((resolve) => this.#drainers.push(resolve));
  }

  /** The simulation ended: publish Offline (retained) for every board and disconnect cleanly. */
  async stop(): Promise<void> {
    await this.drain().catch(() => undefined);
    const links = [...this.#links.entries()];
    this.#links.clear();
    await Promise.all(
      links.map(async ([device, link]) => {
        const offline = this.#deps.encoder.lwt(device, false);
        link.client.removeAllListeners('connect');
        await link.client
          .publishAsync(offline.topic, offline.payload, { qos: 1, retain: true })
          .catch(() => undefined);
        await link.client.endAsync().catch(() => undefined);
      }),
    );
  }
}
