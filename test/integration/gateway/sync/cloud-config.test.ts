import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { type FakeCloud, startFakeCloud } from '../../../helpers/fake-cloud.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';
import { eventually } from '../../../helpers/gw-pty.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { NEVER } from './sync-harness.ts';

/**
 * Config the cloud pushes in a sync answer, through a real gateway: it must reach the alert rules at once
 * and still be in force after a restart on the same SQLite file, with no cloud to push it again.
 */

const BOOT_S = Math.floor(Date.now() / 1000) - 3600;
const DEVICES = ['aicss-cfg1', 'aicss-cfg2', 'aicss-cfg3'] as const;
/** 127 V and 5 A on channel 1: fine for the file's config (nominal 127 V, 10 A), alarming for 220 V / 2 A. */
const sensor = (seq: number) =>
  encodeAicssSensor({
    MSG: seq,
    t: BOOT_S + 100 + seq * 10,
    up: 100 + seq * 10,
    V: 127.2,
    I1: 5,
    P1: 600,
    E1: 1000 + seq,
  });

let cloud: FakeCloud | undefined;
let gw: TestGateway | undefined;
let dir: { path: string; cleanup(): Promise<void> } | undefined;
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await gw?.stop();
  gw = undefined;
  await cloud?.close();
  cloud = undefined;
  await dir?.cleanup();
  dir = undefined;
});

/** The gateway on `dir`, syncing to the cloud when one is given (only on `syncNow()`). */
function start(syncTo: FakeCloud | null): Promise<TestGateway> {
  return startTestGateway(
    {
      gatewayId: 'gw-cfg',
      broker: { devices: DEVICES.map((d) => ({ username: d, password: `${d}-pass`, device: d })) },
      // Rules raise on the first reading in breach, so one reading shows which thresholds are in force.
      alerts: { voltage: { minDurationS: 0 }, overCurrent: { minDurationS: 0 } },
      sync: syncTo
        ? { enabled: true, cloudUrl: syncTo.url, token: 'test-token', schedule: NEVER }
        : { enabled: false },
    },
    { dir: dir!.path },
  );
}

async function publish(device: string, seq: number): Promise<void> {
  const c = await mqtt.connectAsync(gw!.brokerUrl, {
    clientId: `cfg-${process.pid}-${device}-${seq}`,
    reconnectPeriod: 0,
    username: device,
    password: `${device}-pass`,
  });
  clients.push(c);
  await c.publishAsync(`tele/${device}/SENSOR`, sensor(seq), { qos: 1 });
}

/** Active alerts of a device as [rule, threshold], sorted. */
const active = (device: string) =>
  gw!.gateway
    .alerts!.active()
    .filter((a) => a.device === device)
    .map((a) => [a.rule, a.threshold])
    .sort();

/** Runs a sync and waits until the gateway has applied config `version`. */
async function syncUntilApplied(version: number): Promise<void> {
  await gw!.gateway.sync!.syncNow();
  await eventually(() => gw!.gateway.sync!.stats().configVersion === version, `config v${version} applied`);
}

describe('config pushed by the cloud, on a running gateway', () => {
  it('changes the alert thresholds at once, and stays in force after a restart without the cloud', async () => {
    dir = await tempDir('cds-gw-cfg-');
    cloud = await startFakeCloud({ gatewayId: 'gw-cfg' });
    cloud.pushConfig({ version: 1, config: { alerts: { nominalVoltage: 220, overCurrent: { maxA: 2 } } } });
    gw = await start(cloud);

    await publish('aicss-cfg1', 1);
    expect(active('aicss-cfg1')).toEqual([]); // the file's thresholds: nothing wrong

    await syncUntilApplied(1);
    expect(cloud.readings.size).toBe(1);
    await publish('aicss-cfg1', 2);
    expect(active('aicss-cfg1')).toEqual([
      ['over_current', 2],
      ['voltage_critical', 191],
      ['voltage_precarious', 202],
    ]);
    // The next status report tells the cloud the version is applied: it stops pushing it.
    await publish('aicss-cfg1', 3);
    await gw.gateway.sync!.syncNow();
    expect(cloud.statuses.at(-1)?.configVersion).toBe(1);

    // Restart on the same file with sync off: only what the gateway stored can bring the config back.
    await gw.stop();
    gw = await start(null);
    expect(gw.gateway.sync!.stats().configVersion).toBe(1);
    await publish('aicss-cfg2', 1);
    expect(active('aicss-cfg2')).toEqual([
      ['over_current', 2],
      ['voltage_critical', 191],
      ['voltage_precarious', 202],
    ]);
    // Under the file's config this reading would be back inside every band and clear the restored alerts.
    await publish('aicss-cfg1', 4);
    expect(active('aicss-cfg1')).toHaveLength(3);
  });

  it('a newer push replaces the previous override set, the same before and after a restart', async () => {
    dir = await tempDir('cds-gw-cfg-');
    cloud = await startFakeCloud({ gatewayId: 'gw-cfg' });
    cloud.pushConfig({ version: 1, config: { alerts: { nominalVoltage: 220 } } });
    gw = await start(cloud);
    await publish('aicss-cfg1', 1);
    await syncUntilApplied(1);
    await publish('aicss-cfg1', 2);
    expect(active('aicss-cfg1').map(([rule]) => rule)).toEqual(['voltage_critical', 'voltage_precarious']);

    // The operator's next version drops the voltage override and sets a current threshold instead
    // (a push is the whole override set: cloud PUT /api/v1/aicss/config).
    cloud.pushConfig({ version: 2, config: { alerts: { overCurrent: { maxA: 2 } } } });
    await publish('aicss-cfg1', 3);
    await syncUntilApplied(2);
    await publish('aicss-cfg2', 1);
    expect(active('aicss-cfg2')).toEqual([['over_current', 2]]);

    await gw.stop();
    gw = await start(null);
    await publish('aicss-cfg3', 1);
    expect(active('aicss-cfg3')).toEqual([['over_current', 2]]);
  });
});
