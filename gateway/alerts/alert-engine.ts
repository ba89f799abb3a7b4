import type { Logger } from '../../shared/log.ts';
import { BOARD_FLAGS, type Reading } from '../../shared/schemas/reading.ts';
import type { AlertEvent, AlertRule, AlertSeverity } from '../../shared/schemas/sync.ts';
import type { KvRepository } from '../buffer/kv-repository.ts';
import type { StorageState } from '../buffer/storage-policy.ts';
import type { GatewayBus } from '../bus.ts';
import type { AlertsConfig } from '../config/core-config.ts';
import type { AlertsRepository } from './alerts-repository.ts';
import { alertKey, EpisodeTracker, type Observation, type Transition } from './episode-tracker.ts';
import { EnergyBudget, type EnergyDayState } from './rules/energy-budget.ts';
import { READING_RULES } from './rules/reading-rules.ts';
import type { AlertSink } from './sinks/alert-sink.ts';

const HOUR_MS = 3_600_000;
const ENERGY_KV = 'alerts.energy';
/** One-shot alerts: raised by an event, cleared by time (`eventHoldMinutes`). */
const EVENT_SUBJECTS = new Set(['db_recovered', 'dead_letter']);

const describeSilent = (o: Observation) => `no reading for ${o.value} s (expected within ${o.threshold} s)`;
const describeRebootLoop = (o: Observation) =>
  `${o.value} boots within the reboot-loop window (limit ${o.threshold})`;
const describeStorage = (o: Observation) =>
  `buffer full (${o.value} of ${o.threshold} bytes): the full policy is dropping or refusing data`;
const describeEvent = (o: Observation) => o.text ?? o.rule;

export interface AlertEngineDeps {
  gatewayId: string;
  config: AlertsConfig;
  bus: GatewayBus;
  repo: AlertsRepository;
  kv: KvRepository;
  log: Logger;
  clock: () => number;
  sinks: AlertSink[];
  /** Buffer state for the `storage` rule (raised while the buffer is full). */
  storage?: () => StorageState;
  /** Devices known at start (from the buffer): watched for silence from the first tick. */
  knownDevices?: () => string[];
}

/**
 * Local alerts that work with no internet. Listens to `bus 'reading'` (committed readings) and
 * `bus 'boot'`; a timer drives the time-based rules (board silent, reboot loop ends, storage, one-shot
 * expiry). Every change is persisted in SQLite first (so the sync sends it and a restart reloads the
 * active set), then emitted as `bus 'alert'` and handed to the sinks (log, retained MQTT, webhook).
 */
export class AlertEngine {
  readonly #d: AlertEngineDeps;
  readonly #log: Logger;
  readonly #tracker = new EpisodeTracker();
  readonly #active = new Map<string, AlertEvent>();
  readonly #lastSeen = new Map<string, number>();
  readonly #boots = new Map<string, number[]>();
  readonly #raises = new Map<string, number[]>();
  readonly #heldBack = new Map<string, number>();
  #config: AlertsConfig;
  #energy: EnergyBudget | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Array<() => void> = [];
  #seq = 0;

  constructor(deps: AlertEngineDeps) {
    this.#d = deps;
    this.#config = deps.config;
    this.#log = deps.log.child({ component: 'alert-engine' });
  }

  start(): void {
    const now = this.#d.clock();
    for (const { event, key } of this.#d.repo.active()) {
      this.#active.set(key, event);
      this.#tracker.restore(key, event.id);
    }
    this.#energy = new EnergyBudget(
      this.#config.timeZone,
      this.#d.kv.get<Record<string, EnergyDayState>>(ENERGY_KV),
    );
    // A device the buffer knows gets one full silence window from now before it counts as silent.
    for (const device of this.#d.knownDevices?.() ?? []) this.#lastSeen.set(device, now);
    for (const event of this.#active.values()) this.#deliver(event);
    if (!this.#config.enabled) return;
    this.#unsubscribe.push(
      this.#d.bus.on('reading', (r) => this.onReading(r)),
      this.#d.bus.on('boot', (b) => this.onBoot(b.device, b.at)),
    );
    this.#timer = setInterval(() => this.tick(), this.#config.tickS * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#saveEnergy();
    for (const sink of this.#d.sinks) await sink.stop?.();
  }

  /** A cloud-pushed or reloaded config; episode state is kept. */
  updateConfig(config: AlertsConfig): void {
    this.#config = config;
  }

  active(): AlertEvent[] {
    return [...this.#active.values()];
  }

  onReading(r: Reading): void {
    const now = this.#d.clock();
    this.#lastSeen.set(r.device, now);
    const watching = this.#tracker.watching(r.device);
    if (watching) {
      const silentKey = alertKey('board_silent', r.device, 'silence');
      if (this.#tracker.has(silentKey)) {
        this.#apply({
          rule: 'board_silent',
          device: r.device,
          subject: 'silence',
          severity: 'warning',
          breach: false,
          recovered: true,
          resolved: true,
          value: null,
          threshold: null,
          describe: describeSilent,
          minDurationMs: 0,
        });
      }
    }
    // A replayed record (board backlog after its Wi-Fi came back) describes the past: it counts for
    // energy, but must not raise "lamp failed" now.
    if (!(r.flags & BOARD_FLAGS.REPLAYED)) {
      for (const rule of READING_RULES) {
        const observations = rule(r, this.#config, watching);
        for (let i = 0; i < observations.length; i++) this.#apply(observations[i]!);
      }
    }
    const budget = this.#energy?.observe(r, this.#config);
    if (budget) this.#apply(budget);
  }

  onBoot(device: string, at: number): void {
    const windowMs = this.#config.rebootLoop.windowS * 1000;
    const boots = (this.#boots.get(device) ?? []).filter((t) => t > at - windowMs);
    boots.push(at);
    this.#boots.set(device, boots);
    this.#apply({
      rule: 'reboot_loop',
      device,
      subject: 'boots',
      severity: 'critical',
      breach: boots.length >= this.#config.rebootLoop.boots,
      recovered: false,
      value: boots.length,
      threshold: this.#config.rebootLoop.boots,
      describe: describeRebootLoop,
      minDurationMs: 0,
    });
  }

  /** Raises a one-shot alert (cleared after `eventHoldMinutes`); one active per rule/device/subject. */
  raiseEvent(e: {
    rule: AlertRule;
    device: string | null;
    subject: string;
    severity: AlertSeverity;
    message: string;
    value?: number | null;
  }): void {
    EVENT_SUBJECTS.add(e.subject);
    const key = alertKey(e.rule, e.device, e.subject);
    if (this.#active.has(key)) {
      this.#log.warn({ rule: e.rule, device: e.device }, `already active, not raised again: ${e.message}`);
      return;
    }
    this.#raise(key, {
      rule: e.rule,
      device: e.device,
      subject: e.subject,
      severity: e.severity,
      breach: true,
      recovered: false,
      value: e.value ?? null,
      threshold: null,
      describe: describeEvent,
      text: e.message,
      minDurationMs: 0,
    });
  }

  /**
   * A condition another part watches (the cloud refusing the gateway's credentials): raised once when it
   * is first reported active, cleared when it is reported gone. Unlike `raiseEvent`, it does not expire:
   * it lasts as long as the condition does.
   */
  reportCondition(c: {
    rule: AlertRule;
    device: string | null;
    subject: string;
    severity: AlertSeverity;
    active: boolean;
    message: string;
    value?: number | null;
  }): void {
    this.#apply({
      rule: c.rule,
      device: c.device,
      subject: c.subject,
      severity: c.severity,
      breach: c.active,
      recovered: !c.active,
      value: c.value ?? null,
      threshold: null,
      describe: describeEvent,
      text: c.message,
      minDurationMs: 0,
    });
  }

  /** The time-driven rules; runs on the timer, public for tests and `cds gateway status`. */
  tick(): void {
    const now = this.#d.clock();
    const cfg = this.#config;
    for (const [device, seen] of this.#lastSeen) {
      const periodS = cfg.devices[device]?.telePeriodS ?? cfg.boardSilent.telePeriodS;
      const limitMs = periodS * cfg.boardSilent.periods * 1000;
      if (now - seen <= limitMs) continue;
      this.#apply({
        rule: 'board_silent',
        device,
        subject: 'silence',
        severity: 'warning',
        breach: true,
        recovered: false,
        value: Math.round((now - seen) / 1000),
        threshold: Math.round(limitMs / 1000),
        describe: describeSilent,
        minDurationMs: 0,
      });
    }
    const windowMs = cfg.rebootLoop.windowS * 1000;
    for (const [device, boots] of this.#boots) {
      const recent = boots.filter((t) => t > now - windowMs);
      if (recent.length === 0) this.#boots.delete(device);
      else this.#boots.set(device, recent);
      if (recent.length > 0) continue;
      this.#apply({
        rule: 'reboot_loop',
        device,
        subject: 'boots',
        severity: 'critical',
        breach: false,
        recovered: true,
        value: 0,
        threshold: cfg.rebootLoop.boots,
        describe: describeRebootLoop,
        minDurationMs: 0,
      });
    }
    const storage = this.#d.storage?.();
    if (storage) {
      this.#apply({
        rule: 'storage',
        device: null,
        subject: 'full',
        severity: 'critical',
        breach: storage.full,
        recovered: !storage.full,
        value: storage.usedBytes,
        threshold: storage.capBytes,
        describe: describeStorage,
        minDurationMs: 0,
      });
    }
    const holdMs = cfg.eventHoldMinutes * 60_000;
    for (const [key, event] of this.#active) {
      const subject = key.slice(key.lastIndexOf(':') + 1);
      if (EVENT_SUBJECTS.has(subject) && now - event.raisedAt >= holdMs) this.#clear(key, event.id);
    }
    this.#saveEnergy();
  }

  #apply(obs: Observation): void {
    const key = alertKey(obs.rule, obs.device, obs.subject);
    const now = this.#d.clock();
    const t = this.#tracker.observe(key, obs, now, () => this.#allowRaise(obs.device, now));
    if (t) this.#transition(key, t);
  }

  #transition(key: string, t: Transition): void {
    if (t.kind === 'raise') this.#raise(key, t.obs);
    else this.#clear(key, t.id);
  }

  #raise(key: string, obs: Observation): void {
    const now = this.#d.clock();
    try {
      const event = this.#d.repo.insertRaised({
        id: `${key}:${now.toString(36)}${(this.#seq++ % 1296).toString(36)}`,
        key,
        device: obs.device,
        rule: obs.rule,
        severity: obs.severity,
        raisedAt: now,
        value: obs.value,
        threshold: obs.threshold,
        message: obs.describe(obs),
      });
      this.#tracker.raised(key, event.id);
      this.#active.set(key, event);
      const r = this.#raises.get(obs.device ?? '-') ?? [];
      r.push(now);
      this.#raises.set(obs.device ?? '-', r);
      this.#deliver(event);
    } catch (err) {
      this.#log.error({ err, key }, 'could not record alert');
    }
  }

  #clear(key: string, id: string): void {
    const now = this.#d.clock();
    try {
      const event = this.#d.repo.clear(id, now);
      this.#tracker.cleared(key);
      this.#active.delete(key);
      if (event) this.#deliver(event);
    } catch (err) {
      this.#log.error({ err, key }, 'could not clear alert');
    }
  }

  #allowRaise(device: string | null, now: number): boolean {
    const k = device ?? '-';
    const recent = (this.#raises.get(k) ?? []).filter((t) => t > now - HOUR_MS);
    this.#raises.set(k, recent);
    if (recent.length < this.#config.maxRaisesPerDevicePerHour) return true;
    const last = this.#heldBack.get(k) ?? 0;
    if (now - last > HOUR_MS) {
      this.#heldBack.set(k, now);
      this.#log.warn(
        { device, cap: this.#config.maxRaisesPerDevicePerHour },
        'alert storm: further raises of this device held back this hour',
      );
    }
    return false;
  }

  #deliver(event: AlertEvent): void {
    this.#d.bus.emit('alert', event);
    const sameRule = [...this.#active.values()].filter(
      (a) => a.device === event.device && a.rule === event.rule,
    );
    for (const sink of this.#d.sinks) {
      try {
        const p = sink.deliver(event, sameRule);
        if (p instanceof Promise)
          p.catch((err: unknown) => this.#log.warn({ err, sink: sink.name }, 'alert sink failed'));
      } catch (err) {
        this.#log.warn({ err, sink: sink.name }, 'alert sink failed');
      }
    }
  }

  #saveEnergy(): void {
    if (!this.#energy?.dirty) return;
    this.#energy.dirty = false;
    try {
      this.#d.kv.set(ENERGY_KV, this.#energy.snapshot(), this.#d.clock());
    } catch (err) {
      this.#log.warn({ err }, 'could not save energy budget state');
    }
  }
}
