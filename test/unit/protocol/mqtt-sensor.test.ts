import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSensorPayload,
  encodeAicssSensor,
  encodeTasmotaSensor,
} from '../../../shared/protocol/mqtt-sensor.ts';
import { decodeMqttMessage } from '../../../shared/protocol/mqtt-topics.ts';
import { toReading } from '../../../shared/protocol/normalize.ts';
import type { Observation } from '../../../shared/protocol/observation.ts';
import { BOARD_FLAGS, GATEWAY_FLAGS } from '../../../shared/schemas/reading.ts';
import { aicssRecordArb, expectedObservation } from './arbitraries.ts';

// Verbatim from protocol.md §2.4 (third-party captures of real Tasmota devices).
const SONOFF_DESK =
  '{"Time":"2023-05-19T20:52:56","ENERGY":{"TotalStartTime":"2022-03-20T15:20:48","Total":514.153,"Yesterday":1.495,"Today":0.537,"Period":0,"Power":56,"ApparentPower":92,"ReactivePower":73,"Factor":0.61,"Voltage":234,"Current":0.392}}';
const DUAL_METER =
  '{"Time":"2026-09-18T11:19:21","ENERGY":{"TotalStartTime":"2026-09-16T00:00:00","Total":[2.813,0.254],"Yesterday":[1.530,0.125],"Today":[0.772,0.059],"Power":[52,5],"ApparentPower":[66,10],"ReactivePower":[40,9],"Factor":[0.79,0.50],"Voltage":235,"Current":[0.278,0.044],"BL09XX":{"Temperature":46.5}}}';
// protocol.md §4.2, the AICSS SENSOR example, verbatim.
const AICSS_EXAMPLE = `{"Time":"2024-11-14T20:35:35Z","Epoch":1731616535,"Seq":1042,"Uptime":86400,
 "ENERGY":{"TotalStartTime":"2024-11-01T00:00:00Z","Total":[1.532,4.210],"Yesterday":[0.300,1.200],"Today":[0.180,0.700],
           "Period":[0.17,0.28],"Power":[60,100],"ApparentPower":[63,100],"ReactivePower":[19,0],"Factor":[0.95,1.00],
           "Frequency":60.0,"Voltage":127.3,"Current":[0.496,0.786]},
 "AM2301":{"Temperature":24.5,"Humidity":58.2},
 "LDR":{"Raw":1450},"SR04":{"Distance":87},
 "Lights":{"Internal":1,"External":1},
 "Status":{"Flags":0,"ClockSynced":true},"TempUnit":"C"}`;

function observation(payload: string): Observation {
  const r = decodeSensorPayload(payload);
  if (!r.ok || r.kind !== 'observation') throw new Error(JSON.stringify(r));
  return r.observation;
}

describe('Tasmota SENSOR payloads (real captures, protocol.md §2.4)', () => {
  it('decodes a one-channel plug: scalars, Total kWh → Wh, local time kept for the zone', () => {
    expect(observation(SONOFF_DESK)).toEqual({
      localTime: '2023-05-19T20:52:56',
      voltageV: 234,
      channels: [{ currentA: 0.392, powerW: 56, apparentPowerVa: 92, powerFactor: 0.61, energyWh: 514153 }],
      boardFlags: 0,
      droppedFields: [],
    });
  });

  it('decodes a two-channel meter: arrays per channel, one shared Voltage, chip temperature ignored', () => {
    const o = observation(DUAL_METER);
    expect(o.channels).toEqual([
      { currentA: 0.278, powerW: 52, apparentPowerVa: 66, powerFactor: 0.79, energyWh: 2813 },
      { currentA: 0.044, powerW: 5, apparentPowerVa: 10, powerFactor: 0.5, energyWh: 254 },
    ]);
    expect(o.voltageV).toBe(235);
    expect(o.temperatureC).toBeUndefined(); // BL09XX is the metering chip, not the room
  });

  it('places the local Time in the configured zone when normalising', () => {
    const r = toReading(observation(SONOFF_DESK), {
      device: 'sonoff_desk',
      boot: 1,
      seq: 1,
      receivedAt: Date.parse('2023-05-19T23:53:00Z'),
      source: 'mqtt',
      timeZone: 'America/Sao_Paulo',
    });
    expect(r).toMatchObject({
      ok: true,
      reading: { ts: Date.parse('2023-05-19T23:52:56Z'), timeQuality: 'board' },
    });
  });

  it('never takes a 1970 Tasmota clock (before NTP) as the reading time', () => {
    const payload = '{"Time":"1970-01-01T00:00:03","ENERGY":{"Total":1.5,"Power":3,"Voltage":127}}';
    const receivedAt = Date.parse('2025-01-01T00:00:00Z');
    const r = toReading(observation(payload), {
      device: 'hotWater',
      boot: 1,
      seq: 4,
      receivedAt,
      source: 'mqtt',
    });
    expect(r).toMatchObject({ ok: true, reading: { ts: receivedAt, timeQuality: 'gateway' } });
    if (r.ok) expect(r.reading.flags & GATEWAY_FLAGS.CLOCK_IMPLAUSIBLE).toBeTruthy();
  });

  it('round-trips the Tasmota encoder, scalars for one channel and arrays for several (property)', () => {
    const channel = fc.record({
      totalKwh: fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1000),
      powerW: fc.integer({ min: 0, max: 3600 }),
      apparentPowerVa: fc.integer({ min: 0, max: 4000 }),
      factor: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
      currentA: fc.integer({ min: 0, max: 16000 }).map((n) => n / 1000),
    });
    fc.assert(
      fc.property(
        fc.array(channel, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 90, max: 250 }),
        (chs, v) => {
          const payload = encodeTasmotaSensor({
            time: '2025-03-01T10:00:00',
            channels: chs,
            voltageV: v,
            frequencyHz: 60,
          });
          const doc = JSON.parse(payload);
          expect(Array.isArray(doc.ENERGY.Power)).toBe(chs.length > 1);
          const o = observation(payload);
          expect(o.voltageV).toBe(v);
          expect(o.frequencyHz).toBe(60);
          expect(o.channels).toEqual(
            chs.map((c) => ({
              energyWh: Math.round(c.totalKwh * 1000),
              powerW: c.powerW,
              apparentPowerVa: c.apparentPowerVa,
              powerFactor: c.factor,
              currentA: c.currentA,
            })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('AICSS SENSOR payloads (protocol.md §4.2)', () => {
  it('decodes the example: UTC Time with Z and Epoch, arrays, extras', () => {
    expect(observation(AICSS_EXAMPLE)).toEqual({
      seq: 1042,
      epochS: 1731616535,
      uptimeS: 86400,
      voltageV: 127.3,
      frequencyHz: 60,
      channels: [
        { currentA: 0.496, powerW: 60, apparentPowerVa: 63, powerFactor: 0.95, energyWh: 1532 },
        { currentA: 0.786, powerW: 100, apparentPowerVa: 100, powerFactor: 1, energyWh: 4210 },
      ],
      temperatureC: 24.5,
      humidityPct: 58.2,
      lightRaw: 1450,
      distanceCm: 87,
      lampInternal: true,
      lampExternal: true,
      boardFlags: 0,
      droppedFields: [],
    });
  });

  it('decodes the faulty example: null = not measured, flags, restart reason by name', () => {
    const faulty =
      '{"Time":null,"Epoch":0,"Seq":0,"Uptime":2,"ENERGY":{"Total":[1.532,4.210],"Power":[0,0],"Voltage":126.9},"AM2301":{"Temperature":null,"Humidity":null},"LDR":{"Raw":4095},"SR04":{"Distance":null},"Lights":{"Internal":0,"External":0},"Status":{"Flags":93,"ClockSynced":false,"RestartReason":"Brownout","EnergyRestored":true}}';
    const o = observation(faulty);
    expect(o).toMatchObject({
      seq: 0,
      epochS: 0,
      uptimeS: 2,
      resetReason: 9,
      boardFlags: 93,
      lightRaw: 4095,
    });
    expect(o.droppedFields).toEqual([]);
    expect(o.temperatureC).toBeUndefined();
    expect(o.distanceCm).toBeUndefined();
  });

  it('drops a nan (bare, as hand-built firmware JSON prints it, or quoted) and names the field', () => {
    const o = observation(
      '{"Seq":3,"ENERGY":{"Voltage":nan,"Power":[5,nan]},"AM2301":{"Temperature":"nan"}}',
    );
    expect(o.droppedFields).toEqual(['ENERGY.Voltage', 'ENERGY.Power[1]', 'AM2301.Temperature']);
    expect(o.channels).toEqual([{ powerW: 5 }]);
  });

  it('decode(encodeAicssSensor(record)) agrees with the serial line of the same record (property)', () => {
    fc.assert(
      fc.property(aicssRecordArb, (rec) => {
        const o = observation(encodeAicssSensor(rec, { todayWh: [100], periodWh: [1.5, 2] }));
        const synced = (rec.t ?? 0) > 0 && ((rec.st ?? 0) & BOARD_FLAGS.CLOCK_UNSYNCED) === 0;
        const expected = expectedObservation(rec);
        expected.epochS = synced ? rec.t : 0;
        expected.boardFlags = (rec.st ?? 0) | (synced ? 0 : BOARD_FLAGS.CLOCK_UNSYNCED);
        expect(o).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not a sensor payload, with a code', () => {
    expect(decodeSensorPayload('{"Time":')).toMatchObject({ ok: false, code: 'bad_json' });
    expect(decodeSensorPayload('[1]')).toMatchObject({ ok: false, code: 'bad_format' });
    expect(decodeSensorPayload('{"Time":"2024-01-01T00:00:00"}')).toMatchObject({
      ok: false,
      code: 'bad_format',
    });
    expect(decodeSensorPayload('{"Seq":-1,"ENERGY":{}}')).toMatchObject({ ok: false, code: 'bad_value' });
    expect(decodeSensorPayload('{"Seq":1,"Status":{"Flags":1.5}}')).toMatchObject({
      ok: false,
      code: 'bad_value',
    });
    expect(decodeSensorPayload(`{"x":"${'a'.repeat(9000)}"}`)).toMatchObject({ ok: false, code: 'too_long' });
  });

  it('never throws on random bytes or random JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc.json().map((s) => Buffer.from(s)),
        ),
        (b) => {
          expect(typeof decodeSensorPayload(b).ok).toBe('boolean');
          expect(typeof decodeMqttMessage('tele/dev1/SENSOR', Buffer.from(b)).kind).toBe('string');
        },
      ),
      { numRuns: 800 },
    );
  });
});
