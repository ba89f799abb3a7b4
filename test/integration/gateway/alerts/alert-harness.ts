import { vi } from 'vitest';
import { AlertEngine } from '../../../../gateway/alerts/alert-engine.ts';
import type { AlertSink } from '../../../../gateway/alerts/sinks/alert-sink.ts';
import type { StorageState } from '../../../../gateway/buffer/storage-policy.ts';
import { AlertsConfig } from '../../../../gateway/config/core-config.ts';
import { silentLogger } from '../../../../shared/log.ts';
import type { Reading } from '../../../../shared/schemas/reading.ts';
import type { AlertEvent } from '../../../../shared/schemas/sync.ts';
import { makeReading, openTestBuffer, T0, type TestBuffer } from '../buffer/reading-fixture.ts';

export const DEVICE = 'aicss-test01';

/** Captures what the engine hands to its sinks. */
export class CaptureSink implements AlertSink {
  readonly name = 'capture';
  readonly events: AlertEvent[] = [];
  deliver(e: AlertEvent): void {
    this.events.push(e);
  }
  raised(rule?: string): AlertEvent[] {
    return this.events.filter((e) => e.state === 'raised' && (rule === undefined || e.rule === rule));
  }
  cleared(rule?: string): AlertEvent[] {
    return this.events.filter((e) => e.state === 'cleared' && (rule === undefined || e.rule === rule));
  }
}

export interface Harness {
  t: TestBuffer;
  engine: AlertEngine;
  sink: CaptureSink;
  /** Emits `bus 'reading'` every `stepS` for `forS` seconds (fake time advances by `stepS` each). */
  feed(over: Partial<Reading>, forS: number, stepS?: number): void;
  advance(seconds: number): void;
  storage: { state: StorageState | undefined };
  restart(config?: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Fake timers + a real SQLite buffer + an engine with the given config (on top of defaults). */
export async function alertHarness(config: unknown = {}, extraSinks: AlertSink[] = []): Promise<Harness> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
  const t = await openTestBuffer({}, { clock: () => Date.now() });
  const storage: { state: StorageState | undefined } = { state: undefined };
  let seq = 0;
  const make = (cfg: unknown, sink: CaptureSink) =>
    new AlertEngine({
      gatewayId: 'gw-sp-01',
      config: AlertsConfig.parse(cfg),
      bus: t.bus,
      repo: t.buffer.alerts,
      kv: t.buffer.kv,
      log: silentLogger(),
      clock: () => Date.now(),
      sinks: [sink, ...extraSinks],
      storage: () => storage.state ?? t.buffer.policy.state(),
      knownDevices: () => t.buffer.store.lastReadingPerDevice().map((d) => d.device),
    });
  const h: Harness = {
    t,
    sink: new CaptureSink(),
    engine: undefined as unknown as AlertEngine,
    storage,
    feed(over, forS, stepS = 10) {
      for (let s = 0; s < forS; s += stepS) {
        const now = Date.now();
        h.t.bus.emit('reading', {
          ...makeReading(0, { device: DEVICE }),
          seq: seq++,
          ts: now,
          receivedAt: now,
          ...over,
        });
        vi.advanceTimersByTime(stepS * 1000);
      }
    },
    advance(seconds) {
      vi.advanceTimersByTime(seconds * 1000);
    },
    async restart(cfg = config) {
      await h.engine.stop();
      h.sink = new CaptureSink();
      h.engine = make(cfg, h.sink);
      h.engine.start();
    },
    async close() {
      await h.engine.stop();
      vi.useRealTimers();
      await t.cleanup();
    },
  };
  h.engine = make(config, h.sink);
  h.engine.start();
  return h;
}
