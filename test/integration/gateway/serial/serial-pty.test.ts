import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssLine, encodeBootBanner } from '../../../../shared/protocol/aicss-serial.ts';
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
let gw: TestGateway;

beforeAll(async () => {
  dir = await tempDir('cds-gw-pty-');
  aicss = await openPtyPair(dir.path, 'aicss');
  legacy = await openPtyPair(dir.path, 'legacy');
  gw = await startTestGateway({
    broker: { enabled: false },
    serial: {
      reopenMinMs: 100,
      reopenMaxMs: 400,
      ports: [
        { path: aicss.gatewayPath, format: 'aicss' },
        { path: legacy.gatewayPath, format: 'aicss-legacy', device: 'lumion-legacy' },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await aicss?.close();
  await legacy?.close();
  await dir?.cleanup();
});

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
