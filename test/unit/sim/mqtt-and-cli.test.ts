import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { handleBoardCommand } from '../../../firmware-sim/board-commands.ts';
import { registerSimCommand } from '../../../firmware-sim/cli/sim-command.ts';
import { parseDurationMs, parseInstantMs } from '../../../firmware-sim/duration.ts';
import { FAULT_NAMES, FAULTS, parseFaultSpec } from '../../../firmware-sim/faults.ts';
import { MqttEncoder, sensorPayload } from '../../../firmware-sim/outputs/mqtt-encoder.ts';
import { collectEvents } from '../../../firmware-sim/render.ts';
import type { RecordEvent } from '../../../firmware-sim/sim-events.ts';
import { toRunOptions } from '../../../firmware-sim/sim-options.ts';
import { decodeMqttMessage } from '../../../shared/protocol/mqtt-topics.ts';
import { decodeEach, HOUR, sim, T0 } from './sim-test-helpers.ts';

describe('MQTT encoding of the same events', () => {
  it('gives SENSOR payloads that decode to the same values as the serial line', () => {
    const events = collectEvents(sim({ seed: 'mq', boards: 2 }), T0 + 6 * HOUR);
    const enc = new MqttEncoder({ statePeriodS: 300 });
    const kinds: Record<string, number> = {};
    for (const { ev, obs } of decodeEach(events)) {
      for (const m of enc.encode(ev, 60)) {
        const d = decodeMqttMessage(m.topic, Buffer.from(m.payload));
        kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
        expect(m.topic.split('/')[1]).toBe(ev.device);
        if (d.kind !== 'sensor') continue;
        expect(d.result.ok && d.result.kind === 'observation').toBe(true);
        if (!d.result.ok || d.result.kind !== 'observation') continue;
        const o = d.result.observation;
        expect(o.seq).toBe(obs.seq);
        expect(o.voltageV).toBe(obs.voltageV);
        expect(o.lightRaw).toBe(obs.lightRaw);
        expect(o.distanceCm).toBe(obs.distanceCm);
        expect(o.lampInternal).toBe(obs.lampInternal);
        expect(o.channels.map((c) => [c.powerW, c.energyWh, c.currentA])).toEqual(
          obs.channels.map((c) => [c.powerW, c.energyWh, c.currentA]),
        );
        if (obs.epochS) expect(o.epochS).toBe(obs.epochS);
      }
    }
    for (const ev of events.filter((e) => e.type === 'boot')) {
      const [info] = enc.encode(ev, 60);
      const d = decodeMqttMessage(info!.topic, Buffer.from(info!.payload));
      expect(d).toMatchObject({
        kind: 'info1',
        info: { module: 'AICSS', version: '1.0.0', telePeriodS: 60 },
      });
    }
    expect(kinds.sensor).toBeGreaterThan(600);
    expect(kinds.state).toBeGreaterThan(100);
    expect(
      decodeMqttMessage('tele/aicss-000001/LWT', Buffer.from(enc.lwt('aicss-000001', false).payload)),
    ).toEqual({
      kind: 'lwt',
      device: 'aicss-000001',
      online: false,
    });
  });

  it('renders payload faults: null for DHT failure, bare nan, garbage, truncated, over-long', () => {
    const find = (spec: string, pick: (e: RecordEvent) => boolean) =>
      collectEvents(sim({ seed: `mqf-${spec}`, faults: spec }), T0 + 24 * HOUR).find(
        (e): e is RecordEvent => e.type === 'record' && pick(e),
      )!;
    const dht = find('dht:0.05', (e) => e.record.T1 === undefined && e.record.up! > 10);
    expect(JSON.parse(sensorPayload(dht) as string).AM2301).toEqual({ Temperature: null, Humidity: null });
    const nan = find('dht-nan:0.05', (e) => e.nanFields.includes('T1'));
    expect(String(sensorPayload(nan))).toContain('"Temperature":nan,"Humidity":nan');
    // Invalid JSON as hand-built firmware JSON is; the gateway may reject it or salvage it, never store NaN.
    const d = decodeMqttMessage(`tele/${nan.device}/SENSOR`, Buffer.from(sensorPayload(nan)));
    expect(d.kind).toBe('sensor');
    if (d.kind === 'sensor' && d.result.ok && d.result.kind === 'observation') {
      expect(d.result.observation.temperatureC).toBeUndefined();
      expect(d.result.observation.lightRaw).toBe(nan.record.ldr);
    }
    const meterNan = find('meter-nan:0.05', (e) => e.nanFields.includes('V'));
    expect(String(sensorPayload(meterNan))).toContain('"Voltage":nan');
    const trunc = find('truncate:0.1', (e) => e.wire.some((w) => w.kind === 'truncate'));
    expect(() => JSON.parse(String(sensorPayload(trunc)))).toThrow();
    const garbage = find('garbage:0.1', (e) => e.wire.some((w) => w.kind === 'garbage'));
    expect(Buffer.isBuffer(sensorPayload(garbage))).toBe(true);
    const long = find('overlong:0.1', (e) => e.wire.some((w) => w.kind === 'overlong'));
    expect(decodeMqttMessage(`tele/${long.device}/SENSOR`, Buffer.from(sensorPayload(long)))).toMatchObject({
      kind: 'rejected',
      code: 'too_long',
    });
  });
});

describe('board commands (cmnd/<dev>/<Cmd> → stat/<dev>/RESULT)', () => {
  it('queries, sets, clamps and rejects like Tasmota', () => {
    const board = sim({ seed: 'cmd' }).boards[0]!;
    expect(handleBoardCommand(board, 'TelePeriod', '')).toEqual({ TelePeriod: 60 });
    expect(handleBoardCommand(board, 'teleperiod', '30')).toEqual({ TelePeriod: 30 });
    expect(handleBoardCommand(board, 'TelePeriod', '5')).toEqual({ TelePeriod: 10 });
    expect(handleBoardCommand(board, 'TelePeriod', '99999')).toEqual({ TelePeriod: 3600 });
    expect(handleBoardCommand(board, 'TelePeriod', 'soon')).toEqual({ Command: 'Error' });
    expect(handleBoardCommand(board, 'LdrThreshold', '1800')).toEqual({ LdrThreshold: 1800 });
    expect(board.ldrThreshold).toBe(1800);
    expect(handleBoardCommand(board, 'LdrThreshold', '5000')).toEqual({ Command: 'Error' });
    expect(handleBoardCommand(board, 'DistThreshold', '80')).toEqual({ DistThreshold: 80 });
    expect(handleBoardCommand(board, 'EnergyReset', '1500,4200')).toEqual({
      EnergyReset: { E1: 1500, E2: 4200 },
    });
    expect(board.energyCounters()).toEqual([1500, 4200]);
    expect(handleBoardCommand(board, 'EnergyReset', '')).toEqual({ EnergyReset: { E1: 0, E2: 0 } });
    expect(handleBoardCommand(board, 'Power', 'ON')).toEqual({ Command: 'Unknown' });
  });

  it('applies a new TelePeriod to the following records', () => {
    const s = sim({ seed: 'cmd2', telePeriodS: 10 });
    const board = s.boards[0]!;
    const before = collectEvents(s, T0 + 60_000).filter((e) => e.type === 'record');
    handleBoardCommand(board, 'TelePeriod', '60');
    const after = collectEvents(s, T0 + 10 * 60_000).filter((e) => e.type === 'record');
    expect(before.length).toBeGreaterThanOrEqual(5);
    const gaps = after.slice(1).map((e, i) => e.atMs - after[i]!.atMs);
    expect(gaps.every((g) => g === 60_000)).toBe(true);
  });
});

describe('options', () => {
  it('parses fault specs, durations and instants', () => {
    expect(parseFaultSpec('crc:0.01,sag:0.2:30s')).toEqual({
      crc: { rate: 0.01 },
      sag: { rate: 0.2, durationMs: 30_000 },
    });
    expect(Object.keys(parseFaultSpec('all:0.001'))).toEqual([...FAULT_NAMES]);
    expect(() => parseFaultSpec('nope:0.1')).toThrow(/unknown fault "nope"/);
    expect(() => parseFaultSpec('crc:2')).toThrow(/0…1/);
    expect(() => parseFaultSpec('crc')).toThrow(/name:rate/);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('10')).toBe(10_000);
    expect(() => parseDurationMs('10 parsecs')).toThrow();
    expect(parseInstantMs('-7d', 1_000_000_000_000)).toBe(1_000_000_000_000 - 7 * 86_400_000);
    expect(parseInstantMs('2024-01-01', 0)).toBe(Date.UTC(2024, 0, 1));
  });

  it('maps every protocol.md §3.2 item to at least one fault switch', () => {
    const sources = FAULTS.map((f) => f.source).join(' ');
    for (let i = 1; i <= 11; i++) expect(sources).toMatch(new RegExp(`§3\\.2\\.${i}\\b`));
  });

  it('turns CLI options into run options: backfill vs real time, defaults, all errors at once', () => {
    const now = Date.parse('2024-06-01T00:00:00Z');
    const backfill = toRunOptions(
      { boards: '10', from: '2024-01-01', to: '2025-01-01', telePeriod: '60' },
      now,
    );
    expect(backfill).toMatchObject({ boards: 10, telePeriodS: 60, from: Date.UTC(2024, 0, 1), out: ['-'] });
    expect(backfill.speed).toBeUndefined();
    const legacy = toRunOptions({ legacy: true, duration: '10s' }, now);
    expect(legacy).toMatchObject({ telePeriodS: 1, legacy: true, durationMs: 10_000 });
    const mqtt = toRunOptions({ mqtt: 'mqtt://127.0.0.1:1883', username: 'u-{device}' }, now);
    expect(mqtt.mqtt).toEqual({ url: 'mqtt://127.0.0.1:1883', window: 100, username: 'u-{device}' });
    expect(mqtt.out).toEqual([]);
    expect(() => toRunOptions({ boards: '0', tz: 'Mars/Olympus', lat: '100' }, now)).toThrow(
      /--boards.*\n.*--lat.*\n.*--tz|--boards[\s\S]*--lat[\s\S]*--tz/,
    );
    expect(() => toRunOptions({ legacy: true, mqtt: 'mqtt://x:1' }, now)).toThrow(/no MQTT/);
  });
});

describe('cds sim --help', () => {
  it('documents every option, the time modes and every fault switch', () => {
    const program = new Command('cds');
    registerSimCommand(program);
    const sim = program.commands.find((c) => c.name() === 'sim')!;
    let help = '';
    sim.configureOutput({ writeOut: (t) => (help += t) });
    sim.outputHelp();
    for (const opt of [
      '--boards',
      '--seed',
      '--tele-period',
      '--duration',
      '--from',
      '--to',
      '--speed',
      '--out',
      '--legacy',
      '--legacy-encoding',
      '--mqtt',
      '--username',
      '--password',
      '--mqtt-window',
      '--faults',
      '--tz',
    ]) {
      expect(help).toContain(opt);
    }
    expect(help).toContain('backfill');
    for (const f of FAULT_NAMES) expect(help).toMatch(new RegExp(`\\n  ${f} +(event|episode)`));
  });
});
