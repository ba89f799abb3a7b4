import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import {
  estimateBootS,
  isKnownTimeZone,
  localTimeToEpochMs,
  type NormalizeContext,
  TEMPERATURE_SENTINELS,
  toReading,
} from '../../../shared/protocol/normalize.ts';
import { emptyObservation, type Observation } from '../../../shared/protocol/observation.ts';
import { BOARD_FLAGS, ChannelReading, GATEWAY_FLAGS, Reading } from '../../../shared/schemas/reading.ts';
import { aicssRecordArb, expectedObservation } from './arbitraries.ts';

const BOOT_LINE =
  'MSG:0,t:0,up:2,rst:9,V:126.9,F:60.0,I1:0.000,P1:0,VA1:0,PF1:0.00,E1:1532,I2:0.000,P2:0,VA2:0,PF2:0.00,E2:4210,ldr:4095,led_in:0,led_ext:0,st:93,cs:13723';
const DAY_LINE =
  'MSG:1042,t:1731616535,up:86400,V:127.3,F:60.0,I1:0.496,P1:60,VA1:63,PF1:0.95,E1:1532,I2:0.786,P2:100,VA2:100,PF2:1.00,E2:4210,T1:24.5,RH1:58.2,ldr:1450,dist:87,led_in:1,led_ext:1,st:0,cs:37582';
const NOW = Date.parse('2024-11-14T20:35:40Z');
const ctx: NormalizeContext = { device: 'aicss-a1b2c3', boot: 1731530135, receivedAt: NOW, source: 'serial' };

function line(text: string): Observation {
  const r = decodeAicssLine(text);
  if (!r.ok || r.kind !== 'observation') throw new Error(JSON.stringify(r));
  return r.observation;
}
function obs(fields: Partial<Observation>): Observation {
  return { ...emptyObservation(), seq: 1, epochS: 1731616535, ...fields };
}
function reading(o: Observation, c: Partial<NormalizeContext> = {}) {
  const r = toReading(o, { ...ctx, ...c });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r;
}

describe('toReading on the spec examples', () => {
  it('stamps the brownout line (t:0, st bit 1) with the arrival time and keeps the board flags', () => {
    const { reading: r, dropped } = reading(line(BOOT_LINE));
    expect(r).toMatchObject({
      seq: 0,
      ts: NOW,
      timeQuality: 'gateway',
      resetReason: 9,
      uptimeS: 2,
      lightRaw: 4095,
    });
    expect(r.flags).toBe(93 | GATEWAY_FLAGS.TIME_FROM_GATEWAY);
    expect(r.channels.map((c) => c.energyWh)).toEqual([1532, 4210]);
    expect(r.temperatureC).toBeUndefined();
    expect(dropped).toEqual([]);
  });

  it('keeps the board time of the normal line', () => {
    const { reading: r } = reading(line(DAY_LINE));
    expect(r).toMatchObject({
      ts: 1731616535000,
      timeQuality: 'board',
      flags: 0,
      temperatureC: 24.5,
      distanceCm: 87,
    });
    expect(r.lampInternal).toBe(true);
  });
});

describe('invalid values become absent values with a flag', () => {
  it.each([...TEMPERATURE_SENTINELS])('drops the temperature sentinel %s °C and keeps the rest', (t) => {
    const { reading: r, dropped } = reading(obs({ temperatureC: t, humidityPct: 40 }));
    expect(r.temperatureC).toBeUndefined();
    expect(r.humidityPct).toBe(40);
    expect(dropped).toEqual([{ field: 'temperatureC', code: 'sentinel', value: t }]);
    expect(r.flags & GATEWAY_FLAGS.SENTINEL_DROPPED).toBeTruthy();
  });

  it('drops NaN/∞ and the nan fields a decoder reported', () => {
    const { reading: r, dropped } = reading(
      obs({ voltageV: Number.NaN, frequencyHz: Infinity, droppedFields: ['T1'] }),
    );
    expect(r.voltageV).toBeUndefined();
    expect(r.frequencyHz).toBeUndefined();
    expect(dropped.map((d) => [d.field, d.code])).toEqual([
      ['T1', 'nan'],
      ['voltageV', 'nan'],
      ['frequencyHz', 'nan'],
    ]);
    expect(r.flags).toBe(GATEWAY_FLAGS.SENTINEL_DROPPED);
  });

  it('drops out-of-range and non-integer values per field, naming channel fields', () => {
    const o = obs({
      voltageV: 900,
      lightRaw: 12.5,
      uptimeS: 1.5,
      humidityPct: 101,
      channels: [{ powerW: 60, currentA: -1 }, { energyWh: 5 }],
    });
    const { reading: r, dropped } = reading(o);
    expect(dropped.map((d) => d.field)).toEqual([
      'uptimeS',
      'voltageV',
      'humidityPct',
      'lightRaw',
      'channels[0].currentA',
    ]);
    expect(r.channels).toEqual([{ powerW: 60 }, { energyWh: 5 }]);
    expect(r.flags).toBe(GATEWAY_FLAGS.VALUE_OUT_OF_RANGE);
  });

  it('reads a 0 cm distance as the echo timeout', () => {
    const { reading: r } = reading(obs({ distanceCm: 0 }));
    expect(r.distanceCm).toBeUndefined();
    expect(r.flags).toBe(BOARD_FLAGS.DIST_TIMEOUT | GATEWAY_FLAGS.SENTINEL_DROPPED);
  });
});

describe('reading time', () => {
  it('never stores a 1970 clock from a board that claims to be synced', () => {
    const { reading: r } = reading(obs({ epochS: 3 }));
    expect(r).toMatchObject({ ts: NOW, timeQuality: 'gateway' });
    expect(r.flags).toBe(GATEWAY_FLAGS.TIME_FROM_GATEWAY | GATEWAY_FLAGS.CLOCK_IMPLAUSIBLE);
  });

  it('refuses a board clock more than a day ahead, and accepts one a minute ahead', () => {
    expect(reading(obs({ epochS: NOW / 1000 + 2 * 86400 })).reading.timeQuality).toBe('gateway');
    expect(reading(obs({ epochS: NOW / 1000 + 60 })).reading.timeQuality).toBe('board');
  });

  it('uses the arrival time when the board says its clock is unsynced, without calling it implausible', () => {
    const { reading: r } = reading(obs({ boardFlags: BOARD_FLAGS.CLOCK_UNSYNCED }));
    expect(r.flags).toBe(BOARD_FLAGS.CLOCK_UNSYNCED | GATEWAY_FLAGS.TIME_FROM_GATEWAY);
  });

  it('places Tasmota local time in the source zone, DST included', () => {
    expect(localTimeToEpochMs('2024-11-14T17:35:35', 'America/Sao_Paulo')).toBe(
      Date.parse('2024-11-14T20:35:35Z'),
    );
    expect(localTimeToEpochMs('2024-07-01T12:00:00', 'Europe/Berlin')).toBe(
      Date.parse('2024-07-01T10:00:00Z'),
    );
    expect(localTimeToEpochMs('2024-01-01T12:00:00', 'Europe/Berlin')).toBe(
      Date.parse('2024-01-01T11:00:00Z'),
    );
    expect(localTimeToEpochMs('2024-02-30T12:00:00', 'UTC')).toBeUndefined();
    expect(localTimeToEpochMs('yesterday', 'UTC')).toBeUndefined();
    const { reading: r } = reading(obs({ epochS: undefined, localTime: '2024-11-14T17:35:35' }), {
      timeZone: 'America/Sao_Paulo',
    });
    expect(r).toMatchObject({ ts: Date.parse('2024-11-14T20:35:35Z'), timeQuality: 'board' });
  });

  it('falls back to the arrival time for an unknown zone instead of throwing', () => {
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('America/Sao_Paulo')).toBe(true);
    const { reading: r } = reading(obs({ epochS: undefined, localTime: '2024-11-14T17:35:35' }), {
      timeZone: 'Mars/Olympus_Mons',
    });
    expect(r.flags).toBe(GATEWAY_FLAGS.TIME_FROM_GATEWAY | GATEWAY_FLAGS.CLOCK_IMPLAUSIBLE);
  });

  it('derives the boot identity from the time and the uptime', () => {
    expect(estimateBootS(1731616535000, 86400)).toBe(1731530135);
    expect(estimateBootS(5000, 86400)).toBe(0);
  });
});

describe('identity', () => {
  it('numbers a source without sequence from the context, and says so', () => {
    const { reading: r } = reading(obs({ seq: undefined }), { seq: 77 });
    expect(r.seq).toBe(77);
    expect(r.flags & GATEWAY_FLAGS.SEQ_FROM_GATEWAY).toBeTruthy();
    expect(toReading(obs({ seq: undefined }), ctx)).toMatchObject({ ok: false, code: 'bad_format' });
  });

  it('refuses a device id the schema does not accept', () => {
    expect(toReading(obs({}), { ...ctx, device: 'bad id/with slash' })).toMatchObject({
      ok: false,
      code: 'unknown_device',
    });
  });
});

describe('properties', () => {
  it('a valid record normalises with nothing dropped and every value kept (property)', () => {
    fc.assert(
      fc.property(aicssRecordArb, (rec) => {
        const o = expectedObservation(rec);
        const r = toReading(o, ctx);
        if (!r.ok) throw new Error(JSON.stringify(r));
        expect(r.dropped).toEqual([]);
        expect(r.reading.channels).toEqual(o.channels);
        expect(r.reading.voltageV).toBe(o.voltageV);
        expect(r.reading.temperatureC).toBe(o.temperatureC);
        expect(r.reading.flags & 0xffff).toBe(o.boardFlags);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and only ever returns schema-valid readings, whatever the numbers (property)', () => {
    const num = fc.option(fc.oneof(fc.double(), fc.integer({ min: -200, max: 5000 })), { nil: undefined });
    const obsArb = fc.record({
      seq: fc.option(fc.integer({ min: -5, max: 2 ** 33 }), { nil: undefined }),
      epochS: num,
      localTime: fc.option(fc.string({ maxLength: 25 }), { nil: undefined }),
      uptimeS: num,
      resetReason: num,
      voltageV: num,
      frequencyHz: num,
      temperatureC: num,
      humidityPct: num,
      lightRaw: num,
      distanceCm: num,
      channels: fc.array(
        fc.record({ currentA: num, powerW: num, apparentPowerVa: num, powerFactor: num, energyWh: num }),
        { maxLength: 10 },
      ),
      boardFlags: fc.integer({ min: 0, max: 0xffff }),
      droppedFields: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(obsArb, fc.integer({ min: 0, max: 100 }), (o, seq) => {
        const r = toReading(o as Observation, { ...ctx, seq });
        if (r.ok) expect(Reading.safeParse(r.reading).success).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the Reading schema', () => {
  it('documents every field (units where there is one)', () => {
    for (const schema of [Reading, ChannelReading])
      for (const [name, field] of Object.entries(schema.shape))
        expect(field.description, `${name} has no description`).toMatch(/\S{3}/);
  });
});
