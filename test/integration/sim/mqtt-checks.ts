import mqtt, { type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { SimRunner } from '../../../firmware-sim/run-sim.ts';
import type { RecordEvent } from '../../../firmware-sim/sim-events.ts';
import { silentLogger } from '../../../shared/log.ts';
import { decodeMqttMessage, type MqttDecoded } from '../../../shared/protocol/mqtt-topics.ts';
import { waitFor } from './serial-read-helpers.ts';

/** Broker-independent checks, run against aedes and Mosquitto alike. */

export const T0 = Date.parse('2024-11-14T21:00:00Z');

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  decoded: MqttDecoded;
}

export async function subscriber(url: string, devices: readonly string[], tag: string) {
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `sub-${tag}-${process.pid}`,
    clean: true,
  });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    received.push({ topic, payload, retain: packet.retain, decoded: decodeMqttMessage(topic, payload) }),
  );
  // Per-device topics: safe on a shared broker too.
  await client.subscribeAsync(
    devices.flatMap((d) => [`tele/${d}/+`, `stat/${d}/+`]),
    { qos: 1 },
  );
  return { client, received, close: () => client.endAsync() };
}

export const sensorsOf = (received: Received[], device: string) =>
  received.flatMap((r) =>
    r.decoded.kind === 'sensor' &&
    r.decoded.device === device &&
    r.decoded.result.ok &&
    r.decoded.result.kind === 'observation'
      ? [r.decoded.result.observation]
      : [],
  );

export const lwtOf = (received: Received[], device: string) =>
  received.flatMap((r) =>
    r.decoded.kind === 'lwt' && r.decoded.device === device ? [r.decoded.online] : [],
  );

/** Every SENSOR arrived, in order per device, with the values the board produced. */
export function expectSameReadings(received: Received[], sent: RecordEvent[], devices: readonly string[]) {
  for (const device of devices) {
    const mine = sent.filter((e) => e.device === device);
    const got = sensorsOf(received, device);
    expect(got.map((o) => o.seq)).toEqual(mine.map((e) => e.record.MSG));
    got.forEach((o, i) => {
      const r = mine[i]!.record;
      expect(o.lightRaw).toBe(r.ldr);
      expect(o.voltageV).toBe(Math.round(r.V! * 10) / 10);
      expect(o.channels[0]?.energyWh).toBe(r.E1);
      expect(o.channels[1]?.powerW).toBe(Math.round(r.P2!));
      expect(o.lampExternal).toBe(r.led_ext === 1);
    });
  }
}

/** A late subscriber sees the retained LWT. */
export async function retainedLwt(url: string, device: string): Promise<string> {
  const c = await mqtt.connectAsync(url, { clientId: `late-${device}-${process.pid}`, clean: true });
  try {
    const got = new Promise<string>((resolve) =>
      c.on('message', (_t, payload, packet) => packet.retain && resolve(payload.toString())),
    );
    await c.subscribeAsync(`tele/${device}/LWT`, { qos: 1 });
    return await Promise.race([got, new Promise<string>((r) => setTimeout(() => r('(none)'), 3000))]);
  } finally {
    await c.endAsync();
  }
}

/** Backfill straight to the broker: everything arrives, the in-flight window is respected. */
export async function backfillCheck(url: string, seed: string, window: number) {
  const sent: RecordEvent[] = [];
  const runner = new SimRunner(
    {
      seed,
      boards: 3,
      telePeriodS: 60,
      from: T0,
      to: T0 + 3 * 3_600_000,
      mqtt: { url, window, statePeriodS: 3600 },
      onEvent: (e) => e.type === 'record' && sent.push(e),
    },
    { log: silentLogger() },
  );
  const sub = await subscriber(url, runner.devices, seed);
  try {
    await runner.start();
    const stats = await runner.done;
    expect(stats.mode).toBe('backfill');
    await waitFor(
      () => sub.received.filter((r) => r.decoded.kind === 'sensor').length >= sent.length,
      'every SENSOR at the subscriber',
    );
    expect(sent.length).toBe(3 * 3 * 60);
    expectSameReadings(sub.received, sent, runner.devices);
    expect(stats.mqtt!.acked).toBe(stats.mqtt!.published);
    expect(stats.mqtt!.maxInflight).toBeLessThanOrEqual(window);
    expect(stats.mqtt!.maxInflight).toBeGreaterThan(1);
    for (const d of runner.devices) expect(await retainedLwt(url, d)).toBe('Offline');
  } finally {
    await sub.close();
  }
}
