import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordEvent, type SimEvent, SimRunner } from '../../firmware-sim/index.ts';
import { silentLogger } from '../../shared/log.ts';
import { createTestCloud, SEED, type TestCloud } from '../helpers/cloud-app.ts';
import { startTestGateway, type TestGateway } from '../helpers/gw-gateway.ts';
import { openPtyPair, type PtyPair } from '../helpers/pty.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The whole chain with real parts: simulated boards → (MQTT through the gateway's aedes broker, and AICSS/1
 * lines through a real pseudo-terminal) → gateway (SQLite) → HTTP sync through a TCP link that is cut for a
 * while → cloud (Fastify) → PostgreSQL. Then: everything the gateway stored is in the cloud exactly once,
 * every MQTT record and every intact serial line arrived, corrupted lines did not, and the hourly rollups
 * hold exactly the energy the boards' counters say they consumed.
 */
const HOUR = 3_600_000;
const log = silentLogger();

let cloud: TestCloud;
let proxy: TcpProxy;
let pty: PtyPair;
let gw: TestGateway;
const events: RecordEvent[] = [];
const serialDevice = 'aicss-serial01';

function collect(ev: SimEvent): void {
  if (ev.type === 'record') events.push(ev);
}

beforeAll(async () => {
  cloud = await createTestCloud();
  const url = new URL(await cloud.listen());
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  pty = await openPtyPair();
  gw = await startTestGateway({
    gatewayId: SEED.gatewayA,
    broker: { host: '127.0.0.1', port: 0, allowAnonymous: true },
    serial: { ports: [{ path: pty.b, format: 'aicss', baudRate: 115_200, device: serialDevice }] },
    sync: {
      enabled: true,
      cloudUrl: proxy.url,
      token: cloud.gateways.a.token,
      schedule: '* * * * * *',
      initialBackoffMs: 200,
      maxBackoffMs: 1000,
      requestTimeoutMs: 5000,
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await pty?.close();
  await proxy?.close();
  await cloud?.close();
});

async function cloudCount(): Promise<number> {
  const { rows } = await cloud.pool.query<{ n: string }>('select count(*) as n from readings');
  return Number(rows[0]!.n);
}

describe('sim → gateway → cloud → PostgreSQL', () => {
  it('delivers every reading exactly once through a link outage, with exact rollup energy', async () => {
    // An evening in São Paulo (19:00–22:00 local, two days ago): dark, people at home, lamps on.
    const todayUtc = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const from = todayUtc - 2 * 86_400_000 - 2 * HOUR;
    const to = from + 3 * HOUR;
    const mqttBoards = new SimRunner(
      {
        seed: 'e2e-mqtt',
        boards: 3,
        telePeriodS: 10,
        from,
        to,
        // Faults the gateway must absorb on MQTT: re-sent records and DHT failures.
        faults: { duplicate: { rate: 0.05 }, dht: { rate: 0.02 } },
        mqtt: { url: gw.brokerUrl, window: 50 },
        onEvent: collect,
      },
      { log },
    );
    const serialBoard = new SimRunner(
      {
        seed: 'e2e-serial',
        boards: 1,
        deviceIds: [serialDevice],
        telePeriodS: 10,
        from: to - HOUR,
        to,
        faults: { crc: { rate: 0.05 }, garbage: { rate: 0.03 } },
        out: [pty.a],
        onEvent: collect,
      },
      { log },
    );
    // The link to the cloud is down while the boards send: the gateway must keep everything, then catch up
    // (backlog path), and survive a second cut in the middle of catching up.
    proxy.cut();
    await mqttBoards.start();
    await serialBoard.start();
    const mqttStats = await mqttBoards.done;
    await serialBoard.done;
    expect(mqttStats.mqtt?.failed ?? 0).toBe(0);
    await sleep(1500);
    expect(await cloudCount()).toBe(0);
    proxy.restore();
    await sleep(700);
    proxy.cut();
    await sleep(1000);
    proxy.restore();

    // Drain: the gateway's backlog reaches zero and the cloud holds what the gateway holds.
    const deadline = Date.now() + 60_000;
    let stored = gw.storedKeys().length;
    while (Date.now() < deadline) {
      stored = gw.storedKeys().length;
      const backlog = gw.gateway.sync?.stats().backlog.count ?? -1;
      if (backlog === 0 && (await cloudCount()) === stored) break;
      await sleep(250);
    }
    const gatewayKeys = gw.storedKeys().map((k) => `${k.device}/${k.boot}/${k.seq}`);
    const { rows } = await cloud.pool.query<{ k: string }>(
      `select device_id || '/' || boot || '/' || seq as k from readings`,
    );
    const cloudKeys = rows.map((r) => r.k);
    expect(cloudKeys.length).toBe(gatewayKeys.length);
    expect(new Set(cloudKeys)).toEqual(new Set(gatewayKeys));

    // Every record that reached a wire intact is in the cloud; corrupted serial lines are not.
    const inCloud = await cloud.pool.query<{ device_id: string; seq: string }>(
      'select device_id, seq from readings',
    );
    const seen = new Set(inCloud.rows.map((r) => `${r.device_id}#${r.seq}`));
    const intact = events.filter((e) => e.wire.length === 0);
    const corrupted = events.filter((e) => e.device === serialDevice && e.wire.some((w) => w.kind === 'crc'));
    expect(intact.length).toBeGreaterThan(1000);
    expect(corrupted.length).toBeGreaterThan(0);
    const missing = intact.filter((e) => !seen.has(`${e.device}#${e.record.MSG}`));
    expect(missing.map((e) => `${e.device}#${e.record.MSG}`)).toEqual([]);
    for (const e of corrupted) {
      // A corrupted line may share its MSG with an intact re-send (duplicate fault); only lone ones count.
      const resent = intact.some((i) => i.device === e.device && i.record.MSG === e.record.MSG);
      if (!resent) expect(seen.has(`${e.device}#${e.record.MSG}`)).toBe(false);
    }

    // Rollups: per MQTT device, the energy in reading_hourly equals the counters' increase over the run.
    for (const device of mqttBoards.devices) {
      const recs = events
        .filter((e) => e.device === device && e.wire.length === 0)
        .sort((a, b) => a.record.MSG - b.record.MSG);
      const first = recs[0]!.record;
      const last = recs[recs.length - 1]!.record;
      const expected = last.E1! - first.E1! + (last.E2! - first.E2!);
      const r = await cloud.pool.query<{ wh: number }>(
        'select coalesce(sum(energy_wh_total), 0)::float8 as wh from reading_hourly where device_id = $1',
        [device],
      );
      expect(r.rows[0]!.wh).toBeCloseTo(expected, 6);
    }
  });
});
