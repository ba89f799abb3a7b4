import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEmonTxLine, type EmonTxRecord, encodeEmonTxLine } from '../../../shared/protocol/emontx.ts';
import { decodeJsonLine, encodeAicssJsonLine } from '../../../shared/protocol/json-line.ts';
import {
  decodeLegacyHttpJson,
  decodeLegacyLine,
  encodeLegacyHttpJson,
  encodeLegacyLine,
} from '../../../shared/protocol/legacy.ts';
import type { FramedItem } from '../../../shared/protocol/line-framer.ts';
import { decodeSerialItem, SERIAL_FORMATS } from '../../../shared/protocol/serial-formats.ts';
import { BOARD_FLAGS } from '../../../shared/schemas/reading.ts';
import { aicssRecordArb, expectedObservation } from './arbitraries.ts';

const fixed = (min: number, max: number, dp: number) =>
  fc.integer({ min: min * 10 ** dp, max: max * 10 ** dp }).map((n) => n / 10 ** dp);
const strip = (line: string) => line.replace(/\r\n$/, '');
const stripBytes = (line: Buffer) => line.subarray(0, -2);

describe('emonTx lines', () => {
  it('decodes the emonTx4 line format (protocol.md §2.1)', () => {
    const r = decodeEmonTxLine(
      'MSG:123,Vrms:242.31,P1:120,P2:0,E1:5321,E2:17,I1:0.512,pf1:0.9712,T1:21.50,pulse:7',
    );
    expect(r).toEqual({
      ok: true,
      kind: 'observation',
      observation: {
        seq: 123,
        voltageV: 242.31,
        channels: [
          { powerW: 120, energyWh: 5321, currentA: 0.512, powerFactor: 0.9712 },
          { powerW: 0, energyWh: 17 },
        ],
        temperatureC: 21.5,
        boardFlags: 0,
        droppedFields: [],
      },
    });
  });

  const channelArb = fc.record(
    {
      p: fc.integer({ min: -3000, max: 9000 }),
      e: fc.integer({ min: 0, max: 2 ** 40 }),
      i: fixed(0, 50, 3),
      pf: fixed(0, 1, 4),
    },
    { requiredKeys: ['p', 'e'] },
  );
  const emonArb: fc.Arbitrary<EmonTxRecord> = fc.record(
    {
      msg: fc.integer({ min: 0, max: 0xffffffff }),
      vrms: fixed(0, 300, 2),
      channels: fc.array(channelArb, { minLength: 1, maxLength: 6 }),
      temperatures: fc.array(fc.option(fixed(-40, 100, 2), { nil: undefined }), { maxLength: 3 }),
      pulse: fc.nat(),
    },
    { requiredKeys: ['msg', 'channels'] },
  );

  it('decode(encode(record)) maps every field (property)', () => {
    fc.assert(
      fc.property(emonArb, (rec) => {
        const line = encodeEmonTxLine(rec);
        expect(line).toMatch(/^MSG:\d+(,[A-Za-z0-9]+:-?[0-9.]+)*\r\n$/);
        const r = decodeEmonTxLine(strip(line));
        if (!r.ok || r.kind !== 'observation') throw new Error(JSON.stringify(r));
        const o = r.observation;
        expect(o.seq).toBe(rec.msg);
        expect(o.voltageV).toBe(rec.vrms);
        expect(o.temperatureC).toBe(rec.temperatures?.[0]);
        expect(o.channels).toEqual(
          rec.channels.map((c) => ({
            powerW: c.p,
            energyWh: c.e,
            ...(c.i !== undefined && { currentA: c.i }),
            ...(c.pf !== undefined && { powerFactor: c.pf }),
          })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('needs the CRLF (no checksum: it is the only sign the line is whole), like emonhub', () => {
    expect(decodeEmonTxLine('MSG:1,Vrms:24', { crlf: false })).toMatchObject({ ok: false, code: 'no_crlf' });
  });

  it('treats start-up text as diagnostics and drops a line with a non-numeric value, as emonhub does', () => {
    expect(decodeEmonTxLine('emonTx4 V1.5.7 started')).toMatchObject({ ok: true, kind: 'diagnostic' });
    expect(decodeEmonTxLine('MSG:1,Vrms:abc,P1:1')).toMatchObject({ ok: false, code: 'bad_value' });
    expect(decodeEmonTxLine('MSG:1,Vrms:nan,P1:1')).toMatchObject({
      ok: true,
      observation: { seq: 1, droppedFields: ['Vrms'], channels: [{ powerW: 1 }] },
    });
  });
});

describe('the original firmware (legacy)', () => {
  it('decodes the line in UTF-8 and in Latin-1 bytes to the same values', () => {
    const utf8 = Buffer.from('Luz: 1450 | Distância: 87 cm', 'utf8');
    const latin1 = Buffer.from('Luz: 1450 | Distância: 87 cm', 'latin1');
    expect(utf8).not.toEqual(latin1);
    for (const bytes of [utf8, latin1, 'Luz: 1450 | Distância: 87 cm'])
      expect(decodeLegacyLine(bytes)).toEqual({
        ok: true,
        kind: 'observation',
        observation: { lightRaw: 1450, distanceCm: 87, boardFlags: 0, channels: [], droppedFields: [] },
      });
  });

  it('tolerates spacing and a mangled â', () => {
    for (const text of [
      'Luz:12|Distancia:3cm',
      '  Luz :  12  |  Dist?ncia :3 cm  ',
      'luz: 12 | DISTÂNCIA: 3 CM',
    ])
      expect(decodeLegacyLine(Buffer.from(text, 'latin1'))).toMatchObject({
        ok: true,
        observation: { lightRaw: 12, distanceCm: 3 },
      });
  });

  it('reads a 0 cm distance as the echo timeout: no distance, DIST_TIMEOUT set', () => {
    const r = decodeLegacyLine(encodeLegacyLine({ luz: 4095, distancia: 0 }));
    expect(r).toMatchObject({
      ok: true,
      observation: { lightRaw: 4095, boardFlags: BOARD_FLAGS.DIST_TIMEOUT },
    });
    if (r.ok && r.kind === 'observation') expect(r.observation.distanceCm).toBeUndefined();
  });

  it('round-trips in both encodings (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.constantFrom('utf8' as const, 'latin1' as const),
        (luz, distancia, enc) => {
          const r = decodeLegacyLine(stripBytes(encodeLegacyLine({ luz, distancia }, enc)));
          expect(r).toMatchObject({ ok: true, observation: { lightRaw: luz, distanceCm: distancia } });
        },
      ),
    );
  });

  it('treats ESP32 boot ROM text as diagnostics and refuses a broken reading', () => {
    expect(decodeLegacyLine('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)')).toMatchObject({
      ok: true,
      kind: 'diagnostic',
    });
    expect(decodeLegacyLine('Luz: 1450 | Distân')).toMatchObject({ ok: false, code: 'bad_format' });
    expect(decodeLegacyLine(Buffer.from([0, 1, 2, 0xff]))).toMatchObject({ ok: false, code: 'not_ascii' });
  });

  it('decodes the HTTP JSON, from an object, text or bytes; 0 cm is the echo timeout', () => {
    const body = { luz: 1800, distancia: 0, consumo_interno: 1, consumo_externo: 0 };
    for (const b of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))])
      expect(decodeLegacyHttpJson(b)).toEqual({
        ok: true,
        kind: 'observation',
        observation: {
          lightRaw: 1800,
          lampInternal: true,
          lampExternal: false,
          boardFlags: BOARD_FLAGS.DIST_TIMEOUT,
          channels: [],
          droppedFields: [],
        },
      });
    expect(decodeLegacyHttpJson('{"luz":')).toMatchObject({ ok: false, code: 'bad_json' });
    expect(decodeLegacyHttpJson({ luz: 'x', distancia: 3 })).toMatchObject({ ok: false, code: 'bad_format' });
    expect(decodeLegacyHttpJson(null)).toMatchObject({ ok: false, code: 'bad_format' });
  });

  it('round-trips the HTTP JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.constantFrom(0 as const, 1 as const),
        fc.constantFrom(0 as const, 1 as const),
        (luz, distancia, consumoInterno, consumoExterno) => {
          const r = decodeLegacyHttpJson(
            encodeLegacyHttpJson({ luz, distancia, consumoInterno, consumoExterno }),
          );
          expect(r).toMatchObject({
            ok: true,
            observation: {
              lightRaw: luz,
              distanceCm: distancia,
              lampInternal: consumoInterno === 1,
              lampExternal: consumoExterno === 1,
            },
          });
        },
      ),
    );
  });
});

describe('JSON lines', () => {
  it('round-trips the AICSS JSON alternative with its checksum (property)', () => {
    fc.assert(
      fc.property(aicssRecordArb, (rec) => {
        const line = encodeAicssJsonLine(rec);
        expect(line).toMatch(/^\{"MSG":\d+.*,"cs":\d+\}\r\n$/);
        expect(JSON.parse(line)).toMatchObject({ MSG: rec.MSG });
        const r = decodeJsonLine(strip(line), { requireCs: true });
        expect(r).toEqual({ ok: true, kind: 'observation', observation: expectedObservation(rec) });
      }),
      { numRuns: 300 },
    );
  });

  it('checks the CRC over the compact text up to ,"cs": (protocol.md §4.1)', () => {
    const line = encodeAicssJsonLine({ MSG: 1042, V: 127.3, st: 0 }).trim();
    // 46046 = CRC-16/CCITT-FALSE of `{"MSG":1042,"V":127.3,"st":0`, computed with aicss-check.py's crc16().
    expect(line).toBe('{"MSG":1042,"V":127.3,"st":0,"cs":46046}');
    expect(decodeJsonLine(line.replace('127.3', '127.4'))).toMatchObject({ ok: false, code: 'crc_mismatch' });
    expect(decodeJsonLine('{"MSG":1, "cs": 5}')).toMatchObject({ ok: false, code: 'bad_format' });
    expect(decodeJsonLine('{"MSG":1,"V":2}', { requireCs: true })).toMatchObject({
      ok: false,
      code: 'crc_missing',
    });
  });

  it('decodes plain emon JSON without a checksum; null is "not measured", a bare nan is dropped', () => {
    expect(decodeJsonLine('{"MSG":9,"Vrms":230.1,"P1":100,"E1":5,"T1":null,"T2":nan}')).toEqual({
      ok: true,
      kind: 'observation',
      observation: {
        seq: 9,
        voltageV: 230.1,
        channels: [{ powerW: 100, energyWh: 5 }],
        boardFlags: 0,
        droppedFields: ['T2'],
      },
    });
    expect(decodeJsonLine('{"power1":100}')).toMatchObject({ ok: false, code: 'bad_format' });
    expect(decodeJsonLine('{"MSG":1,"V":"high"}')).toMatchObject({ ok: false, code: 'bad_value' });
    expect(decodeJsonLine('[1,2]')).toMatchObject({ ok: false, code: 'bad_json' });
  });
});

describe('decodeSerialItem', () => {
  it('turns a dropped over-long line into too_long with its head', () => {
    const item: FramedItem = { kind: 'overflow', discardedBytes: 900, head: 'MSG:1,xxxx' };
    for (const f of SERIAL_FORMATS)
      expect(decodeSerialItem(f, item)).toMatchObject({ ok: false, code: 'too_long', text: 'MSG:1,xxxx' });
  });

  it('dispatches on the port format, including the JSON alternative on an AICSS port', () => {
    const json = Buffer.from(encodeAicssJsonLine({ MSG: 3, V: 127 }).trim());
    const line = (bytes: Buffer, crlf = true): FramedItem => ({ kind: 'line', bytes, crlf });
    expect(decodeSerialItem('aicss', line(json))).toMatchObject({ ok: true, observation: { seq: 3 } });
    expect(decodeSerialItem('json', line(json))).toMatchObject({ ok: true, observation: { seq: 3 } });
    expect(decodeSerialItem('emontx', line(Buffer.from('MSG:4,Vrms:230.00')))).toMatchObject({
      ok: true,
      observation: { seq: 4, voltageV: 230 },
    });
    expect(
      decodeSerialItem(
        'aicss-legacy',
        line(stripBytes(encodeLegacyLine({ luz: 5, distancia: 6 }, 'latin1')), false),
      ),
    ).toMatchObject({ ok: true, observation: { lightRaw: 5, distanceCm: 6 } });
    expect(decodeSerialItem('aicss', line(Buffer.from('MSG:1,cs:1'), false))).toMatchObject({
      code: 'no_crlf',
    });
  });

  it('never throws, whatever the bytes and the format (property)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .string({ unit: fc.constantFrom(...'MSG:cs,{}"0123456789.-#Luz|nan\r'.split('')), maxLength: 120 })
        .map((s) => Buffer.from(s, 'latin1')),
      fc.json().map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...SERIAL_FORMATS), bytes, fc.boolean(), (format, b, crlf) => {
        const r = decodeSerialItem(format, { kind: 'line', bytes: Buffer.from(b), crlf });
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.text.length).toBeLessThanOrEqual(1201);
      }),
      { numRuns: 1200 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(typeof decodeLegacyHttpJson(v).ok).toBe('boolean');
      }),
    );
  });
});
