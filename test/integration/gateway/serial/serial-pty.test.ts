import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssLine, encodeBootBanner } from '../../../../shared/protocol/aicss-serial.ts';
import { encodeEmonTxLine } from '../../../../shared/protocol/emontx.ts';
import { encodeAicssJsonLine } from '../../../../shared/protocol/json-line.ts';
import { startTestGateway, type TestGateway } from '../../../helpers/gw-gateway.ts';
import { eventually, openPtyPair, type PtyPair } from '../../../helpers/gw-pty.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

/**
 * Serial through real pseudo-terminals (socat): the test writes what a board would, faults included, on
 * the device side; the gateway reads the other side through `serialport`, like a USB adapter.
 */

const BOOT_S = Math.floor(Date.now() / 1000) - 7200;
const line = (msg: number) =>
  encodeAicssLine({
    MSG: msg,
    t: BOOT_S + 50 + msg * 10,
    up: 50 + msg * 10,
    V: 127.4,
    F: 60,
    P1: 60,
    E1: 1500 + msg,
    st: 0,
  });

/** A valid line with one digit of a value changed after the checksum was computed. */
function corrupt(msg: number): string {
  const good = line(msg);
  return good.replace('V:127.4', 'V:128.4');
}

let dir: { path: string; cleanup(): Promise<void> };
let aicss: PtyPair;
let legacy: PtyPair;
let emontx: PtyPair;
let json: PtyPair;
let gw: TestGateway;

beforeAll(async () => {
  dir = await tempDir('cds-gw-pty-');
  aicss = await openPtyPair(dir.path, 'aicss');
  legacy = await openPtyPair(dir.path, 'legacy');
  emontx = await openPtyPair(dir.path, 'emontx');
  json = await openPtyPair(dir.path, 'json');
  gw = await startTestGateway({
    broker: { enabled: false },
    serial: {
      reopenMinMs: 100,
      reopenMaxMs: 400,
      ports: [
        { path: aicss.gatewayPath, format: 'aicss' },
        { path: legacy.gatewayPath, format: 'aicss-legacy', device: 'lumion-legacy' },
        { path: emontx.gatewayPath, format: 'emontx', device: 'emontx-pty' },
        { path: json.gatewayPath, format: 'json', device: 'json-pty' },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await aicss?.close();
  await legacy?.close();
  await emontx?.close();
  await json?.close();
  await dir?.cleanup();
});

/** Rejections counted for a serial port, by code. */
const rejectedOn = (pty: PtyPair) =>
  gw.gateway.stats.sources().find((s) => s.source === `serial:${pty.gatewayPath}`)?.rejectedByCode ?? {};
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

const keys = (device: string) =>
  gw
    .storedKeys()
    .filter((k) => k.device === device)
    .map((k) => [k.boot, k.seq]);

describe('serial source on a pseudo-terminal', () => {
  it('stores the valid lines of a faulty stream and counts every rejection by code', async () => {
    const source = `serial:${aicss.gatewayPath}`;
    const stream = [
      Buffer.from('\x00\xffnoise on the line\r\n', 'latin1'),
      encodeBootBanner({ firmware: '1.0.0', device: 'aicss-pty1' }),
      ...Array.from({ length: 10 }, (_, i) => line(i)),
      corrupt(10),
      `${line(10).slice(0, line(10).indexOf(',cs:'))}\r\n`, // checksum missing
      line(10).replace('\r\n', '\n'), // LF only
      `MSG:10,${'V:127.0,'.repeat(300)}cs:1\r\n`, // far over 256 bytes
      Buffer.concat([
        Buffer.from(line(10).slice(0, 12), 'latin1'),
        Buffer.from([0x07]),
        Buffer.from(line(10).slice(12), 'latin1'),
      ]),
      ...Array.from({ length: 9 }, (_, i) => line(11 + i)),
    ];
    // Split across writes at odd places, as a UART delivers it.
    const all = Buffer.concat(stream.map((s) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s)));
    for (let i = 0; i < all.length; i += 97) await aicss.write(all.subarray(i, i + 97));

    await eventually(() => keys('aicss-pty1').length === 19, '19 readings stored');
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 9 }, (_, i) => 11 + i),
    ];
    expect(keys('aicss-pty1')).toEqual(expected.map((seq) => [BOOT_S, seq]));

    await eventually(
      () =>
        Object.values(
          gw.gateway.stats.sources().find((s) => s.source === source)?.rejectedByCode ?? {},
        ).reduce((a, b) => a + b, 0) === 6,
      'six rejections',
    );
    const src = gw.gateway.stats.sources().find((s) => s.source === source);
    expect(src?.rejectedByCode).toEqual({
      not_ascii: 2,
      crc_mismatch: 1,
      crc_missing: 1,
      no_crlf: 1,
      too_long: 1,
    });
    // The noise came before the banner named the board: counted for the port, not for a device.
    const dev = gw.gateway.stats.devices().find((d) => d.device === 'aicss-pty1');
    expect(dev?.rejectedByCode).toEqual({
      not_ascii: 1,
      crc_mismatch: 1,
      crc_missing: 1,
      no_crlf: 1,
      too_long: 1,
    });
    expect(gw.gateway.status().serial.find((p) => p.path === aicss.gatewayPath)?.bannerDevice).toBe(
      'aicss-pty1',
    );
  });

  it("numbers the original firmware's lines, Latin-1 or UTF-8, under the configured device", async () => {
    const latin1 = Buffer.from('Luz: 1234 | Distância: 87 cm\r\n', 'latin1');
    const utf8 = Buffer.from('Luz: 4095 | Distância: 0 cm\r\n', 'utf8');
    for (const b of [latin1, utf8, latin1, utf8, latin1]) await legacy.write(b);
    await eventually(() => keys('lumion-legacy').length === 5, 'five legacy readings');
    expect(keys('lumion-legacy').map(([, seq]) => seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('stores emonTx lines under the configured device, numbers a restart as a new boot, counts bad lines by code', async () => {
    const emon = (msg: number) =>
      encodeEmonTxLine({
        msg,
        vrms: 127.3,
        channels: [
          { p: 60, e: 1500 + msg },
          { p: 5, e: 10 },
        ],
        temperatures: [24.5, 19],
        pulse: 3,
      });
    const stream = [
      'emonTx4 V1.5.7 (OpenEnergyMonitor)\r\n', // start-up banner: a diagnostic, not a rejection
      ...[1, 2, 3].map(emon),
      emon(4).replace('\r\n', '\n'), // no CR: cannot tell the line is whole
      'MSG:4,Vrms:12x.3,P1:60\r\n', // not a number
      'MSG:4,P1:60,P1:61\r\n', // key twice
      `MSG:4,Vrms:127.30,P1:60,${'E1:1504,'.repeat(60)}pulse:3\r\n`, // over the port's 384 bytes
      Buffer.concat([Buffer.from('MSG:4,Vrms:1\x0127.3', 'latin1'), Buffer.from('\r\n')]), // control byte
      ...[4, 5].map(emon),
      // The board restarted: its counter starts again.
      ...[0, 1].map(emon),
    ];
    const all = Buffer.concat(stream.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x)));
    for (let i = 0; i < all.length; i += 61) await emontx.write(all.subarray(i, i + 61));

    await eventually(() => keys('emontx-pty').length === 7, 'seven emonTx readings');
    await eventually(() => total(rejectedOn(emontx)) === 5, 'five emonTx rejections');
    const stored = keys('emontx-pty');
    const [boot1, boot2] = [stored[0]![0]!, stored[5]![0]!];
    expect(boot2).toBeGreaterThan(boot1);
    expect(stored).toEqual([
      [boot1, 1],
      [boot1, 2],
      [boot1, 3],
      [boot1, 4],
      [boot1, 5],
      [boot2, 0],
      [boot2, 1],
    ]);
    const readings = gw.storedReadings('emontx-pty');
    expect(readings[3]).toMatchObject({
      device: 'emontx-pty',
      seq: 4,
      source: 'serial',
      timeQuality: 'gateway',
      voltageV: 127.3,
      temperatureC: 24.5,
      channels: [
        { powerW: 60, energyWh: 1504 },
        { powerW: 5, energyWh: 10 },
      ],
    });
    expect(rejectedOn(emontx)).toEqual({
      no_crlf: 1,
      bad_value: 1,
      duplicate_key: 1,
      too_long: 1,
      not_ascii: 1,
    });
    expect(gw.gateway.stats.devices().find((d) => d.device === 'emontx-pty')?.rejectedByCode).toEqual(
      rejectedOn(emontx),
    );
  });

  it('stores AICSS JSON (CRC checked) and plain emon JSON lines, counts bad lines by code', async () => {
    const rec = (msg: number) => ({
      MSG: msg,
      t: BOOT_S + 50 + msg * 10,
      up: 50 + msg * 10,
      V: 126.8,
      F: 59.9,
      P1: 42,
      E1: 2000 + msg,
      st: 0,
    });
    const aicssJson = (msg: number) => encodeAicssJsonLine(rec(msg));
    const plain = (msg: number) => {
      const r = rec(msg);
      return `${JSON.stringify({ MSG: msg, t: r.t, up: r.up, Vrms: 127.9, P1: 80, E1: r.E1, T1: null })}\r\n`;
    };
    const stream = [
      ...[0, 1, 2].map(aicssJson),
      aicssJson(3).replace('"V":126.8', '"V":129.8'), // one digit changed after the CRC
      '{"MSG":3,"t":1,\r\n', // cut short
      '{"MSG":3,"V":"high"}\r\n', // a value that is not a number
      '{"foo":1,"bar":2}\r\n', // nothing the gateway knows
      `{"MSG":3,"note":"${'x'.repeat(600)}"}\r\n`, // over the port's 512 bytes
      ...[3, 4].map(plain),
      aicssJson(5),
    ];
    for (const line of stream) await json.write(line);

    await eventually(() => keys('json-pty').length === 6, 'six JSON readings');
    await eventually(() => total(rejectedOn(json)) === 5, 'five JSON rejections');
    expect(keys('json-pty')).toEqual([0, 1, 2, 3, 4, 5].map((seq) => [BOOT_S, seq]));
    const readings = gw.storedReadings('json-pty');
    expect(readings[1]).toMatchObject({
      device: 'json-pty',
      ts: (BOOT_S + 60) * 1000,
      timeQuality: 'board',
      uptimeS: 60,
      voltageV: 126.8,
      frequencyHz: 59.9,
      channels: [{ powerW: 42, energyWh: 2001 }],
    });
    expect(readings[4]).toMatchObject({
      seq: 4,
      ts: (BOOT_S + 90) * 1000,
      voltageV: 127.9,
      channels: [{ powerW: 80, energyWh: 2004 }],
    });
    expect(readings[4]!.temperatureC).toBeUndefined(); // null = not measured
    expect(rejectedOn(json)).toEqual({
      crc_mismatch: 1,
      bad_json: 1,
      bad_value: 1,
      bad_format: 1,
      too_long: 1,
    });
  });

  it('reopens a port that vanished and came back under the same name', async () => {
    const status = () => gw.gateway.status().serial.find((p) => p.path === aicss.gatewayPath)!;
    expect(status()).toMatchObject({ open: true, opens: 1 });
    await aicss.unplug();
    await eventually(() => !status().open, 'port seen closed');
    await aicss.replug();
    await eventually(() => status().open, 'port reopened');
    expect(status().opens).toBe(2);
    expect(status().failures).toBeGreaterThanOrEqual(1);
    for (let i = 20; i < 25; i++) await aicss.write(line(i));
    await eventually(() => keys('aicss-pty1').length === 24, 'readings after the replug');
    // The board did not restart: same boot, sequence continues.
    expect(keys('aicss-pty1').slice(-5)).toEqual([20, 21, 22, 23, 24].map((seq) => [BOOT_S, seq]));
  });
});
