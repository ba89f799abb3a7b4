import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';
import { eventually } from '../../../helpers/gw-pty.ts';
import { type MosquittoBroker, startMosquitto } from '../../../helpers/mosquitto.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

/**
 * External-broker mode against a private Mosquitto: the gateway is a client with a persistent session and
 * QoS 1 subscriptions, so readings published while it is down wait in Mosquitto and are stored when it
 * comes back; an off-the-shelf Tasmota plug (no sequence, local time) works too.
 */

let broker: MosquittoBroker;
let plug: MqttClient;
let dir: { path: string; cleanup(): Promise<void> };
const run = `${process.pid}${Date.now().toString(36)}`;
const gatewayId = `gw-ext-${run}`;
const BOOT_S = Math.floor(Date.now() / 1000) - 600;

const tasmota = (watts: number) =>
  JSON.stringify({
    Time: '2025-06-01T09:30:00',
    ENERGY: {
      TotalStartTime: '2025-01-01T00:00:00',
      Total: 1.25,
      Yesterday: 0.5,
      Today: 0.1,
      Power: watts,
      ApparentPower: watts + 5,
      ReactivePower: 10,
      Factor: 0.93,
      Voltage: 126,
      Current: 0.4,
    },
  });

function gatewayConfig(protocolVersion: 4 | 5) {
  return {
    gatewayId,
    broker: { enabled: false },
    http: { enabled: false },
    externalBroker: {
      enabled: true,
      url: broker.url,
      clientId: `cds-${gatewayId}-v${protocolVersion}`,
      topics: ['tele/+/SENSOR'],
      persistentSession: true,
      protocolVersion,
      reconnectMs: 200,
    },
  };
}

beforeAll(async () => {
  broker = await startMosquitto();
  dir = await tempDir('cds-gw-ext-');
  plug = await mqtt.connectAsync(broker.url, { clientId: `plug-${run}`, reconnectPeriod: 0 });
});

afterAll(async () => {
  await plug?.endAsync();
  await broker?.close();
  await dir?.cleanup();
});

const keys = (gw: TestGateway, device: string) =>
  gw
    .storedKeys()
    .filter((k) => k.device === device)
    .map((k) => k.seq);

async function connected(gw: TestGateway): Promise<void> {
  await eventually(() => gw.gateway.externalBroker?.connected === true, 'connected to mosquitto');
}

describe('external broker (Mosquitto)', () => {
  it('stores AICSS and Tasmota readings, and those published while the gateway was down', async () => {
    const aicss = `aicss-ext-${run}`;
    const tplug = `tasmota-${run}`;
    let gw = await startTestGateway(gatewayConfig(5), { dir: dir.path });
    await connected(gw);
    // MQTT 5: the subscription is in place once the session is; publish and wait for the rows.
    for (let seq = 0; seq < 5; seq++)
      await plug.publishAsync(
        `tele/${aicss}/SENSOR`,
        encodeAicssSensor({ MSG: seq, t: BOOT_S + seq, up: 60 + seq, V: 127 }),
        { qos: 1 },
      );
    await plug.publishAsync(`tele/${tplug}/SENSOR`, tasmota(45), { qos: 1 });
    await eventually(
      () => keys(gw, aicss).length === 5 && keys(gw, tplug).length === 1,
      'first readings stored',
    );

    await gw.stop();
    // Down: Mosquitto keeps these for the persistent session.
    for (let seq = 5; seq < 25; seq++)
      await plug.publishAsync(
        `tele/${aicss}/SENSOR`,
        encodeAicssSensor({ MSG: seq, t: BOOT_S + seq, up: 60 + seq, V: 127 }),
        { qos: 1 },
      );
    await plug.publishAsync(`tele/${tplug}/SENSOR`, tasmota(50), { qos: 1 });

    gw = await startTestGateway(gatewayConfig(5), { dir: dir.path });
    try {
      await eventually(
        () => keys(gw, aicss).length === 25 && keys(gw, tplug).length === 2,
        'queued readings stored',
      );
      expect(keys(gw, aicss)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      // The plug has no sequence: the gateway numbers it, continuing after the restart.
      expect(keys(gw, tplug)).toEqual([0, 1]);
      expect(gw.gateway.stats.sources().find((s) => s.source === 'mqtt-external')?.stored).toBe(21);
    } finally {
      await gw.stop();
    }
  });

  it('publishes its retained Online/Offline status, and works with MQTT 3.1.1 too', async () => {
    const device = `aicss-v4-${run}`;
    const statusTopic = `cds/${gatewayId}/status`;
    const gw = await startTestGateway(gatewayConfig(4), { dir: dir.path });
    await connected(gw);
    const watcher = await mqtt.connectAsync(broker.url, { clientId: `watch-${run}`, reconnectPeriod: 0 });
    const seen: string[] = [];
    watcher.on('message', (t, p) => {
      if (t === statusTopic) seen.push(p.toString());
    });
    await watcher.subscribeAsync(statusTopic, { qos: 1 });
    await eventually(() => seen.at(-1) === 'Online', 'retained Online');
    await plug.publishAsync(
      `tele/${device}/SENSOR`,
      encodeAicssSensor({ MSG: 7, t: BOOT_S, up: 60, V: 127 }),
      { qos: 1 },
    );
    await eventually(() => keys(gw, device).length === 1, 'MQTT 3.1.1 reading stored');
    await gw.stop();
    await eventually(() => seen.at(-1) === 'Offline', 'Offline after stop');
    await watcher.endAsync();
  });
});
