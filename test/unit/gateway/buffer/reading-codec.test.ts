import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReadingRow, encodeReadingBody } from '../../../../gateway/buffer/reading-codec.ts';
import { MIN_READING_TS, Reading } from '../../../../shared/schemas/reading.ts';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const channel = fc.record(
  {
    currentA: num(0, 200),
    powerW: num(-100_000, 100_000),
    apparentPowerVa: num(0, 100_000),
    powerFactor: num(-1, 1),
    energyWh: num(0, 2 ** 40),
  },
  { requiredKeys: [] },
);

const reading = fc.record(
  {
    device: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
    boot: fc.integer({ min: 0, max: 2 ** 40 }),
    seq: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    ts: fc.integer({ min: MIN_READING_TS, max: MIN_READING_TS + 2 ** 40 }),
    timeQuality: fc.constantFrom('board', 'gateway', 'unknown'),
    receivedAt: fc.integer({ min: MIN_READING_TS, max: MIN_READING_TS + 2 ** 40 }),
    source: fc.constantFrom('serial', 'mqtt', 'http', 'sim'),
    uptimeS: fc.integer({ min: 0, max: 2 ** 32 }),
    resetReason: fc.integer({ min: 0, max: 255 }),
    voltageV: num(0, 500),
    frequencyHz: num(40, 70),
    channels: fc.array(channel, { maxLength: 8 }),
    temperatureC: num(-40, 125),
    humidityPct: num(0, 100),
    lightRaw: fc.integer({ min: 0, max: 4095 }),
    distanceCm: num(0, 1000),
    lampInternal: fc.boolean(),
    lampExternal: fc.boolean(),
    flags: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  },
  {
    requiredKeys: ['device', 'boot', 'seq', 'ts', 'timeQuality', 'receivedAt', 'source', 'channels', 'flags'],
  },
);

describe('reading codec (compact SQLite body)', () => {
  // Exact up to JSON's own number form (−0 becomes 0), which is what the sync sends anyway.
  it('round-trips every valid reading exactly', () => {
    fc.assert(
      fc.property(reading, (raw) => {
        const r = Reading.parse(raw);
        const body = encodeReadingBody(r);
        const back = decodeReadingRow({ device: r.device, boot: r.boot, seq: r.seq, ts: r.ts, body });
        expect(back).toEqual(JSON.parse(JSON.stringify(r)));
        expect(Reading.safeParse(back).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('omits absent values instead of storing zero, and trims trailing nulls', () => {
    const r: Reading = {
      device: 'dev-1',
      boot: 1,
      seq: 2,
      ts: MIN_READING_TS + 1,
      timeQuality: 'gateway',
      receivedAt: MIN_READING_TS + 1,
      source: 'serial',
      channels: [{ powerW: 0 }],
      flags: 4,
    };
    const body = encodeReadingBody(r);
    expect(body).toBe('[1,0,0,4,[[null,0]]]');
    expect(decodeReadingRow({ ...r, body })).toEqual(r);
  });
});
