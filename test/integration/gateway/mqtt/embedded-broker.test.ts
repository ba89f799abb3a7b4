import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { encodeInfo1, encodeLwt, encodeState } from '../../../../shared/protocol/mqtt-topics.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';

const run = promisify(execFile);
const BOOT_S = Math.floor(Date.now() / 1000) - 3600;
const sensor = (seq: number, extra: Record<string, number> = {}) =>
  encodeAicssSensor({
    MSG: seq,
    t: BOOT_S + 100 + seq * 10,
    up: 100 + seq * 10,
    V: 127.2,
    P1: 60,
    E1: 1000 + seq,
    ...extra,
  });

let gw: TestGateway;
const clients: MqttClient[] = [];
let nextId = 0;

async function connect(username?: string, password?: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(gw.brokerUrl, {
    clientId: `emb-${process.pid}-${nextId++}`,
    reconnectPeriod: 0,
    ...(username !== undefined && { username, password }),
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  gw = await startTestGateway({
    gatewayId: 'gw-emb',
    broker: {
      devices: [
        { username: 'board-1', password: 's3cret-1', device: 'aicss-emb1' },
        { username: 'board-2', password: 's3cret-2', device: 'aicss-emb2' },
        { username: 'board-cli', password: 'cli-pass', device: 'aicss-cli' },
        { username: 'board-many', password: 'many-pass', device: 'aicss-many' },
        { username: 'board-low', password: 'low-pass', device: 'aicss-low' },
      ],
      observers: [{ username: 'dashboard', password: 'look-only' }],
    },
    alerts: { voltage: { minDurationS: 0 } },
  });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await gw.close();
});

const stored = (device: string) => gw.storedKeys().filter((k) => k.device === device);

describe('embedded broker', () => {
  it('sends the PUBACK of a QoS 1 reading only once it is in SQLite', async () => {
    const c = await connect('board-1', 's3cret-1');
    await c.publishAsync('tele/aicss-emb1/SENSOR', sensor(1), { qos: 1 });
    // Read through a separate SQLite connection the moment the PUBACK arrived.
    expect(stored('aicss-emb1')).toEqual([{ device: 'aicss-emb1', boot: BOOT_S, seq: 1 }]);
    await c.publishAsync('tele/aicss-emb1/SENSOR', sensor(1), { qos: 1 });
    expect(stored('aicss-emb1')).toHaveLength(1);
    expect(gw.gateway.stats.sources().find((s) => s.source === 'mqtt')).toMatchObject({ duplicate: 1 });
  });

  it('commits a window of concurrent publishes in shared transactions', async () => {
    const c = await connect('board-many', 'many-pass');
    const before = gw.gateway.buffer!.committer.stats().transactions;
    const n = 600;
    await Promise.all(
      Array.from({ length: n }, (_, i) => c.publishAsync('tele/aicss-many/SENSOR', sensor(i), { qos: 1 })),
    );
    expect(stored('aicss-many')).toHaveLength(n);
    const transactions = gw.gateway.buffer!.committer.stats().transactions - before;
    expect(transactions).toBeLessThan(n / 5);
  });

  it('takes publishes from mosquitto_pub', async () => {
    const port = String(gw.gateway.broker!.port);
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'board-cli',
      '-P',
      'cli-pass',
      '-q',
      '1',
      '-i',
      `cli-${process.pid}`,
    ];
    await run('mosquitto_pub', [...args, '-t', 'tele/aicss-cli/SENSOR', '-m', sensor(7)]);
    expect(stored('aicss-cli')).toEqual([{ device: 'aicss-cli', boot: BOOT_S, seq: 7 }]);
    // A wrong password makes the CLI fail with the broker's refusal.
    const bad = await run('mosquitto_pub', [
      ...args.slice(0, 6),
      '-P',
      'nope',
      '-t',
      'tele/aicss-cli/SENSOR',
      '-m',
      sensor(8),
    ]).then(
      () => 'published',
      (e: { stderr: string }) => e.stderr,
    );
    expect(bad).toMatch(/not authori[sz]ed|bad user ?name or password/i);
    expect(stored('aicss-cli')).toHaveLength(1);
  });

  it('refuses a wrong password, an unknown user and an anonymous client', async () => {
    for (const [u, p] of [
      ['board-1', 'wrong'],
      ['nobody', 'x'],
      [undefined, undefined],
    ] as const) {
      const err = await connect(u, p).then(
        () => undefined,
        (e: Error & { code?: number }) => e,
      );
      expect(err?.code, `${u}`).toBe(u === undefined ? 5 : 4);
    }
  });

  it('disconnects a board that publishes under another device, without a PUBACK or a row', async () => {
    const c = await connect('board-1', 's3cret-1');
    const closed = new Promise<string>((resolve) => c.once('close', () => resolve('closed')));
    const acked = c.publishAsync('tele/aicss-emb2/SENSOR', sensor(3), { qos: 1 }).then(
      () => 'acked',
      () => 'failed',
    );
    expect(await Promise.race([acked, closed])).toBe('closed');
    expect(stored('aicss-emb2')).toEqual([]);
    expect(gw.gateway.stats.devices().find((d) => d.device === 'aicss-emb1')?.rejectedByCode.acl_denied).toBe(
      1,
    );
  });

  it('lets a board subscribe to its own commands only', async () => {
    const c = await connect('board-2', 's3cret-2');
    const own = await c.subscribeAsync('cmnd/aicss-emb2/#', { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    // A refused filter comes back as SUBACK 0x80, which mqtt.js turns into an error carrying the packet.
    for (const filter of ['cmnd/aicss-emb1/#', 'cmnd/+/#', 'tele/#']) {
      const granted = await c.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((x) => x.qos),
        (e: { packet?: { granted?: number[] } }) => e.packet?.granted,
      );
      expect(granted, filter).toEqual([128]);
    }
    // The gateway can still reach it through the broker.
    const got = new Promise<[string, Buffer]>((resolve) => c.once('message', (t, p) => resolve([t, p])));
    await gw.gateway.publish('cmnd/aicss-emb2/TelePeriod', '30', { retain: false });
    const [topic, payload] = await got;
    expect([topic, payload.toString()]).toEqual(['cmnd/aicss-emb2/TelePeriod', '30']);
  });

  it('tracks LWT, INFO1, STATE and counts undecodable payloads (acknowledged, not retried)', async () => {
    const c = await connect('board-2', 's3cret-2');
    await c.publishAsync('tele/aicss-emb2/LWT', encodeLwt(true), { qos: 1, retain: true });
    await c.publishAsync(
      'tele/aicss-emb2/INFO1',
      encodeInfo1({ module: 'AICSS', version: '1.0.0', telePeriodS: 10 }),
      { qos: 1 },
    );
    await c.publishAsync(
      'tele/aicss-emb2/STATE',
      encodeState({ time: null, uptimeS: 5, restartReason: 'Brownout' }),
      { qos: 1 },
    );
    await c.publishAsync('tele/aicss-emb2/SENSOR', '{"Seq":', { qos: 1 });
    const d = gw.gateway.status().devices.find((x) => x.device === 'aicss-emb2');
    expect(d).toMatchObject({ online: true, firmware: 'AICSS 1.0.0', resetReason: 'Brownout' });
    expect(d?.rejectedByCode.bad_json).toBe(1);
    expect(c.connected).toBe(true);
  });

  it('announces a new boot when a board restarts with a reset reason', async () => {
    const c = await connect('board-2', 's3cret-2');
    const boots: number[] = [];
    gw.gateway.bus.on('boot', (b) => {
      if (b.device === 'aicss-emb2') boots.push(b.resetReason ?? -1);
    });
    await c.publishAsync('tele/aicss-emb2/SENSOR', sensor(40), { qos: 1 });
    const rebootS = BOOT_S + 100 + 41 * 10;
    const first = encodeAicssSensor({ MSG: 0, t: rebootS + 2, up: 2, rst: 9, V: 126.9 });
    await c.publishAsync('tele/aicss-emb2/SENSOR', first, { qos: 1 });
    expect(boots).toEqual([9]);
    expect(stored('aicss-emb2').map((k) => [k.boot, k.seq])).toEqual([
      [BOOT_S, 40],
      [rebootS, 0],
    ]);
  });

  it('publishes alerts retained through the broker, readable by an observer login that cannot publish', async () => {
    const board = await connect('board-low', 'low-pass');
    await board.publishAsync('tele/aicss-low/SENSOR', sensor(1, { V: 88 }), { qos: 1 });
    const viewer = await connect('dashboard', 'look-only');
    const got = new Promise<[string, string]>((resolve) =>
      viewer.on('message', (t, p) => {
        if (t.endsWith('/aicss-low/voltage_critical')) resolve([t, p.toString()]);
      }),
    );
    const granted = await viewer.subscribeAsync('cds/gw-emb/alerts/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const [topic, payload] = await got;
    expect(topic).toBe('cds/gw-emb/alerts/aicss-low/voltage_critical');
    expect(JSON.parse(payload)).toMatchObject({
      state: 'raised',
      rule: 'voltage_critical',
      device: 'aicss-low',
    });
    expect(gw.gateway.status().alerts.active.map((a) => [a.device, a.rule])).toContainEqual([
      'aicss-low',
      'voltage_critical',
    ]);

    const closed = new Promise<string>((resolve) => viewer.once('close', () => resolve('closed')));
    const acked = viewer.publishAsync('tele/aicss-low/SENSOR', sensor(2), { qos: 1 }).then(() => 'acked');
    expect(await Promise.race([acked, closed])).toBe('closed');
  });
});
