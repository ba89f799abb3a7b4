import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aicssBody,
  decodeAicssLine,
  encodeAicssLine,
  encodeBootBanner,
} from '../../../shared/protocol/aicss-serial.ts';
import { crc16CcittFalse } from '../../../shared/protocol/crc16.ts';
import { aicssRecordArb, bitwiseCrc16, expectedObservation, referenceCrc16 } from './arbitraries.ts';

// The two example lines of protocol.md §4.1, verbatim.
const BOOT_LINE =
  'MSG:0,t:0,up:2,rst:9,V:126.9,F:60.0,I1:0.000,P1:0,VA1:0,PF1:0.00,E1:1532,I2:0.000,P2:0,VA2:0,PF2:0.00,E2:4210,ldr:4095,led_in:0,led_ext:0,st:93,cs:13723';
const DAY_LINE =
  'MSG:1042,t:1731616535,up:86400,V:127.3,F:60.0,I1:0.496,P1:60,VA1:63,PF1:0.95,E1:1532,I2:0.786,P2:100,VA2:100,PF2:1.00,E2:4210,T1:24.5,RH1:58.2,ldr:1450,dist:87,led_in:1,led_ext:1,st:0,cs:37582';

describe('CRC-16/CCITT-FALSE', () => {
  it('has the check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse('123456789')).toBe(0x29b1);
    expect(crc16CcittFalse(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it("matches a bit-by-bit implementation (and the tests' table) on any bytes and any sub-range", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length ? a % bytes.length : 0;
        const end = start + (bytes.length - start ? b % (bytes.length - start + 1) : 0);
        expect(crc16CcittFalse(bytes, start, end)).toBe(bitwiseCrc16(bytes.subarray(start, end)));
        expect(crc16CcittFalse(Buffer.from(bytes).toString('latin1'))).toBe(bitwiseCrc16(bytes));
        expect(referenceCrc16(bytes)).toBe(bitwiseCrc16(bytes));
      }),
    );
  });
});

describe('AICSS/1 serial examples', () => {
  it('decodes the brownout line to the documented values', () => {
    const r = decodeAicssLine(BOOT_LINE);
    expect(r.ok && r.kind === 'observation').toBe(true);
    if (!r.ok || r.kind !== 'observation') return;
    const o = r.observation;
    expect(o.seq).toBe(0);
    expect(o.epochS).toBe(0);
    expect(o.resetReason).toBe(9);
    expect(o.voltageV).toBe(126.9);
    expect(o.channels.map((c) => c.energyWh)).toEqual([1532, 4210]);
    expect(o.lightRaw).toBe(4095);
    expect(o.temperatureC).toBeUndefined();
    expect(o.distanceCm).toBeUndefined();
    expect(o.boardFlags).toBe(0x01 | 0x04 | 0x08 | 0x10 | 0x40);
  });

  it('decodes the normal line and re-encodes it byte for byte', () => {
    const r = decodeAicssLine(DAY_LINE);
    if (!r.ok || r.kind !== 'observation') throw new Error(JSON.stringify(r));
    expect(r.observation.channels[1]).toEqual({
      currentA: 0.786,
      powerW: 100,
      apparentPowerVa: 100,
      powerFactor: 1,
      energyWh: 4210,
    });
    expect(r.observation.temperatureC).toBe(24.5);
    expect(r.observation.distanceCm).toBe(87);
    expect(r.observation.lampInternal).toBe(true);
    expect(
      encodeAicssLine({
        MSG: 1042,
        t: 1731616535,
        up: 86400,
        V: 127.3,
        F: 60,
        I1: 0.496,
        P1: 60,
        VA1: 63,
        PF1: 0.95,
        E1: 1532,
        I2: 0.786,
        P2: 100,
        VA2: 100,
        PF2: 1,
        E2: 4210,
        T1: 24.5,
        RH1: 58.2,
        ldr: 1450,
        dist: 87,
        led_in: 1,
        led_ext: 1,
        st: 0,
      }),
    ).toBe(`${DAY_LINE}\r\n`);
  });

  it('rejects a line whose checksum does not match, with the code and the text', () => {
    const bad = DAY_LINE.replace('P1:60', 'P1:61');
    const r = decodeAicssLine(bad);
    expect(r).toMatchObject({ ok: false, code: 'crc_mismatch' });
    if (!r.ok) expect(r.text).toContain('P1:61');
  });
});

describe('AICSS/1 round trip and robustness', () => {
  it('decode(encode(record)) gives back every field exactly (property)', () => {
    fc.assert(
      fc.property(aicssRecordArb, (rec) => {
        const line = encodeAicssLine(rec);
        expect(line.endsWith('\r\n')).toBe(true);
        expect(line.length).toBeLessThanOrEqual(256);
        expect(line).toMatch(/^MSG:\d+(,[A-Za-z0-9_]+:-?[0-9.]+)*,cs:\d+\r\n$/);
        const r = decodeAicssLine(line.slice(0, -2));
        expect(r).toEqual({ ok: true, kind: 'observation', observation: expectedObservation(rec) });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and an ok line always carries a verifying checksum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, crlf) => {
        const r = decodeAicssLine(bytes, { crlf });
        if (r.ok && r.kind === 'observation') {
          const text = Buffer.from(bytes)
            .toString('latin1')
            .slice(r.skippedBytes ?? 0);
          const at = text.lastIndexOf(',cs:');
          expect(referenceCrc16(Buffer.from(text.slice(0, at), 'latin1'))).toBe(Number(text.slice(at + 4)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any single-byte corruption of a valid line (CRC detects every burst ≤ 16 bits)', () => {
    fc.assert(
      fc.property(aicssRecordArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (rec, pos, xor) => {
        const body = aicssBody(rec);
        const line = Buffer.from(`${body},cs:${crc16CcittFalse(body)}`, 'latin1');
        const i = pos % line.length;
        line[i] = line[i]! ^ xor;
        const r = decodeAicssLine(line);
        // A flipped byte may turn into another valid-looking frame start only through the resync, which
        // still requires the checksum of what follows to verify.
        if (r.ok) expect(r.kind === 'observation' && r.skippedBytes).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('says why a line is refused, with a stable code', () => {
    const body = 'MSG:5,V:127.0';
    const cs = crc16CcittFalse(body);
    const cases: [string | Buffer, string, { crlf?: boolean }?][] = [
      ['MSG:5,V:127.0', 'crc_missing'],
      [`MSG:5,V:127.0,cs:${(cs + 1) % 65536}`, 'crc_mismatch'],
      ['MSG:5,V:127.0,cs:99999', 'bad_value'],
      [`${body},cs:${cs}`, 'no_crlf', { crlf: false }],
      [Buffer.from(`MSG:5,V:127\u00e9,cs:1`, 'latin1'), 'not_ascii'],
      [`M${'x'.repeat(260)}`, 'too_long'],
      ['   ', 'empty'],
      [withCs('V:127.0,MSG:5'), 'missing_msg'],
      [withCs('MSG:5,V:1,V:2'), 'duplicate_key'],
      [withCs('MSG:5,V:abc'), 'bad_value'],
      [withCs('MSG:5,9x:1'), 'bad_key'],
      [withCs('MSG:5,,V:1'), 'bad_key'],
      [withCs('MSG:1.5,V:1'), 'bad_value'],
      [withCs('MSG:5,st:70000'), 'bad_value'],
    ];
    for (const [line, code, opts] of cases)
      expect(decodeAicssLine(line, opts)).toMatchObject({ ok: false, code });
  });

  it('drops nan/inf/ovf values (an invalid reading), keeping the rest of the line', () => {
    const r = decodeAicssLine(withCs('MSG:7,V:nan,T1:-inf,RH1:ovf,ldr:10'));
    expect(r).toMatchObject({
      ok: true,
      observation: { seq: 7, lightRaw: 10, droppedFields: ['V', 'T1', 'RH1'] },
    });
    if (r.ok && r.kind === 'observation') expect(r.observation.voltageV).toBeUndefined();
  });

  it('recovers a frame preceded by noise on the same line, and reports the skipped bytes', () => {
    const r = decodeAicssLine(Buffer.concat([Buffer.from([0, 0xff, 0x13, 0x4d]), Buffer.from(DAY_LINE)]));
    expect(r).toMatchObject({ ok: true, kind: 'observation', skippedBytes: 4, observation: { seq: 1042 } });
    const banner = decodeAicssLine(
      `\u00ff\u0000${encodeBootBanner({ firmware: '1.0.0', device: 'a1b2c3' }).trim()}`,
    );
    expect(banner).toMatchObject({
      ok: true,
      kind: 'diagnostic',
      skippedBytes: 2,
      banner: { device: 'a1b2c3' },
    });
  });

  it('reads the boot banner and other # diagnostics', () => {
    const line = encodeBootBanner({ firmware: '1.0.0', device: 'a1b2c3' });
    expect(line).toBe('# AICSS fw=1.0.0 id=a1b2c3 boot\r\n');
    expect(decodeAicssLine(line.trim())).toEqual({
      ok: true,
      kind: 'diagnostic',
      text: '# AICSS fw=1.0.0 id=a1b2c3 boot',
      banner: { firmware: '1.0.0', device: 'a1b2c3' },
    });
    expect(decodeAicssLine('# DHT22 read failed')).toEqual({
      ok: true,
      kind: 'diagnostic',
      text: '# DHT22 read failed',
    });
  });

  it('encodes the brownout example byte for byte', () => {
    const line = encodeAicssLine({
      MSG: 0,
      t: 0,
      up: 2,
      rst: 9,
      V: 126.9,
      F: 60,
      I1: 0,
      P1: 0,
      VA1: 0,
      PF1: 0,
      E1: 1532,
      I2: 0,
      P2: 0,
      VA2: 0,
      PF2: 0,
      E2: 4210,
      ldr: 4095,
      led_in: 0,
      led_ext: 0,
      st: 93,
    });
    expect(line).toBe(`${BOOT_LINE}\r\n`);
  });
});

function withCs(body: string): string {
  return `${body},cs:${crc16CcittFalse(body)}`;
}
