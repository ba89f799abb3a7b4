import { describe, expect, it } from 'vitest';
import { decodeAicssLine, encodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import { crc16CcittFalse } from '../../../shared/protocol/crc16.ts';

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
