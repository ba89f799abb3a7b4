import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeviceInfo,
  type DeviceState,
  decodeMqttMessage,
  encodeCommand,
  encodeInfo1,
  encodeLwt,
  encodeResult,
  encodeState,
  parseTopic,
  topicFor,
} from '../../../shared/protocol/mqtt-topics.ts';

const deviceArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/);

/** The topic rule as first written (split into levels): the reference the index-arithmetic version must match. */
function referenceParseTopic(topic: string) {
  const parts = topic.split('/');
  if (parts.length !== 3) return undefined;
  const [prefix, device, suffix] = parts as [string, string, string];
  if (
    !['tele', 'stat', 'cmnd'].includes(prefix) ||
    !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(device) ||
    !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(suffix)
  )
    return undefined;
  return { prefix, device, suffix };
}
const decode = (topic: string, payload: string) => decodeMqttMessage(topic, Buffer.from(payload));

describe('topics', () => {
  it('parses <tele|stat|cmnd>/<device>/<name> and builds it back (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('tele' as const, 'stat' as const, 'cmnd' as const),
        deviceArb,
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
        (prefix, device, suffix) => {
          expect(parseTopic(topicFor(prefix, device, suffix))).toEqual({ prefix, device, suffix });
        },
      ),
    );
  });

  it('agrees with the level-by-level reference on random topics (property)', () => {
    const level = fc.oneof(
      fc.constantFrom('tele', 'stat', 'cmnd', 'telex', 'Tele', 'aicss-a1', 'SENSOR', '', '+', '#', '_x', '9'),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: fc.constantFrom('a', 'Z', '1', '-', '.', '_', '/', ' '), maxLength: 70 }),
    );
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 5 }), (levels) => {
        const t = levels.join('/');
        expect(parseTopic(t)).toEqual(referenceParseTopic(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses topics outside the tree', () => {
    for (const t of [
      'tele/a/b/SENSOR',
      'tele/SENSOR',
      'foo/a/SENSOR',
      'tele/+/SENSOR',
      'tele/#',
      'tele//SENSOR',
      'tele/a/',
    ])
      expect(parseTopic(t)).toBeUndefined();
    expect(decode('tele/a/b/SENSOR', '{}')).toMatchObject({ kind: 'rejected', code: 'unknown_topic' });
  });

  it('ignores well-formed Tasmota topics CDS has no use for', () => {
    expect(decode('tele/hotWater/INFO3', '{"RestartReason":"Software/System restart"}')).toEqual({
      kind: 'ignored',
      device: 'hotWater',
      topic: { prefix: 'tele', device: 'hotWater', suffix: 'INFO3' },
    });
  });

  it('refuses an oversized payload before parsing it', () => {
    expect(decode('tele/x/STATE', `{"a":"${'z'.repeat(9000)}"}`)).toMatchObject({
      kind: 'rejected',
      device: 'x',
      code: 'too_long',
    });
  });

  it('hands SENSOR payloads to the sensor decoder and stamps the device from the topic', () => {
    const m = decode('tele/aicss-a1b2c3/SENSOR', '{"Seq":5,"ENERGY":{"Voltage":127.1}}');
    expect(m).toMatchObject({
      kind: 'sensor',
      device: 'aicss-a1b2c3',
      result: { ok: true, observation: { seq: 5, voltageV: 127.1, device: 'aicss-a1b2c3' } },
    });
  });
});

describe('LWT', () => {
  it('round-trips Online/Offline and accepts other casings', () => {
    for (const online of [true, false])
      expect(decode('tele/d1/LWT', encodeLwt(online))).toEqual({ kind: 'lwt', device: 'd1', online });
    expect(encodeLwt(true)).toBe('Online');
    expect(encodeLwt(false)).toBe('Offline');
    expect(decode('tele/d1/LWT', ' online\n')).toMatchObject({ kind: 'lwt', online: true });
    expect(decode('tele/d1/LWT', 'maybe')).toMatchObject({ kind: 'rejected', code: 'bad_format' });
  });
});

describe('STATE', () => {
  const stateArb: fc.Arbitrary<DeviceState> = fc.record(
    {
      time: fc.option(fc.constantFrom('2024-11-14T20:35:35Z', '2023-05-19T20:52:56'), { nil: null }),
      uptimeS: fc.integer({ min: 0, max: 10 ** 9 }),
      heapKb: fc.integer({ min: 0, max: 400 }),
      wifiRssiPct: fc.integer({ min: 0, max: 100 }),
      wifiSignalDbm: fc.integer({ min: -100, max: 0 }),
      restartReason: fc.constantFrom('Brownout', 'Power on', 'Software/System restart'),
    },
    { requiredKeys: ['time'] },
  );

  it('round-trips (property)', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        expect(decode('tele/d/STATE', encodeState(s))).toEqual({ kind: 'state', device: 'd', state: s });
      }),
    );
  });

  it('writes Tasmota uptime text and reads it back when UptimeSec is missing', () => {
    const payload = encodeState({ time: null, uptimeS: 93784 });
    expect(JSON.parse(payload)).toEqual({ Time: null, Uptime: '1T02:03:04', UptimeSec: 93784 });
    expect(decode('tele/d/STATE', '{"Time":"2021-01-01T12:00:00","Uptime":"1T02:03:04"}')).toMatchObject({
      state: { uptimeS: 93784 },
    });
  });

  it('reads a Tasmota-shaped STATE (synthesized from the Tasmota field list), ignoring extra fields', () => {
    const tasmota =
      '{"Time":"2021-01-01T12:00:00","Uptime":"0T00:05:13","UptimeSec":313,"Heap":25,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"ON","Wifi":{"AP":1,"SSId":"home","BSSId":"AA:BB:CC:DD:EE:FF","Channel":1,"Mode":"11n","RSSI":100,"Signal":-45,"LinkCount":1,"Downtime":"0T00:00:03"}}';
    expect(decode('tele/plug/STATE', tasmota)).toEqual({
      kind: 'state',
      device: 'plug',
      state: { time: '2021-01-01T12:00:00', uptimeS: 313, heapKb: 25, wifiRssiPct: 100, wifiSignalDbm: -45 },
    });
    expect(decode('tele/plug/STATE', '{"UptimeSec":"x"}')).toMatchObject({
      kind: 'rejected',
      code: 'bad_format',
    });
    expect(decode('tele/plug/STATE', 'not json')).toMatchObject({ kind: 'rejected', code: 'bad_json' });
  });
});

describe('INFO1', () => {
  it('round-trips (property) and reads the Tasmota ≥ 9 {"Info1":{…}} wrapper', () => {
    const infoArb: fc.Arbitrary<DeviceInfo> = fc.record(
      {
        module: fc.constantFrom('AICSS', 'Sonoff Pow R2'),
        version: fc.stringMatching(/^\d+\.\d+\.\d+$/),
        telePeriodS: fc.integer({ min: 10, max: 3600 }),
      },
      { requiredKeys: ['module', 'version'] },
    );
    fc.assert(
      fc.property(infoArb, (info) => {
        expect(decode('tele/d/INFO1', encodeInfo1(info))).toEqual({ kind: 'info1', device: 'd', info });
      }),
    );
    expect(encodeInfo1({ module: 'AICSS', version: '1.0.0', telePeriodS: 10 })).toBe(
      '{"Module":"AICSS","Version":"1.0.0","TelePeriod":10}',
    );
    expect(
      decode(
        'tele/p/INFO1',
        '{"Info1":{"Module":"Sonoff Basic","Version":"13.2.0(tasmota)","FallbackTopic":"cmnd/x_fb/"}}',
      ),
    ).toEqual({ kind: 'info1', device: 'p', info: { module: 'Sonoff Basic', version: '13.2.0(tasmota)' } });
    expect(decode('tele/p/INFO1', '{"Module":1}')).toMatchObject({ kind: 'rejected', code: 'bad_format' });
  });
});

describe('commands and results', () => {
  it('round-trips cmnd/<device>/<Cmd> with or without an argument (property)', () => {
    fc.assert(
      fc.property(
        deviceArb,
        fc.constantFrom('TelePeriod', 'LdrThreshold', 'DistThreshold', 'EnergyReset'),
        fc.option(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom('1', 'ON', '0.5')), {
          nil: undefined,
        }),
        (device, command, argument) => {
          const c = encodeCommand({ device, command, ...(argument !== undefined && { argument }) });
          expect(c.topic).toBe(`cmnd/${device}/${command}`);
          expect(decodeMqttMessage(c.topic, Buffer.from(c.payload))).toEqual({
            kind: 'command',
            device,
            command,
            argument: argument === undefined ? '' : String(argument),
          });
        },
      ),
    );
  });

  it('round-trips stat/<device>/RESULT objects (property)', () => {
    const value = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 10 }));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 4 }),
        (result) => {
          expect(decode('stat/d/RESULT', encodeResult(result))).toEqual({
            kind: 'result',
            device: 'd',
            result,
          });
        },
      ),
    );
    expect(decode('stat/d/RESULT', '{"Command":"Unknown"}')).toMatchObject({
      result: { Command: 'Unknown' },
    });
    expect(decode('stat/d/RESULT', '7')).toMatchObject({ kind: 'rejected', code: 'bad_format' });
  });
});

describe('robustness', () => {
  it('never throws, whatever the topic and payload (property)', () => {
    const topic = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .tuple(
          fc.constantFrom('tele', 'stat', 'cmnd', 'x'),
          deviceArb,
          fc.constantFrom('SENSOR', 'LWT', 'STATE', 'INFO1', 'RESULT', 'X'),
        )
        .map((p) => p.join('/')),
    );
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.json().map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        expect(typeof decodeMqttMessage(t, Buffer.from(p)).kind).toBe('string');
      }),
      { numRuns: 800 },
    );
  });
});
