import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimRunner } from '../../../firmware-sim/run-sim.ts';
import type { RecordEvent } from '../../../firmware-sim/sim-events.ts';
import { silentLogger } from '../../../shared/log.ts';
import { backfillCheck, expectSameReadings, lwtOf, retainedLwt, subscriber, T0 } from './mqtt-checks.ts';
import { waitFor } from './serial-read-helpers.ts';

describe('simulator → MQTT → aedes (in the test) → mqtt client', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    url = `mqtt://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });

  it('publishes LWT, INFO1, STATE and SENSOR, answers commands, and leaves Offline retained', async () => {
    const sent: RecordEvent[] = [];
    const runner = new SimRunner(
      {
        seed: 'aedes-live',
        boards: 3,
        telePeriodS: 10,
        from: T0,
        speed: 200,
        mqtt: { url, username: 'user-{device}', password: 'pw-{index}' },
        onEvent: (e) => e.type === 'record' && sent.push(e),
      },
      { log: silentLogger() },
    );
    const sub = await subscriber(url, runner.devices, 'aedes-live');
    const device = runner.devices[1]!;
    try {
      await runner.start();
      await waitFor(() => sent.filter((e) => e.device === device).length >= 2, 'two records of one board');
      const cmd = await mqtt.connectAsync(url, { clientId: `cmd-${process.pid}` });
      await cmd.publishAsync(`cmnd/${device}/TelePeriod`, '20', { qos: 1 });
      await waitFor(() => sub.received.some((r) => r.decoded.kind === 'result'), 'stat/RESULT');
      await cmd.endAsync();
      const since = sent.filter((e) => e.device === device).length;
      await waitFor(
        () => sent.filter((e) => e.device === device).length >= since + 4,
        'records after the command',
      );
      await runner.stop();
      await waitFor(
        () => runner.devices.every((d) => lwtOf(sub.received, d).at(-1) === false),
        'Offline of every board on stop',
      );

      const result = sub.received.find((r) => r.decoded.kind === 'result')!;
      expect(result.topic).toBe(`stat/${device}/RESULT`);
      expect(JSON.parse(result.payload.toString())).toEqual({ TelePeriod: 20 });
      const mine = sent.filter((e) => e.device === device);
      const gaps = mine.slice(since + 1).map((e, i) => e.atMs - mine[since + i]!.atMs);
      expect(gaps.every((g) => g === 20_000)).toBe(true);

      expectSameReadings(sub.received, sent, runner.devices);
      for (const d of runner.devices) {
        expect(lwtOf(sub.received, d)).toEqual([true, false]);
        expect(sub.received.filter((r) => r.decoded.kind === 'info1' && r.decoded.device === d)).toHaveLength(
          1,
        );
        expect(sub.received.some((r) => r.decoded.kind === 'state' && r.decoded.device === d)).toBe(true);
        expect(await retainedLwt(url, d)).toBe('Offline');
      }
    } finally {
      await runner.stop();
      await sub.close();
    }
  });

  it('drops the connection on a brownout: the broker publishes the Will (Offline), then the board is Online again', async () => {
    const sent: RecordEvent[] = [];
    const runner = new SimRunner(
      {
        seed: 'aedes-brownout',
        boards: 2,
        telePeriodS: 10,
        from: T0,
        durationMs: 10 * 60_000,
        speed: 300,
        faults: { brownout: { rate: 0.15 } },
        mqtt: { url, keepaliveS: 5 },
        onEvent: (e) => e.type === 'record' && sent.push(e),
      },
      { log: silentLogger() },
    );
    const sub = await subscriber(url, runner.devices, 'aedes-brownout');
    try {
      await runner.start();
      const stats = await runner.done;
      expect(stats.powerLosses).toBeGreaterThan(0);
      await waitFor(
        () => runner.devices.every((d) => lwtOf(sub.received, d).at(-1) === false),
        'final Offline of every board',
      );
      const flips = runner.devices.map((d) => lwtOf(sub.received, d));
      // Online, then per brownout a Will (Offline) and Online again, Offline at the end. (A fast reboot may
      // race its own Will at the broker, so only counts are checked, not strict alternation.)
      for (const f of flips) {
        expect(f[0]).toBe(true);
        expect(f.filter((x) => !x).length).toBe(f.filter((x) => x).length);
      }
      expect(flips.some((f) => f.filter((x) => !x).length >= 2)).toBe(true);
      const rebooted = sub.received.filter(
        (r) =>
          r.decoded.kind === 'sensor' &&
          r.decoded.result.ok &&
          r.decoded.result.kind === 'observation' &&
          r.decoded.result.observation.resetReason === 9,
      );
      expect(rebooted.length).toBeGreaterThan(0);
    } finally {
      await runner.stop();
      await sub.close();
    }
  });

  it('backfills straight to the broker within the in-flight window, losing nothing', async () => {
    await backfillCheck(url, 'aedes-backfill', 50);
  });
});
